"""The public Python API (``bilan_core.api``): the same results as the commands it stands for,
its documented surface, and its examples, run as doctests so that they cannot drift."""

from __future__ import annotations

import doctest
import inspect
import json
import subprocess
import sys
import tempfile
import typing
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import bilan_core.api as api
from bilan_core import hookimpl
from bilan_core.errors import ConfigError, PluginError, UsageError
from bilan_core.model.serialize import converter, read_dossier

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
CPF = EXAMPLES / "reconversion-cpf" / "pipeline.toml"
JOB_SEEKER = EXAMPLES / "demandeur-emploi" / "beneficiaire.toml"
INSTRUMENTS = ("valeurs", "riasec", "personnalite", "competences")
NORMS = "Adultes en bilan de compétences (normes illustratives)"

PUBLIC = {"load_host", "score", "quote_funding", "match_occupations", "run_pipeline",
          "run_dossier", "render_synthesis"}


def _json(value: object) -> object:
    """A value as the commands print it, read back (Decimals and dates become text)."""
    return json.loads(json.dumps(converter.unstructure(value), ensure_ascii=False))


@pytest.fixture(scope="module")
def host():
    """The installed plugins, loaded once for the module."""
    return api.load_host()


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The reconversion example run once with ``bilan run`` into its own folder (its data
    folder private to the run); the folder."""
    from bilan_core.cli import main

    output = tmp_path_factory.mktemp("cli-run") / "out"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BILAN_DATA_DIR", str(tmp_path_factory.mktemp("bilan-data")))
        env.setenv("LANGUAGE", "en")
        assert main(["run", str(CPF), "-o", str(output), "--format", "json,md,html"]) == 0
    return output


# -- the documented surface --------------------------------------------------------------------

def test_all_lists_exactly_the_public_functions():
    assert set(api.__all__) == PUBLIC
    assert len(api.__all__) == len(PUBLIC)
    defined = {name for name, value in vars(api).items()
               if inspect.isfunction(value) and value.__module__ == api.__name__
               and not name.startswith("_")}
    assert defined == PUBLIC


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_function_is_documented_and_fully_typed(name):
    function = getattr(api, name)
    doc = inspect.getdoc(function)
    assert doc, name
    for section in ("Args:", "Returns:", "Raises:", "Example:", "    >>> "):
        assert section in doc, (name, section)
    signature = inspect.signature(function)
    for parameter in signature.parameters.values():
        assert parameter.annotation is not inspect.Parameter.empty, (name, parameter.name)
        assert f"    {parameter.name}: " in doc, (name, parameter.name)  # each documented
    assert signature.return_annotation is not inspect.Signature.empty, name
    # The annotations name real types (they are strings, resolved only for type checkers).
    from bilan_core.model import (
        Beneficiary,
        CareerOption,
        Dossier,
        FundingDecision,
        FundingPlan,
        InstrumentResult,
        Responses,
    )
    from bilan_core.plugins import PluginHost
    from bilan_core.store.core import Store

    names = {"date": date, "Decimal": Decimal, "PluginHost": PluginHost, "Store": Store,
             "Beneficiary": Beneficiary, "CareerOption": CareerOption, "Dossier": Dossier,
             "FundingDecision": FundingDecision, "FundingPlan": FundingPlan,
             "InstrumentResult": InstrumentResult, "Responses": Responses}
    hints = typing.get_type_hints(function, localns=names)
    assert set(hints) == {*signature.parameters, "return"}


def test_the_examples_in_the_docstrings_run(monkeypatch, tmp_path):
    """Every ``Example:`` of the module, run from the repository's root as the docs show it
    (temporary folders made by the examples land in the test's own)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.delenv("BILAN_USER", raising=False)
    monkeypatch.delenv("BILAN_STORE_KEY", raising=False)
    monkeypatch.delenv("BILAN_STORE_KEY_FILE", raising=False)
    results = doctest.testmod(api, optionflags=doctest.ELLIPSIS, report=True)
    assert results.attempted >= 7 * 3
    assert results.failed == 0


def test_importing_the_api_imports_no_heavy_module():
    code = ("import sys, bilan_core.api; print(sorted(m for m in sys.modules"
            " if m.split('.')[0] in {'sqlalchemy', 'jinja2', 'weasyprint', 'numpy', 'pluggy',"
            " 'click', 'attrs', 'alembic'} or m.startswith('bilan_core.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.split() == ["['bilan_core._version',", "'bilan_core.api']"]


# -- load_host ---------------------------------------------------------------------------------

def test_load_host_loads_the_installed_plugins_as_the_command_line_does(host, bilan):
    listed = json.loads(bilan("plugins", "--json").out)
    loaded = {p["name"] for p in listed if p["status"] == "loaded"}
    assert {name for name, info in host.plugins.items() if info.status == "loaded"} == loaded


def test_load_host_without_installed_plugins_keeps_the_core_and_those_named():
    core = api.load_host(include_installed=False)
    assert core.plugins["values"].status == "not-allowed"
    assert "valeurs" not in core.registry.instruments
    assert set(core.registry.steps) == {"preparation", "needs_analysis", "skills_exploration",
                                        "career_options", "action_plan"}
    chosen = api.load_host(["values", "pdf"], include_installed=False)
    assert sorted(chosen.registry.instruments) == ["valeurs"]
    assert "pdf" in chosen.registry.renderers
    assert chosen.plugins["values"].origin == "entry-point"


def test_load_host_honours_the_environment_and_blocked(monkeypatch):
    monkeypatch.setenv("BILAN_PLUGINS", "riasec")
    host = api.load_host(["values"])
    assert sorted(host.registry.instruments) == ["riasec", "valeurs"]
    monkeypatch.delenv("BILAN_PLUGINS")
    assert "valeurs" not in api.load_host(blocked=["values"]).registry.instruments


class Counsel:
    """A plugin object: one sentence more for every score."""

    __name__ = "counsel"

    @hookimpl
    def interpret_scores(self, instrument, result):
        return [f"{instrument.id} : lu par le plugin d'essai."]


def test_a_plugin_object_is_registered_and_its_hooks_are_called():
    host = api.load_host([Counsel()], include_installed=False)
    assert host.plugins["counsel"].status == "loaded"
    instrument = EXAMPLES / "reconversion-cpf" / "reponses" / "valeurs.toml"
    with_values = api.load_host(["values", Counsel()], include_installed=False)
    result = api.score("valeurs", instrument, host=with_values)
    assert "valeurs : lu par le plugin d'essai." in result.interpretations
    assert len(result.interpretations) == len(api.score("valeurs", instrument).interpretations) + 1


def test_a_plugin_that_fails_is_left_out_said_or_raised_when_strict(capsys):
    host = api.load_host(["no_such_module_for_bilan"], include_installed=False)
    assert host.plugins["no_such_module_for_bilan"].status == "failed"
    assert "no_such_module_for_bilan" in capsys.readouterr().err
    with pytest.raises(PluginError, match="no_such_module_for_bilan"):
        api.load_host(["no_such_module_for_bilan"], include_installed=False, strict=True)


# -- score -------------------------------------------------------------------------------------

@pytest.mark.parametrize("example", sorted(p.parent.name for p in EXAMPLES.glob("*/reponses")))
@pytest.mark.parametrize("instrument", INSTRUMENTS)
def test_score_gives_what_bilan_score_prints(bilan, host, example, instrument):
    answers = EXAMPLES / example / "reponses" / f"{instrument}.toml"
    for norms in (None, NORMS):
        args = ["--norms", norms] if norms else []
        printed = bilan("score", instrument, answers, *args, "--json")
        assert printed.code == 0, printed.err
        result = api.score(instrument, answers, host=host, norms=norms)
        assert _json(result) == json.loads(printed.out)


def test_score_takes_answers_as_a_mapping_or_responses(host):
    from bilan_core.config.responses import read_responses

    file = EXAMPLES / "salarie-rqth" / "reponses" / "valeurs.toml"
    responses = read_responses(file)
    from_file = api.score("valeurs", file, host=host)
    assert api.score("valeurs", responses, host=host) == from_file
    assert api.score("valeurs", dict(responses.answers), host=host) == from_file
    riasec = read_responses(EXAMPLES / "salarie-rqth" / "reponses" / "riasec.toml")
    assert api.score("riasec", riasec.answers, host=host).summary == \
        api.score("riasec", riasec, host=host).summary


def test_score_takes_an_instrument_file(host, tmp_path):
    from bilan_core.config.responses import read_responses

    instrument = host.registry.instruments["valeurs"]
    source = ROOT / "plugins" / "bilan-values" / "src" / "bilan_values"
    files = [p for p in source.rglob("*.toml") if "valeurs" in p.read_text(encoding="utf-8")]
    assert files, "the values plugin ships its instrument as a TOML file"
    answers = read_responses(EXAMPLES / "reconversion-cpf" / "reponses" / "valeurs.toml")
    by_file = api.score(str(files[0]), answers.answers, host=host)
    assert by_file.instrument == instrument.id
    assert by_file.scales == api.score("valeurs", answers, host=host).scales


def test_score_says_what_is_wrong(host):
    with pytest.raises(UsageError, match=r"unknown instrument 'valeur' \(did you mean"
                                         r" 'valeurs'\?\)"):
        api.score("valeur", {"AUT1": 3}, host=host)
    with pytest.raises(ConfigError, match=r"answers\.AUT1: item 'AUT1': 9 is out of range"):
        api.score("valeurs", {"AUT1": 9}, host=host)
    with pytest.raises(ConfigError, match=r"unknown item 'AUT9'"):
        api.score("valeurs", {"AUT9": 3}, host=host)
    with pytest.raises(ConfigError, match=r"answers\.AUT1: expected an answer"):
        api.score("valeurs", {"AUT1": {"x": 1}}, host=host)
    with pytest.raises(UsageError, match="no answers"):
        api.score("valeurs", {}, host=host)
    with pytest.raises(UsageError, match="no norms for group 'adultes'"):
        api.score("valeurs", {"AUT1": 3}, host=host, norms="adultes")
    with pytest.raises(ConfigError, match="these are answers to 'riasec', expected 'valeurs'"):
        api.score("valeurs", EXAMPLES / "reconversion-cpf" / "reponses" / "riasec.toml",
                  host=host)
    from bilan_core.config.responses import read_responses

    riasec = read_responses(EXAMPLES / "reconversion-cpf" / "reponses" / "riasec.toml")
    with pytest.raises(UsageError, match="these are answers to 'riasec', expected 'valeurs'"):
        api.score("valeurs", riasec, host=host)


# -- quote_funding -----------------------------------------------------------------------------

@pytest.mark.parametrize(("price", "hours", "on", "qualiopi"), [
    ("1950", "20", "2026-11-02", True),
    ("2400.50", "24", "2026-03-01", False),
    ("0", "10", "2019-06-01", True),
])
def test_quote_funding_gives_what_bilan_funding_quote_prints(bilan, host, price, hours, on,
                                                             qualiopi):
    printed = bilan("funding", "quote", JOB_SEEKER, "--price", price, "--hours", hours,
                    "--date", on, "--qualiopi" if qualiopi else "--not-qualiopi", "--json")
    assert printed.code == 0, printed.err
    expected = json.loads(printed.out)
    decisions, plan = api.quote_funding(JOB_SEEKER, price=price, hours=hours,
                                        on=date.fromisoformat(on), qualiopi=qualiopi,
                                        host=host)
    assert [_json(d) for d in decisions] == expected["decisions"]
    assert _json(plan) == expected["plan"]


def test_quote_funding_takes_a_beneficiary_and_numbers(host):
    from bilan_core.config.beneficiary import read_beneficiary_file

    on = date(2026, 11, 2)
    by_file = api.quote_funding(str(JOB_SEEKER), price="1950.00", hours="20", on=on,
                                host=host)
    beneficiary = read_beneficiary_file(JOB_SEEKER)
    assert api.quote_funding(beneficiary, price=Decimal(1950), hours=20, on=on,
                             host=host) == by_file
    decisions, plan = by_file
    assert all(d.trace for d in decisions)
    assert plan.price == Decimal("1950.00")


def test_quote_funding_refuses_what_the_command_refuses(host):
    on = date(2026, 11, 2)
    with pytest.raises(UsageError, match="price: -5 is negative"):
        api.quote_funding(JOB_SEEKER, price=-5, hours=20, on=on, host=host)
    with pytest.raises(UsageError, match="price: 'beaucoup' is not an amount in euros"):
        api.quote_funding(JOB_SEEKER, price="beaucoup", hours=20, on=on, host=host)
    with pytest.raises(UsageError, match="hours: 0: a bilan lasts more than 0 hours"):
        api.quote_funding(JOB_SEEKER, price=1950, hours=0, on=on, host=host)
    with pytest.raises(UsageError, match="hours 30: "):
        api.quote_funding(JOB_SEEKER, price=1950, hours=30, on=on, host=host)


def test_quote_funding_refuses_a_previous_bilan_after_the_date(host, tmp_path):
    file = tmp_path / "beneficiaire.toml"
    file.write_text(JOB_SEEKER.read_text(encoding="utf-8") + "previous_bilan = 2026-05-01\n",
                    encoding="utf-8")
    with pytest.raises(UsageError, match=r"previous bilan \(2026-05-01\) comes after"):
        api.quote_funding(file, price=1950, hours=20, on=date(2026, 1, 5), host=host)
    with pytest.raises(ConfigError, match="beneficiary file"):
        api.quote_funding(tmp_path / "missing.toml", price=1950, hours=20, host=host)


# -- match_occupations -------------------------------------------------------------------------

def test_match_occupations_gives_what_bilan_careers_prints(bilan, host, ran):
    for top in (1, 5, 12):
        printed = bilan("careers", ran / "dossier.json", "--top", top, "--json")
        assert printed.code == 0, printed.err
        options = api.match_occupations(ran / "dossier.json", top=top, host=host)
        assert [_json(o) for o in options] == json.loads(printed.out)["options"]
        assert len([o for o in options if o.code]) == top


def test_match_occupations_explains_each_option_in_french(host, ran):
    dossier = read_dossier(ran / "dossier.json")
    options = api.match_occupations(dossier, host=host)
    assert options == api.match_occupations(ran / "dossier.json", host=host)
    assert [o.score for o in options if o.code] == sorted(
        (o.score for o in options if o.code), reverse=True)
    for option in options:
        assert option.explanation.startswith(("Code RIASEC du métier",
                                              "Profil entrepreneurial")), option.explanation
        assert "compétences transférables" in option.explanation
    with pytest.raises(UsageError, match="top"):
        api.match_occupations(dossier, top=0, host=host)


def test_match_occupations_without_results_is_empty(host, tmp_path):
    pipeline = tmp_path / "pipeline.toml"
    text = CPF.read_text(encoding="utf-8")
    pipeline.write_text(text[:text.index("# Answers collected")], encoding="utf-8")
    (tmp_path / "logo-cap-parcours.svg").write_bytes(
        (CPF.parent / "logo-cap-parcours.svg").read_bytes())
    dossier = api.run_pipeline(pipeline, host=host)
    assert api.match_occupations(dossier, host=host) == []


# -- run_pipeline ------------------------------------------------------------------------------

def test_run_pipeline_writes_what_bilan_run_writes(ran, tmp_path):
    output = tmp_path / "out"
    dossier = api.run_pipeline(CPF, output=output, formats=["json", "md", "html"])
    assert dossier == read_dossier(ran / "dossier.json")
    assert sorted(p.name for p in output.iterdir()) == sorted(p.name for p in ran.iterdir())
    for name in ("dossier.json", "synthese.json", "synthese.md", "synthese.html"):
        assert (output / name).read_bytes() == (ran / name).read_bytes(), name


def test_run_pipeline_without_output_writes_nothing(host, ran, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    dossier = api.run_pipeline(str(CPF), host=host)
    assert dossier == read_dossier(ran / "dossier.json")
    assert list(tmp_path.iterdir()) == []


def test_run_pipeline_takes_a_reference_date_and_refuses_a_taken_folder(host, tmp_path):
    dossier = api.run_pipeline(CPF, host=host, on=date(2026, 12, 1))
    assert dossier.reference_date == date(2026, 12, 1)
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("à moi", encoding="utf-8")
    with pytest.raises(UsageError, match="not empty and was not written by bilan"):
        api.run_pipeline(CPF, host=host, output=taken)
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]
    with pytest.raises(ConfigError, match="pipeline"):
        api.run_pipeline(tmp_path / "missing.toml", host=host)


def test_run_pipeline_loads_the_plugins_the_pipeline_names(tmp_path):
    (tmp_path / "local_counsel.py").write_text(
        "from bilan_core import hookimpl\n"
        "from bilan_core.model import Audience, ReportSection\n\n"
        "@hookimpl\n"
        "def report_sections(dossier, audience):\n"
        "    if audience is Audience.BENEFICIARY:\n"
        "        return [ReportSection(id='local', title='Plugin local',"
        " body='Écrit par le plugin du dossier.', order=99, audience=audience)]\n",
        encoding="utf-8")
    text = CPF.read_text(encoding="utf-8").replace(
        'reference_date = 2026-11-02', 'reference_date = 2026-11-02\nplugins = ["local_counsel"]')
    text = text[:text.index("# Answers collected")]
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(text, encoding="utf-8")
    (tmp_path / "logo-cap-parcours.svg").write_bytes(
        (CPF.parent / "logo-cap-parcours.svg").read_bytes())
    dossier = api.run_pipeline(pipeline)
    assert dossier.synthesis is not None
    assert "local" in [s.id for s in dossier.synthesis.sections]


# -- run_dossier -------------------------------------------------------------------------------

@pytest.fixture
def store(bilan, tmp_path, monkeypatch):
    """An SQLite store of the test's own (``BILAN_STORE``), with a counsellor; its file."""
    path = tmp_path / "store" / "bilan.sqlite"
    monkeypatch.setenv("BILAN_STORE", str(path))
    for name in ("BILAN_USER", "BILAN_STORE_KEY", "BILAN_STORE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    return path


def _new_dossier(bilan) -> str:
    created = bilan("dossier", "new", CPF, "--counsellor", "alice")
    assert created.code == 0, created.err
    return created.out.split()[-1]


def test_run_dossier_runs_a_stored_dossier_as_bilan_run_does(bilan, store, ran, tmp_path):
    by_api, by_cli = _new_dossier(bilan), _new_dossier(bilan)
    output = tmp_path / "out"
    dossier = api.run_dossier(str(store), by_api, output=output, formats="json,md")
    assert bilan("run", "--dossier", by_cli, "--format", "json,md").code == 0
    from bilan_core.store.core import Store

    with Store.open(str(store)) as opened:
        kept = {d["name"]: d["content"] for d in opened.documents(by_api)}
        theirs = {d["name"]: d["content"] for d in opened.documents(by_cli)}
        info = opened.info(by_api)
    assert sorted(kept) == sorted(theirs) == ["dossier.json", "synthese.json", "synthese.md"]
    assert kept["synthese.md"].replace(by_api.encode(), b"ID") == \
        theirs["synthese.md"].replace(by_cli.encode(), b"ID")
    assert dossier.id == by_api and info.version > 1
    assert sorted(p.name for p in output.iterdir()) == [
        ".bilan-output.json", "dossier.json", "synthese.json", "synthese.md"]
    assert read_dossier(output / "dossier.json") == dossier
    from_file = read_dossier(ran / "dossier.json")
    assert dossier.results == from_file.results
    assert [s.id for s in dossier.steps_done] == [s.id for s in from_file.steps_done]


def test_run_dossier_uses_an_open_store_and_leaves_it_open(bilan, store, host):
    from bilan_core.store.core import Store

    dossier_id = _new_dossier(bilan)
    with Store.open(None) as opened:  # BILAN_STORE
        dossier = api.run_dossier(opened, dossier_id, host=host, formats=["md"])
        assert [d["name"] for d in opened.documents(dossier_id)] == [
            "dossier.json", "synthese.md"]
        assert len(dossier.steps_done) == 5
        again = api.run_dossier(opened, dossier_id, host=host, formats=["md"])
        assert again.steps_done == dossier.steps_done  # nothing left to run
    assert api.run_dossier(None, dossier_id, host=host).steps_done == dossier.steps_done


def test_run_dossier_says_what_is_wrong(bilan, store, host):
    with pytest.raises(UsageError, match="0000000000"):
        api.run_dossier(str(store), "0000000000", host=host)


# -- render_synthesis --------------------------------------------------------------------------

def test_render_synthesis_gives_what_bilan_report_writes(bilan, host, ran, tmp_path):
    folder = tmp_path / "report"
    printed = bilan("report", ran / "dossier.json", "--format", "html,md,json,pdf", "-o", folder)
    assert printed.code == 0, printed.err
    documents = api.render_synthesis(ran / "dossier.json", ("html", "md", "json", "pdf"),
                                     host=host)
    assert list(documents) == ["html", "md", "json", "pdf"]
    for fmt in ("html", "md", "json"):
        assert documents[fmt] == (folder / f"synthese.{fmt}").read_bytes(), fmt
        assert documents[fmt] == (ran / f"synthese.{fmt}").read_bytes(), fmt
    assert documents["pdf"].startswith(b"%PDF-")
    assert b"%%EOF" in documents["pdf"][-64:]


def test_render_synthesis_is_valid_in_each_format(host, ran):
    dossier = read_dossier(ran / "dossier.json")
    documents = api.render_synthesis(dossier, "json, md,html", host=host)
    assert json.loads(documents["json"])
    assert documents["md"].decode().startswith("# Document de synthèse")
    from html.parser import HTMLParser

    HTMLParser().feed(documents["html"].decode())
    assert b"Cap Parcours Conseil" in documents["html"]


def test_render_synthesis_keeps_each_audience_apart(host, ran):
    dossier = read_dossier(ran / "dossier.json")
    beneficiary = api.render_synthesis(dossier, "md", host=host)["md"].decode()
    notes = api.render_synthesis(dossier, "md", host=host, audience="counsellor")["md"].decode()
    assert notes.startswith("# Notes de travail du consultant")
    assert "Notes de travail" not in beneficiary


def test_render_synthesis_refuses_what_bilan_report_refuses(host, ran):
    import attrs

    dossier = read_dossier(ran / "dossier.json")
    with pytest.raises(UsageError, match=r"unknown format 'htm' \(did you mean 'html'\?\)"):
        api.render_synthesis(dossier, "htm", host=host)
    with pytest.raises(UsageError, match="no sharing consent for 'france_travail'"):
        api.render_synthesis(dossier, "md", host=host, recipient="france_travail")
    with pytest.raises(UsageError, match="working notes are not sent to third parties"):
        api.render_synthesis(dossier, "md", host=host, audience="counsellor",
                             recipient="france_travail")
    with pytest.raises(UsageError, match="unknown audience 'tous'"):
        api.render_synthesis(dossier, "md", host=host, audience="tous")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="has no synthèse yet"):
        api.render_synthesis(attrs.evolve(dossier, synthesis=None), "md", host=host)


def test_render_synthesis_makes_a_copy_for_a_recipient_with_consent(host, ran):
    import attrs

    from bilan_core.model import Consent, ConsentKind

    dossier = read_dossier(ran / "dossier.json")
    consent = Consent(kind=ConsentKind.SHARING, given_on=date(2026, 10, 1),
                      recipient="france_travail")
    shared = attrs.evolve(dossier, consents=(*dossier.consents, consent))
    copy = api.render_synthesis(shared, "md", host=host, recipient="france_travail")["md"]
    notice = [line for line in copy.decode().splitlines() if "Exemplaire transmis" in line]
    assert len(notice) == 1 and "france" in notice[0]
    with pytest.raises(UsageError, match="no sharing consent"):
        api.render_synthesis(shared, "md", host=host, recipient="france_travail",
                             on=date(2026, 9, 1))
