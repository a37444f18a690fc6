"""The provider's evidence documents, in French, as HTML pages and A4 PDFs.

Five kinds (:data:`KINDS`): the attendance sheet of a dossier (``attendance``), the
certificat de réalisation (``certificate``), the agreement signed at the start (``agreement``:
tripartite, with a funder, or with a self-paying beneficiary), the information given before
the bilan starts (``information``) and the index of an evidence pack (``index``).

Each is a template of ``templates/`` filled from a plain context (a mapping of dicts, lists,
strings, dates and decimals) built from the store's administrative records. Every text in a
context is untrusted (names typed by people): the templates run in the project's sandbox with
autoescaping (:func:`bilan_core.report.templating.environment`) and print them as text, never
as markup. The provider's logo must be a ``data:`` image URI and its colour ``#rgb`` or
``#rrggbb``: anything else is refused here, and the PDF printer refuses any URL but a
``data:`` one anyway (:func:`bilan_core.report.pdf.pdf_from_html`).

The context every kind takes::

    provider: {legal_name, siret, nda, address, representative, qualiopi_certificate,
               logo, colour}          # any may be missing or empty
    beneficiary: {civility, first_name, last_name, address, email, employer}
    dossier: {id, label, counsellor, reference_date, status}
    generated_on: date

plus the keys of its kind, described in each template's opening comment.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

KINDS = ("attendance", "certificate", "agreement", "information", "index")
#: The agreement's variants: employer, employee and provider (R6313-8); a funder (D6353-1 I);
#: a self-paying beneficiary (L6353-3 to L6353-7).
AGREEMENT_VARIANTS = ("tripartite", "funder", "individual")
#: The colour of titles and rules when the provider has none.
DEFAULT_COLOUR = "#1f4e79"
#: Where dates and times are shown: the documents are French.
TIME_ZONE = "Europe/Paris"

_PROVIDER_KEYS = ("legal_name", "siret", "nda", "address", "representative",
                  "qualiopi_certificate", "logo", "colour")
_BENEFICIARY_KEYS = ("civility", "first_name", "last_name", "address", "email", "employer")
_DOSSIER_KEYS = ("id", "label", "counsellor", "reference_date", "status")
_COLOUR = re.compile(r"#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?")
_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
           "septembre", "octobre", "novembre", "décembre")
_NBSP = "\u00a0"  # between a number and its unit
_NNBSP = "\u202f"  # between groups of thousands


def render_html(kind: str, context: Mapping[str, Any]) -> str:
    """The evidence document ``kind`` (one of :data:`KINDS`) as a whole HTML page.

    Raises :class:`ValueError` for an unknown kind or agreement variant, a logo that is not a
    ``data:`` image URI or a colour that is not ``#rgb``/``#rrggbb``; a key of the kind's
    contract that is missing raises :class:`jinja2.UndefinedError`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown evidence document {kind!r}: one of {', '.join(KINDS)}")
    if kind == "agreement" and context.get("variant") not in AGREEMENT_VARIANTS:
        raise ValueError(f"unknown agreement variant {context.get('variant')!r}: one of"
                         f" {', '.join(AGREEMENT_VARIANTS)}")
    provider = _filled(context.get("provider"), _PROVIDER_KEYS)
    values = {
        **context,
        "provider": provider,
        "beneficiary": _filled(context.get("beneficiary"), _BENEFICIARY_KEYS),
        "dossier": _filled(context.get("dossier"), _DOSSIER_KEYS),
        "logo": _logo(provider["logo"]),
        "colour": _colour(provider["colour"]),
    }
    return _environment().get_template(f"{kind}.html.j2").render(values)


def render_pdf(kind: str, context: Mapping[str, Any]) -> bytes:
    """The evidence document ``kind`` as an A4 PDF (see :func:`render_html`)."""
    from bilan_core.report.pdf import pdf_from_html

    return pdf_from_html(render_html(kind, context))


