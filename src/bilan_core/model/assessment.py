"""Instruments (questionnaires, tests, inventories), the answers given and their scores."""

from __future__ import annotations

import enum
from datetime import date

import attrs

from bilan_core.i18n import _, ngettext
from bilan_core.model.common import as_tuple, identifier, is_date, non_empty
from bilan_core.values import plain_repr

#: One answer: a number (Likert, rating), a yes/no, a chosen option or free text, or a ranking.
Answer = int | float | bool | str | tuple[str, ...]


class ResponseFormat(enum.Enum):
    """How an item is answered."""

    LIKERT = "likert"  # an integer on the instrument's min..max scale
    YES_NO = "yes_no"  # true or false
    FORCED_CHOICE = "forced_choice"  # the id of one of the item's options
    RANKING = "ranking"  # every option id of the item, preferred first
    RATING = "rating"  # an integer from 0 to 10
    FREE_TEXT = "free_text"  # text, kept but not scored


def _optional_format(value: str | ResponseFormat | None) -> ResponseFormat | None:
    return None if value is None else ResponseFormat(value)


@plain_repr
@attrs.frozen(repr=False)
class Key:
    """How one item counts towards one scale."""

    scale: str = attrs.field(validator=identifier)
    reverse: bool = False
    weight: float = 1.0


@plain_repr
@attrs.frozen(repr=False)
class Option:
    """A choice of a forced-choice or ranking item, and the scale it counts towards."""

    id: str = attrs.field(validator=identifier)
    text: str = attrs.field(validator=non_empty)
    scale: str | None = None


@plain_repr
@attrs.frozen(repr=False)
class Item:
    """One question or statement, with the scales it is keyed on."""

    id: str = attrs.field(validator=identifier)
    text: str = attrs.field(validator=non_empty)
    keys: tuple[Key, ...] = attrs.field(default=(), converter=as_tuple)
    format: ResponseFormat | None = attrs.field(  # None: the instrument's response scale
        default=None, converter=_optional_format)
    options: tuple[Option, ...] = attrs.field(default=(), converter=as_tuple)

    def option_ids(self) -> tuple[str, ...]:
        """The ids of the item's options, in order."""
        return tuple(o.id for o in self.options)

    def scales(self) -> tuple[str, ...]:
        """Every scale the item counts towards, through its keys or its options."""
        found = [k.scale for k in self.keys] + [o.scale for o in self.options if o.scale]
        return tuple(dict.fromkeys(found))


@plain_repr
@attrs.frozen(repr=False)
class ResponseScale:
    """The answers an instrument accepts by default: a format and its range and labels."""

    format: ResponseFormat = attrs.field(converter=ResponseFormat)
    min: int = 1
    max: int = 5
    labels: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        if self.min >= self.max and self.format in (ResponseFormat.LIKERT, ResponseFormat.RATING):
            raise ValueError(_("the response scale needs min < max, got {min}..{max}").format(
                min=self.min, max=self.max))
        if self.labels and self.format is ResponseFormat.LIKERT and len(self.labels) != (
                self.max - self.min + 1):
            # The English text is the same for one label or several (as it always was).
            raise ValueError(ngettext("{labels} labels for {points} points",
                                      "{labels} labels for {points} points",
                                      len(self.labels)).format(
                labels=len(self.labels), points=self.max - self.min + 1))

    def bounds(self, fmt: ResponseFormat) -> tuple[int, int]:
        """The integer range of an answer in a numeric format."""
        if fmt is ResponseFormat.RATING:
            return 0, 10
        if fmt is ResponseFormat.YES_NO:
            return 0, 1
        return self.min, self.max


class Method(enum.Enum):
    """How a scale's raw score is computed from its items."""

    SUM = "sum"
    MEAN = "mean"


@plain_repr
@attrs.frozen(repr=False)
class Scale:
    """A score computed from several items (an interest type, a personality factor, a value)."""

    id: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=non_empty)
    description: str = ""
    method: Method = attrs.field(default=Method.SUM, converter=Method)


@plain_repr
@attrs.frozen(repr=False)
class ItemPair:
    """Two items that should be answered alike (``same``) or in mirror (``opposite``)."""

    first: str = attrs.field(validator=identifier)
    second: str = attrs.field(validator=identifier)
    relation: str = attrs.field(default="same",
                                validator=attrs.validators.in_(("same", "opposite")))


@plain_repr
@attrs.frozen(repr=False)
class Band:
    """An interpretation of a score band, in French, for one scale or every scale (``*``)."""

    scale: str
    label: str = attrs.field(validator=non_empty)
    text: str = ""
    by: str = attrs.field(default="t", validator=attrs.validators.in_(
        ("t", "percentile", "raw", "mean", "stanine", "sten")))
    low: float | None = None  # inclusive
    high: float | None = None  # exclusive

    def contains(self, value: float) -> bool:
        """Whether a value falls in the band."""
        return (self.low is None or value >= self.low) and (self.high is None or value < self.high)


@plain_repr
@attrs.frozen(repr=False)
class ScaleNorm:
    """Norms of one scale: mean and SD, optionally the raw-score distribution and reliability."""

    scale: str = attrs.field(validator=identifier)
    mean: float
    sd: float = attrs.field()
    reliability: float | None = None
    distribution: tuple[tuple[float, int], ...] = attrs.field(default=(), converter=as_tuple)

    @sd.validator
    def _positive(self, attribute: attrs.Attribute[float], value: float) -> None:
        if not value > 0:
            raise ValueError(_("sd must be positive, got {value}").format(value=value))


