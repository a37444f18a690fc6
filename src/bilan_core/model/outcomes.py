"""What a bilan produces: career options, actions, funding decisions and the synthèse."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from bilan_core.i18n import _
from bilan_core.model.common import (
    FieldValueError,
    as_tuple,
    identifier,
    is_date,
    is_sureness,
    non_empty,
    non_negative,
    to_euros,
)
from bilan_core.values import plain_repr


class OptionKind(enum.Enum):
    """What kind of path a career option is."""

    OCCUPATION = "occupation"
    BUSINESS_CREATION = "business_creation"
    TRAINING = "training"
    INTERNAL_MOBILITY = "internal_mobility"


@plain_repr
@attrs.frozen(repr=False)
class CareerOption:
    """A career path considered for the beneficiary, with why it ranks where it does."""

    id: str = attrs.field(validator=identifier)
    title: str = attrs.field(validator=non_empty)
    kind: OptionKind = attrs.field(default=OptionKind.OCCUPATION, converter=OptionKind)
    score: float = 0.0
    explanation: str = ""
    source: str = ""  # the plugin that proposed it
    code: str | None = None  # a ROME code, when the option is an occupation
    riasec: str | None = None  # the occupation's RIASEC letters
    congruence: float | None = None  # 0 to 1, with the beneficiary's Holland code
    details: dict[str, str] = attrs.field(factory=dict)  # shown in reports, by label


class ActionKind(enum.Enum):
    """The kinds of actions of an action plan."""

    TRAINING = "training"
    VAE = "vae"
    IMMERSION = "immersion"
    JOB_SEARCH = "job_search"
    BUSINESS_CREATION = "business_creation"
    FOLLOW_UP = "follow_up"
    OTHER = "other"


@plain_repr
@attrs.frozen(repr=False)
class Action:
    """One step of the action plan: what, by whom, by when."""

    id: str = attrs.field(validator=identifier)
    title: str = attrs.field(validator=non_empty)
    kind: ActionKind = attrs.field(default=ActionKind.OTHER, converter=ActionKind)
    owner: str = "bénéficiaire"
    due: date | None = attrs.field(default=None, validator=is_date)
    option: str | None = None  # the career option it serves
    cost: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_euros)
    )
    funding: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)  # funder names
    detail: str = ""


class Eligibility(enum.Enum):
    """A funder's answer to a funding request."""

    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    TO_CHECK = "to_check"


#: What a funder may pay for: the bilan itself, a training, a VAE, a business creation.
FUNDABLE = ("bilan", "training", "vae", "business_creation")


def _fundable(name: str, kinds: tuple[str, ...]) -> None:
    unknown = [k for k in kinds if k not in FUNDABLE]
    if unknown or not kinds:
        raise FieldValueError(name, _("{field} must name kinds among {kinds}, got {value!r}")
                              .format(field=name, kinds=", ".join(FUNDABLE), value=list(kinds)))


def _rate(value: Any) -> Decimal:
    rate = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if not rate.is_finite() or not 0 < rate <= 1:
        raise ValueError(_("a rate is a share of the price from 0 to 1 (0.5 for 50 %),"
                           " got {value!r}").format(value=value))
    return rate


@plain_repr
@attrs.frozen(repr=False)
class FundingRule:
    """A funding rule as data: what it says, its amount if any, when it is in force, its source.

    Both dates are inclusive; ``in_force_until`` None means still in force.
    """

    id: str = attrs.field(validator=identifier)
    funder: str = attrs.field(validator=identifier)
    text: str = attrs.field(validator=non_empty)  # French
    in_force_from: date | None = attrs.field(default=None, validator=is_date)
    in_force_until: date | None = attrs.field(default=None, validator=is_date)
    amount: Decimal | None = attrs.field(default=None,
                                         converter=attrs.converters.optional(to_euros))
    source: str = ""
    sureness: str = attrs.field(default="law", validator=is_sureness)  # a key of SURENESS
    rate: Decimal | None = attrs.field(  # a share of the price, 0 to 1 (0.5: 50 %)
        default=None, converter=attrs.converters.optional(_rate))
    cap: Decimal | None = attrs.field(  # the most a rate may give
        default=None, converter=attrs.converters.optional(to_euros))

    def __attrs_post_init__(self) -> None:
        if self.amount is not None and (self.rate is not None or self.cap is not None):
            raise ValueError(_("rule {id!r}: give an amount, or a rate with or without a"
                               " cap, not both").format(id=self.id))
        if self.cap is not None and self.rate is None:
            raise ValueError(_("rule {id!r}: a cap limits a rate; give the rate").format(
                id=self.id))

    def applies_on(self, day: date) -> bool:
        """Whether the rule is in force on that day."""
        return ((self.in_force_from is None or self.in_force_from <= day)
                and (self.in_force_until is None or day <= self.in_force_until))

    def limit(self, price: Decimal) -> Decimal | None:
        """The most the rule gives for a price: its amount, or its rate of the price up to
        its cap (rounded to the cent); ``None`` when it states no sum."""
        if self.amount is not None:
            return min(self.amount, price)
        if self.rate is not None:
            share = to_euros(price * self.rate)
            return min(share, self.cap) if self.cap is not None else share
        return None

    @property
    def amount_text(self) -> str:
        """The sum in French: ``300,00 €`` or ``50 % du prix, au plus 800,00 €``."""
        from bilan_core.steps._text import euros

        if self.amount is not None:
            return euros(self.amount)
        if self.rate is not None:
            percent = f"{(self.rate * 100).normalize():f}".replace(".", ",")
            return f"{percent} % du prix" + (f", au plus {euros(self.cap)}"
                                             if self.cap is not None else "")
        return ""


