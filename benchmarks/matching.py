"""Matching one beneficiary against 20,000 occupations, beside a numpy baseline.

    python benchmarks/matching.py [--occupations 20000] [--repeat 5] [--json]

The engine (``bilan_core.orientation.matching.rank``) computes for every occupation the RIASEC
congruence (Iachan M and Brown & Gore C, averaged over the ties of the person's code and
normalised), the skills and values shares, the constraints, then sorts with the documented tie
rule. The baseline computes the same congruence numbers with numpy over precomputed letter
positions, and sorts by them. Both are timed in the same run, alternately; the script checks
that the congruence values agree. The goal: the engine within 5 times the baseline.

It also times loading the occupations shipped with bilan-rome as a run does (the first read
of a process), beside ``json.loads`` of the same data, for information.

Other scripts import :func:`measure_matching` and :func:`measure_occupations_load`. Needs
numpy (not a dependency of bilan-core). Figures are printed, never asserted.
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
from typing import TYPE_CHECKING, Any

from bilan_core import riasec
from bilan_core.model import Occupation
from bilan_core.orientation.matching import Constraints, Profile, Weights, rank

if TYPE_CHECKING:
    import numpy as np

GOAL = 5.0  # the engine within this many times the numpy baseline
DOMAINS = "ABCDEFGHIJKLMN"  # ROME codes: one of these letters and four digits
SKILLS = ["communication_orale", "communication_ecrite", "equipe", "organisation", "resolution",
          "adaptation", "relation_usager", "numerique", "stress", "autonomie", "encadrement",
          "apprentissage"]
VALUES = ["autonomie", "securite", "reconnaissance", "relations", "accomplissement", "aide",
          "creativite", "equilibre", "remuneration", "apprentissage"]


def occupations(count: int, seed: int = 2026) -> list[Occupation]:
    """``count`` random occupations with valid, distinct ROME codes (up to 140,000)."""
    if count > len(DOMAINS) * 10_000:
        raise ValueError(f"at most {len(DOMAINS) * 10_000} occupations have distinct codes")
    rng = random.Random(seed)
    out = []
    for n in range(count):
        letters = "".join(rng.sample("RIASEC", rng.choice([2, 3])))
        out.append(Occupation(
            code=f"{DOMAINS[n % len(DOMAINS)]}{n // len(DOMAINS):04d}", title=f"Métier {n}",
            riasec=letters, skills=rng.sample(SKILLS, 4), values=rng.sample(VALUES, 3),
            level=rng.randint(3, 7), training_months=rng.randint(0, 24),
            conditions=rng.sample(["port de charges", "conduite", "travail de nuit"],
                                  rng.randint(0, 1))))
    return out


def numpy_congruence(codes: list[str], letters: list[str]) -> np.ndarray:
    """Normalised (M/Mmax + C/Cmax)/2 for every occupation, averaged over the person's codes."""
    import numpy as np

    pos = {t: i for i, t in enumerate(riasec.TYPES)}
    n = len(letters)
    occ = np.full((n, 3), -1)
    for i, code in enumerate(letters):
        for j, letter in enumerate(code):
            occ[i, j] = pos[letter]
    three = occ[:, 2] >= 0
    w3 = np.array(riasec.IACHAN_W3)
    w2 = np.array(riasec.IACHAN_W2)
    total = np.zeros(n)
    for group, width in ((codes, 3), (list(dict.fromkeys(c[:2] for c in codes)), 2)):
        mask = three if width == 3 else ~three
        m_sum = np.zeros(n)
        c_sum = np.zeros(n)
        for code in group:
            person = np.array([pos[t] for t in code])
            w = w3 if width == 3 else w2
            m = np.zeros(n)
            for i in range(width):
                for j in range(width):
                    m += w[i, j] * (occ[:, j] == person[i])
            c = np.zeros(n)
            for i in range(width):
                d = np.abs(occ[:, i] - person[i])
                d = np.minimum(d, 6 - d)
                c += (3 - i) * (3 - d)
            m_sum += m
            c_sum += c
        m_max, c_max = (28, 18) if width == 3 else (6, 15)
        fit = (m_sum / len(group) / m_max + c_sum / len(group) / c_max) / 2
        total = np.where(mask, fit, total)
    return np.round(total, 9)


def alternate(repeat: int, *functions: Callable[[], object]) -> list[list[float]]:
    """The seconds of ``repeat`` runs of each function, run in turn (a, b, a, b, ...) so a
    busy moment of the machine falls on both."""
    times: list[list[float]] = [[] for _ in functions]
    for _ in range(repeat):
        for function, seconds in zip(functions, times):
            start = time.perf_counter()
            function()
            seconds.append(time.perf_counter() - start)
    return times


