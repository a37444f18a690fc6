"""Career matching checked against values computed by hand, deterministic ranking,
constraints, the action plan, and ``bilan careers``."""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import pytest

from bilan_core import riasec
from bilan_core.model import Occupation
from bilan_core.orientation.matching import (
    Constraints,
    Profile,
    Weights,
    congruence,
    explain,
    match_one,
    rank,
)

ROOT = Path(__file__).parents[1]


def test_congruence_of_three_letters_by_hand():
    fit, m, c = congruence(["SEA"], "ESA")
    assert (m, c) == (21, 13)  # the worked values of the conventions
    assert fit == pytest.approx((21 / 28 + 13 / 18) / 2)


def test_congruence_with_a_tied_person_code_averages_the_orders():
    code = riasec.holland_code({"R": 5, "I": 20, "A": 20, "S": 30, "E": 25, "C": 10})
    fit, m, c = congruence(code.codes, "ESA")
    assert (m, c) == (20.5, 12.5)  # (21 + 20) / 2 and (13 + 12) / 2
    assert fit == pytest.approx((20.5 / 28 + 12.5 / 18) / 2)


def test_two_letter_occupations_use_the_two_letter_forms_normalised():
    code = riasec.holland_code({"R": 5, "I": 20, "A": 20, "S": 30, "E": 25, "C": 10})
    assert congruence(code.codes, "SE") == (1.0, 6, 15)  # both orders start with SE
    fit, m, c = congruence(["SEC"], "ES")
    # M: S and E swapped: 2 + 2 = 4 of 6; C: 3 x (3 - 1) + 2 x (3 - 1) = 10 of 15.
    assert (m, c) == (4, 10)
    assert fit == pytest.approx((4 / 6 + 10 / 15) / 2)
    # A two-letter and a three-letter occupation of the same fit rank together.
    assert congruence(["SEC"], "SE")[0] == congruence(["SEC"], "SEC")[0] == 1.0


def occupation(code: str, letters: str, **extra) -> Occupation:
    return Occupation(code=code, title=f"Métier {code}", riasec=letters, **extra)


PROFILE = Profile(codes=("SEC",), strengths=frozenset({"organisation", "equipe"}),
                  values=frozenset({"aide", "relations"}),
                  skill_names={"organisation": "Organisation", "equipe": "Travail en équipe"},
                  value_names={"aide": "Aide aux autres"})


def test_score_weights_congruence_skills_and_values():
    o = occupation("K2111", "SEC", skills=("organisation", "numerique"),
                   values=("aide", "creativite", "autonomie", "relations"))
    m = match_one(PROFILE, o, Constraints(), Weights())
    assert m.congruence == 1.0
    assert m.shared_skills == ("organisation",)
    assert m.shared_values == ("aide", "relations")
    assert m.score == pytest.approx(0.5 * 1.0 + 0.3 * 0.5 + 0.2 * 0.5)
    only_interests = match_one(PROFILE, occupation("K2112", "SEC"), Constraints(), Weights())
    assert only_interests.score == 1.0  # unknown parts do not count, weights renormalised


def test_ranking_is_deterministic_with_the_documented_tie_rule():
    occupations = [occupation(code, letters) for code, letters in [
        ("M1607", "CSE"), ("K2111", "SEC"), ("A1101", "SEC"), ("K1801", "SE"),
        ("D1106", "ESC"), ("N1103", "RCE")]]
    expected = [m.occupation.code for m in rank(PROFILE, occupations)]
    # equal scores and congruence: code ascending
    assert expected[:3] == ["A1101", "K1801", "K2111"]
    for seed in range(5):
        shuffled = occupations[:]
        random.Random(seed).shuffle(shuffled)
        assert [m.occupation.code for m in rank(PROFILE, shuffled)] == expected


@pytest.mark.parametrize(("constraints", "reason"), [
    (Constraints(max_training_months=6),
     "formation d'environ 9 mois, au-delà des 6 mois retenus"),
    (Constraints(max_level=4), "niveau 5 demandé, au-delà du niveau 4"),
    (Constraints(exclude_domains=frozenset({"K"})), "domaine K écarté"),
    (Constraints(avoid=frozenset({"port de charges"})),
     "conditions de travail à éviter : port de charges"),
])
def test_constraints_rule_occupations_out_with_the_reason(constraints, reason):
    o = occupation("K2111", "SEC", training_months=9, level=5,
                   conditions=("port de charges",))
    ranked = rank(PROFILE, [o, occupation("M1607", "CSE")], constraints)
    assert ranked[-1].occupation.code == "K2111"  # excluded ones come last
    assert ranked[-1].excluded == reason
    assert ranked[-1].score == 0.0
    assert explain(ranked[-1], PROFILE).startswith(f"Écarté ({reason})")


