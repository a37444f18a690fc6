"""Matching one beneficiary against 2,000 occupations, beside a numpy baseline.

    python benchmarks/matching.py [--occupations 2000] [--repeat 5] [--json]

The engine (``bilan_core.orientation.matching.rank``) computes for every occupation the RIASEC
congruence (Iachan M and Brown & Gore C, averaged over the ties of the person's code and
normalised), the skills and values shares, the constraints, then sorts with the documented tie
rule. The baseline computes the same congruence numbers with numpy over precomputed letter
positions, and sorts by them. Both are timed in the same run; the script checks that the
congruence values agree.

Needs numpy (not a dependency of bilan-core). Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys

import numpy as np
from _common import best_of

from bilan_core import riasec
from bilan_core.model import Occupation
from bilan_core.orientation.matching import Constraints, Profile, Weights, rank

SKILLS = ["communication_orale", "communication_ecrite", "equipe", "organisation", "resolution",
          "adaptation", "relation_usager", "numerique", "stress", "autonomie", "encadrement",
          "apprentissage"]
VALUES = ["autonomie", "securite", "reconnaissance", "relations", "accomplissement", "aide",
          "creativite", "equilibre", "remuneration", "apprentissage"]


def occupations(count: int, seed: int = 2026) -> list[Occupation]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        letters = "".join(rng.sample("RIASEC", rng.choice([2, 3])))
        out.append(Occupation(
            code=f"{'ABCDEFGHIJKLMN'[n % 14]}{n:04d}", title=f"Métier {n}", riasec=letters,
            skills=rng.sample(SKILLS, 4), values=rng.sample(VALUES, 3),
            level=rng.randint(3, 7), training_months=rng.randint(0, 24),
            conditions=rng.sample(["port de charges", "conduite", "travail de nuit"],
                                  rng.randint(0, 1))))
    return out




def numpy_congruence(codes: list[str], letters: list[str]) -> np.ndarray:
    """Normalised (M/Mmax + C/Cmax)/2 for every occupation, averaged over the person's codes."""
    pos = {t: i for i, t in enumerate(riasec.TYPES)}
    n = len(letters)
    occ = np.full((n, 3), -1)
    for i, code in enumerate(letters):
        for j, c in enumerate(code):
            occ[i, j] = pos[c]
    three = occ[:, 2] >= 0
    w3 = np.array(riasec.IACHAN_W3)
    w2 = np.array(riasec.IACHAN_W2)
    total = np.zeros(n)
    for group, width in ((codes, 3), (list(dict.fromkeys(c[:2] for c in codes)), 2)):
        mask = three if width == 3 else ~three
        m_sum = np.zeros(n)
        c_sum = np.zeros(n)
        for code in group:
            person = np.array([pos[c] for c in code])
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--occupations", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    found = occupations(args.occupations)
    code = riasec.holland_code({"R": 5, "I": 20, "A": 20, "S": 30, "E": 25, "C": 10})
    profile = Profile(codes=code.codes, strengths=frozenset(SKILLS[:5]),
                      values=frozenset(VALUES[3:6]))
    constraints = Constraints(max_training_months=18, avoid=frozenset({"travail de nuit"}))
    results: dict[str, object] = {}

    def engine() -> None:
        results["engine"] = rank(profile, found, constraints, Weights())

    letters = [o.riasec or "" for o in found]

    def baseline() -> None:
        fit = numpy_congruence(list(code.codes), letters)
        results["numpy"] = (fit, np.argsort(-fit, kind="stable"))

    engine_s = best_of(args.repeat, engine)
    numpy_s = best_of(args.repeat, baseline)
    ranked = results["engine"]
    by_code = {m.occupation.code: m.congruence for m in ranked}  # type: ignore[attr-defined]
    fit = results["numpy"][0]  # type: ignore[index]
    assert all(abs(by_code[o.code] - fit[i]) < 1e-9 for i, o in enumerate(found))
    figures = {"python": sys.version.split()[0], "machine": platform.platform(),
               "occupations": args.occupations, "engine_ms": engine_s * 1000,
               "numpy_congruence_ms": numpy_s * 1000}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"Python {figures['python']}, numpy {np.__version__}, best of {args.repeat} runs")
    print(f"Matching one beneficiary (tied code {code.display()}) against {args.occupations}"
          " occupations:")
    print(f"  bilan rank (congruence, skills, values, constraints, sort)"
          f" {engine_s * 1000:8.1f} ms")
    print(f"  numpy congruence only, then sort                         "
          f" {numpy_s * 1000:8.1f} ms")
    print("  congruence values equal in both")


if __name__ == "__main__":
    main()
