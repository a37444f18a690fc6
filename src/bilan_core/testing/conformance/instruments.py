"""The instrument suite: :func:`instrument_suite`."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pytest

from bilan_core.testing.conformance._base import (
    Subject,
    Suite,
    class_name,
    duplicates,
    fail_if,
    make_suite,
)
from bilan_core.testing.hosts import PluginSpec

if TYPE_CHECKING:
    from bilan_core.model import Instrument


#: Mis-decoded UTF-8 (``Ã©`` for ``é``) and the replacement character.
_GARBLED = re.compile("[ÃÂ][\u0080-\u00bf]|â€|\ufffd")


@attrs.frozen
class InstrumentCase:
    """An instrument under test, loaded (or the error that stopped it loading)."""

    subject: Subject
    instrument: Instrument | None
    error: str | None

    def loaded(self) -> Instrument:
        """The instrument; fails the test when it does not load."""
        if self.instrument is None:
            pytest.fail(f"the instrument of {self.subject.label} does not load: {self.error}",
                        pytrace=False)
        return self.instrument


class InstrumentChecks(Suite):
    """Conformance of one instrument (see :func:`instrument_suite`)."""

    instrument_id: ClassVar[str]
    norm_groups: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def prepare(cls, tmp_path_factory: pytest.TempPathFactory) -> InstrumentCase:
        """The instrument, loaded once for the class (``bilan_conformance``)."""
        from bilan_core.errors import BilanError

        subject = cls.subject()
        subject.check_owner("register_instruments", cls.instrument_id, "instrument",
                            subject.host.registry.instruments)
        try:
            return InstrumentCase(subject, subject.host.registry.instruments[cls.instrument_id],
                                  None)
        except BilanError as exc:
            return InstrumentCase(subject, None, str(exc))

    def _label(self, case: InstrumentCase) -> str:
        return f"instrument {type(self).instrument_id!r} of {case.subject.label}"

    def test_loads(self, bilan_conformance: InstrumentCase) -> None:
        """The plugin registers the instrument and it loads (a TOML file is parsed and
        checked) with a version and a title."""
        from bilan_core.model import Instrument

        case = bilan_conformance
        assert case.error is None, f"{self._label(case)} does not load: {case.error}"
        assert type(case.instrument) is Instrument, (
            f"{self._label(case)} is a {type(case.instrument).__name__}, not an Instrument")
        assert case.instrument.id == type(self).instrument_id

    def test_ids_are_unique(self, bilan_conformance: InstrumentCase) -> None:
        """Item, scale and norm group ids are unique, and so are each item's option ids."""
        case, instrument = bilan_conformance, bilan_conformance.loaded()
        problems = []
        for what, ids in (("item", [i.id for i in instrument.items]),
                          ("scale", [s.id for s in instrument.scales]),
                          ("norm group", [t.group for t in instrument.norms])):
            problems += [f"{what} {d!r} is listed twice" for d in duplicates(ids)]
        for item in instrument.items:
            problems += [f"item {item.id!r}: option {d!r} is listed twice"
                         for d in duplicates(item.option_ids())]
        fail_if(problems, f"{self._label(case)} reuses ids")

    def test_every_item_counts_towards_a_scale(self, bilan_conformance: InstrumentCase) -> None:
        """Every item but free text counts towards at least one scale of the instrument,
        through its keys or its options."""
        from bilan_core.model import ResponseFormat

        case, instrument = bilan_conformance, bilan_conformance.loaded()
        scales = {s.id for s in instrument.scales}
        problems = []
        for item in instrument.items:
            fmt = item.format or instrument.response_scale.format
            named = item.scales()
            if fmt is not ResponseFormat.FREE_TEXT and not named:
                problems.append(f"item {item.id!r} counts towards no scale")
            problems += [f"item {item.id!r} counts towards unknown scale {s!r}"
                         for s in named if s not in scales]
        fail_if(problems, f"{self._label(case)} has items that no scale"
                " counts")

    def test_every_scale_has_items(self, bilan_conformance: InstrumentCase) -> None:
        """Every scale has at least one item counting towards it."""
        case, instrument = bilan_conformance, bilan_conformance.loaded()
        used = {s for item in instrument.items for s in item.scales()}
        problems = [f"scale {s.id!r} has no item" for s in instrument.scales
                    if s.id not in used]
        assert instrument.scales, f"{self._label(case)} has no scale"
        fail_if(problems, f"{self._label(case)} has empty scales")

    def test_keys_are_valid(self, bilan_conformance: InstrumentCase) -> None:
        """Keys go on numeric items only (Likert, rating, yes/no: a reverse key is
        ``min + max - answer``), one per scale, with a finite weight of 0 or more; a forced
        choice or ranking item counts through at least two options."""
        from bilan_core.model import ResponseFormat

        case, instrument = bilan_conformance, bilan_conformance.loaded()
        numeric = (ResponseFormat.LIKERT, ResponseFormat.RATING, ResponseFormat.YES_NO)
        problems = []
        for item in instrument.items:
            fmt = item.format or instrument.response_scale.format
            if item.keys and fmt not in numeric:
                reverse = " (reverse)" if any(k.reverse for k in item.keys) else ""
                problems.append(f"item {item.id!r} is {fmt.value} but has keys{reverse}:"
                                " only numeric items are keyed")
            problems += [f"item {item.id!r} is keyed twice on scale {s!r}"
                         for s in duplicates([k.scale for k in item.keys])]
            problems += [f"item {item.id!r}: weight {k.weight!r} on scale {k.scale!r} is not a"
                         " finite number of 0 or more" for k in item.keys
                         if not (isinstance(k.weight, (int, float)) and math.isfinite(k.weight)
                                 and k.weight >= 0)]
            choices = (ResponseFormat.FORCED_CHOICE, ResponseFormat.RANKING)
            if fmt in choices and len(item.options) < 2:
                problems.append(f"item {item.id!r} is {fmt.value} with fewer than two options")
            if fmt not in choices and item.options:
                problems.append(f"item {item.id!r} is {fmt.value} but has options")
        fail_if(problems, f"{self._label(case)} has invalid keys")

    def test_pairs_and_bands_name_known_items_and_scales(
            self, bilan_conformance: InstrumentCase) -> None:
        """Validity pairs name two items of the instrument; bands name one of its scales (or
        ``*``) and a range whose lower bound is below the upper one."""
        case, instrument = bilan_conformance, bilan_conformance.loaded()
        items = instrument.item_ids()
        scales = {s.id for s in instrument.scales}
        problems = [f"pair ({p.first!r}, {p.second!r}) names unknown item {i!r}"
                    for p in instrument.pairs for i in (p.first, p.second)
                    if i not in items]
        for band in instrument.bands:
            if band.scale != "*" and band.scale not in scales:
                problems.append(f"band {band.label!r} names unknown scale {band.scale!r}")
            if band.low is not None and band.high is not None and band.low >= band.high:
                problems.append(f"band {band.label!r}: from {band.low} is not below"
                                f" to {band.high}")
        fail_if(problems, f"{self._label(case)} refers to unknown items or"
                " scales")

    def test_norms_load_for_each_group(self, bilan_conformance: InstrumentCase) -> None:
        """For each norm group the instrument declares (and ``norm_groups``), the
        ``instrument_norms`` hook gives well-formed tables of that group: the instrument's
        scales, a positive standard deviation, a sample size, a year, a reliability from 0
        to 1; without a chosen group it gives none (norms are the counsellor's choice)."""
        from bilan_core.model import NormTable

        case, instrument = bilan_conformance, bilan_conformance.loaded()
        host = case.subject.host
        scales = {s.id for s in instrument.scales}
        groups = list(dict.fromkeys([*(t.group for t in instrument.norms),
                                     *type(self).norm_groups]))
        problems = []
        for group in groups:
            tables = [t for _p, t in host.call_list("instrument_norms", NormTable,
                                                    instrument=instrument, group=group)]
            if not tables:
                problems.append(f"no norm table for group {group!r}")
            for table in tables:
                problems += [f"group {group!r}: {p}" for p in _norm_problems(
                    table, instrument.id, group, scales)]
        unasked = [t for _p, t in host.call_list("instrument_norms", NormTable,
                                                 instrument=instrument, group=None)]
        if unasked:
            problems.append(f"without a chosen group, the hook gives the norms of"
                            f" {', '.join(repr(t.group) for t in unasked)}")
        fail_if(problems, f"{self._label(case)} has norms that do not load")

    def _score(self, case: InstrumentCase, instrument: Instrument, level: str,
               with_norms: bool) -> Any:
        """Score a complete response set at ``level`` as a run does (checked answers, the
        first norm group's tables, ``score_instrument``)."""
        from bilan_core.config.responses import check_against
        from bilan_core.config.schema import Context
        from bilan_core.errors import BilanError
        from bilan_core.model import InstrumentResult, NormTable, Responses
        from bilan_core.testing.generate import complete_answers

        host = case.subject.host
        responses = Responses(instrument=instrument.id, version=instrument.version,
                              answers=complete_answers(instrument, level))
        try:
            check_against(responses, instrument, Context())
        except BilanError as exc:
            pytest.fail(f"{self._label(case)} refuses a complete response set ({level}): {exc}",
                        pytrace=False)
        groups = [t.group for t in instrument.norms][:1] if with_norms else []
        norms = [t for g in groups for _p, t in host.call_list(
            "instrument_norms", NormTable, instrument=instrument, group=g)]
        found = host.call("score_instrument", firstresult=True, instrument=instrument,
                          responses=responses, norms=norms)
        assert found, f"no plugin scores {self._label(case)}"
        plugin, result = found[0]
        assert type(result) is InstrumentResult, (
            f"plugin {plugin!r} scored {self._label(case)} with a {type(result).__name__}")
        return result

    def test_scores_complete_response_sets(self, bilan_conformance: InstrumentCase) -> None:
        """Complete response sets (every item at its lowest, middle and highest answer)
        are accepted and scored, with and without norms: every scale gets a raw score from
        all its items."""
        from bilan_core.testing.generate import LEVELS

        case, instrument = bilan_conformance, bilan_conformance.loaded()
        problems = []
        for level in LEVELS:
            for with_norms in (False, True):
                result = self._score(case, instrument, level, with_norms)
                where = f"{level} answers{' with norms' if with_norms else ''}"
                if result.instrument != instrument.id:
                    problems.append(f"{where}: the result is for {result.instrument!r}")
                scored = {s.scale: s for s in result.scales}
                for scale in instrument.scales:
                    score = scored.get(scale.id)
                    if score is None:
                        problems.append(f"{where}: scale {scale.id!r} has no score")
                    elif score.raw is None or score.answered != score.items:
                        problems.append(f"{where}: scale {scale.id!r} is not scored from all"
                                        f" its items ({score.answered}/{score.items}:"
                                        f" {score.not_scorable})")
        fail_if(problems, f"{self._label(case)} does not score complete response sets")

    def test_scores_stay_within_bounds(self, bilan_conformance: InstrumentCase) -> None:
        """Raw scores of complete response sets lie between the lowest and highest sums (or
        means) the items allow, mean item scores between what one item adds at least and at
        most; T scores are finite, percentiles from 0 to 100, stanines 1 to 9, stens 1 to
        10."""
        from bilan_core.testing.generate import LEVELS, mean_bounds, raw_bounds

        case, instrument = bilan_conformance, bilan_conformance.loaded()
        problems = []
        for level in LEVELS:
            for score in self._score(case, instrument, level, True).scales:
                where = f"{level} answers, scale {score.scale!r}"
                bounds = raw_bounds(instrument, score.scale)
                if score.raw is not None and bounds is not None and not (
                        bounds[0] - 1e-9 <= score.raw <= bounds[1] + 1e-9):
                    problems.append(f"{where}: raw score {score.raw} outside"
                                    f" {bounds[0]:g}..{bounds[1]:g}")
                low, high = mean_bounds(instrument, score.scale) or (-math.inf, math.inf)
                problems += [f"{where}: {p}" for p in _derived_problems(score, low, high)]
        fail_if(problems, f"{self._label(case)} gives scores out of bounds")

    def test_out_of_range_answer_is_refused_with_a_located_error(
            self, bilan_conformance: InstrumentCase, tmp_path: Path) -> None:
        """A responses file with an answer out of the item's range is refused with the
        library's located error (file, ``answers.ITEM``, line), not a crash."""
        from bilan_core.config.responses import read_responses
        from bilan_core.config.responses_writer import responses_to_toml
        from bilan_core.errors import ConfigError
        from bilan_core.model import Responses
        from bilan_core.testing.generate import complete_answers, out_of_range

        case, instrument = bilan_conformance, bilan_conformance.loaded()
        wrong = out_of_range(instrument)
        if wrong is None:
            pytest.skip(f"{self._label(case)} has only free-text items")
        item, answer = wrong
        answers = {**complete_answers(instrument, "mid"), item: answer}
        path = tmp_path / "reponses.toml"
        path.write_text(responses_to_toml(Responses(
            instrument=instrument.id, version=instrument.version,
            answers=answers)), encoding="utf-8")
        try:
            read_responses(path, instrument, expected_id=instrument.id)
        except ConfigError as exc:
            location = exc.location
            assert location.key_path == ("answers", item) and location.line, (
                f"{self._label(case)}: the error for {answer!r} to item {item!r} is not located"
                f" at answers.{item}: {exc}")
        except Exception as exc:  # the check under test: anything else is a crash
            pytest.fail(f"{self._label(case)}: answering {answer!r} to item {item!r} crashes:"
                        f" {type(exc).__name__}: {exc}", pytrace=False)
        else:
            pytest.fail(f"{self._label(case)} accepts {answer!r} as an answer to item {item!r}",
                        pytrace=False)

    def test_texts_are_written_out(self, bilan_conformance: InstrumentCase) -> None:
        """Items, options and scales have texts that are not blank, items distinct ones,
        none garbled by a wrong encoding (``Ã©`` for ``é``); the instrument states its
        licence and copyright."""
        case, instrument = bilan_conformance, bilan_conformance.loaded()
        texts: list[tuple[str, str]] = [("title", instrument.title)]
        texts += [(f"item {i.id!r}", i.text) for i in instrument.items]
        texts += [(f"item {i.id!r} option {o.id!r}", o.text) for i in instrument.items
                  for o in i.options]
        texts += [(f"scale {s.id!r}", s.name) for s in instrument.scales]
        texts += [(f"label {n + 1} of the response scale", label)
                  for n, label in enumerate(instrument.response_scale.labels)]
        problems = [f"{where}: the text is blank" for where, text in texts if not text.strip()]
        problems += [f"{where}: the text is garbled ({text[:60]!r})" for where, text in texts
                     if _GARBLED.search(text)]
        problems += [f"item text {t!r} is used twice" for t in
                     duplicates([" ".join(i.text.split()) for i in instrument.items])]
        problems += [f"no {what} stated" for what, value in (
            ("licence", instrument.licence), ("copyright", instrument.copyright))
            if not value.strip()]
        fail_if(problems, f"{self._label(case)} has texts to fix")


