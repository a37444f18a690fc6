"""Scoring plans: an instrument compiled once, so that scoring a response set is a few look-ups.

Scoring many response sets of one instrument repeats work that does not depend on the answers:
finding each item's scales, keys and weights, the validity rules' items and thresholds, the
norms and bands of each scale. A plan does it once per instrument (and per norm table), then
scores a response set in one pass:

- every scored item's answer is read at once (``operator.itemgetter``), in item order;
- each scale's total is an exact integer: answers are integers, weights become integer
  multipliers (0.8 counts as 8 tenths), reverse keys a constant minus the answer, so the total
  equals the exact decimal sum of :func:`bilan_core.scoring.engine.exact_contributions`;
- a scale's scores (raw, z, T, percentile, stanine, sten, SEM band, band and its text) depend
  only on its exact total and number of answers: they are computed once by
  :func:`bilan_core.scoring.engine.scale_score` and the frozen :class:`ScaleScore` is shared
  by every result with that total;
- validity flags use the same rules and texts as :func:`bilan_core.scoring.validity
  .validity_flags`, on positions found once.

A plan takes the response sets it can score exactly this way: every scored item answered with
an integer (or true/false) from 0 to 255, on an instrument whose scored items are all numeric
(Likert, rating, yes/no). Anything else (a missing answer, a forced choice, a value of the
wrong type) returns None and :func:`bilan_core.scoring.engine.score` scores it item by item.
Both paths give identical results (``tests/test_scoring_speed_equivalence.py``).

Instruments and norm tables are frozen, so a plan stays valid as long as its instrument lives;
plans are kept per instrument object (by identity, dropped when the instrument is collected).
"""

from __future__ import annotations

import math
import operator
import weakref
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from bilan_core import riasec
from bilan_core.model import (
    Instrument,
    InstrumentResult,
    NormTable,
    ResponseFormat,
    Responses,
    ScaleScore,
)
from bilan_core.scoring import engine, validity  # engine uses this module at call time

#: Formats whose answers a plan reads as integers (true and false count 1 and 0).
INTEGER_FORMATS = (ResponseFormat.LIKERT, ResponseFormat.RATING, ResponseFormat.YES_NO)
#: Exact totals stay far below the 28 significant digits of decimal arithmetic.
MAX_TOTAL = 10**24
#: Cached scale scores per scale; beyond this many distinct totals the cache starts again.
MAX_CACHED = 4096

_plans: dict[int, InstrumentPlan] = {}


def plan_for(instrument: Instrument) -> InstrumentPlan:
    """The instrument's plan, compiled on first use and kept while the instrument lives."""
    plan = _plans.get(id(instrument))
    if plan is None or plan.instrument() is not instrument:
        plan = InstrumentPlan(instrument)
        _plans[id(instrument)] = plan
    return plan


def _forget(key: int, ref: weakref.ref[Instrument]) -> None:
    plan = _plans.get(key)
    if plan is not None and plan.instrument is ref:
        del _plans[key]


class InstrumentPlan:
    """What scoring needs from an instrument, found once; one :class:`Scorer` per norm table."""

    def __init__(self, instrument: Instrument) -> None:
        key = id(instrument)
        self.instrument = weakref.ref(instrument, lambda ref: _forget(key, ref))
        self._scorers: dict[int, tuple[NormTable | None, Scorer]] = {}
        self.integer = _IntegerLayout.compile(instrument)

    def scorer(self, table: NormTable | None) -> Scorer:
        """The scorer with this norm table (None: raw scores only)."""
        found = self._scorers.get(id(table))
        if found is not None and found[0] is table:
            return found[1]
        instrument = self.instrument()
        assert instrument is not None  # the caller holds it
        if len(self._scorers) >= 16:
            self._scorers.clear()
        scorer = Scorer(instrument, table, self.integer)
        self._scorers[id(table)] = (table, scorer)
        return scorer


