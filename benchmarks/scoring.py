"""Scoring throughput and Cronbach's alpha, each beside a plain numpy computation.

    python benchmarks/scoring.py [--sets 5000] [--alpha-sets 100000] [--json]

1. Scoring: the 60-item RIASEC inventory (bilan-riasec) scored with norms by the core engine
   (``bilan_core.scoring.score``: reverse keys, proration, z, T, percentile, stanine, sten,
   bands, validity flags, Holland code), against numpy computing the raw scale scores and the
   T scores of the same response sets as one matrix product. The raw scores are checked equal.
2. Alpha: ``bilan_core.scoring.stats.cronbach_alpha`` over 100,000 response sets of a 10-item
   scale, against numpy's ``var(ddof=1)`` formula on the same matrix. The values are checked
   equal to 1e-9.

Figures are printed, never asserted: compare them within one run. Needs numpy (not a
dependency of bilan-core).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
from pathlib import Path

import numpy as np
from _common import best_of

from bilan_core.instruments import load_instrument
from bilan_core.model import Responses
from bilan_core.scoring import score
from bilan_core.scoring.stats import cronbach_alpha

RIASEC = (Path(__file__).parents[1] / "plugins" / "bilan-riasec" / "src" / "bilan_riasec"
          / "instruments" / "riasec.toml")




def scoring(sets: int, repeat: int) -> dict[str, float]:
    instrument = load_instrument(RIASEC)
    rng = random.Random(2026)
    ids = [item.id for item in instrument.items]
    matrix = [[rng.randint(0, 4) for _ in ids] for _ in range(sets)]
    response_sets = [Responses(instrument=instrument.id, version=instrument.version,
                               answers=dict(zip(ids, row))) for row in matrix]
    norms = instrument.norms

    results = []

    def engine() -> None:
        results.clear()
        results.extend(score(instrument, r, norms) for r in response_sets)

    scale_ids = [s.id for s in instrument.scales]
    keys = np.zeros((len(ids), len(scale_ids)))
    for i, item in enumerate(instrument.items):
        for key in item.keys:
            keys[i, scale_ids.index(key.scale)] = key.weight
    answers = np.array(matrix, dtype=float)
    table = norms[0]
    means = np.array([table.for_scale(s).mean for s in scale_ids])
    sds = np.array([table.for_scale(s).sd for s in scale_ids])
    numpy_raw = {}

    def plain() -> None:
        raw = answers @ keys
        numpy_raw["raw"] = raw
        numpy_raw["t"] = 50 + 10 * np.round((raw - means) / sds, 9)

    engine_time = best_of(repeat, engine)
    numpy_time = best_of(repeat, plain)
    engine_raw = np.array([[s.raw for s in r.scales] for r in results])
    engine_t = np.array([[s.t_score for s in r.scales] for r in results])
    assert np.array_equal(engine_raw, numpy_raw["raw"]), "raw scores differ"
    assert np.allclose(engine_t, numpy_raw["t"]), "T scores differ"
    return {"sets": sets, "items": len(ids), "engine_s": engine_time, "numpy_s": numpy_time,
            "engine_sets_per_s": sets / engine_time, "numpy_sets_per_s": sets / numpy_time}


def alpha(sets: int, repeat: int) -> dict[str, float]:
    rng = np.random.default_rng(2026)
    trait = rng.normal(size=(sets, 1))
    matrix = np.clip(np.rint(3 + trait + rng.normal(scale=0.9, size=(sets, 10))), 1, 5)
    rows = matrix.tolist()
    found = {}

    def ours() -> None:
        found["ours"] = cronbach_alpha(rows)

    def plain() -> None:
        k = matrix.shape[1]
        found["numpy"] = k / (k - 1) * (1 - matrix.var(axis=0, ddof=1).sum()
                                        / matrix.sum(axis=1).var(ddof=1))

    ours_time = best_of(repeat, ours)
    numpy_time = best_of(repeat, plain)
    assert abs(found["ours"] - found["numpy"]) < 1e-9, found
    return {"sets": sets, "items": 10, "alpha": found["ours"], "ours_s": ours_time,
            "numpy_s": numpy_time}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=5000)
    parser.add_argument("--alpha-sets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = {"python": sys.version.split()[0], "machine": platform.platform(),
               "numpy": np.__version__,
               "scoring": scoring(args.sets, args.repeat),
               "alpha": alpha(args.alpha_sets, args.repeat)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    s, a = figures["scoring"], figures["alpha"]
    print(f"Python {figures['python']}, numpy {figures['numpy']}, best of {args.repeat} runs")
    print(f"Scoring {s['sets']} response sets of the {s['items']}-item RIASEC inventory:")
    print(f"  bilan engine (all scores, flags, Holland code) {s['engine_s'] * 1000:9.1f} ms"
          f"  {s['engine_sets_per_s']:12,.0f} sets/s")
    print(f"  numpy (raw and T scores only)                 {s['numpy_s'] * 1000:9.1f} ms"
          f"  {s['numpy_sets_per_s']:12,.0f} sets/s")
    print(f"Cronbach's alpha over {a['sets']:,} response sets of {a['items']} items"
          f" (alpha = {a['alpha']:.6f}, equal in both):")
    print(f"  bilan (pure Python)                           {a['ours_s'] * 1000:9.1f} ms")
    print(f"  numpy                                         {a['numpy_s'] * 1000:9.1f} ms")


if __name__ == "__main__":
    main()