def test_explanation_in_french():
    o = occupation("K2111", "SE", skills=("organisation", "equipe", "numerique"),
                   values=("aide",), access=("Titre professionnel FPA (niveau 5)",),
                   training_months=9)
    text = explain(match_one(PROFILE, o, Constraints(), Weights()), PROFILE)
    assert text == ("Code RIASEC du métier SE (estimé), congruence 1 avec votre code SEC"
                    " (Iachan 6/6, Brown et Gore 15/15) ; compétences transférables :"
                    " Organisation, Travail en équipe (2 sur 3 attendues) ; valeurs"
                    " satisfaites : Aide aux autres ; accès : Titre professionnel FPA"
                    " (niveau 5), environ 9 mois de formation.")


@pytest.fixture
def example_run(bilan, tmp_path):
    def run(name: str):
        folder = tmp_path / name
        shutil.copytree(ROOT / "examples" / name, folder)
        result = bilan("-p", "no:journal", "run", folder / "pipeline.toml", "--output",
                       folder / "out", "--format", "json,md")
        assert result.code == 0, result.err
        from bilan_core.model.serialize import read_dossier

        return read_dossier(folder / "out" / "dossier.json"), folder / "out"

    return run


def test_the_pipeline_matches_occupations_and_plans_actions(example_run):
    dossier, out = example_run("reconversion-cpf")
    assert "## Pistes d'orientation" in (out / "synthese.md").read_text(encoding="utf-8")
    matched = [o for o in dossier.career_options if o.code]
    assert len(matched) >= 5
    assert all(o.explanation.startswith("Code RIASEC du métier") for o in matched)
    assert any(o.kind.value == "business_creation" for o in dossier.career_options)
    settings = dossier.extra["career_options"]["settings"]
    assert settings["max_training_months"] == 12
    kept = set(dossier.extra["action_plan"]["kept_options"])
    assert {a.option for a in dossier.actions if a.option} <= kept
    kinds = {a.kind.value for a in dossier.actions}
    assert {"immersion", "follow_up"} <= kinds
    training = [a for a in dossier.actions if a.kind.value == "training"]
    assert all("Compte personnel de formation (CPF)" in a.funding for a in training)


def test_health_restrictions_rule_out_physical_occupations(example_run):
    dossier, _ = example_run("salarie-rqth")
    from bilan_core.plugins import PluginHost

    host = PluginHost().load()
    sample = {o.code: o for o in host.registry.occupation_sources["rome"].load()}
    for option in dossier.career_options:
        if option.code in sample:
            assert "port de charges" not in sample[option.code].conditions, option.title
    assert dossier.extra["career_options"]["excluded"], "physical jobs were ruled out"


def test_business_creation_gets_its_own_actions(example_run):
    dossier, _ = example_run("demandeur-emploi")
    business = [a for a in dossier.actions if a.id.startswith("creation-entreprise-")]
    assert [a.kind.value for a in business] == [
        "business_creation", "business_creation", "training", "business_creation"]
    assert "ARCE" in business[-1].title  # job seekers keep their allowance or get the ARCE


def test_careers_command_reads_the_dossier(bilan, example_run):
    _, out = example_run("demandeur-emploi")
    result = bilan("careers", out / "dossier.json", "--top", "5", "--json")
    assert result.code == 0, result.err
    options = json.loads(result.out)["options"]
    assert len([o for o in options if o["code"]]) == 5
    assert options == sorted(options, key=lambda o: (-o["score"], o["id"]))
    text = bilan("careers", out / "dossier.json", "--top", "3")
    assert text.out.startswith("Career options for DE-2026-0093")
    assert bilan("careers", out / "absent.json").code == 2


