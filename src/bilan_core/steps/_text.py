"""Small helpers to write French user-facing text."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from bilan_core.model.common import add_months

__all__ = ["add_months", "bullets", "euros", "french_date", "hours", "slug"]

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")


def french_date(day: date) -> str:
    """``2 novembre 2026`` (``1er`` for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {MONTHS[day.month - 1]} {day.year}"


def hours(value: Decimal) -> str:
    """``12 h``, ``2,5 h``: French decimal comma."""
    text = f"{value.normalize():f}".replace(".", ",")
    return f"{text} h"


def euros(value: Decimal) -> str:
    """``1 950,00 €`` with a narrow no-break space between thousands."""
    whole, cents = f"{value:.2f}".split(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return "\u202f".join(groups) + f",{cents}\u00a0€"


def bullets(lines: Iterable[str]) -> str:
    """A bullet list for a section body, each line plain text (no markup of its own: names
    and notes in it print as typed)."""
    from bilan_core.report.text import plain

    return "\n".join(f"- {plain(line)}" for line in lines)


def slug(text: str) -> str:
    """An id made from a French title: ``Éducateur sportif`` -> ``educateur-sportif``."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    out = "".join(c.lower() if c.isalnum() else "-" for c in ascii_text)
    return "-".join(part for part in out.split("-") if part) or "option"