def _norm_problems(table: Any, instrument: str, group: str, scales: set[str]) -> list[str]:
    problems = []
    if table.instrument != instrument:
        problems.append(f"a table is for instrument {table.instrument!r}")
    if table.group != group:
        problems.append(f"a table is for group {table.group!r}")
    if not (isinstance(table.n, int) and table.n >= 1):
        problems.append(f"sample size n = {table.n!r} is not a whole number of 1 or more")
    if not (isinstance(table.year, int) and 1900 <= table.year <= 2100):
        problems.append(f"year {table.year!r} is not a year")
    if not table.scales:
        problems.append("a table has no scale")
    problems += [f"scale {s!r} has norms twice" for s in duplicates(
        [n.scale for n in table.scales])]
    for norm in table.scales:
        if norm.scale not in scales:
            problems.append(f"norms for unknown scale {norm.scale!r}")
        if not (math.isfinite(norm.mean) and math.isfinite(norm.sd) and norm.sd > 0):
            problems.append(f"scale {norm.scale!r}: mean {norm.mean} and sd {norm.sd} are not"
                            " finite with sd > 0")
        if norm.reliability is not None and not 0 <= norm.reliability <= 1:
            problems.append(f"scale {norm.scale!r}: reliability {norm.reliability} is not"
                            " from 0 to 1")
        if any(count < 0 or count != int(count) for _raw, count in norm.distribution):
            problems.append(f"scale {norm.scale!r}: a distribution count is not a whole"
                            " number of 0 or more")
    return problems


