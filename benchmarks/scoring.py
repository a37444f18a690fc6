"""Scoring one response set and Cronbach's alpha, each beside a plain baseline in the same run.

    python benchmarks/scoring.py [--sets 2000] [--alpha-sets 100000] [--repeat 5] [--json]

1. Scoring: ``bilan_core.scoring.score`` on the 60-item RIASEC inventory (bilan-riasec) with
   its norms (reverse keys, proration, z, T, percentile, stanine, sten, SEM band, bands and
   their texts, validity flags, Holland code), against a plain Python loop (no numpy) that
   computes only the raw score of every scale (reverse keys and weights applied) and its T
   score from the norms. Both score the same random response sets; their raw and T scores are
   checked equal. Goal: at most 2x the loop.
2. Alpha: ``bilan_core.scoring.stats.cronbach_alpha`` over 100,000 response sets of the
   10-item "ouverture" scale of bilan-bigfive (half its items reverse-keyed), on the matrix
   ``bilan instruments stats`` builds (``scale_matrix``, from ``Responses``), against numpy's
   textbook formula on the same matrix; the values are checked equal to 1e-9. Goal: at most
   3x numpy.

The two sides of each comparison run alternately (ours, baseline, ours, baseline...) after one
untimed run each; each figure is the median CPU time (``time.process_time``) of ``repeat``
runs. Figures are printed, never asserted. ``measure_scoring`` and ``measure_alpha`` return
them to other scripts.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bilan_core.instruments import load_instrument
from bilan_core.model import Instrument, Responses
from bilan_core.scoring import score
from bilan_core.scoring.stats import cronbach_alpha, scale_matrix

PLUGINS = Path(__file__).parents[1] / "plugins"
RIASEC = PLUGINS / "bilan-riasec" / "src" / "bilan_riasec" / "instruments" / "riasec.toml"
BIGFIVE = (PLUGINS / "bilan-bigfive" / "src" / "bilan_bigfive" / "instruments"
           / "personnalite.toml")
GOALS = {"scoring": 2.0, "alpha": 3.0}


def alternate(repeat: int, ours: Callable[[], object],
              baseline: Callable[[], object]) -> tuple[float, float]:
    """Median CPU seconds of ``ours`` and ``baseline``, run alternately after a warm-up."""
    ours()
    baseline()
    times: dict[Callable[[], object], list[float]] = {ours: [], baseline: []}
    for _ in range(repeat):
        for function in (ours, baseline):
            start = time.process_time()
            function()
            times[function].append(time.process_time() - start)
    return statistics.median(times[ours]), statistics.median(times[baseline])


def riasec_sets(instrument: Instrument, sets: int) -> list[Responses]:
    """Random complete response sets, as a counsellor's files would give them."""
    rng = random.Random(2026)
    low, high = instrument.response_scale.min, instrument.response_scale.max
    return [Responses(instrument=instrument.id, version=instrument.version,
                      answers={item.id: rng.randint(low, high) for item in instrument.items})
            for _ in range(sets)]


def measure_scoring(repeat: int = 5, sets: int = 2000) -> dict[str, Any]:
    """The engine against a plain loop computing the raw and T scores of the same sets."""
    instrument = load_instrument(RIASEC)
    norms = instrument.norms
    response_sets = riasec_sets(instrument, sets)
    found: dict[str, list[Any]] = {}

    def ours() -> None:
        found["ours"] = [score(instrument, responses, norms) for responses in response_sets]

    scale_ids = [s.id for s in instrument.scales]
    low, high = instrument.response_scale.min, instrument.response_scale.max
    keys = [(item.id, scale_ids.index(key.scale), key.reverse, key.weight)
            for item in instrument.items for key in item.keys]
    table = norms[0]
    scale_norms = [table.for_scale(scale_id) for scale_id in scale_ids]
    means = [norm.mean for norm in scale_norms if norm is not None]
    sds = [norm.sd for norm in scale_norms if norm is not None]

    def baseline() -> None:
        out = []
        for responses in response_sets:
            answers = responses.answers
            raw = [0.0] * len(scale_ids)
            for item_id, scale, reverse, weight in keys:
                value = answers[item_id]
                if reverse:
                    value = low + high - value
                raw[scale] += value * weight
            t = [round(50 + 10 * round((x - mean) / sd, 9), 6)
                 for x, mean, sd in zip(raw, means, sds)]
            out.append((raw, t))
        found["baseline"] = out

    ours_s, baseline_s = alternate(repeat, ours, baseline)
    engine = [([s.raw for s in r.scales], [s.t_score for s in r.scales]) for r in found["ours"]]
    assert engine == found["baseline"], "raw or T scores differ"
    return {"label": f"score one {len(instrument.items)}-item RIASEC response set, everything"
                     " included, vs a plain loop computing raw and T scores",
            "sets": sets, "items": len(instrument.items), "repeat": repeat,
            "ours_s": ours_s, "baseline_s": baseline_s, "ratio": ours_s / baseline_s,
            "ours_us_per_set": ours_s / sets * 1e6,
            "baseline_us_per_set": baseline_s / sets * 1e6, "goal": GOALS["scoring"]}