def test_rome_sample_covers_the_fourteen_domains(bilan):
    listed = json.loads(bilan("occupations", "list", "--json").out)
    assert "Échantillon" in listed["source"] and "estimés" in listed["source"]
    codes = [o["code"] for o in listed["occupations"]]
    assert len(codes) >= 150
    assert {c[0] for c in codes} == set("ABCDEFGHIJKLMN")
    assert all(o["estimated"] for o in listed["occupations"])
    known = dict(line.split("\t") for line in (ROOT / "tests" / "fixtures" / "rome_titles.tsv")
                 .read_text(encoding="utf-8").splitlines())
    for o in listed["occupations"]:
        assert known[o["code"]] == o["title"], o["code"]  # real ROME 4.0 codes and titles


FIXTURES = ROOT / "tests" / "fixtures" / "rome"


def test_import_replaces_the_sample(bilan, tmp_path, monkeypatch, example_run):
    monkeypatch.setenv("BILAN_DATA_DIR", str(tmp_path / "data"))
    result = bilan("occupations", "import", FIXTURES)
    assert result.code == 0, result.err
    assert "Imported 5 métiers (5 with RIASEC letters, 3 mobility links)" in result.out
    listed = json.loads(bilan("occupations", "list", "--json").out)
    assert listed["source"].startswith("ROME 4.0, export officiel")
    by_code = {o["code"]: o for o in listed["occupations"]}
    assert by_code["K2111"] == {"code": "K2111", "title": "Formateur / Formatrice",
                                "riasec": "SE", "estimated": False, "level": 5,
                                "training_months": by_code["K2111"]["training_months"],
                                "nearby": ["M1607", "K1801"]}  # ordre_mobilite 1, then 2
    _, out = example_run("reconversion-cpf")
    careers = json.loads(bilan("careers", out / "dossier.json", "--json").out)["options"]
    assert {o["code"] for o in careers if o["code"]} <= set(by_code)


def _broken(tmp_path: Path, name: str, old: str, new: str) -> Path:
    folder = tmp_path / "export"
    shutil.copytree(FIXTURES, folder)
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    return folder


RIASEC_FILE = "unix_referentiel_code_rome_riasec_v460_utf8.csv"
CODES_FILE = "unix_referentiel_code_rome_v460_utf8.csv"
MOBILITY_FILE = "unix_rubrique_mobilite_v460_utf8.csv"


@pytest.mark.parametrize(("name", "old", "new", "where", "message"), [
    (RIASEC_FILE, "riasec_mineur", "riasec_minor", f"{RIASEC_FILE}:1",
     "missing column 'riasec_mineur'"),
    (RIASEC_FILE, "M1607,C,S", "M1607,C,X", f"{RIASEC_FILE}:4",
     "RIASEC letters 'C', 'X' for M1607"),
    (RIASEC_FILE, "N1103,R,C", "N11O3,R,C", f"{RIASEC_FILE}:5",
     "code_rome 'N11O3' is not a ROME code"),
    (RIASEC_FILE, "D1106,E,S", "D1106,E,S\nK2111,S,A", f"{RIASEC_FILE}:7",
     "K2111 is listed twice"),
    (MOBILITY_FILE, "N1103;D1106", "N1103;Z1106", f"{MOBILITY_FILE}:4",
     "code_rome_cible 'Z1106' is not a ROME code"),
    (MOBILITY_FILE, "K2111;M1607", "K2111;M1608", f"{MOBILITY_FILE}:3",
     "M1608 is not in the referential of codes"),
    (CODES_FILE, "5;N1103;Préparateur", "5;N1103", f"{CODES_FILE}:6",
     "3 columns, the header has 4"),
])
def test_malformed_export_files_are_located(bilan, tmp_path, monkeypatch, name, old, new,
                                            where, message):
    monkeypatch.setenv("BILAN_DATA_DIR", str(tmp_path / "data"))
    folder = _broken(tmp_path, name, old, new)
    result = bilan("occupations", "import", folder)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert f"{where}: {message}" in result.err, result.err
    assert not (tmp_path / "data" / "rome").exists()  # nothing half-imported


def test_import_needs_the_files(bilan, tmp_path, monkeypatch):
    monkeypatch.setenv("BILAN_DATA_DIR", str(tmp_path / "data"))
    empty = tmp_path / "empty"
    empty.mkdir()
    result = bilan("occupations", "import", empty)
    assert result.code == 2
    assert "no file whose name contains 'referentiel_code_rome'" in result.err
    zipped = shutil.make_archive(str(tmp_path / "export"), "zip", FIXTURES)
    assert bilan("occupations", "import", zipped).code == 0
