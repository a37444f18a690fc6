"""Instruments (questionnaires, tests, inventories), the answers given and their scores."""

from __future__ import annotations

import enum
from datetime import date

import attrs

from bilan_core.model.common import as_tuple, identifier, is_date, non_empty

#: One answer: a number (Likert, rating), a yes/no, a chosen option or free text, or a ranking.
Answer = int | float | bool | str | tuple[str, ...]


class ResponseFormat(enum.Enum):
    """How an item is answered."""

    LIKERT = "likert"
    YES_NO = "yes_no"
    FORCED_CHOICE = "forced_choice"
    RANKING = "ranking"
    RATING = "rating"
    FREE_TEXT = "free_text"


@attrs.frozen
class Key:
    """How one item counts towards one scale."""

    scale: str = attrs.field(validator=identifier)
    reverse: bool = False
    weight: float = 1.0


def _optional_format(value: str | ResponseFormat | None) -> ResponseFormat | None:
    return None if value is None else ResponseFormat(value)


@attrs.frozen
class Item:
    """One question or statement, with the scales it is keyed on."""

    id: str = attrs.field(validator=identifier)
    text: str = attrs.field(validator=non_empty)
    keys: tuple[Key, ...] = attrs.field(default=(), converter=as_tuple)
    format: ResponseFormat | None = attrs.field(  # None: the instrument's response scale
        default=None, converter=_optional_format)
    options: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)


@attrs.frozen
class ResponseScale:
    """The answers an instrument accepts by default: a format and its range and labels."""

    format: ResponseFormat = attrs.field(converter=ResponseFormat)
    min: int = 1
    max: int = 5
    labels: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        if self.min >= self.max and self.format in (ResponseFormat.LIKERT, ResponseFormat.RATING):
            raise ValueError(f"the response scale needs min < max, got {self.min}..{self.max}")


@attrs.frozen
class Scale:
    """A score computed from several items (an interest type, a personality factor, a value)."""

    id: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=non_empty)
    description: str = ""


@attrs.frozen
class Instrument:
    """An assessment instrument as registered by a plugin or loaded from a TOML file."""

    id: str = attrs.field(validator=identifier)
    version: str = attrs.field(validator=non_empty)
    title: str = attrs.field(validator=non_empty)
    language: str = "fr"
    licence: str = ""
    response_scale: ResponseScale = ResponseScale(ResponseFormat.LIKERT)
    scales: tuple[Scale, ...] = attrs.field(default=(), converter=as_tuple)
    items: tuple[Item, ...] = attrs.field(default=(), converter=as_tuple)
    instructions: str = ""

    def item_ids(self) -> frozenset[str]:
        """The ids of every item, for checking a responses file."""
        return frozenset(item.id for item in self.items)


@attrs.frozen
class Responses:
    """The answers one beneficiary gave to one instrument (the shared responses-file format)."""

    instrument: str = attrs.field(validator=identifier)
    version: str = attrs.field(validator=non_empty)
    answers: dict[str, Answer] = attrs.field(factory=dict)
    timings: dict[str, float] = attrs.field(factory=dict)  # seconds per item
    completed_on: date | None = attrs.field(default=None, validator=is_date)
    beneficiary: str | None = None  # the pseudonymous id written in the file, as a check


@attrs.frozen
class ScaleScore:
    """The score of one scale, with what the counsellor needs to read it safely."""

    scale: str
    raw: float | None
    answered: int
    items: int
    prorated: float | None = None
    percentile: float | None = None
    t_score: float | None = None
    stanine: int | None = None
    sten: int | None = None
    band: str | None = None
    not_scorable: str | None = None  # the reason, when the scale could not be scored


@attrs.frozen
class InstrumentResult:
    """Every score of one instrument for one beneficiary, and the validity flags raised."""

    instrument: str
    version: str
    scales: tuple[ScaleScore, ...] = attrs.field(default=(), converter=as_tuple)
    flags: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    norm_group: str | None = None
    summary: dict[str, str] = attrs.field(factory=dict)  # e.g. {"holland_code": "SEA"}
    interpretations: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
