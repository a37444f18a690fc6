"""The fast paths give the results of the plain ones: a scoring plan scores exactly as the
item-by-item path, and the numpy statistics equal the textbook formulas in plain Python."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from bilan_core.instruments import load_instrument
from bilan_core.model import (
    Band,
    Instrument,
    Item,
    ItemPair,
    Key,
    NormTable,
    Option,
    Responses,
    ResponseScale,
    Scale,
    ScaleNorm,
    Validity,
)
from bilan_core.scoring import score
from bilan_core.scoring.engine import item_contributions, score_each_item
from bilan_core.scoring.plan import plan_for
from bilan_core.scoring.stats import cronbach_alpha, scale_statistics

ROOT = Path(__file__).parents[1]
PACKAGED = sorted(ROOT.glob("plugins/*/src/*/instruments/*.toml"))


def _answer(rng: random.Random, instrument: Instrument, item: Item, odd: bool) -> object:
    fmt = item.format or instrument.response_scale.format
    if fmt.value in ("likert", "rating"):
        low, high = instrument.response_scale.bounds(fmt)
        if odd and rng.random() < 0.1:  # not from a checked file: true, a float, out of range
            return rng.choice([True, False, 2.5, 3.0, high + 3, low - 2, 300])
        return rng.randint(low, high)
    if fmt.value == "yes_no":
        return rng.choice([0, 1]) if odd and rng.random() < 0.1 else rng.random() < 0.5
    if fmt.value == "forced_choice":
        return rng.choice(item.option_ids())
    if fmt.value == "ranking":
        return tuple(rng.sample(item.option_ids(), len(item.options)))
    return rng.choice(["", "  ", "du texte"])


def _response_sets(rng: random.Random, instrument: Instrument, count: int,
                   checked: bool = False) -> list[Responses]:
    """Complete sets, missing answers, long runs, inconsistent pairs, timings, and (unless
    ``checked``: as read from files) values no file can hold."""
    out = []
    modes = ["full", "full", "full", "missing", "long", "same", "pairs", "timed"]
    for _ in range(count):
        mode = rng.choice(modes if checked else [*modes, "odd"])
        constant = None
        answers, timings = {}, {}
        for item in instrument.items:
            if mode == "missing" and rng.random() < 0.1:
                continue
            answer = _answer(rng, instrument, item, mode == "odd")
            fmt = item.format or instrument.response_scale.format
            if mode in ("long", "same") and fmt.value in ("likert", "rating") and (
                    mode == "same" or rng.random() < 0.8):
                low, high = instrument.response_scale.bounds(fmt)
                constant = rng.randint(low, high) if constant is None else constant
                answer = min(max(constant, low), high)
            answers[item.id] = answer
            if mode == "timed":
                timings[item.id] = rng.choice([0.3, 0.8, 2.0, rng.uniform(0, 5)])
        if mode == "pairs":
            low, high = instrument.response_scale.bounds(instrument.response_scale.format)
            for pair in instrument.pairs:
                first = answers.get(pair.first)
                if isinstance(first, int) and not isinstance(first, bool):
                    answers[pair.second] = low if first > (low + high) / 2 else high
        out.append(Responses(instrument=instrument.id, version=instrument.version,
                             answers=answers, timings=timings))
    return out


def _random_instrument(rng: random.Random) -> Instrument:
    """An instrument of numeric items with reverse keys, weights as written, pairs, bands."""
    if rng.random() < 0.4:
        scales = [Scale(t, f"Type {t}", method=rng.choice(["sum", "sum", "mean"]))
                  for t in "RIASEC"]
    else:
        scales = [Scale(f"s{i}", f"Échelle {i}", method=rng.choice(["sum", "mean"]))
                  for i in range(rng.randint(1, 4))]
    low = rng.randint(0, 3)
    high = low + rng.randint(1, 6)
    items = []
    formats = ["likert"] * 6 + ["rating", "yes_no", "free_text"]
    if rng.random() < 0.2:
        formats.append("forced_choice")  # the item-by-item path only
    for i in range(rng.randint(2, 30)):
        fmt = rng.choice(formats)
        if fmt == "free_text":
            items.append(Item(f"i{i}", "Texte", format=fmt))
        elif fmt == "forced_choice":
            items.append(Item(f"i{i}", "Texte", format=fmt, options=[
                Option("a", "A", rng.choice(scales).id), Option("b", "B", None)]))
        else:
            keys = [Key(s.id, rng.random() < 0.4, rng.choice([1.0, 1, 0.5, 2.0, 0.8, 1.1, 3]))
                    for s in rng.sample(scales, rng.randint(1, min(2, len(scales))))]
            items.append(Item(f"i{i}", "Texte", keys=keys,
                              format=None if fmt == "likert" else fmt))
    ids = [item.id for item in items]
    pairs = [ItemPair(rng.choice(ids), rng.choice(ids), rng.choice(["same", "opposite"]))
             for _ in range(rng.randint(0, 4))]
    norms = [NormTable(instrument="t", group="G", n=50, year=2026, scales=[
        ScaleNorm(s.id, mean=rng.uniform(-5, 30), sd=rng.uniform(0.5, 10),
                  reliability=rng.choice([None, rng.uniform(0.5, 0.95)]),
                  distribution=[(float(rng.randint(0, 40)), rng.randint(1, 9))
                                for _ in range(rng.choice([0, 0, 4]))])
        for s in scales if rng.random() < 0.85])]
    bands = [Band(scale=rng.choice(["*", *[s.id for s in scales]]), label=f"b{n}",
                  text=rng.choice(["", "texte"]),
                  by=rng.choice(["t", "percentile", "raw", "mean", "stanine", "sten"]),
                  low=rng.choice([None, rng.uniform(0, 50)]),
                  high=rng.choice([None, rng.uniform(20, 80)]))
             for n in range(rng.randint(0, 6))]
    validity = Validity(min_answered=rng.choice([0.0, 0.5, 0.8, 1.0]),
                        longstring=rng.choice([None, 0, 2, 5]),
                        min_seconds_per_item=rng.choice([None, 1.0]),
                        acquiescence=rng.choice([None, 0.75, 0.5]),
                        inconsistent_pairs=rng.choice([None, 0.3, 0.0]))
    return Instrument(id="t", version="1", title="T", scales=scales, items=items,
                      response_scale=ResponseScale("likert", low, high), pairs=pairs,
                      norms=norms, bands=bands, validity=validity,
                      profile=rng.choice([None, "riasec"]))


def _check_same_results(instrument: Instrument, sets: list[Responses]) -> int:
    """Score every set through the plan and item by item; return how many the plan took."""
    fast = 0
    for n, responses in enumerate(sets):
        table = (None, *instrument.norms)[n % (len(instrument.norms) + 1)]
        expected = _general(instrument, responses, table)
        planned = plan_for(instrument).scorer(table).score(responses)
        if planned is not None:
            fast += 1
            assert planned == expected, responses
        assert _general(instrument, responses, table, score) == expected
    return fast


def _general(instrument, responses, table, function=None):
    try:
        if function is None:
            return score_each_item(instrument, responses, table)
        return function(instrument, responses, () if table is None else (table,))
    except AssertionError:  # a value no file can hold (a string for a Likert item)
        return "refused"


@pytest.mark.parametrize("path", PACKAGED, ids=[p.stem for p in PACKAGED])
def test_a_plan_scores_the_packaged_instruments_as_item_by_item(path):
    instrument = load_instrument(path)
    sets = _response_sets(random.Random(path.stem), instrument, 600)
    fast = _check_same_results(instrument, sets)
    if instrument.id == "riasec":
        assert fast > 300  # complete sets of the all-Likert inventory take the plan


def test_a_plan_scores_random_instruments_as_item_by_item():
    rng = random.Random(12)
    fast = 0
    for _ in range(300):
        instrument = _random_instrument(rng)
        fast += _check_same_results(instrument, _response_sets(rng, instrument, 15))
    assert fast > 1000


def test_every_holland_tie_pattern_gives_the_summary_of_the_general_path():
    instrument = load_instrument(ROOT / "plugins" / "bilan-riasec" / "src" / "bilan_riasec"
                                 / "instruments" / "riasec.toml")
    rng = random.Random(3)
    sets = []
    for _ in range(1500):  # few distinct levels per type: ties everywhere in the code
        level = {t: rng.choice([0, 2, 4]) for t in "RIASEC"}
        answers = {item.id: level[item.keys[0].scale] if rng.random() < 0.9
                   else rng.randint(0, 4) for item in instrument.items}
        sets.append(Responses(instrument="riasec", version=instrument.version,
                              answers=answers))
    assert _check_same_results(instrument, sets) == len(sets)


def test_a_plan_follows_its_instrument_and_its_norm_table():
    instrument = load_instrument(PACKAGED[0])
    plan = plan_for(instrument)
    assert plan_for(instrument) is plan
    assert plan.scorer(None) is plan.scorer(None)
    other = load_instrument(PACKAGED[0])  # equal, but another object: its own plan
    assert plan_for(other) is not plan


def test_a_plan_does_not_keep_its_instrument_alive():
    import gc
    import weakref

    from bilan_core.scoring import plan as plans

    instrument = load_instrument(PACKAGED[0])
    score(instrument, Responses(instrument=instrument.id, version=instrument.version,
                                answers={item.id: 1 for item in instrument.items}),
          instrument.norms)
    assert id(instrument) in plans._plans
    alive = weakref.ref(instrument)
    key = id(instrument)
    del instrument
    gc.collect()
    assert alive() is None
    assert key not in plans._plans


# Statistics: the textbook formulas in plain Python (the stats command's former code).

def _variance(values):
    n = len(values)
    if n < 2:
        return math.nan
    mean = sum(values) / n
    return sum((v - mean) ** 2 for v in values) / (n - 1)


def _alpha(rows):
    if len(rows) < 2 or len(rows[0]) < 2:
        return math.nan
    k = len(rows[0])
    total_variance = _variance([sum(row) for row in rows])
    if total_variance == 0:
        return math.nan
    return k / (k - 1) * (1 - sum(_variance(c) for c in zip(*rows)) / total_variance)


def _pearson(x, y):
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return math.nan
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / math.sqrt(sxx * syy)


def _plain_statistics(instrument, sets):
    out = []
    for scale in instrument.scales:
        items = [i for i in instrument.items if scale.id in i.scales()
                 and (i.format or instrument.response_scale.format).value != "free_text"]
        rows = []
        for responses in sets:
            row = [item_contributions(instrument, i, responses.answers.get(i.id))[scale.id]
                   for i in items]
            if None not in row:
                rows.append(row)
        totals = [sum(r) if scale.method.value == "sum" else sum(r) / len(r) for r in rows]
        nan = math.nan
        item_stats = []
        for j, item in enumerate(items):
            column = [r[j] for r in rows]
            item_stats.append({
                "item": item.id, "n": len(column),
                "mean": sum(column) / len(column) if column else nan,
                "sd": math.sqrt(_variance(column)) if len(column) > 1 else nan,
                "item_total": (_pearson(column, [sum(r) - r[j] for r in rows])
                               if len(column) > 1 else nan),
                "alpha_if_deleted": (_alpha([r[:j] + r[j + 1:] for r in rows])
                                     if len(items) > 2 else nan)})
        out.append({"scale": scale.id, "n": len(rows),
                    "mean": sum(totals) / len(totals) if totals else nan,
                    "sd": math.sqrt(_variance(totals)) if len(totals) > 1 else nan,
                    "alpha": _alpha(rows), "items": item_stats})
    return out


def _close(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9,
                                                                 abs_tol=1e-12)
    return a == b


@pytest.mark.parametrize("path", PACKAGED, ids=[p.stem for p in PACKAGED])
@pytest.mark.parametrize("count", [0, 1, 2, 40, 300])
def test_numpy_statistics_equal_the_plain_formulas(path, count):
    instrument = load_instrument(path)
    rng = random.Random(count)
    sets = _response_sets(rng, instrument, count, checked=True)
    if count == 2:  # two identical sets: nothing varies
        sets = [sets[0], sets[0]]
    stats = scale_statistics(instrument, sets)
    plain = _plain_statistics(instrument, sets)
    assert len(stats) == len(plain)
    for found, expected in zip(stats, plain):
        assert found.scale == expected["scale"] and found.n == expected["n"]
        for name in ("mean", "sd", "alpha"):
            assert _close(getattr(found, name), expected[name]), (found.scale, name)
        assert len(found.items) == len(expected["items"])
        for item, item_expected in zip(found.items, expected["items"]):
            for name, value in item_expected.items():
                assert _close(getattr(item, name), value), (found.scale, item.item, name)


def test_alpha_accepts_lists_and_is_nan_when_it_cannot_be_computed():
    rng = random.Random(5)
    rows = [[rng.randint(1, 5) for _ in range(6)] for _ in range(500)]
    assert _close(cronbach_alpha(rows), _alpha(rows))
    assert math.isnan(cronbach_alpha([]))
    assert math.isnan(cronbach_alpha([[1, 2, 3]]))
    assert math.isnan(cronbach_alpha([[1], [2]]))
    assert math.isnan(cronbach_alpha([[1, 3], [3, 1], [2, 2]]))  # totals do not vary
    assert math.isnan(cronbach_alpha([[0.8, 0.1], [0.8, 0.1], [0.8, 0.1]]))