class _IntegerLayout:
    """Where the answers of an all-numeric instrument go, as positions and integer multipliers.

    ``scales`` holds, per scale in instrument order: the constant of its reverse keys, its
    groups of item positions with one multiplier each, the exponent of ten of its unit, and its
    number of items.
    """

    def __init__(self, instrument: Instrument, scored: Sequence[str],
                 scales: list[tuple[int, list[tuple[Callable[[Any], Any], int]], int, int]],
                 allowed: bytes) -> None:
        rules = instrument.validity
        response_scale = instrument.response_scale
        self.read = operator.itemgetter(*scored)
        self.scored = tuple(scored)
        self.scales = scales
        self.allowed = allowed
        position = {item_id: p for p, item_id in enumerate(scored)}
        items = {item.id: item for item in instrument.items}

        self.missing_flag = (validity.missing_flag(0, len(scored))
                             if rules.min_answered > 1.0 else None)
        self.threshold = validity.longstring_threshold(rules, len(scored))
        self.runs = tuple(bytes([value]) * self.threshold for value in allowed)

        self.pairs: list[tuple[int, int, int, int | None]] = []
        if instrument.pairs and rules.inconsistent_pairs is not None:
            for pair in instrument.pairs:
                low, high = response_scale.bounds(items[pair.first].format
                                                  or response_scale.format)
                self.pairs.append((position[pair.first], position[pair.second],
                                   validity.pair_gap(low, high),
                                   low + high if pair.relation == "opposite" else None))

        self.acquiescence: tuple[float, Callable[[Any], Any], int, Callable[[Any], Any],
                                 int] | None = None
        if rules.acquiescence is not None and response_scale.format in validity.NUMERIC:
            low, high = response_scale.bounds(response_scale.format)
            direct = [position[i.id] for i in instrument.items if i.id in position
                      and i.keys and not any(k.reverse for k in i.keys)]
            reverse = [position[i.id] for i in instrument.items if i.id in position
                       and any(k.reverse for k in i.keys)]
            if direct and reverse:
                self.acquiescence = ((low + high) / 2, _tuple_getter(direct), len(direct),
                                     _tuple_getter(reverse), len(reverse))

    @classmethod
    def compile(cls, instrument: Instrument) -> _IntegerLayout | None:
        """The layout, or None when the instrument has items a plan does not take."""
        response_scale = instrument.response_scale
        scale_ids = [s.id for s in instrument.scales]
        item_ids = [item.id for item in instrument.items]
        if len(set(scale_ids)) != len(scale_ids) or len(set(item_ids)) != len(item_ids):
            return None
        scored: list[str] = []
        allowed: set[int] = set()
        contributions: dict[str, list[tuple[int, bool, Decimal, int, int]]] = {
            s: [] for s in scale_ids}
        for item in instrument.items:
            fmt = item.format or response_scale.format
            if fmt is ResponseFormat.FREE_TEXT:
                continue
            if fmt not in INTEGER_FORMATS:
                return None
            low, high = response_scale.bounds(fmt)
            if low < 0 or high > 255:
                return None
            allowed.update(range(low, high + 1))
            keys = {key.scale: key for key in item.keys}  # the last key of a scale counts
            for scale_id, key in keys.items():
                if scale_id not in contributions:
                    return None
                weight = _weight(key.weight)
                if weight is None:
                    return None
                contributions[scale_id].append((len(scored), key.reverse, weight, low, high))
            scored.append(item.id)
        if len(scored) < 2 or any(p.first not in scored or p.second not in scored
                                  for p in instrument.pairs):
            return None
        scales = []
        for scale_id in scale_ids:
            layout = _scale_layout(contributions[scale_id])
            if layout is None:
                return None
            scales.append(layout)
        return cls(instrument, scored, scales, bytes(sorted(allowed)))


def _weight(weight: float) -> Decimal | None:
    """A weight as written (the engine's reading of it), or None if not a finite number."""
    if weight == 1:
        return Decimal(1)
    if not isinstance(weight, (int, float)) or not math.isfinite(weight):
        return None
    return Decimal(weight) if isinstance(weight, int) else Decimal(repr(weight))


