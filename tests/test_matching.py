"""The ranking of many occupations: the same matches, scores and order as matching each
occupation alone with the documented tie rule, built only when read."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import pytest

from bilan_core import riasec
from bilan_core.model import CONDITIONS, Occupation, Prerequisite
from bilan_core.orientation.matching import (
    Constraints,
    Match,
    Profile,
    Ranking,
    Weights,
    match_one,
    rank,
)

ROOT = Path(__file__).parents[1]
SKILLS = ["equipe", "organisation", "numerique", "stress", "autonomie", "encadrement"]
VALUES = ["aide", "relations", "securite", "creativite", "autonomie"]
PREREQUISITES = [Prerequisite(id="permis_b", kind="licence", text="le permis B", months=3),
                 Prerequisite(id="bac", kind="diploma", text="un bac", months=12),
                 Prerequisite(id="experience", kind="experience", text="de l'expérience")]


def generated(count: int, seed: int) -> list[Occupation]:
    """Occupations of every shape: no letters, one to three, no skills or values, ties,
    the same code twice, prerequisites and working conditions."""
    rng = random.Random(seed)
    found = []
    for n in range(count):
        size = rng.choice([0, 1, 2, 3, 3])
        code = f"{'ABCDEFGHIJKLMN'[n % 14]}{n // 14:04d}"
        found.append(Occupation(
            code=found[-1].code if found and rng.random() < 0.05 else code,
            title=f"Métier {n}", riasec="".join(rng.sample("RIASEC", size)) or None,
            skills=rng.sample(SKILLS, rng.randint(0, 3)),
            values=rng.sample(VALUES, rng.randint(0, 2)),
            level=rng.choice([None, 3, 5, 7]), training_months=rng.choice([None, 0, 9, 24]),
            prerequisites=rng.sample(PREREQUISITES, rng.choice([0, 0, 1, 2])),
            conditions=rng.sample(CONDITIONS[:4], rng.randint(0, 2))))
    rng.shuffle(found)
    return found


TIED = riasec.holland_code({"R": 5, "I": 20, "A": 20, "S": 30, "E": 25, "C": 10}).codes
PROFILES = [
    Profile(codes=TIED, strengths=frozenset(SKILLS[:3]), values=frozenset(VALUES[:2])),
    Profile(codes=("SEC",), strengths=frozenset(), values=frozenset(VALUES[1:])),
    Profile(codes=(), strengths=frozenset({"equipe", "inconnue"}), values=frozenset()),
]
CONSTRAINTS = [
    Constraints(),
    Constraints(max_training_months=9, avoid=frozenset(CONDITIONS[:1])),
    Constraints(max_level=5, exclude_domains=frozenset({"A", "K"}),
                discuss=frozenset(CONDITIONS[1:3]), holds=frozenset({"bac"})),
    Constraints(max_training_months=0, holds=frozenset({"permis_b", "experience"})),
]
WEIGHTS = [Weights(), Weights(1, 0, 0), Weights(0.2, 0.5, 0.3), Weights(0, 0, 0)]


def one_by_one(profile: Profile, occupations: list[Occupation], constraints: Constraints,
               weights: Weights) -> list[Match]:
    """The specification: each occupation matched alone, sorted by the documented rule."""
    matches = [match_one(profile, o, constraints, weights) for o in occupations]
    return sorted(matches, key=lambda m: (m.excluded is not None, -m.score,
                                          -(m.congruence or 0.0), m.occupation.code))


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("constraints", CONSTRAINTS)
@pytest.mark.parametrize("weights", WEIGHTS)
def test_ranking_gives_the_matches_of_each_occupation_in_the_documented_order(
        profile, constraints, weights):
    occupations = generated(300, seed=len(str((profile, constraints, weights))))
    expected = one_by_one(profile, occupations, constraints, weights)
    ranked = rank(profile, occupations, constraints, weights)
    assert list(ranked) == expected
    assert ranked.kept == sum(m.excluded is None for m in expected)


def test_the_best_excluded_are_those_the_constraints_cost_most():
    profile, constraints = PROFILES[0], CONSTRAINTS[1]
    occupations = generated(300, seed=7)
    ranked = rank(profile, occupations, constraints)
    ordered = one_by_one(profile, occupations, constraints, Weights())
    costly = sorted((m for m in ordered if m.excluded),
                    key=lambda m: -match_one(profile, m.occupation, Constraints(),
                                             Weights()).score)
    assert len(costly) > 5
    assert ranked.best_excluded(5) == costly[:5]
    assert ranked.best(4) == [m for m in ordered if m.excluded is None][:4]


def test_a_ranking_is_a_sequence_of_matches_built_when_read():
    occupations = generated(50, seed=3)
    ranked = rank(PROFILES[0], occupations, CONSTRAINTS[1])
    assert isinstance(ranked, Ranking) and len(ranked) == 50
    assert ranked[0] is ranked[0]  # built once, then kept
    assert ranked[-1] == ranked[49] == list(ranked)[-1]
    assert ranked[2:5] == list(ranked)[2:5]
    with pytest.raises(IndexError):
        ranked[50]
    assert ranked.best(1000) == list(ranked)[: ranked.kept]


def test_the_congruence_of_each_letters_is_computed_once_per_ranking(monkeypatch):
    from bilan_core.orientation import matching

    calls: list[str] = []
    real = matching.congruence

    def counted(codes, letters):
        calls.append(letters)
        return real(codes, letters)

    monkeypatch.setattr(matching, "congruence", counted)
    occupations = generated(400, seed=5)
    ranked = rank(PROFILES[0], occupations)
    ranked.best(10)
    assert sorted(calls) == sorted({o.riasec for o in occupations
                                    if o.riasec and len(o.riasec) >= 2})


def test_the_benchmark_generates_valid_distinct_codes_past_ten_thousand():
    spec = importlib.util.spec_from_file_location("matching_benchmark",
                                                  ROOT / "benchmarks" / "matching.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    codes = [o.code for o in module.occupations(10_050)]
    assert len(set(codes)) == len(codes)  # Occupation checks each is a ROME code