@plain_repr
@attrs.frozen(repr=False)
class NormTable:
    """Norms of an instrument for one explicitly named group (never inferred from a person)."""

    instrument: str = attrs.field(validator=identifier)
    group: str = attrs.field(validator=non_empty)
    n: int
    year: int
    scales: tuple[ScaleNorm, ...] = attrs.field(default=(), converter=as_tuple)
    illustrative: bool = False
    source: str = ""

    def for_scale(self, scale: str) -> ScaleNorm | None:
        """The norms of one scale, if the table has them."""
        return next((s for s in self.scales if s.scale == scale), None)


@plain_repr
@attrs.frozen(repr=False)
class Validity:
    """Thresholds of the validity flags; None switches a flag off."""

    min_answered: float = 0.8  # share of a scale's items needed to prorate it
    longstring: int | None = None  # None: at least 8 and 20 % of the items; 0: off
    min_seconds_per_item: float | None = 1.0
    acquiescence: float | None = 0.75  # share of agreement on both keyed directions
    inconsistent_pairs: float | None = 0.3  # share of pairs answered inconsistently


@plain_repr
@attrs.frozen(repr=False)
class Instrument:
    """An assessment instrument as registered by a plugin or loaded from a TOML file."""

    id: str = attrs.field(validator=identifier)
    version: str = attrs.field(validator=non_empty)
    title: str = attrs.field(validator=non_empty)
    language: str = "fr"
    licence: str = ""
    copyright: str = ""
    response_scale: ResponseScale = ResponseScale(ResponseFormat.LIKERT)
    scales: tuple[Scale, ...] = attrs.field(default=(), converter=as_tuple)
    items: tuple[Item, ...] = attrs.field(default=(), converter=as_tuple)
    instructions: str = ""
    profile: str | None = None  # "riasec": Holland code, consistency, differentiation
    pairs: tuple[ItemPair, ...] = attrs.field(default=(), converter=as_tuple)
    bands: tuple[Band, ...] = attrs.field(default=(), converter=as_tuple)
    norms: tuple[NormTable, ...] = attrs.field(default=(), converter=as_tuple)
    validity: Validity = Validity()
    #: "assessment" (the bilan's content, scored into its results) or "feedback" (the
    #: provider's satisfaction and follow-up questionnaires: kept as evidence, never scored
    #: into the bilan)
    purpose: str = attrs.field(default="assessment",
                               validator=attrs.validators.in_(("assessment", "feedback")))

    def item_ids(self) -> frozenset[str]:
        """The ids of every item, for checking a responses file."""
        return frozenset(item.id for item in self.items)

    def scale(self, scale_id: str) -> Scale:
        """A scale by id."""
        return next(s for s in self.scales if s.id == scale_id)


@plain_repr
@attrs.frozen(repr=False)
class Experience:
    """A job, a training or another experience, as in a CV, and the skills it shows."""

    kind: str = attrs.field(validator=attrs.validators.in_(
        ("job", "training", "volunteering", "other")))
    title: str = attrs.field(validator=non_empty)
    organisation: str = ""
    start: int | None = None  # year
    end: int | None = None  # year; None: ongoing
    tasks: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    skills: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)


@plain_repr
@attrs.frozen(repr=False)
class Responses:
    """The answers one beneficiary gave to one instrument (the shared responses-file format)."""

    instrument: str = attrs.field(validator=identifier)
    version: str = attrs.field(validator=non_empty)
    answers: dict[str, Answer] = attrs.field(factory=dict)
    timings: dict[str, float] = attrs.field(factory=dict)  # seconds per item
    completed_on: date | None = attrs.field(default=None, validator=is_date)
    beneficiary: str | None = None  # the pseudonymous id written in the file, as a check
    experience: tuple[Experience, ...] = attrs.field(default=(), converter=as_tuple)


@plain_repr
@attrs.frozen(repr=False)
class ScaleScore:
    """The score of one scale, with what the counsellor needs to read it safely."""

    scale: str
    raw: float | None
    answered: int
    items: int
    prorated: float | None = None
    mean: float | None = None  # mean item score, on the response scale
    z: float | None = None
    percentile: float | None = None
    t_score: float | None = None
    stanine: int | None = None
    sten: int | None = None
    band: str | None = None
    sem_band: tuple[float, float] | None = None  # 95 % band of the raw score
    not_scorable: str | None = None  # the reason, when the scale could not be scored

    @property
    def score(self) -> float | None:
        """The score to compare with norms: prorated when answers were missing."""
        return self.prorated if self.prorated is not None else self.raw


@plain_repr
@attrs.frozen(repr=False)
class InstrumentResult:
    """Every score of one instrument for one beneficiary, and the validity flags raised."""

    instrument: str
    version: str
    scales: tuple[ScaleScore, ...] = attrs.field(default=(), converter=as_tuple)
    title: str = ""
    flags: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    norm_group: str | None = None
    norms_illustrative: bool = False
    summary: dict[str, str] = attrs.field(factory=dict)  # e.g. {"Code Holland": "SEA"}
    interpretations: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    free_text: dict[str, str] = attrs.field(factory=dict)  # kept, not scored
    scale_names: dict[str, str] = attrs.field(factory=dict)  # for reports
    answer_range: tuple[float, float] | None = None  # the response scale, for mean scores
    method: str = "sum"  # how most scales are computed: "sum" or "mean"

    def scale(self, scale_id: str) -> ScaleScore | None:
        """The score of one scale."""
        return next((s for s in self.scales if s.scale == scale_id), None)