def _scale_layout(contributions: list[tuple[int, bool, Decimal, int, int]],
                  ) -> tuple[int, list[tuple[Callable[[Any], Any], int]], int, int] | None:
    """A scale's total as ``constant + sum(multiplier * sum(answers at positions))`` in units
    of ``10 ** exponent``; None if the total could outgrow exact decimal arithmetic."""
    exponent = min((int(w.as_tuple().exponent) for *_, w, _, _ in contributions), default=0)
    constant = 0
    groups: dict[int, list[int]] = {}
    largest = 0
    for position, reverse, weight, low, high in contributions:
        multiplier = int(weight.scaleb(-exponent))
        if reverse:  # (low + high - answer) * weight
            constant += (low + high) * multiplier
            multiplier = -multiplier
        groups.setdefault(multiplier, []).append(position)
        largest += abs(multiplier) * 255 + abs((low + high) * multiplier)
    if largest >= MAX_TOTAL:
        return None
    return (constant, [(_tuple_getter(p), m) for m, p in groups.items()], exponent,
            len(contributions))


def _tuple_getter(positions: Sequence[int]) -> Callable[[Any], Any]:
    """A function taking the values at these positions of a tuple, always as a tuple."""
    step = positions[1] - positions[0] if len(positions) > 1 else 1
    if step > 0 and list(positions) == list(range(positions[0], positions[-1] + 1, step)):
        return operator.itemgetter(slice(positions[0], positions[-1] + 1, step))
    return operator.itemgetter(*positions)