@plain_repr
@attrs.frozen(repr=False)
class FundingDecision:
    """What one funder would cover of a quote, what remains, and why."""

    funder: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=non_empty)
    eligibility: Eligibility = attrs.field(converter=Eligibility)
    covered: Decimal = attrs.field(default=Decimal("0.00"), converter=to_euros,
                                   validator=non_negative)
    remaining: Decimal = attrs.field(default=Decimal("0.00"), converter=to_euros,
                                     validator=non_negative)
    paperwork: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    trace: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    source: str = ""
    out_of_pocket: Decimal = attrs.field(  # paid by the beneficiary whatever else pays
        default=Decimal("0.00"), converter=to_euros, validator=non_negative)
    # True for a route that only adds to another one (an Agefiph or a regional aid on top of
    # the CPF): the plan never takes it as the route paying for the bilan.
    tops_up: bool = False
    # The kinds of action the funder pays for (FUNDABLE): an aid for the bilan only is never
    # offered for a training of the action plan.
    funds: tuple[str, ...] = attrs.field(default=("bilan",), converter=as_tuple,
                                         validator=lambda i, a, v: _fundable(a.name, v))


@plain_repr
@attrs.frozen(repr=False)
class PlanLine:
    """One funder's share in a funding plan."""

    funder: str
    name: str
    amount: Decimal = attrs.field(converter=to_euros)


@plain_repr
@attrs.frozen(repr=False)
class FundingPlan:
    """The combination of eligible routes leaving the least to pay, and what is left to check."""

    price: Decimal = attrs.field(converter=to_euros)
    lines: tuple[PlanLine, ...] = attrs.field(default=(), converter=as_tuple)
    remaining: Decimal = attrs.field(default=Decimal("0.00"), converter=to_euros)
    out_of_pocket: Decimal = attrs.field(default=Decimal("0.00"), converter=to_euros)
    to_check: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    explanation: str = ""


MAX_CHART_ROWS = 200


def _number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and value == value and abs(value) < 1e12)


def _label(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= 500


def chart_problem(chart: Any) -> str | None:
    """Why ``chart`` is not data a renderer can draw, or ``None``.

    The kinds the core draws (``riasec``, ``t_profile``, ``ranking``) are checked field by
    field; a plugin's own kind needs only a string ``kind`` (its renderer checks the rest).
    """
    if not isinstance(chart, dict) or not isinstance(chart.get("kind"), str):
        return _("a chart is a table with a string 'kind'")
    kind = chart["kind"]
    rows = chart.get("rows")
    if kind == "riasec":
        scores = chart.get("scores")
        if (not isinstance(scores, dict) or len(scores) > 6
                or not all(k in "RIASEC" and len(k) == 1 and _number(v)
                           for k, v in scores.items())):
            return _("a riasec chart needs scores: letters R, I, A, S, E, C to numbers")
        if not _number(chart.get("max")) or chart["max"] <= 0:
            return _("a riasec chart needs a positive number 'max'")
        if not _label(chart.get("code")) or len(chart["code"]) > 40:
            return _("a riasec chart needs its Holland 'code' as a short text")
    elif kind == "t_profile":
        if not isinstance(rows, list) or len(rows) > MAX_CHART_ROWS or not all(
                isinstance(r, (list, tuple)) and len(r) == 3 and _label(r[0])
                and _number(r[1]) and _label(r[2]) for r in rows):
            return _("a t_profile chart needs rows of [name, T score, band]")
    elif kind == "ranking":
        if not (_number(chart.get("low")) and _number(chart.get("high"))):
            return _("a ranking chart needs numbers 'low' and 'high'")
        if not isinstance(rows, list) or len(rows) > MAX_CHART_ROWS or not all(
                isinstance(r, (list, tuple)) and len(r) == 2 and _label(r[0])
                and _number(r[1]) for r in rows):
            return _("a ranking chart needs rows of [name, mean]")
    return None


def _chart(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        problem = chart_problem(value)
        if problem:
            raise ValueError(problem)


class Audience(enum.Enum):
    """Who a report section is written for."""

    BENEFICIARY = "beneficiary"  # the document de synthèse the beneficiary keeps
    COUNSELLOR = "counsellor"  # the counsellor's working notes


@plain_repr
@attrs.frozen(repr=False)
class ReportSection:
    """A section of the synthèse, contributed by a plugin through ``report_sections``."""

    id: str = attrs.field(validator=identifier)
    title: str = attrs.field(validator=non_empty)
    body: str = ""
    order: int = 500
    audience: Audience = attrs.field(default=Audience.BENEFICIARY, converter=Audience)
    source: str = ""
    chart: dict[str, Any] | None = attrs.field(  # data a renderer draws (report.charts)
        default=None, validator=_chart)


@plain_repr
@attrs.frozen(repr=False)
class Synthesis:
    """The document de synthèse: its sections in reading order."""

    sections: tuple[ReportSection, ...] = attrs.field(default=(), converter=as_tuple)
    written_on: date | None = attrs.field(default=None, validator=is_date)

    def for_audience(self, audience: Audience) -> tuple[ReportSection, ...]:
        """The sections meant for one audience, in order."""
        return tuple(s for s in self.sections if s.audience is audience)
