"""The scoring engine, checked against values computed by hand in each test."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from bilan_core import riasec
from bilan_core.model import (
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
from bilan_core.scoring import norms, score
from bilan_core.scoring.stats import cronbach_alpha

DOCS = Path(__file__).parents[1] / "docs" / "instruments.md"


def likert(*scales: Scale, items: list[Item], low: int = 1, high: int = 5, **extra) -> Instrument:
    return Instrument(id="t", version="1", title="Test", scales=scales, items=items,
                      response_scale=ResponseScale("likert", low, high), **extra)


def answers(**values) -> Responses:
    return Responses(instrument="t", version="1", answers=values)


def test_reverse_key_is_min_plus_max_minus_x():
    instrument = likert(Scale("s", "S"), items=[
        Item("a", "A", keys=[Key("s")]), Item("b", "B", keys=[Key("s", reverse=True)])])
    result = score(instrument, answers(a=5, b=2))
    assert result.scale("s").raw == 5 + (1 + 5 - 2)  # 9, not 5 + (5 - 2) = 8
    zero_based = likert(Scale("s", "S"), low=0, high=4, items=[
        Item("a", "A", keys=[Key("s", reverse=True)]), Item("b", "B", keys=[Key("s")])])
    assert score(zero_based, answers(a=1, b=0)).scale("s").raw == (0 + 4 - 1) + 0


def test_proration_above_the_share_and_not_scorable_below():
    items = [Item(f"i{n}", "x", keys=[Key("s")]) for n in range(10)]
    instrument = likert(Scale("s", "S"), items=items)
    eight = score(instrument, answers(**{f"i{n}": 4 for n in range(7)}, i7=2))
    s = eight.scale("s")
    assert (s.raw, s.answered, s.items) == (30, 8, 10)
    assert s.prorated == pytest.approx(30 / 8 * 10)  # 37.5
    assert s.score == pytest.approx(37.5)
    seven = score(instrument, answers(**{f"i{n}": 4 for n in range(7)})).scale("s")
    assert seven.raw is None and seven.prorated is None
    assert seven.not_scorable.startswith("7 réponse(s) sur 10")
    assert any(f.startswith("réponses manquantes") for f in score(
        instrument, answers(**{f"i{n}": 4 for n in range(7)})).flags)


def test_mean_method_and_mean_proration():
    instrument = likert(Scale("s", "S", method="mean"), items=[
        Item(f"i{n}", "x", keys=[Key("s")]) for n in range(5)])
    s = score(instrument, answers(i0=5, i1=4, i2=3, i3=4)).scale("s")
    assert s.raw == pytest.approx(4.0)
    assert s.prorated == pytest.approx(4.0)


def test_percentile_midpoint_by_hand():
    # 10 people: 2 below 12, 3 at exactly 12: 100 * (2 + 0.5 * 3) / 10 = 35
    distribution = [(10, 1), (11, 1), (12, 3), (13, 4), (15, 1)]
    assert norms.percentile_midpoint(12, distribution) == pytest.approx(35.0)
    assert norms.percentile_midpoint(9, distribution) == 0.0
    assert norms.percentile_midpoint(15, distribution) == pytest.approx(95.0)


@pytest.mark.parametrize(("z", "stanine", "sten"), [
    (-3.0, 1, 1), (-1.75, 2, 2), (-1.7500001, 1, 2), (-1.25, 3, 3), (-0.75, 4, 4),
    (-0.25, 5, 5), (-0.2500001, 4, 5), (0.0, 5, 6), (-0.0000001, 5, 5), (0.25, 6, 6),
    (0.5, 6, 7), (0.75, 7, 7), (1.0, 7, 8), (1.25, 8, 8), (1.5, 8, 9), (1.75, 9, 9),
    (2.0, 9, 10), (3.0, 9, 10), (-2.0, 1, 2), (-2.0000001, 1, 1), (-0.5, 4, 5),
])
def test_stanine_and_sten_cut_points(z, stanine, sten):
    assert norms.stanine(z) == stanine
    assert norms.sten(z) == sten


def test_z_is_rounded_so_cut_points_land_on_the_same_side():
    assert (10.3 - 10) / 1.2 > 0.25  # the floating-point trap: 0.2500000000000006
    z = norms.z_score(10.3, 10, 1.2)
    assert z == 0.25
    assert norms.stanine(z) == 6  # 0.25 is the first value of stanine 6
    assert norms.stanine(norms.z_score(9.7, 10, 1.2)) == 5  # -0.25 is stanine 5


def test_norm_scores_and_sem_band_through_the_engine():
    instrument = likert(Scale("s", "S"), items=[
        Item(f"i{n}", "x", keys=[Key("s")]) for n in range(4)])
    table = NormTable(instrument="t", group="Groupe test", n=100, year=2026, scales=[
        ScaleNorm("s", mean=12.0, sd=2.5, reliability=0.84)])
    s = score(instrument, answers(i0=5, i1=4, i2=4, i3=3), [table]).scale("s")
    assert s.raw == 16
    assert s.z == pytest.approx((16 - 12) / 2.5)  # 1.6
    assert s.t_score == pytest.approx(66.0)
    assert s.stanine == 8  # floor(3.2 + 0.5) + 5
    assert s.sten == 9  # floor(3.2) + 6
    assert s.percentile == pytest.approx(94.52, abs=0.01)  # normal curve at z = 1.6
    half = 1.96 * 2.5 * math.sqrt(1 - 0.84)  # SEM 1.0, band +- 1.96
    assert s.sem_band == pytest.approx((16 - half, 16 + half))
    assert s.sem_band == pytest.approx((14.04, 17.96))


def test_cronbach_alpha_on_a_small_matrix_by_hand():
    # Items (columns) over 4 people (rows). Item variances (n - 1): 6.75/3, 4.75/3, 1/3, sum
    # 25/6; totals 6, 8, 11, 13 (mean 9.5) have variance 29/3; alpha = 3/2 * (1 - 25/6 / 29/3).
    matrix = [[1, 2, 3], [2, 3, 3], [4, 3, 4], [4, 5, 4]]
    expected = 1.5 * (1 - (25 / 6) / (29 / 3))
    assert cronbach_alpha(matrix) == pytest.approx(expected)
    assert cronbach_alpha(matrix) == pytest.approx(0.8534, abs=0.0001)
    assert math.isnan(cronbach_alpha([[1, 1], [1, 1]]))  # totals do not vary


def test_holland_code_with_a_tie_and_congruence_worked_values():
    code = riasec.holland_code({"R": 5, "I": 20, "A": 20, "S": 30, "E": 25, "C": 10})
    assert code.display() == "SE(I=A)"
    assert set(code.codes) == {"SEA", "SEI"}  # the tie is reported, not broken
    assert riasec.iachan_m("SEA", "ESA") == 21
    assert riasec.iachan_m("SEI", "ESA") == 20
    assert riasec.averaged("M", code.codes, "ESA") == 20.5
    assert riasec.brown_gore_c("SEI", "SEI") == 18
    assert riasec.brown_gore_c("RIA", "SEC") == 0
    assert riasec.brown_gore_c("SEA", "ESA") == 13
    assert riasec.brown_gore_c("SEI", "ESA") == 12
    assert riasec.averaged("C", code.codes, "ESA") == 12.5
    assert riasec.iachan_m("SE", "SE") == 6  # two-letter weights [[5, 2], [2, 1]]: 5 + 1
    assert riasec.iachan_m("SE", "ES") == 4  # 2 + 2


def test_consistency_and_differentiation():
    assert riasec.consistency("SEA") == "élevée"  # S and E are adjacent
    assert riasec.consistency("SCA") == "moyenne"  # S and C are two steps apart
    assert riasec.consistency("RSE") == "faible"  # R and S are opposite
    scores = {"R": 5, "I": 20, "A": 20, "S": 30, "E": 25, "C": 10}
    assert riasec.differentiation_holland(scores) == 25
    assert riasec.differentiation_iachan(scores) == 30 - (25 + 20) / 2


def test_riasec_profile_summary_shows_the_tie():
    scales = [Scale(t, riasec.NAMES[t]) for t in riasec.TYPES]
    items = [Item(f"{t}{n}", "x", keys=[Key(t)]) for t in riasec.TYPES for n in range(2)]
    instrument = likert(*scales, items=items, low=0, high=4, profile="riasec")
    values = {"R": (0, 1), "I": (2, 2), "A": (3, 1), "S": (4, 4), "E": (4, 3), "C": (1, 1)}
    result = score(instrument, answers(**{f"{t}{n}": v[n] for t, v in values.items()
                                          for n in range(2)}))
    assert result.summary["Code Holland"] == "SE(I=A)"
    assert result.summary["Codes possibles"] == "SEI, SEA"
    assert result.summary["Consistance"] == "élevée"


def test_forced_choice_and_ranking():
    instrument = Instrument(
        id="t", version="1", title="T", response_scale=ResponseScale("forced_choice"),
        scales=[Scale("x", "X"), Scale("y", "Y"), Scale("z", "Z")],
        items=[
            Item("f", "F", options=[Option("a", "A", "x"), Option("b", "B", "y")]),
            Item("r", "R", format="ranking", options=[
                Option("p", "P", "x"), Option("q", "Q", "y"), Option("s", "S", "z")]),
        ])
    result = score(instrument, answers(f="b", r=("s", "p", "q")))
    assert [(s.scale, s.raw) for s in result.scales] == [("x", 0 + 2), ("y", 1 + 1), ("z", 3)]


def test_yes_no_and_free_text():
    instrument = Instrument(
        id="t", version="1", title="T", response_scale=ResponseScale("yes_no"),
        scales=[Scale("s", "S")],
        items=[Item("a", "A", keys=[Key("s")]), Item("b", "B", keys=[Key("s", reverse=True)]),
               Item("c", "C", format="free_text")])
    result = score(instrument, answers(a=True, b=False, c="Texte libre"))
    assert result.scale("s").raw == 2
    assert result.free_text == {"c": "Texte libre"}


def test_validity_flags():
    items = [Item(f"i{n}", "x", keys=[Key("s", reverse=n % 2 == 1)]) for n in range(10)]
    instrument = likert(Scale("s", "S"), items=items,
                        pairs=[ItemPair("i0", "i2"), ItemPair("i1", "i3", "same")],
                        validity=Validity(longstring=6))
    same = answers(**{f"i{n}": 5 for n in range(10)})
    flags = " | ".join(score(instrument, same).flags)
    assert "réponses en série : 10 réponses identiques" in flags
    assert "acquiescement" in flags  # agrees with direct and reversed items alike
    spread = answers(i0=5, i1=1, i2=1, i3=5, i4=4, i5=2, i6=5, i7=1, i8=4, i9=2)
    assert any(f.startswith("incohérence : 2 paire(s)") for f in score(instrument, spread).flags)
    fast = Responses(instrument="t", version="1", answers=spread.answers,
                     timings={f"i{n}": 0.4 for n in range(10)})
    assert any(f.startswith("passation trop rapide : 0.4 s") for f in score(instrument, fast).flags)
    calm = answers(i0=4, i1=2, i2=5, i3=1, i4=4, i5=2, i6=3, i7=2, i8=4, i9=1)
    assert score(instrument, calm).flags == ()


def _doc_block(name: str) -> str:
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(rf"<!-- example: {name} -->\n```toml\n(.*?)```", text, re.S)
    assert match, name
    return match.group(1)


def test_an_instrument_written_from_the_docs_scores_through_bilan_score(bilan, tmp_path):
    (tmp_path / "exterieur.toml").write_text(_doc_block("instrument"), encoding="utf-8")
    (tmp_path / "reponses.toml").write_text(_doc_block("responses"), encoding="utf-8")
    result = bilan("score", tmp_path / "exterieur.toml", tmp_path / "reponses.toml",
                   "--norms", "Adultes accompagnés par le cabinet", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    dehors, contact = data["scales"]
    assert (dehors["raw"], dehors["z"], dehors["t_score"]) == (14.0, 2.0, 70.0)
    assert (dehors["stanine"], dehors["sten"], dehors["band"]) == (9, 10, "élevé")
    assert dehors["percentile"] == pytest.approx(97.72, abs=0.01)
    assert dehors["sem_band"] == pytest.approx([12.04, 15.96])
    assert contact["raw"] == pytest.approx(5 / 3)
    assert contact["t_score"] == pytest.approx(33.33, abs=0.01)
    assert (contact["stanine"], contact["sten"], contact["band"]) == (2, 2, "moyen ou bas")
    assert data["free_text"] == {"remarque": "J'ai travaillé dix ans en espaces verts."}
    table = bilan("score", tmp_path / "exterieur.toml", tmp_path / "reponses.toml",
                  "--norms", "Adultes accompagnés par le cabinet")
    assert "Goût pour le travail en extérieur" in table.out
    assert "élevé" in table.out


def test_score_refuses_an_unknown_norm_group(bilan, tmp_path):
    (tmp_path / "exterieur.toml").write_text(_doc_block("instrument"), encoding="utf-8")
    (tmp_path / "reponses.toml").write_text(_doc_block("responses"), encoding="utf-8")
    result = bilan("score", tmp_path / "exterieur.toml", tmp_path / "reponses.toml",
                   "--norms", "Adultes accompagnes par le cabinet")
    assert result.code == 2
    assert "did you mean 'Adultes accompagnés par le cabinet'" in result.err


def test_consistency_is_undetermined_when_ties_decide_it():
    scales = [Scale(t, riasec.NAMES[t]) for t in riasec.TYPES]
    items = [Item(f"{t}1", "x", keys=[Key(t)]) for t in riasec.TYPES]
    instrument = likert(*scales, items=items, low=0, high=4, profile="riasec")
    tied = score(instrument, answers(R1=4, I1=3, S1=3, A1=1, E1=0, C1=2))
    assert tied.summary["Code Holland"] == "R(I=S)"
    # RIS: R and I adjacent (élevée); RSI: R and S opposite (faible).
    assert tied.summary["Consistance"] == "indéterminée à cause des égalités (faible ou élevée)"
    assert tied.summary["Différenciation (Iachan)"] == "1,5"  # 4 - (3 + 2) / 2, French comma


def test_riasec_profile_needs_the_six_scales(tmp_path):
    from bilan_core.errors import ConfigError
    from bilan_core.instruments import load_instrument

    text = _doc_block("instrument").replace('copyright = "© 2026 Cabinet Exemple"',
                                            'copyright = "© 2026 Cabinet Exemple"\n'
                                            'profile = "riasec"')
    path = tmp_path / "x.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"x\.toml:7:1: profile: profile = .riasec. needs"):
        load_instrument(path)


def test_yes_no_pairs_use_their_own_range_and_true_is_not_one():
    instrument = likert(Scale("s", "S"), items=[
        Item("a", "A", keys=[Key("s")], format="yes_no"),
        Item("b", "B", keys=[Key("s", reverse=True)], format="yes_no"),
        Item("c", "C", keys=[Key("s")])], pairs=[ItemPair("a", "b", "opposite")],
        validity=Validity(longstring=2))
    assert score(instrument, answers(a=True, b=False, c=1)).flags == ()
