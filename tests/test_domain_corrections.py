"""Corrections from an outside review of the domain rules: each test failed before its fix."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from bilan_core.instruments import load_instrument
from bilan_core.instruments.plugin import PLUGIN_NAME, PipelineInstruments
from bilan_core.model import (
    Dossier,
    InstrumentResult,
    Occupation,
    Provider,
    ScaleScore,
)
from bilan_core.model.people import Beneficiary
from bilan_core.orientation.matching import Constraints, Weights, explain, match_one
from bilan_core.orientation.options import Settings, _profile
from bilan_core.plugins import PluginHost

ROOT = Path(__file__).parents[1]

INSTRUMENT = """\
id = "{id}"
version = "1.0"
title = "{title}"
licence = "Usage interne"
copyright = "Cabinet Exemple"
[response_scale]
format = "likert"
min = 1
max = 5
[[scales]]
id = "apprentissage"
name = "{learning}"
method = "mean"
[[scales]]
id = "autonomie"
name = "{autonomy}"
method = "mean"
[[items]]
id = "i1"
text = "Première affirmation."
scale = "apprentissage"
[[items]]
id = "i2"
text = "Deuxième affirmation."
scale = "autonomie"
"""


def _result(instrument: str, means: dict[str, float]) -> InstrumentResult:
    return InstrumentResult(instrument=instrument, version="1.0", method="mean", scales=tuple(
        ScaleScore(scale=s, raw=m, mean=m, items=1, answered=1)
        for s, m in means.items()))


# ------------------------------------------------------------------------------ 1. scales
def test_scale_names_are_resolved_through_their_own_instrument(tmp_path):
    """Two instruments use the same scale ids for different things: a skill is named as the
    skills instrument names it, a value as the values instrument does."""
    files = []
    for id_, title, learning, autonomy in (
            ("savoir-faire", "Compétences", "Apprendre à apprendre", "Prendre des initiatives"),
            ("motivations", "Valeurs", "Apprendre et progresser", "Être libre de s'organiser")):
        path = tmp_path / f"{id_}.toml"
        path.write_text(INSTRUMENT.format(id=id_, title=title, learning=learning,
                                          autonomy=autonomy), encoding="utf-8")
        files.append(load_instrument(path))
    host = PluginHost(environ={"BILAN_PLUGINS": ""},
                      objects=[(PLUGIN_NAME, PipelineInstruments(files))]).load()
    dossier = Dossier(
        id="D-1", reference_date=date(2026, 11, 2),
        beneficiary=Beneficiary(id="B-1", status="job_seeker"),
        provider=Provider(name="Centre", qualiopi=True),
        results={"savoir-faire": _result("savoir-faire", {"apprentissage": 4.5,
                                                          "autonomie": 2.0}),
                 "motivations": _result("motivations", {"apprentissage": 2.0,
                                                        "autonomie": 4.5})})
    settings = Settings.from_options({"skills": "savoir-faire", "values": "motivations"})
    profile = _profile(dossier, host, settings)
    occupation = Occupation(code="K2111", title="Formateur", skills=("apprentissage",),
                            values=("autonomie",))
    text = explain(match_one(profile, occupation, Constraints(), Weights()), profile)
    assert "ompétences transférables : Apprendre à apprendre (1 sur 1 attendues)" in text
    assert "valeurs satisfaites : Être libre de s'organiser" in text
    assert "Apprendre et progresser" not in text and "Prendre des initiatives" not in text


def test_the_example_names_a_skill_as_a_skill(bilan, tmp_path):
    shutil.copytree(ROOT / "examples" / "reconversion-cpf", tmp_path / "ex")
    result = bilan("-p", "no:journal", "run", tmp_path / "ex" / "pipeline.toml", "--output",
                   tmp_path / "out", "--format", "md")
    assert result.code == 0, result.err
    text = (tmp_path / "out" / "synthese.md").read_text("utf-8")
    trainer = next(line for line in text.splitlines() if "(K2111)" in line)
    skills = trainer.split("compétences transférables : ")[1].split(" (")[0]
    assert "Apprendre à apprendre" in skills
    assert "Apprendre et progresser" not in skills


def _example(bilan, tmp_path, name: str):
    from bilan_core.model.serialize import read_dossier

    shutil.copytree(ROOT / "examples" / name, tmp_path / name)
    result = bilan("-p", "no:journal", "run", tmp_path / name / "pipeline.toml", "--output",
                   tmp_path / f"{name}-out", "--format", "json,md")
    assert result.code == 0, result.err
    return read_dossier(tmp_path / f"{name}-out" / "dossier.json"), tmp_path / f"{name}-out"


# ------------------------------------------------------------------------------ 2. funders
@pytest.mark.parametrize("example", ["demandeur-emploi", "reconversion-cpf", "salarie-rqth"])
def test_a_funder_is_named_once_in_every_list(bilan, tmp_path, example):
    dossier, out = _example(bilan, tmp_path, example)
    for action in dossier.actions:
        assert len(action.funding) == len(set(action.funding)), action.funding
        bodies = {name.split(" (")[0] for name in action.funding}
        assert len(bodies) == len(action.funding), action.funding
    if example == "demandeur-emploi":
        text = (out / "synthese.md").read_text("utf-8")
        assert "France Travail, France Travail" not in text
        training = next(a for a in dossier.actions if a.kind.value == "training")
        assert [f for f in training.funding if f.startswith("France Travail")] == [
            "France Travail"]


# ------------------------------------------------------------------------------ 4. price
def _quote(bilan, tmp_path, price: str, date_: str = "2026-03-01", status: str =
           "private_employee") -> str:
    beneficiary = tmp_path / "b.toml"
    beneficiary.write_text(f'id = "B-7"\nstatus = "{status}"\ncpf_balance = 3000\n',
                           encoding="utf-8")
    result = bilan("funding", "quote", beneficiary, "--price", price, "--hours", "20",
                   "--date", date_, "--json")
    assert result.code == 0, result.err
    return result.out


@pytest.mark.parametrize("price,out_of_pocket,cpf", [
    ("50", "50.00", "0.00"),          # under the flat participation: the price, no more
    ("103.20", "103.20", "0.00"),     # at it
    ("103.21", "103.20", "0.01"),     # one cent above: the CPF pays the cent
    ("1950", "103.20", "1600.00"),    # the usual case, capped at 1,600 EUR from 2026-02-26
])
def test_the_beneficiary_never_pays_more_than_the_price(bilan, tmp_path, price, out_of_pocket,
                                                        cpf):
    import json
    from decimal import Decimal

    document = json.loads(_quote(bilan, tmp_path, price))
    decision = next(d for d in document["decisions"] if d["funder"] == "cpf")
    assert (decision["out_of_pocket"], decision["covered"]) == (out_of_pocket, cpf)
    plan = document["plan"]
    assert Decimal(plan["remaining"]) <= Decimal(price)
    assert all(Decimal(line["amount"]) > 0 for line in plan["lines"])
    assert Decimal(decision["remaining"]) == Decimal(price) - Decimal(cpf)


# ------------------------------------------------------------------------------ 9. rules
def test_a_rule_can_be_a_rate_with_a_cap():
    from decimal import Decimal

    from bilan_core.model import FundingRule

    rule = FundingRule(id="aide", funder="region", text="50 % du prix, au plus 800 €",
                       rate="0.5", cap="800")
    assert rule.limit(Decimal("1950")) == Decimal("800.00")
    assert rule.limit(Decimal("1000")) == Decimal("500.00")
    assert rule.amount_text == "50 % du prix, au plus 800,00\u00a0€"
    assert FundingRule(id="a", funder="r", text="t", amount="300").limit(Decimal("200")) == (
        Decimal("200"))
    for bad in ({"rate": "1.5"}, {"rate": "0"}, {"cap": "800"},
                {"amount": "300", "rate": "0.5"}):
        with pytest.raises(ValueError):
            FundingRule(id="a", funder="r", text="t", **bad)


def test_an_aid_for_the_bilan_only_is_never_offered_for_a_training(bilan, tmp_path):
    dossier, _ = _example(bilan, tmp_path, "salarie-rqth")
    agefiph = next(d for d in dossier.funding if d.funder == "agefiph")
    assert agefiph.funds == ("bilan",) and agefiph.eligibility.value != "not_eligible"
    assert agefiph.tops_up  # it only adds to another route
    funded = [a for a in dossier.actions if a.kind.value in ("training", "vae")]
    assert funded
    for action in funded:
        assert "Agefiph" not in action.funding, action
        assert action.funding[0] == "Compte personnel de formation (CPF)"


def test_every_funder_says_what_it_funds():
    from bilan_core.model.outcomes import FUNDABLE
    from bilan_core.plugins import PluginHost

    funders = PluginHost().load().registry.funders
    assert funders and all(set(f.funds) <= set(FUNDABLE) and "bilan" in f.funds
                           for f in funders.values())
    assert funders["cpf"].funds == ("bilan", "training", "vae", "business_creation")


# ------------------------------------------------------------------------------ 3. dates
@pytest.mark.parametrize("written", ["2026-3-1", "20260301", "2026-03-01T00:00", "1/3/2026",
                                     "2026-02-30"])
def test_every_date_option_is_written_yyyy_mm_dd(bilan, pipeline_file, tmp_path, written):
    from conftest import PIPELINE

    beneficiary = tmp_path / "b.toml"
    beneficiary.write_text('id = "B-7"\nstatus = "job_seeker"\n', encoding="utf-8")
    pipeline = pipeline_file(PIPELINE)
    for args in (("validate", pipeline), ("run", pipeline, "--output", tmp_path / "o"),
                 ("funding", "quote", beneficiary, "--price", "900", "--hours", "20"),
                 ("journal", "purge")):
        result = bilan(*args, "--date", written)
        assert result.code == 2, (args, result)
        assert result.err.count("\n") == 1 and "'--date'" in result.err, result.err
        assert written in result.err
    assert bilan("validate", pipeline, "--date", "2026-11-03").code == 0


@pytest.mark.parametrize("written", ['"2026-3-1"', '"20261102"', '"2026-11-02"'])
def test_a_date_in_a_file_is_a_toml_date(bilan, pipeline_file, written):
    from conftest import PIPELINE

    path = pipeline_file(PIPELINE.replace("reference_date = 2026-11-02",
                                          f"reference_date = {written}"))
    result = bilan("validate", path)
    assert result.code == 2
    assert "pipeline.toml:1:1: reference_date:" in result.err
    expected = ("write the date without quotes" if written == '"2026-11-02"'
                else "expected a date such as 2026-11-02")
    assert expected in result.err


# ------------------------------------------------------------------------------ 5. exact
def test_raw_scores_are_exact_before_any_band(tmp_path):
    """Forty answers of 1 weighted 0.8 score 32, as 39 answers prorated to 40 items do."""
    from bilan_core.model import Responses
    from bilan_core.scoring import score

    items = "".join(f'[[items]]\nid = "i{n:02}"\ntext = "Affirmation {n}."\n'
                    f'keys = [{{ scale = "s", weight = 0.8 }}]\n' for n in range(40))
    path = tmp_path / "poids.toml"
    path.write_text(
        'id = "poids"\nversion = "1.0"\ntitle = "Poids"\nlicence = "interne"\n'
        'copyright = "Cabinet"\n[response_scale]\nformat = "likert"\nmin = 1\nmax = 5\n'
        '[[scales]]\nid = "s"\nname = "Échelle"\n'
        '[[bands]]\nscale = "s"\nby = "raw"\nto = 32\nlabel = "moins de 32"\n'
        '[[bands]]\nscale = "s"\nby = "raw"\nfrom = 32\nlabel = "32 ou plus"\n' + items,
        encoding="utf-8")
    instrument = load_instrument(path)
    complete = score(instrument, Responses(instrument="poids", version="1.0",
                                           answers={f"i{n:02}": 1 for n in range(40)}))
    prorated = score(instrument, Responses(instrument="poids", version="1.0",
                                           answers={f"i{n:02}": 1 for n in range(39)}))
    assert complete.scale("s").raw == 32.0
    assert prorated.scale("s").prorated == 32.0
    assert complete.scale("s").band == prorated.scale("s").band == "32 ou plus"
    three = score(instrument, Responses(instrument="poids", version="1.0",
                                        answers={f"i{n:02}": 3 for n in range(40)}))
    assert three.scale("s").raw == 96.0 and three.scale("s").mean == 2.4


# ------------------------------------------------------------------------------ 6. 24 hours
def _hours_pipeline(pipeline_file, day: str, working_time: bool, hours: int = 25):
    from conftest import PIPELINE

    text = PIPELINE.replace("reference_date = 2026-11-02", f"reference_date = {day}")
    text = text.replace('employer = "Entreprise Exemple"',
                        f'employer = "Entreprise Exemple"\nworking_time = '
                        f'{"true" if working_time else "false"}')
    text = text.replace("given_on = 2026-10-01", f"given_on = {day}")
    return pipeline_file(text.replace("id = \"action_plan\"\nhours = 3",
                                      f"id = \"action_plan\"\nhours = {3 + hours - 17}"))


@pytest.mark.parametrize("day,working_time,refused,source", [
    ("2018-06-01", True, True, "loi 91-1405"),     # the congé de bilan: 24 h of working time
    ("2018-06-01", False, False, None),            # outside working time, no ceiling then
    ("2019-01-01", False, True, "R6313-4"),        # every bilan from 2019
    ("2026-11-02", True, True, "R6313-4"),
])
def test_the_24_hour_ceiling_as_it_applied_on_each_date(bilan, pipeline_file, day,
                                                        working_time, refused, source):
    result = bilan("validate", _hours_pipeline(pipeline_file, day, working_time))
    if refused:
        assert result.code == 2, result
        assert "the steps plan 25 hours" in result.err and source in result.err
    else:
        assert result.code == 0, result.err
        assert "allowed outside working time only" in result.err


def test_the_quote_applies_the_same_ceiling(bilan, tmp_path):
    beneficiary = tmp_path / "b.toml"
    for working_time, code in (("true", 2), ("false", 0)):
        beneficiary.write_text(f'id = "B-7"\nstatus = "private_employee"\n'
                               f'working_time = {working_time}\n', encoding="utf-8")
        result = bilan("funding", "quote", beneficiary, "--price", "1950", "--hours", "26",
                       "--date", "2018-05-01")
        assert result.code == code, result


# ------------------------------------------------------------------------------ 12. retention
def _retention(pipeline_file, until: str, lowered: str = ""):
    from conftest import PIPELINE

    return pipeline_file(PIPELINE + lowered + "\n[[consent]]\nkind = \"retention\"\n"
                         f"given_on = 2026-10-01\nuntil = {until}\n")


def test_documents_are_kept_one_year_at_most_after_the_end_of_the_bilan(bilan, pipeline_file):
    assert bilan("validate", _retention(pipeline_file, "2027-11-02")).code == 0
    refused = bilan("validate", _retention(pipeline_file, "2027-11-03"))
    assert refused.code == 2
    assert "consent[retention].until: documents may be kept until 2027-11-02 at most" in (
        refused.err)
    assert "R6313-7" in refused.err


def test_a_pipeline_may_lower_the_retention_ceiling_never_raise_it(bilan, pipeline_file):
    lowered = "\n[rules]\nretention_months = 6\n"
    assert bilan("validate", _retention(pipeline_file, "2027-05-02", lowered)).code == 0
    refused = bilan("validate", _retention(pipeline_file, "2027-05-03", lowered))
    assert refused.code == 2 and "[rules] retention_months = 6" in refused.err
    raised = bilan("validate", _retention(pipeline_file, "2027-05-02",
                                          "\n[rules]\nretention_months = 24\n"))
    assert raised.code == 2
    assert "rules.retention_months: retention_months = 24 is more than the legal ceiling of" \
        " 12 months" in raised.err


def test_a_stored_dossier_keeping_documents_too_long_is_refused(bilan, pipeline_file,
                                                                tmp_path):
    import json

    path = _retention(pipeline_file, "2027-11-02")
    assert bilan("-p", "no:journal", "run", path, "--output", tmp_path / "out").code == 0
    dossier = tmp_path / "out" / "dossier.json"
    document = json.loads(dossier.read_text("utf-8"))
    document["dossier"]["retention"]["keep_until"] = "2029-11-02"
    dossier.write_text(json.dumps(document), "utf-8")
    result = bilan("-p", "no:journal", "report", dossier, "--format", "md")
    assert result.code == 2
    assert "$.retention: documents may be kept until 2027-11-02 at most" in result.err


# ------------------------------------------------------------------------------ 7. public CPF
def test_a_public_agents_cpf_is_in_hours_through_the_employer(bilan, tmp_path):
    import json

    beneficiary = tmp_path / "agent.toml"
    beneficiary.write_text('id = "A-1"\nstatus = "public_agent"\npublic_branch = "FPE"\n'
                           'cpf_hours = 120\ncpf_balance = 0\n', encoding="utf-8")
    result = bilan("funding", "quote", beneficiary, "--price", "1800", "--hours", "20",
                   "--date", "2026-03-01", "--json")
    assert result.code == 0, result.err
    cpf = next(d for d in json.loads(result.out)["decisions"] if d["funder"] == "cpf")
    assert cpf["eligibility"] == "to_check"
    assert cpf["out_of_pocket"] == "0.00"  # no flat participation
    trace = " ".join(cpf["trace"])
    assert "120 heures inscrites" in trace and "auprès de votre employeur" in trace
    assert "Mon Compte Formation" not in " ".join(cpf["paperwork"])
    assert "décret 2017-928" in cpf["source"]
    before = bilan("funding", "quote", beneficiary, "--price", "1800", "--hours", "20",
                   "--date", "2016-06-01", "--json")
    cpf = next(d for d in json.loads(before.out)["decisions"] if d["funder"] == "cpf")
    assert cpf["eligibility"] == "not_eligible"


def test_the_public_agents_rule_is_dated_and_sourced(bilan):
    import json

    rules = {r["id"]: r for r in json.loads(bilan("funding", "rules", "--json").out)}
    rule = rules["cpf_public_agents"]
    assert (rule["in_force_from"], rule["sureness"]) == ("2017-01-01", "likely")
    assert "ordonnance 2017-53" in rule["source"]


# ------------------------------------------------------------------------------ 8. OPCO
def test_opco_dates_cite_the_provisional_and_final_approvals(bilan):
    import json

    rules = [r for r in json.loads(bilan("funding", "rules", "--json").out)
             if r["funder"] == "opco"]
    small = next(r for r in rules if r["id"] == "opco_small_companies")
    assert small["in_force_from"] == "2019-01-01"
    approvals = sorted((r["in_force_from"], r["in_force_until"]) for r in rules
                       if r["id"] == "opco_approval")
    assert approvals == [("2019-01-01", "2019-03-31"), ("2019-04-01", None)]
    assert any("art. 39" in r["source"] for r in rules)


# ------------------------------------------------------------------------------ 10. options
def _occupation(code: str = "N2101", **kw) -> Occupation:
    from bilan_core.model import Prerequisite

    base = dict(title="Métier", riasec="SEC", skills=("communication_orale",),
                values=("aide",), training_months=6, access=("Formation maison",))
    base.update(kw)
    if "prerequisites" in base:
        base["prerequisites"] = tuple(Prerequisite(**p) for p in base["prerequisites"])
    return Occupation(code=code, **base)


def _match(occupation: Occupation, **constraints):
    from bilan_core.orientation.matching import Profile

    profile = Profile(codes=("SEC",), strengths=frozenset({"communication_orale"}),
                      values=frozenset({"aide"}),
                      skill_names={"communication_orale": "Communication orale"},
                      value_names={"aide": "Aide aux autres"})
    match = match_one(profile, occupation, Constraints(**{
        k: frozenset(v) if isinstance(v, (set, list, tuple)) else v
        for k, v in constraints.items()}), Weights())
    return match, explain(match, profile)


def test_a_condition_to_avoid_rules_the_option_out_naming_it():
    flight = _occupation(conditions=("mobilité géographique", "travail le week-end"))
    match, text = _match(flight, avoid={"mobilité géographique"})
    assert match.excluded == "conditions de travail à éviter : mobilité géographique"
    assert text.startswith("Écarté (conditions de travail à éviter : mobilité géographique)")


def test_a_condition_to_discuss_keeps_the_option_and_names_it():
    shop = _occupation(conditions=("travail le week-end", "contact avec le public"))
    match, text = _match(shop, discuss={"travail le week-end", "travail de nuit"})
    assert match.excluded is None and match.score > 0
    assert text.endswith("; à discuter : travail le week-end.")


CARE_MANAGER = dict(code="J1502", title="Cadre de santé", training_months=12,
                    access=("Diplôme de cadre de santé (IFCS, niveau 6)",),
                    prerequisites=[{"id": "de_paramedical", "kind": "diploma", "months": 36,
                                    "text": "un diplôme d'État paramédical"},
                                   {"id": "experience_paramedicale", "kind": "experience",
                                    "months": 48,
                                    "text": "quatre ans d'exercice paramédical"}])


def test_missing_prerequisites_make_a_longer_route_never_a_short_training():
    care = _occupation(**CARE_MANAGER)
    match, text = _match(care)
    assert [p.id for p in match.missing] == ["de_paramedical", "experience_paramedicale"]
    assert match.total_months == 12 + 36 + 48
    assert ("voie longue : il faut d'abord un diplôme d'État paramédical (environ 36 mois);"
            " quatre ans d'exercice paramédical (environ 48 mois), puis Diplôme de cadre de"
            " santé (IFCS, niveau 6), soit environ 96 mois en tout") in text
    assert "12 mois de formation" not in text
    limited, text = _match(care, max_training_months=12)
    assert limited.excluded.startswith("voie longue d'environ 96 mois, au-delà des 12 mois"
                                       " retenus : il faut d'abord un diplôme d'État")
    held, text = _match(care, holds={"de_paramedical", "experience_paramedicale"},
                        max_training_months=12)
    assert held.excluded is None and held.missing == ()
    assert "environ 12 mois de formation" in text


def test_the_action_plan_puts_the_prerequisite_first():
    from bilan_core.model import CareerOption
    from bilan_core.orientation.actions import occupation_actions

    option = CareerOption(id="J1502", title="Cadre de santé", code="J1502", score=0.5,
                          details={"Formation (mois)": "12", "Accès": "IFCS",
                                   "Prérequis à obtenir": "un diplôme d'État paramédical",
                                   "Durée totale estimée (mois)": "96",
                                   "Compétences transférables": "4"})
    dossier = Dossier(id="D-1", reference_date=date(2026, 11, 2),
                      beneficiary=Beneficiary(id="B-1", status="job_seeker"),
                      provider=Provider(name="Centre", qualiopi=True))
    titles = [a.title for a in occupation_actions(dossier, option)]
    assert titles.index("Obtenir d'abord : un diplôme d'État paramédical") < titles.index(
        "S'inscrire en formation : IFCS")
    assert not any("VAE" in t for t in titles)  # no VAE shortcut past a prerequisite


def test_the_counsellors_order_is_kept(bilan, pipeline_file, tmp_path):
    from conftest import PIPELINE

    from bilan_core.model.serialize import read_dossier

    proposed = '["K2111", "Écrivaine publique", "K1801", "N2101", "Médiatrice culturelle"]'
    path = pipeline_file(PIPELINE.replace(
        'proposed = ["Technicienne de maintenance", "Formatrice"]',
        f'proposed = {proposed}\navoid = ["mobilité géographique"]'))
    result = bilan("-p", "no:journal", "run", path, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    options = read_dossier(tmp_path / "out" / "dossier.json").career_options
    assert [o.id for o in options[:5]] == ["K2111", "ecrivaine-publique", "K1801", "N2101",
                                           "mediatrice-culturelle"]
    flight = options[3]  # proposed, kept at its place, what conflicts named
    assert flight.explanation.startswith("À examiner avec vous (conditions de travail à"
                                         " éviter : mobilité géographique")


def test_constraints_written_as_notes_say_that_matching_does_not_read_them(bilan,
                                                                         pipeline_file):
    from conftest import PIPELINE

    path = pipeline_file(PIPELINE.replace(
        'request = "Faire le point après dix ans dans le même poste."',
        'request = "Faire le point."\nconstraints = ["Pas de travail de nuit"]'))
    result = bilan("-p", "no:journal", "run", path, "--output", path.parent / "out")
    assert result.code == 0
    assert ("[plugin.needs_analysis] constraints are notes for the synthèse: career matching"
            " reads [plugin.career_options]") in result.err


def test_every_occupation_of_the_sample_says_its_working_conditions():
    from bilan_core.model import CONDITIONS
    from bilan_rome.sample import load_occupations_file, sample_path

    text = sample_path().read_text("utf-8")
    _, occupations = load_occupations_file(sample_path())
    assert len(occupations) == text.count("[[occupations]]") == 314
    assert text.count("\nconditions = ") == 314  # every entry reviewed, even when empty
    assert all(set(o.conditions) <= set(CONDITIONS) for o in occupations)
    by_code = {o.code: o for o in occupations}
    assert "mobilité géographique" in by_code["N2101"].conditions  # flight crews
    assert {"travail de nuit", "travail le week-end"} <= set(by_code["N2201"].conditions)
    assert [p.id for p in by_code["J1502"].prerequisites] == ["de_paramedical",
                                                             "experience_paramedicale"]
    for condition in ("travail de nuit", "horaires décalés", "travail le week-end",
                      "déplacements fréquents", "mobilité géographique"):
        assert any(condition in o.conditions for o in occupations), condition


def test_the_reviewed_example_offers_what_a_counsellor_would_accept(bilan, tmp_path):
    dossier, _ = _example(bilan, tmp_path, "reconversion-cpf")
    codes = [o.code for o in dossier.career_options if o.code]
    for code in ("N2101", "N2201", "J1502"):  # flight crew, airport agent, cadre de santé
        assert code not in codes, code
    assert codes[:2] == ["K2111", "K1801"]  # the counsellor's own, in her order
    excluded = " ".join(dossier.extra["career_options"]["excluded"])
    assert "conditions de travail à éviter" in excluded


# ------------------------------------------------------------------------------ 11. agreement
@pytest.mark.parametrize("address,label", [("madame", "salariée du privé"),
                                           ("monsieur", "salarié du privé"),
                                           (None, "salarié·e du privé")])
def test_status_labels_agree_with_the_beneficiary(bilan, pipeline_file, tmp_path, address,
                                                  label):
    from conftest import PIPELINE

    text = PIPELINE if address is None else PIPELINE.replace(
        'status = "private_employee"', f'status = "private_employee"\naddress = "{address}"')
    path = pipeline_file(text + '\n[funding]\nprice = "1950.00"\n')
    assert bilan("-p", "no:journal", "run", path, "--output", tmp_path / "o",
                 "--format", "md").code == 0
    synthese = (tmp_path / "o" / "synthese.md").read_text("utf-8")
    assert f"Bénéficiaire : B-TEST-001 ({label})" in synthese
    others = {"salariée du privé", "salarié du privé", "salarié·e du privé"} - {label}
    assert not any(other in synthese for other in others)


@pytest.mark.parametrize("address,words", [
    ("madame", "exonérée de la participation forfaitaire : demandeuse d'emploi"),
    ("monsieur", "exonéré de la participation forfaitaire : demandeur d'emploi"),
    (None, "exonéré·e de la participation forfaitaire : demandeur·se d'emploi")])
def test_funders_traces_agree_with_the_beneficiary(bilan, tmp_path, address, words):
    path = tmp_path / "b.toml"
    path.write_text('id = "B-1"\nstatus = "job_seeker"\ncpf_balance = "2000.00"\n'
                    + (f'address = "{address}"\n' if address else ""), encoding="utf-8")
    result = bilan("funding", "quote", path, "--price", "1500", "--hours", "20",
                   "--date", "2026-10-05", "--json")
    assert result.code == 0, result.err
    (cpf,) = [d for d in json.loads(result.out)["decisions"] if d["funder"] == "cpf"]
    assert f"· {words}" in cpf["trace"]


def test_a_rules_sureness_is_one_of_the_known_kinds_and_shown_translated(bilan):
    from bilan_core.model import FundingRule

    with pytest.raises(ValueError, match="sureness must be one of law, official"):
        FundingRule(id="r", funder="f", text="x", sureness="probably")
    rules = bilan("funding", "rules").out
    assert "(law (read in the official text))" in rules and "(3rd-party)" not in rules
