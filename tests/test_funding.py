"""Funding rules, funder by funder, at their boundaries (table-driven), the combined plan, a
third-party funder added through the public hook, and bad inputs of ``bilan funding quote``."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from decimal import Decimal

import pytest

from bilan_core.components import FundingRequest
from bilan_core.funding.study import study
from bilan_core.model import Beneficiary
from bilan_core.plugins import PluginHost

D = Decimal


@pytest.fixture(scope="module")
def host():
    return PluginHost(environ={"BILAN_PLUGINS": ",".join(FUNDERS)}).load()


FUNDERS = ["cpf", "employer", "opco", "france_travail", "agefiph", "fiphfp",
           "public_employer", "anfh", "faf", "fongecif"]


def ask(host, funder: str, on: str, price: str = "1950", hours: str = "20", qualiopi=True,
        **beneficiary):
    b = Beneficiary(**{"id": "B-1", "status": "private_employee", **beneficiary})
    request = FundingRequest(beneficiary=b, price=price, hours=hours,
                             on=date.fromisoformat(on), provider_qualiopi=qualiopi)
    return host.registry.funders[funder].decide(request)


def test_every_first_party_funder_is_a_plugin_with_dated_rules(host):
    assert sorted(host.registry.funders) == sorted(FUNDERS)
    for funder_id in FUNDERS:
        assert host.registry.owners[("register_funders", funder_id)] == funder_id
        assert host.plugins[funder_id].distribution == "bilan-funders"
        for rule in host.registry.funders[funder_id].rules:
            assert rule.source and rule.text
            assert rule.in_force_from or rule.in_force_until


# (case, date, beneficiary fields, price, eligibility, covered, remaining, out of pocket)
CPF_CASES = [
    ("no participation before 2024-05-02", "2024-05-01", {"cpf_balance": 3000}, "1500",
     "eligible", "1500.00", "0.00", "0.00"),
    ("participation of 100 EUR from 2024-05-02", "2024-05-02", {"cpf_balance": 3000}, "1500",
     "eligible", "1400.00", "100.00", "100.00"),
    ("participation of 100 EUR on 2024-12-31", "2024-12-31", {"cpf_balance": 3000}, "1500",
     "eligible", "1400.00", "100.00", "100.00"),
    ("participation of 102.23 EUR in 2025", "2025-06-30", {"cpf_balance": 3000}, "1500",
     "eligible", "1397.77", "102.23", "102.23"),
    ("participation of 103.20 EUR in 2026", "2026-01-01", {"cpf_balance": 3000}, "1500",
     "eligible", "1396.80", "103.20", "103.20"),
    ("no cap on 2026-02-25", "2026-02-25", {"cpf_balance": 3000}, "1950",
     "eligible", "1846.80", "103.20", "103.20"),
    ("cap of 1,600 EUR from 2026-02-26", "2026-02-26", {"cpf_balance": 3000}, "1950",
     "eligible", "1600.00", "350.00", "103.20"),
    ("balance lower than the price", "2025-03-01", {"cpf_balance": 800}, "1950",
     "eligible", "800.00", "1150.00", "102.23"),
    ("no balance", "2025-03-01", {"cpf_balance": 0}, "1950",
     "not_eligible", "0.00", "1950.00", "0.00"),
    ("exempt: job seeker", "2026-03-01", {"status": "job_seeker", "cpf_balance": 3000},
     "1500", "eligible", "1500.00", "0.00", "0.00"),
    ("exempt: employer top-up, which adds to the rights", "2026-03-01",
     {"cpf_balance": 1000, "employer_top_up": 500}, "1950", "eligible", "1500.00",
     "450.00", "0.00"),
    ("exempt: C2P points", "2026-03-01", {"cpf_balance": 3000, "c2p_points": 20}, "1500",
     "eligible", "1500.00", "0.00", "0.00"),
    ("exempt: AT/MP incapacity of 10 %", "2026-03-01", {"cpf_balance": 3000, "atmp_rate": 10},
     "1500", "eligible", "1500.00", "0.00", "0.00"),
    ("not exempt: AT/MP incapacity of 9 %", "2026-03-01", {"cpf_balance": 3000, "atmp_rate": 9},
     "1500", "eligible", "1396.80", "103.20", "103.20"),
    ("previous public bilan within 5 years, from 2026-02-26", "2026-03-01",
     {"cpf_balance": 3000, "previous_bilan": date(2022, 6, 1), "previous_bilan_funder": "cpf"},
     "1500", "not_eligible", "0.00", "1500.00", "0.00"),
    ("previous public bilan within 5 years, before the rule", "2026-02-25",
     {"cpf_balance": 3000, "previous_bilan": date(2022, 6, 1), "previous_bilan_funder": "cpf"},
     "1500", "eligible", "1396.80", "103.20", "103.20"),
    ("previous public bilan more than 5 years ago", "2026-03-01",
     {"cpf_balance": 3000, "previous_bilan": date(2021, 3, 1), "previous_bilan_funder": "cpf"},
     "1500", "eligible", "1396.80", "103.20", "103.20"),
    ("previous bilan paid by the employer", "2026-03-01",
     {"cpf_balance": 3000, "previous_bilan": date(2023, 1, 1),
      "previous_bilan_funder": "employer"}, "1500", "eligible", "1396.80", "103.20", "103.20"),
    ("previous bilan, funder unknown", "2026-03-01",
     {"cpf_balance": 3000, "previous_bilan": date(2023, 1, 1)}, "1500",
     "to_check", "1396.80", "103.20", "103.20"),
]


@pytest.mark.parametrize(("on", "fields", "price", "status", "covered", "remaining", "paid"),
                         [c[1:] for c in CPF_CASES], ids=[c[0] for c in CPF_CASES])
def test_cpf(host, on, fields, price, status, covered, remaining, paid):
    decision = ask(host, "cpf", on, price=price, **fields)
    assert decision.eligibility.value == status, decision.trace
    assert (decision.covered, decision.remaining, decision.out_of_pocket) == (
        D(covered), D(remaining), D(paid))


def test_cpf_trace_is_french_and_complete(host):
    decision = ask(host, "cpf", "2026-03-01", cpf_balance=3000, working_time=True)
    text = "\n".join(decision.trace)
    assert "✔ prestataire certifié Qualiopi" in text
    assert "participation forfaitaire à votre charge : 103,20\u00a0€" in text
    assert "plafonnés à 1\u202f600,00\u00a0€" in text
    assert "Accord préalable de l'employeur : le bilan a lieu sur le temps de travail" in (
        decision.paperwork)
    assert "décret 2026-127" in decision.source


def test_cpf_needs_a_qualiopi_provider(host):
    decision = ask(host, "cpf", "2026-03-01", cpf_balance=3000, qualiopi=False)
    assert decision.eligibility.value == "not_eligible"
    assert decision.trace[0].startswith("✘ prestataire certifié Qualiopi")


# (case, funder, date, beneficiary fields, eligibility, covered, a line of the trace or name)
FUNDER_CASES = [
    ("Fongecif on its last day", "fongecif", "2018-12-31", {"years_of_service": 6},
     "eligible", "1950.00", "6 ans dans l'entreprise"),
    ("Fongecif after its end says what replaced it", "fongecif", "2019-01-01",
     {"years_of_service": 6}, "not_eligible", "0.00", "remplacés par les associations"
     " Transitions Pro"),
    ("Fongecif with 2 years of seniority", "fongecif", "2018-06-01", {"years_of_service": 2},
     "to_check", "1950.00", "vérifier les 5 ans d'activité salariée"),
    ("Pôle emploi on 2023-12-31", "france_travail", "2023-12-31", {"status": "job_seeker"},
     "to_check", "0.00", "name:Pôle emploi"),
    ("France Travail on 2024-01-01", "france_travail", "2024-01-01", {"status": "job_seeker"},
     "to_check", "0.00", "name:France Travail"),
    ("France Travail only for job seekers", "france_travail", "2026-03-01", {},
     "not_eligible", "0.00", "✘ inscription comme demandeur·se d'emploi à France Travail"),
    ("employer plan needs the employer's agreement", "employer", "2026-03-01",
     {"employer": "Transports Morel"}, "to_check", "1950.00", "? accord de l'employeur"),
    ("employer plan not for job seekers", "employer", "2026-03-01", {"status": "job_seeker"},
     "not_eligible", "0.00", "✘ salarié·e du secteur privé"),
    ("OPCO with 49 staff", "opco", "2026-03-01", {"employer_staff": 49}, "to_check",
     "1950.00", "✔ entreprise de moins de 50 salariés (49 salariés)"),
    ("OPCO with 50 staff", "opco", "2026-03-01", {"employer_staff": 50}, "not_eligible",
     "0.00", "✘ entreprise de moins de 50 salariés (50 salariés)"),
    ("Agefiph for RQTH in the private sector", "agefiph", "2026-03-01", {"rqth": True},
     "to_check", "1950.00", "jusqu'à 2\u202f000,00\u00a0€"),
    ("Agefiph not for public agents", "agefiph", "2026-03-01",
     {"rqth": True, "status": "public_agent", "public_branch": "FPE"}, "not_eligible", "0.00",
     "relèvent du FIPHFP"),
    ("FIPHFP for disabled public agents", "fiphfp", "2026-03-01",
     {"rqth": True, "status": "public_agent", "public_branch": "FPT"}, "to_check", "0.00",
     "référente handicap"),
    ("FPE agent, first bilan", "public_employer", "2026-03-01",
     {"status": "public_agent", "public_branch": "FPE"}, "eligible", "1950.00",
     "✔ pas de bilan de compétences dans les 5 dernières années"),
    ("FPE agent, bilan 3 years ago", "public_employer", "2026-03-01",
     {"status": "public_agent", "public_branch": "FPE", "previous_bilan": date(2023, 3, 1)},
     "not_eligible", "0.00", "✘ dernier bilan le 1er mars 2023"),
    ("FPT agent depends on the local authority", "public_employer", "2026-03-01",
     {"status": "public_agent", "public_branch": "FPT"}, "to_check", "1950.00",
     "politique de formation de la collectivité"),
    ("FPH agent goes to the ANFH", "public_employer", "2026-03-01",
     {"status": "public_agent", "public_branch": "FPH"}, "not_eligible", "0.00", "ANFH"),
    ("ANFH with 2 years of service", "anfh", "2026-03-01",
     {"status": "public_agent", "public_branch": "FPH", "years_of_service": 2}, "eligible",
     "1950.00", "✔ 2 ans de services"),
    ("ANFH with 1.5 years of service", "anfh", "2026-03-01",
     {"status": "public_agent", "public_branch": "FPH", "years_of_service": "1.5"},
     "not_eligible", "0.00", "✘ 1.5 ans de services"),
    ("FAF for the self-employed", "faf", "2026-03-01",
     {"status": "self_employed", "faf": "FIF-PL"}, "to_check", "1950.00", "FIF-PL"),
    ("FAF not for employees", "faf", "2026-03-01", {}, "not_eligible", "0.00",
     "✘ travailleur ou travailleuse indépendante"),
    ("FPE rule not yet in force in 2020", "public_employer", "2020-01-01",
     {"status": "public_agent", "public_branch": "FPE"}, "not_eligible", "0.00",
     "✘ règle non applicable le 1er janvier 2020"),
    ("employer plan before the 2018 reform", "employer", "2018-06-01",
     {"employer": "Transports Morel"}, "not_eligible", "0.00", "en vigueur depuis le 1er"
                                                               " janvier 2019"),
]


@pytest.mark.parametrize(("funder", "on", "fields", "status", "covered", "expected"),
                         [c[1:] for c in FUNDER_CASES], ids=[c[0] for c in FUNDER_CASES])
def test_funder(host, funder, on, fields, status, covered, expected):
    decision = ask(host, funder, on, **fields)
    assert decision.eligibility.value == status, decision.trace
    assert decision.covered == D(covered)
    if expected.startswith("name:"):
        assert decision.name == expected[5:]
    else:
        assert any(expected in line for line in decision.trace), decision.trace


def test_plan_combines_cpf_and_employer_top_up_with_the_total_remaining(host):
    b = Beneficiary(id="B-1", status="private_employee", cpf_balance="1200",
                    employer_top_up="500")
    request = FundingRequest(beneficiary=b, price="1950", hours=20, on=date(2026, 3, 1))
    decisions, plan = study(request, host)
    assert len(decisions) == len(FUNDERS)
    assert [(line.funder, line.amount) for line in plan.lines] == [("cpf", D("1700.00"))]
    assert plan.remaining == D("250.00")
    assert plan.out_of_pocket == D("0.00")  # the top-up exempts from the participation
    assert "Employeur (plan de développement des compétences)" in plan.to_check
    assert plan.explanation.startswith("Prix 1\u202f950,00\u00a0€ : Compte personnel de"
                                       " formation (CPF) 1\u202f700,00\u00a0€ ; reste à votre"
                                       " charge 250,00\u00a0€.")


REGIONAL_AID = '''
from decimal import Decimal

from bilan_core import hookimpl
from bilan_core.components import Funder
from bilan_core.funding import Decision
from bilan_core.model import FundingRule

RULES = (FundingRule(id="region_aid", funder="region_hdf",
                     text="aide régionale au bilan des salariés, jusqu'à 300 €",
                     amount=Decimal("300"), source="délibération régionale (exemple)"),)


def decide(request):
    d = Decision("region_hdf", "Aide régionale Hauts-de-France", request)
    d.check(request.beneficiary.status.value == "private_employee", "salarié·e du privé")
    return d.decide(Decimal("300"), tops_up=True)


@hookimpl
def register_funders(register):
    register(Funder(id="region_hdf", name="Aide régionale Hauts-de-France", decide=decide,
                    rules=RULES))
'''


def test_a_third_party_funder_added_through_the_hook_is_in_the_plan(bilan, tmp_path,
                                                                    monkeypatch):
    (tmp_path / "aide_region.py").write_text(REGIONAL_AID, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    beneficiary = tmp_path / "b.toml"
    beneficiary.write_text('id = "B-7"\nstatus = "private_employee"\ncpf_balance = 3000\n',
                           encoding="utf-8")
    result = bilan("-p", "aide_region", "funding", "quote", beneficiary, "--price", "1950",
                   "--hours", "20", "--date", "2026-11-26", "--json")
    assert result.code == 0, result.err
    plan = json.loads(result.out)["plan"]
    assert plan["lines"] == [
        {"funder": "cpf", "name": "Compte personnel de formation (CPF)", "amount": "1600.00"},
        {"funder": "region_hdf", "name": "Aide régionale Hauts-de-France",
         "amount": "246.80"}]
    assert plan["remaining"] == "103.20"  # the flat participation, paid by the holder
    rules = json.loads(bilan("-p", "aide_region", "funding", "rules", "--json").out)
    assert {"id": "region_aid", "plugin": "aide_region"}.items() <= next(
        r for r in rules if r["id"] == "region_aid").items()


def test_quote_text_output(bilan, tmp_path):
    beneficiary = tmp_path / "b.toml"
    beneficiary.write_text('id = "B-7"\nstatus = "job_seeker"\ncpf_balance = "2310.00"\n',
                           encoding="utf-8")
    result = bilan("funding", "quote", beneficiary, "--price", "1800", "--hours", "18",
                   "--date", "2026-10-05")
    assert result.code == 0, result.err
    first = result.out.split("\n\n")[1]
    assert result.out.startswith("Funding request — beneficiary B-7 (job seeker), quote")
    assert first.startswith("Compte personnel de formation (CPF): eligible — covers €1,600.00")
    assert result.out.startswith("Funding request — beneficiary B-7 (job seeker), quote €1,800.00"
                                 " for 18 h, on 5 October 2026\n")
    assert "Funding plan:\n    Prix 1\u202f800,00\u00a0€" in result.out
    assert "À vérifier : France Travail." in result.out


def test_funding_rules_lists_every_rule_with_dates_and_source(bilan):
    rules = json.loads(bilan("funding", "rules", "--json").out)
    participation = [r for r in rules if r["id"] == "cpf_flat_participation"]
    assert [(r["in_force_from"], r["in_force_until"], r["amount"]) for r in participation] == [
        ("2024-05-02", "2024-12-31", "100.00"), ("2025-01-01", "2025-12-31", "102.23"),
        ("2026-01-01", None, "103.20")]
    assert {r["funder"] for r in rules} == set(FUNDERS)
    text = bilan("funding", "rules").out
    assert "cpf_cap" in text and "2026-02-26" in text and "décret 2026-127" in text


BAD = [
    ("negative price", ["--price", "-5", "--hours", "20"], "is negative"),
    ("price not a number", ["--price", "mille", "--hours", "20"], "not an amount in euros"),
    ("absurd price", ["--price", "1e400", "--hours", "20"], "not an amount in euros"),
    ("price over the ceiling", ["--price", "250000", "--hours", "20"], "at most 100000"),
    ("hours over 24", ["--price", "1950", "--hours", "30", "--date", "2026-01-01"],
     "24 hours at most"),
    ("date in the wrong format", ["--price", "1950", "--hours", "20", "--date", "26/11/2026"],
     "expected a date written YYYY-MM-DD"),
]


@pytest.mark.parametrize(("args", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_quote_options(bilan, tmp_path, args, message):
    beneficiary = tmp_path / "b.toml"
    beneficiary.write_text('id = "B-7"\nstatus = "job_seeker"\n', encoding="utf-8")
    result = bilan("funding", "quote", beneficiary, *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize(("text", "message"), [
    ('id = "B-7"\nstatus = "retraite"\n', "b.toml:2:1: status: 'retraite' is not allowed"),
    ('id = "B-7"\n', "b.toml: missing required key 'status'"),
    ('status = "job_seeker"\n', "b.toml: missing required key 'id'"),
    ('id = "B-7"\nstatus = "job_seeker"\ncpf_balance = -10\n', "cpf_balance: expected at"
                                                               " least 0"),
    ('id = "B-7"\nstatus = "public_agent"\npublic_branch = "FPX"\n', "'FPX' is not allowed"),
])
def test_bad_beneficiary_files(bilan, tmp_path, text, message):
    beneficiary = tmp_path / "b.toml"
    beneficiary.write_text(textwrap.dedent(text), encoding="utf-8")
    result = bilan("funding", "quote", beneficiary, "--price", "1950", "--hours", "20")
    assert result.code == 2
    assert message in result.err, result.err
    assert "Traceback" not in result.err
    assert bilan("funding", "quote", tmp_path / "absent.toml", "--price", "1",
                 "--hours", "1").code == 2


def test_the_preparation_step_records_decisions_and_plan_in_the_dossier(bilan, tmp_path):
    import shutil
    from pathlib import Path

    from bilan_core.model.serialize import read_dossier

    folder = tmp_path / "ex"
    shutil.copytree(Path(__file__).parents[1] / "examples" / "reconversion-cpf", folder)
    result = bilan("-p", "no:journal", "run", folder / "pipeline.toml", "--output",
                   tmp_path / "out", "--format", "md")
    assert result.code == 0, result.err
    dossier = read_dossier(tmp_path / "out" / "dossier.json")
    cpf = next(d for d in dossier.funding if d.funder == "cpf")
    assert cpf.eligibility.value == "eligible"
    assert (cpf.covered, cpf.out_of_pocket) == (D("1450.00"), D("103.20"))  # balance 1,450
    assert dossier.funding_plan.remaining == D("500.00")  # 1,950 - 1,450
    markdown = (tmp_path / "out" / "synthese.md").read_text(encoding="utf-8")
    assert "Plan de financement retenu : Prix 1\u202f950,00\u00a0€" in markdown