def measure_matching(repeat: int = 5, occupations: int = 20_000) -> dict[str, Any]:
    """Time ``rank`` and the numpy baseline on ``occupations`` generated occupations.

    Returns the best of ``repeat`` alternated runs of each (``ours_s``, ``baseline_s``), their
    ``ratio``, the medians, the ``goal`` ratio and a short ``label``; raises AssertionError
    when the congruence values differ."""
    import numpy as np

    found = _generated(occupations)
    code = riasec.holland_code({"R": 5, "I": 20, "A": 20, "S": 30, "E": 25, "C": 10})
    profile = Profile(codes=code.codes, strengths=frozenset(SKILLS[:5]),
                      values=frozenset(VALUES[3:6]))
    constraints = Constraints(max_training_months=18, avoid=frozenset({"travail de nuit"}))
    letters = [o.riasec or "" for o in found]
    results: dict[str, Any] = {}

    def ours() -> None:
        results["ours"] = rank(profile, found, constraints, Weights())

    def baseline() -> None:
        fit = numpy_congruence(list(code.codes), letters)
        results["baseline"] = (fit, np.argsort(-fit, kind="stable"))

    ours_times, baseline_times = alternate(repeat, ours, baseline)
    by_code = {m.occupation.code: m.congruence for m in results["ours"]}
    fit = results["baseline"][0]
    assert all(abs((by_code[o.code] or 0.0) - fit[i]) < 1e-9 for i, o in enumerate(found)), \
        "the engine and numpy give different congruence values"
    ours_s, baseline_s = min(ours_times), min(baseline_times)
    return {"label": f"rank {occupations:,} occupations (tied code {code.display()}) vs numpy"
                     " congruence and sort",
            "occupations": occupations, "repeat": repeat, "ours_s": ours_s,
            "baseline_s": baseline_s, "ratio": ours_s / baseline_s,
            "ours_median_s": statistics.median(ours_times),
            "baseline_median_s": statistics.median(baseline_times), "goal": GOAL}


def measure_occupations_load(repeat: int = 5) -> dict[str, Any]:
    """Time loading bilan-rome's sample as a run's first read does, beside ``json.loads`` of
    the same data (its compiled form), and parsing the TOML it is compiled from."""
    from bilan_rome.sample import compiled_path, load_occupations_file, load_sample, sample_path

    text = compiled_path().read_text(encoding="utf-8")
    count = len(load_sample()[1])
    ours_times, json_times, toml_times = alternate(
        repeat, load_sample, lambda: json.loads(text),
        lambda: load_occupations_file(sample_path()))
    ours_s, json_s = min(ours_times), min(json_times)
    return {"label": f"load the {count} occupations of bilan-rome's sample vs json.loads",
            "occupations": count, "repeat": repeat, "ours_s": ours_s, "baseline_s": json_s,
            "ratio": ours_s / json_s, "toml_s": min(toml_times)}


_cache: dict[int, list[Occupation]] = {}


def _generated(count: int) -> list[Occupation]:
    if count not in _cache:
        _cache.clear()
        _cache[count] = occupations(count)
    return _cache[count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--occupations", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    matching = measure_matching(args.repeat, args.occupations)
    load = measure_occupations_load(args.repeat)
    if args.json:
        print(json.dumps({"python": sys.version.split()[0], "machine": platform.platform(),
                          "matching": matching, "occupations_load": load}, indent=2))
        return
    import numpy as np

    verdict = "within" if matching["ratio"] <= GOAL else "OVER"
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, best of {args.repeat}"
          " alternated runs")
    print(f"Matching one beneficiary against {args.occupations:,} occupations:")
    print(f"  bilan rank (congruence, skills, values, constraints, sort)"
          f" {matching['ours_s'] * 1000:8.1f} ms")
    print(f"  numpy congruence only, then sort                         "
          f" {matching['baseline_s'] * 1000:8.1f} ms")
    print(f"  ratio {matching['ratio']:.1f}x, {verdict} the goal of {GOAL:g}x;"
          " congruence values equal in both")
    print(f"Loading the {load['occupations']} occupations of bilan-rome's sample:")
    print(f"  as a run does (compiled form, validated objects)          "
          f" {load['ours_s'] * 1000:8.1f} ms")
    print(f"  json.loads of the same data                               "
          f" {load['baseline_s'] * 1000:8.1f} ms")
    print(f"  parsing and checking the TOML it is compiled from         "
          f" {load['toml_s'] * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