# ------------------------------------------------------------------------------ filters
def day(value: date | str | None) -> str:
    """A date in words: ``2 novembre 2026``, ``1er mai 2027``; an ISO date or date-time
    string is accepted (a date-time is taken in Paris time); None gives ``""``."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = (_paris(value) if len(value.strip()) > 10 else date.fromisoformat(value.strip()))
    if isinstance(value, datetime):
        value = value.date()
    number = "1er" if value.day == 1 else str(value.day)
    return f"{number} {_MONTHS[value.month - 1]} {value.year}"


def moment(value: str | datetime | None) -> str:
    """An instant recorded in UTC (ISO string), in Paris time: ``2 novembre 2026 à 14 h 05``;
    None gives ``""``."""
    if value is None or value == "":
        return ""
    local = _paris(value)
    return f"{day(local.date())} à {local.hour} h {local.minute:02d}"


def hours(value: Decimal | int | str | None, unit: str = "h") -> str:
    """A duration with a decimal comma: ``3 h``, ``2,5 h`` (``unit="heures"``: ``2,5
    heures``); None gives ``""``."""
    if value is None or value == "":
        return ""
    return f"{_decimal_comma(Decimal(str(value)).normalize())}{_NBSP}{unit}"


def euros(value: Decimal | int | str | None) -> str:
    """An amount in euros, cents shown: ``1 950,00 €`` (a narrow no-break space between
    thousands); None gives ``""``."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):f}".split(".")
    groups: list[str] = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{_NNBSP.join(groups)},{cents}{_NBSP}€"


def siret(value: str | None) -> str:
    """A SIRET the way it is printed: ``732 829 320 00074`` (other text unchanged)."""
    text = (value or "").strip()
    if len(text) == 14 and text.isdigit():
        return f"{text[:3]} {text[3:6]} {text[6:9]} {text[9:]}"
    return text


def nda(value: str | None) -> str:
    """A declaration number the way it is printed: ``32 59 01234 59`` (other text
    unchanged)."""
    text = (value or "").strip()
    if len(text) == 11 and text.isdigit():
        return f"{text[:2]} {text[2:4]} {text[4:9]} {text[9:]}"
    return text


# ------------------------------------------------------------------------------ helpers
@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The project's sandbox (autoescaping, bounds, no control characters printed), loading
    the templates of this package."""
    import jinja2

    from bilan_core.report.templating import environment

    env = environment().overlay(loader=jinja2.PackageLoader("bilan_core.evidence", "templates"),
                                trim_blocks=True, lstrip_blocks=True)
    # The overlay shares its parent's filters: give it its own, so the synthèse's templates
    # do not see these.
    env.filters = {**env.filters, "day": day, "moment": moment, "hours": hours,
                   "euros": euros, "siret": siret, "nda": nda}
    return env


def _filled(given: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """``given`` with every key of ``keys``: a missing or None one is ``""``."""
    given = given or {}
    out = dict(given)
    for key in keys:
        if given.get(key) is None:
            out[key] = ""
    return out


def _logo(value: Any) -> str | None:
    if not value:
        return None
    from bilan_core.report.safety import allowed_url

    if not isinstance(value, str) or not value.startswith("data:") or not allowed_url(value):
        raise ValueError("the provider's logo must be a data: URI of an image")
    return value


def _colour(value: Any) -> str:
    if not value:
        return DEFAULT_COLOUR
    if not isinstance(value, str) or not _COLOUR.fullmatch(value):
        raise ValueError(f"the provider's colour must be #rgb or #rrggbb, not {value!r:.40}")
    return value


def _paris(value: str | datetime) -> datetime:
    """An ISO date-time (``Z`` or an offset; none means UTC) in Paris time."""
    from zoneinfo import ZoneInfo

    if isinstance(value, str):
        text = value.strip()
        value = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(ZoneInfo(TIME_ZONE))


def _decimal_comma(number: Decimal) -> str:
    return f"{number:f}".replace(".", ",")
