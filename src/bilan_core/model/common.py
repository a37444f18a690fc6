"""Validators and small value types shared by the domain model."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import attrs

from bilan_core.i18n import N_, _

CENT = Decimal("0.01")
#: No duration bilan handles comes near this; beyond it a number is a mistake or an attack
#: (a Decimal such as 1e999999999 would take gigabytes to print).
MAX_HOURS = Decimal(100_000)


class Phase(enum.Enum):
    """The three legal phases of a bilan (Code du travail R6313-4), in their legal order."""

    PRELIMINARY = "preliminary"
    INVESTIGATION = "investigation"
    CONCLUSIONS = "conclusions"

    @property
    def rank(self) -> int:
        """0, 1, 2: the order the law gives the phases."""
        return list(Phase).index(self)

    @property
    def label(self) -> str:
        """The French name of the phase, for user-facing text."""
        return _PHASE_LABELS[self]


_PHASE_LABELS = {
    Phase.PRELIMINARY: "phase préliminaire",
    Phase.INVESTIGATION: "phase d'investigation",
    Phase.CONCLUSIONS: "phase de conclusions",
}


#: How sure a rule is, by the kind of source it was checked against.
SURENESS = {
    "law": N_("law (read in the official text)"),
    "official": N_("official fiche"),
    "likely": N_("likely"),
    "3rd-party": N_("reported by a third party"),
    "unsure": N_("unsure"),
}


def sureness_label(value: str) -> str:
    """How sure a rule is, in the reader's language."""
    return _(SURENESS[value]) if value in SURENESS else value


def is_sureness(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    """attrs validator: one of the kinds of :data:`SURENESS`."""
    if value not in SURENESS:
        raise FieldValueError(attribute.name, _("{field} must be one of {allowed}, got {value}")
                              .format(field=attribute.name, allowed=", ".join(SURENESS),
                                      value=_short(value)))


def to_euros(value: Any) -> Decimal:
    """Convert an amount to ``Decimal`` euros rounded to the cent; floats go through ``str``.

    Raises ``ValueError`` for anything that is not a finite number, including booleans.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(_("expected an amount in euros, got {value}").format(value=repr(value)))
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(_("expected an amount in euros, got {value}").format(
            value=repr(value))) from None
    # adjusted() first: abs() of 1e999999999 overflows the decimal context.
    if not amount.is_finite() or amount.adjusted() >= 12:
        raise ValueError(_("expected an amount in euros, got {value}").format(
            value=_short(value)))
    return amount.quantize(CENT)


def to_hours(value: Any) -> Decimal:
    """Convert a duration in hours to ``Decimal`` (quarter-hour precision is kept as given)."""
    if isinstance(value, bool) or value is None:
        raise ValueError(_("expected a number of hours, got {value}").format(value=repr(value)))
    try:
        hours = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(_("expected a number of hours, got {value}").format(
            value=repr(value))) from None
    if not hours.is_finite() or hours.adjusted() > 6 or abs(hours) > MAX_HOURS:
        raise ValueError(_("expected a number of hours up to {limit}, got {value}").format(
            limit=MAX_HOURS, value=_short(value)))
    return hours


class FieldValueError(ValueError):
    """A value refused by a model validator, naming the field (``attribute.name``), so that
    an error in a dossier read back from disk can point at its key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def non_empty(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    """attrs validator: a string with visible characters."""
    if not isinstance(value, str) or not value.strip():
        raise FieldValueError(attribute.name, _("{field} must be a non-empty text").format(
            field=attribute.name))


def non_negative(instance: Any, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    """attrs validator: zero or more."""
    if value < 0:
        raise FieldValueError(attribute.name, _("{field} must be zero or more, got {value}").format(
            field=attribute.name, value=value))


def is_date(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator: a calendar date (not a datetime)."""
    if value is not None and (not isinstance(value, date) or hasattr(value, "hour")):
        raise FieldValueError(attribute.name,
                              _("{field} must be a date (YYYY-MM-DD), got {value!r}").format(
                                  field=attribute.name, value=value))


# ``\w`` is what ``str.isalnum()`` accepts, and ``_`` (checked over every code point).
_IDENTIFIER = re.compile(r"[\w.-]+")


def identifier(instance: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    """attrs validator: an id made of letters, digits, ``_``, ``-`` and ``.``."""
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise FieldValueError(
            attribute.name,
            _("{field} must be an identifier (letters, digits, '_', '-', '.'),"
              " got {value}").format(field=attribute.name, value=_short(value)))


def messages(value: Iterable[Any]) -> tuple[Any, ...]:
    """attrs converter: warnings as :class:`~bilan_core.i18n.Message` (a plain text too)."""
    from bilan_core.i18n import Message

    return tuple(v if isinstance(v, Message) else Message(str(v)) for v in value)


def as_tuple(value: Iterable[Any]) -> tuple[Any, ...]:
    """attrs converter: any iterable to a tuple, so frozen values hold no mutable list."""
    return tuple(value)


#: The dates bilan takes, in files and on the command line: a bilan, a consent or a session
#: outside them is a typing mistake (and date arithmetic past year 9999 would fail).
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clipped to the end of a shorter month."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))
