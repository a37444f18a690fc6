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
from bilan_core.i18n import N_, _
from bilan_core.model import Experience, Instrument, ResponseFormat, Responses


class AnswerKind(Str):
    """An answer: integer, number, boolean, string or array of strings."""

    expected = N_("an answer (integer, number, true/false, text or array of texts)")

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
    "title": Field(Str(min_length=1), required=True, help=N_("the job, training or activity")),
    "organisation": Field(Str(), default=""),
    "start": Field(Number(minimum=1900, maximum=2100, integer=True), help="year"),
    "end": Field(Number(minimum=1900, maximum=2100, integer=True), help="year; omit if ongoing"),
    "tasks": Field(ListOf(Str(min_length=1)), default=()),
    "skills": Field(ListOf(Str(min_length=1), unique=True), default=(),
                    help="ids of the instrument's scales this experience demonstrates"),
}, help="an experience, as in a CV")

RESPONSES = Table(
    {
        "instrument": Field(Str(min_length=1), required=True, help=N_("the instrument's id")),
        "version": Field(Str(min_length=1), required=True,
                         help=N_("the instrument version the answers were given to")),
        "completed_on": Field(Date()),
        "beneficiary": Field(Str(), help="the beneficiary's pseudonymous id, as a check"),
        "answers": Field(MapOf(AnswerKind()), required=True, help=N_("item id = answer")),
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
        raise ctx.error(_("no answers: the [answers] table is empty"), ("answers",))
    if expected_id is not None and values["instrument"] != expected_id:
        raise ctx.error(_("these are answers to {instrument!r}, expected {expected!r}").format(
            instrument=values["instrument"], expected=expected_id), ("instrument",))
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
            _("answers given to version {version!r} of {instrument!r},"
              " but the installed instrument is version {installed!r}").format(
                version=responses.version, instrument=instrument.id,
                installed=instrument.version), ("version",))
    items = {item.id: item for item in instrument.items}
    scale = instrument.response_scale
    for item_id, answer in responses.answers.items():
        path = ("answers", item_id)
        item = items.get(item_id)
        if item is None:
            raise ctx.error(_("unknown item {item!r} for instrument {instrument!r}{suggestion}")
                            .format(item=item_id, instrument=instrument.id,
                                    suggestion=did_you_mean(item_id, items)), path)
        fmt = item.format or scale.format
        low, high = scale.bounds(fmt)
        problem = _answer_problem(fmt, answer, low, high, item.option_ids())
        if problem:
            raise ctx.error(_("item {item!r}: {problem}").format(item=item_id, problem=problem),
                            path)
    for item_id in responses.timings:
        if item_id not in items:
            raise ctx.error(_("timing for unknown item {item!r}").format(item=item_id),
                            ("timings", item_id))
    scales = [s.id for s in instrument.scales]
    for i, experience in enumerate(responses.experience):
        if experience.start and experience.end and experience.end < experience.start:
            raise ctx.error(_("ends in {end}, before it starts in {start}").format(
                                end=experience.end, start=experience.start),
                            ("experience", (i, experience.title), "end"))
        for j, skill in enumerate(experience.skills):
            if skill not in scales:
                raise ctx.error(_("unknown scale {scale!r} of {instrument!r}{suggestion}").format(
                                    scale=skill, instrument=instrument.id,
                                    suggestion=did_you_mean(skill, scales)),
                                ("experience", (i, experience.title), "skills", (j, None)))


def _answer_problem(fmt: ResponseFormat, answer: Any, low: int, high: int,
                    options: tuple[str, ...]) -> str | None:
    if fmt in (ResponseFormat.LIKERT, ResponseFormat.RATING):
        if isinstance(answer, bool) or not isinstance(answer, int):
            return _("expected an integer from {low} to {high}, got {answer!r}").format(
                low=low, high=high, answer=answer)
        if not low <= answer <= high:
            return _("{answer} is out of range: expected an integer from {low} to {high}").format(
                answer=answer, low=low, high=high)
    elif fmt is ResponseFormat.YES_NO:
        if not isinstance(answer, bool):
            return _("expected true or false, got {answer!r}").format(answer=answer)
    elif fmt is ResponseFormat.FORCED_CHOICE:
        if answer not in options:
            return _("expected one of {options}, got {answer!r}").format(
                options=", ".join(map(repr, options)), answer=answer)
    elif fmt is ResponseFormat.RANKING:
        if not isinstance(answer, tuple) or sorted(answer) != sorted(options):
            return _("expected a ranking of all of {options}").format(
                options=", ".join(map(repr, options)))
    elif fmt is ResponseFormat.FREE_TEXT and not isinstance(answer, str):
        return _("expected text, got {answer!r}").format(answer=answer)
    return None