def _derived_problems(score: Any, low: float, high: float) -> list[str]:
    problems = []
    checks = (("mean item score", score.mean, low, high), ("percentile", score.percentile, 0, 100),
              ("stanine", score.stanine, 1, 9), ("sten", score.sten, 1, 10),
              ("T score", score.t_score, -math.inf, math.inf))
    for name, value, lowest, highest in checks:
        if value is None:
            continue
        if not math.isfinite(value) or not lowest - 1e-9 <= value <= highest + 1e-9:
            problems.append(f"{name} {value} is outside {lowest}..{highest}")
    return problems


def instrument_suite(instrument_id: str, plugin: PluginSpec | None = None, *,
                     first_party: Sequence[str] = (), norm_groups: Sequence[str] = ()) -> type:
    """A test class checking one instrument a plugin registers.

    Its tests: the instrument loads; item, scale, option and norm group ids are unique;
    every item counts towards a scale and every scale has items; keys are valid (reverse
    keys on numeric items only); pairs and bands name known items and scales; norms load for
    each group and are well formed (none without a chosen group); complete response sets
    (all lowest, middle, highest answers) are scored, every scale from all its items, within
    the bounds the items allow; an out-of-range answer is refused with a located error; texts
    are not blank, garbled or repeated, and the licence and copyright are stated.

    Args:
        instrument_id: The instrument's id.
        plugin: The plugin registering it (for a TOML-only distribution, its name).
        first_party: Installed plugins it needs besides the core.
        norm_groups: Norm groups the plugin gives through ``instrument_norms`` besides
            those the instrument declares.

    Returns:
        A pytest test class: bind it to a name starting with ``Test``.
    """
    return make_suite(InstrumentChecks, class_name("TestInstrument", instrument_id),
                      instrument_id=instrument_id, plugin=plugin,
                      first_party=tuple(first_party), norm_groups=tuple(norm_groups))


