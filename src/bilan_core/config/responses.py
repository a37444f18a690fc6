"""The one responses-file format every command shares.

A responses file holds one beneficiary's answers to one instrument::

    instrument = "riasec"          # the instrument's id
    version = "1.0"                # the instrument version the answers were given to
    completed_on = 2026-10-12      # optional

    [answers]                      # item id = answer
    R01 = 4                        # Likert, rating: an integer
    Y03 = true                     # yes/no
    F02 = "b"                      # forced choice: the chosen option
    K01 = ["autonomie", "sécurité"]  # ranking: option ids, first = preferred
    T01 = "texte libre"            # free text (kept, not scored)

    [timings]                      # optional: seconds spent on each item
    R01 = 3.5

A key written twice is a TOML error, so a duplicated item is reported with its line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bilan_core.config.schema import (
    ArrayOf,
    Context,
    Date,
    Field,
    ListOf,
    MapOf,
    Number,
    Str,
    Table,
)
from bilan_core.config.toml import KeyLocator, read_toml
from bilan_core.errors import did_you_mean
from bilan_core.model import Experience, Instrument, ResponseFormat, Responses


class AnswerKind(Str):
    """An answer: integer, number, boolean, string or array of strings."""

    expected = "an answer (integer, number, true/false, text or array of texts)"

    def check(self, value: Any, path: Any, ctx: Context) -> Any:
        if isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise self.wrong_type(value, path, ctx)

    def json_schema(self) -> dict[str, Any]:
        return {"type": ["integer", "number", "boolean", "string", "array"]}


EXPERIENCE = Table({
    "kind": Field(Str(choices=("job", "training", "volunteering", "other")), required=True),
    "title": Field(Str(min_length=1), required=True, help="the job, training or activity"),
    "organisation": Field(Str(), default=""),
    "start": Field(Number(minimum=1900, maximum=2100, integer=True), help="year"),
    "end": Field(Number(minimum=1900, maximum=2100, integer=True), help="year; omit if ongoing"),
    "tasks": Field(ListOf(Str(min_length=1)), default=()),
    "skills": Field(ListOf(Str(min_length=1), unique=True), default=(),
                    help="ids of the instrument's scales this experience demonstrates"),
}, help="an experience, as in a CV")

RESPONSES = Table(
    {
        "instrument": Field(Str(min_length=1), required=True, help="the instrument's id"),
        "version": Field(Str(min_length=1), required=True,
                         help="the instrument version the answers were given to"),
        "completed_on": Field(Date()),
        "beneficiary": Field(Str(), help="the beneficiary's pseudonymous id, as a check"),
        "answers": Field(MapOf(AnswerKind()), required=True, help="item id = answer"),
        "timings": Field(MapOf(Number(minimum=0)), default=None,
                         help="item id = seconds spent on the item"),
        "experience": Field(ArrayOf(EXPERIENCE, id_key="title", unique_id=False), default=(),
                            help="experience as in a CV, for instruments that use it"),
    },
    help="one beneficiary's answers to one instrument",
)


def read_responses(path: Path, instrument: Instrument | None = None,
                   expected_id: str | None = None) -> Responses:
    """Read and check a responses file; with the instrument, check every answer against it."""
    data, text = read_toml(path, "responses file")
    ctx = Context(path, KeyLocator(text))
    values = RESPONSES.check(data, (), ctx)
    if not values["answers"]:
        raise ctx.error("no answers: the [answers] table is empty", ("answers",))
    if expected_id is not None and values["instrument"] != expected_id:
        raise ctx.error(f"these are answers to {values['instrument']!r},"
                        f" expected {expected_id!r}", ("instrument",))
    responses = Responses(
        instrument=values["instrument"],
        version=values["version"],
        answers=values["answers"],
        timings=values["timings"] or {},
        completed_on=values["completed_on"],
        beneficiary=values["beneficiary"],
        experience=tuple(Experience(**entry) for entry in values["experience"]),
    )
    if instrument is not None:
        check_against(responses, instrument, ctx)
    return responses


def check_against(responses: Responses, instrument: Instrument, ctx: Context) -> None:
    """Check answers against the instrument: known items, right version, valid values."""
    if responses.version != instrument.version:
        raise ctx.error(
            f"answers given to version {responses.version!r} of {instrument.id!r},"
            f" but the installed instrument is version {instrument.version!r}", ("version",))
    items = {item.id: item for item in instrument.items}
    scale = instrument.response_scale
    for item_id, answer in responses.answers.items():
        path = ("answers", item_id)
        item = items.get(item_id)
        if item is None:
            raise ctx.error(f"unknown item {item_id!r} for instrument {instrument.id!r}"
                            + did_you_mean(item_id, items), path)
        fmt = item.format or scale.format
        low, high = scale.bounds(fmt)
        problem = _answer_problem(fmt, answer, low, high, item.option_ids())
        if problem:
            raise ctx.error(f"item {item_id!r}: {problem}", path)
    for item_id in responses.timings:
        if item_id not in items:
            raise ctx.error(f"timing for unknown item {item_id!r}", ("timings", item_id))
    scales = [s.id for s in instrument.scales]
    for i, experience in enumerate(responses.experience):
        if experience.start and experience.end and experience.end < experience.start:
            raise ctx.error(f"ends in {experience.end}, before it starts in {experience.start}",
                            ("experience", (i, experience.title), "end"))
        for j, skill in enumerate(experience.skills):
            if skill not in scales:
                raise ctx.error(f"unknown scale {skill!r} of {instrument.id!r}"
                                + did_you_mean(skill, scales),
                                ("experience", (i, experience.title), "skills", (j, None)))


def _answer_problem(fmt: ResponseFormat, answer: Any, low: int, high: int,
                    options: tuple[str, ...]) -> str | None:
    if fmt in (ResponseFormat.LIKERT, ResponseFormat.RATING):
        if isinstance(answer, bool) or not isinstance(answer, int):
            return f"expected an integer from {low} to {high}, got {answer!r}"
        if not low <= answer <= high:
            return f"{answer} is out of range: expected an integer from {low} to {high}"
    elif fmt is ResponseFormat.YES_NO:
        if not isinstance(answer, bool):
            return f"expected true or false, got {answer!r}"
    elif fmt is ResponseFormat.FORCED_CHOICE:
        if answer not in options:
            return f"expected one of {', '.join(map(repr, options))}, got {answer!r}"
    elif fmt is ResponseFormat.RANKING:
        if not isinstance(answer, tuple) or sorted(answer) != sorted(options):
            return f"expected a ranking of all of {', '.join(map(repr, options))}"
    elif fmt is ResponseFormat.FREE_TEXT and not isinstance(answer, str):
        return f"expected text, got {answer!r}"
    return None