def measure_alpha(repeat: int = 5, sets: int = 100_000) -> dict[str, Any]:
    """``cronbach_alpha`` on the stats command's matrix against numpy's formula on it."""
    instrument = load_instrument(BIGFIVE)
    scale = instrument.scales[0].id
    items = [item for item in instrument.items if scale in item.scales()]
    low, high = instrument.response_scale.min, instrument.response_scale.max
    rng = np.random.default_rng(2026)
    trait = rng.normal(size=(sets, 1))
    keyed = np.clip(np.rint(3 + trait + rng.normal(scale=0.9, size=(sets, len(items)))),
                    low, high).astype(int)
    reverse = [any(key.reverse for key in item.keys) for item in items]
    response_sets = [
        Responses(instrument=instrument.id, version=instrument.version,
                  answers={item.id: low + high - v if back else v
                           for item, v, back in zip(items, row, reverse)})
        for row in keyed.tolist()]
    start = time.process_time()
    _, matrix = scale_matrix(instrument, scale, response_sets)
    matrix_s = time.process_time() - start
    assert np.array_equal(matrix, keyed), "the stats command's matrix differs"
    found: dict[str, float] = {}

    def ours() -> None:
        found["ours"] = cronbach_alpha(matrix)

    def baseline() -> None:
        k = matrix.shape[1]
        found["baseline"] = k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum()
                                           / matrix.sum(axis=1).var(ddof=1))

    ours_s, baseline_s = alternate(repeat, ours, baseline)
    assert abs(found["ours"] - found["baseline"]) < 1e-9, found
    return {"label": f"Cronbach's alpha over {sets:,} response sets of {len(items)} items"
                     " vs plain numpy",
            "sets": sets, "items": len(items), "repeat": repeat, "alpha": found["ours"],
            "ours_s": ours_s, "baseline_s": baseline_s, "ratio": ours_s / baseline_s,
            "matrix_s": matrix_s, "goal": GOALS["alpha"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=2000)
    parser.add_argument("--alpha-sets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = {"python": sys.version.split()[0], "machine": platform.platform(),
               "numpy": np.__version__,
               "scoring": measure_scoring(args.repeat, args.sets),
               "alpha": measure_alpha(args.repeat, args.alpha_sets)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    s, a = figures["scoring"], figures["alpha"]
    print(f"Python {figures['python']}, numpy {figures['numpy']}; median CPU time of"
          f" {args.repeat} alternated runs")
    rows = [("comparison", "ours ms", "baseline ms", "ratio", "goal", "result"),
            (f"scoring {s['sets']} RIASEC sets (all scores, flags, Holland code)"
             " vs plain loop (raw, T)", f"{s['ours_s'] * 1000:.1f}",
             f"{s['baseline_s'] * 1000:.1f}", f"{s['ratio']:.2f}", f"<={s['goal']:g}x",
             "PASS" if s["ratio"] <= s["goal"] else "OVER"),
            (f"alpha over {a['sets']:,} sets of {a['items']} items vs numpy",
             f"{a['ours_s'] * 1000:.1f}", f"{a['baseline_s'] * 1000:.1f}", f"{a['ratio']:.2f}",
             f"<={a['goal']:g}x", "PASS" if a["ratio"] <= a["goal"] else "OVER")]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))
    print(f"scoring: {s['ours_us_per_set']:.1f} us per set (baseline"
          f" {s['baseline_us_per_set']:.1f} us); raw and T scores equal in both")
    print(f"alpha = {a['alpha']:.6f} in both; building the matrix from {a['sets']:,} response"
          f" sets (scale_matrix, not timed above): {a['matrix_s'] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