class Scorer:
    """Scores response sets of one instrument against one norm table (or none)."""

    def __init__(self, instrument: Instrument, table: NormTable | None,
                 layout: _IntegerLayout | None) -> None:
        # Weak: the plans are kept for as long as their instrument lives, not longer.
        self.instrument = weakref.ref(instrument)
        self.identity = (instrument.id, instrument.version, instrument.title)
        self.validity = instrument.validity
        self.scale_ids = [s.id for s in instrument.scales]
        self.table = table
        self.layout = layout
        self.caches: list[dict[int, tuple[ScaleScore, str | None, float | None]]] = [
            {} for _ in instrument.scales]
        self.free_text = [item.id for item in instrument.items
                          if (item.format or instrument.response_scale.format)
                          is ResponseFormat.FREE_TEXT]
        self.norm_group = table.group if table else None
        self.norms_illustrative = bool(table and table.illustrative)
        self.answer_range = engine.answer_range(instrument)
        self.method = engine.main_method(instrument)
        self.scale_names = {s.id: s.name for s in instrument.scales}
        # riasec_summary takes the scales whose id is in "RIASEC"; six letters, once each, let
        # it read their scores by position.
        ids = [s.id for s in instrument.scales]
        types = [scale_id for scale_id in ids if scale_id in riasec.TYPES]
        self.holland: Callable[[Any], Any] | None = None
        self.riasec = instrument.profile == "riasec"
        if self.riasec and sorted(types) == sorted(riasec.TYPES):
            self.holland = operator.itemgetter(*(ids.index(t) for t in riasec.TYPES))

    def score(self, responses: Responses) -> InstrumentResult | None:
        """The result, or None when these answers need the item-by-item path."""
        layout = self.layout
        if layout is None:
            return None
        answers = responses.answers
        try:
            values = layout.read(answers)
            stream = bytes(values)
        except (KeyError, TypeError, ValueError):
            return None  # a missing answer, or one that is not an integer from 0 to 255
        if stream.translate(None, layout.allowed):
            return None  # outside every item's range (a file read from disk never is)

        scales: list[ScaleScore] = []
        texts: list[str] = []
        scores: list[float | None] = []
        for (constant, groups, exponent, items), cache in zip(layout.scales, self.caches):
            total = constant
            for getter, multiplier in groups:
                total += multiplier * sum(getter(values))
            entry = cache.get(total)
            if entry is None:
                entry = self._scale(len(scales), total, exponent, items, cache)
            scales.append(entry[0])
            if entry[1] is not None:
                texts.append(entry[1])
            scores.append(entry[2])

        flags = []
        if layout.missing_flag is not None:
            flags.append(layout.missing_flag)
        if layout.threshold and any(map(stream.__contains__, layout.runs)):
            longest = validity.longest_run(values)
            if longest >= layout.threshold:
                flags.append(validity.longstring_flag(longest, layout.threshold))
        if layout.pairs:
            inconsistent = 0
            for first, second, gap, mirror in layout.pairs:
                other = values[second] if mirror is None else mirror - values[second]
                if abs(values[first] - other) >= gap:
                    inconsistent += 1
            rule = self.validity.inconsistent_pairs
            assert rule is not None
            if inconsistent and inconsistent / len(layout.pairs) >= rule:
                flags.append(validity.pairs_flag(inconsistent, len(layout.pairs)))
        if layout.acquiescence is not None:
            middle, direct, n_direct, reverse, n_reverse = layout.acquiescence
            agree_direct = sum(map(middle.__lt__, direct(values))) / n_direct
            agree_reverse = sum(map(middle.__lt__, reverse(values))) / n_reverse
            rule = self.validity.acquiescence
            assert rule is not None
            if min(agree_direct, agree_reverse) >= rule:
                flags.append(validity.acquiescence_flag(agree_direct, agree_reverse))
        if responses.timings:
            flag = validity.speed_flag(self.validity, layout.scored,
                                       responses.timings)
            if flag:
                flags.append(flag)

        free_text: dict[str, str] = {}
        for item_id in self.free_text:
            answer = answers.get(item_id)
            if isinstance(answer, str) and answer.strip():
                free_text[item_id] = answer
        instrument_id, version, title = self.identity
        return InstrumentResult(
            instrument=instrument_id, version=version, scales=tuple(scales),
            title=title, flags=tuple(flags), norm_group=self.norm_group,
            norms_illustrative=self.norms_illustrative, summary=self._summary(scales, scores),
            interpretations=tuple(texts), free_text=free_text,
            scale_names=self.scale_names.copy(), answer_range=self.answer_range,
            method=self.method)

    def _scale(self, index: int, total: int, exponent: int, items: int,
               cache: dict[int, tuple[ScaleScore, str | None, float | None]],
               ) -> tuple[ScaleScore, str | None, float | None]:
        """A scale's scores for an exact total (in units of ``10 ** exponent``), cached."""
        instrument = self.instrument()
        assert instrument is not None  # the caller holds it
        result = engine.scale_score(instrument, self.scale_ids[index],
                                    Decimal(total).scaleb(exponent), items, items, self.table)
        entry = (result, engine.band_text(instrument, result), result.score)
        if len(cache) >= MAX_CACHED:
            cache.clear()
        cache[total] = entry
        return entry

    def _summary(self, scales: list[ScaleScore], scores: list[float | None]) -> dict[str, str]:
        """:func:`bilan_core.scoring.engine.riasec_summary`, from the six scores by position."""
        if not self.riasec:
            return {}
        if self.holland is None or None in scores:
            return engine.riasec_summary(scales)
        values = self.holland(scores)
        (a0, j0), (a1, j1), (a2, j2), (a3, j3), (a4, j4), (a5, j5) = sorted(
            zip(values, _POSITIONS), reverse=True)
        pattern = (j0, j1, j2, j3, j4, j5, a0 == a1, a1 == a2, a2 == a3, a3 == a4, a4 == a5)
        texts = _codes.get(pattern)
        if texts is None:  # the code depends only on the order of the scores and their ties
            texts = _codes[pattern] = engine.holland_texts(dict(zip(riasec.TYPES, values)))
        summary = {
            "Code Holland": texts[0],
            "Consistance": texts[1],
            # max - min, and X1 - (X2 + X4) / 2, as riasec.differentiation_* compute them
            "Différenciation (Holland)": engine.number_text(a0 - a5),
            "Différenciation (Iachan)": engine.number_text(a0 - (a1 + a3) / 2),
        }
        if texts[2] is not None:
            summary["Codes possibles"] = texts[2]
        return summary


#: Hexagon positions, negated so that a descending sort keeps ties in hexagon order.
_POSITIONS = (0, -1, -2, -3, -4, -5)
#: Holland code texts by the order and ties of the six scores (at most 4,683 patterns).
_codes: dict[tuple[Any, ...], tuple[str, str, str | None]] = {}
