"""The plugin author's kit (``bilan_core.testing``): every conformance suite applied to
first-party plugins, the fixtures, and the suites failing, with messages naming the plugin and
the offending item, on plugins broken on purpose (run with pytester)."""

from __future__ import annotations

import sys
import textwrap
from datetime import date
from decimal import Decimal

import pytest

from bilan_core.testing import conformance

pytest_plugins = ["pytester"]

# ---------------------------------------------------------------- suites on first-party plugins
# Each form of naming a plugin: an installed plugin, a module path, a distribution, a built-in.
TestValuesInstrument = conformance.instrument_suite("valeurs", plugin="values")
TestRiasecInstrument = conformance.instrument_suite("riasec", plugin="bilan_riasec.plugin")
TestOpcoFunder = conformance.funder_suite("opco", plugin="bilan-funders")
TestNeedsAnalysisStep = conformance.step_suite("needs_analysis")
TestActionPlanStep = conformance.step_suite("action_plan", plugin="action_plan")
TestNeedsAnalysisSections = conformance.section_suite(plugin="bilan_core.steps.needs_analysis")
TestWorkingNotesSections = conformance.section_suite(plugin="working_notes")
TestHtmlRenderer = conformance.renderer_suite("html")
TestJsonRenderer = conformance.renderer_suite("json")
# The repository's examples take seconds each to print: the PDF runs on the kit's samples.
TestPdfRenderer = conformance.renderer_suite("pdf", plugin="pdf", first_party=())


def test_the_suites_ran_the_repository_examples(tmp_path_factory):
    samples = TestHtmlRenderer.samples(tmp_path_factory)  # run once per session, shared
    assert not samples.failures
    names = set(samples.dossiers)
    assert {"examples/demandeur-emploi", "examples/reconversion-cpf",
            "examples/salarie-rqth"} <= names
    assert {"salariee-cpf", "demandeur-emploi", "agente-publique", "texte-hostile"} <= names


# ----------------------------------------------------------------------------------- fixtures
def test_bilan_host_holds_only_the_named_plugins(bilan_host):
    host = bilan_host("values", first_party=["funders"])
    loaded = {name for name, info in host.plugins.items() if info.status == "loaded"}
    assert {"values", "cpf", "opco", "preparation", "renderers"} <= loaded
    assert "riasec" not in loaded and "pdf" not in loaded
    assert host.plugins["riasec"].status == "not-allowed"
    assert "valeurs" in host.registry.instruments and "riasec" not in host.registry.instruments


def test_bilan_host_takes_a_module_object(bilan_host):
    import bilan_values.plugin

    host = bilan_host(bilan_values.plugin)
    assert host.registry.owners[("register_instruments", "valeurs")] == "bilan_values.plugin"


def test_bilan_host_names_what_is_installed_for_an_unknown_first_party_plugin(bilan_host):
    with pytest.raises(LookupError, match=r"no installed bilan plugin or distribution is named"
                                          r" 'valuse'; installed: .*values"):
        bilan_host(first_party=["valuse"])


def test_bilan_cli_runs_the_command_in_process(bilan_cli, make_pipeline):
    path = make_pipeline(funding={"price": "1800.00"})
    result = bilan_cli("validate", path)
    assert result.code == 0, result.err
    assert bilan_cli("validate", path.with_name("absent.toml")).code == 2
    listed = bilan_cli("plugins", "--json", env={"BILAN_PLUGINS": "values"})
    assert '"not-allowed"' in listed.out and '"values"' in listed.out


def test_make_beneficiary_builds_a_valid_beneficiary(make_beneficiary):
    beneficiary = make_beneficiary(status="job_seeker", cpf_balance=0, employer=None)
    assert beneficiary.status.value == "job_seeker" and beneficiary.cpf_balance == Decimal(0)
    assert make_beneficiary().id == "B-TEST-001"
    with pytest.raises(ValueError, match="public_branch"):
        make_beneficiary(public_branch="FPT")


def test_make_pipeline_merges_tables_and_removes_keys(make_pipeline, make_beneficiary, tmp_path):
    from bilan_core.config.pipeline import load_pipeline
    from bilan_core.testing import build_host

    path = make_pipeline(tmp_path / "a", steps=["preparation", {"id": "action_plan", "hours": 1}],
                         beneficiary=make_beneficiary(id="B-OTHER", rqth=True),
                         provider={"counsellor": None}, funding={"price": Decimal("990.50")},
                         plugin={"action_plan": {"project": "Ouvrir un atelier."}})
    pipeline = load_pipeline(path, build_host())
    assert [s.id for s in pipeline.steps] == ["preparation", "action_plan"]
    assert pipeline.beneficiary.id == "B-OTHER" and pipeline.beneficiary.rqth
    assert pipeline.provider.name == "Centre de bilan Test"
    assert pipeline.provider.counsellor is None
    assert pipeline.funding["price"] == Decimal("990.50")
    assert pipeline.options("action_plan")["project"] == "Ouvrir un atelier."
    assert pipeline.options("action_plan")["keep"] == ("formatrice",)  # merged, not replaced
    assert pipeline.options("needs_analysis")["request"] is None  # notes of planned steps only


def test_make_dossier_runs_the_pipeline_to_its_synthesis(make_dossier, bilan_host):
    dossier = make_dossier(bilan_host("values"),
                           reference_date=date(2026, 12, 1), funding={"price": "1500.00"})
    assert dossier.reference_date == date(2026, 12, 1)
    assert [s.id for s in dossier.steps_done] == ["preparation", "needs_analysis",
                                                  "skills_exploration", "career_options",
                                                  "action_plan"]
    assert {"needs", "warnings"} <= {s.id for s in dossier.synthesis.sections}
    assert make_dossier().id != ""  # the core's plugins alone, in a folder of its own


def test_the_plugin_module_imports_nothing_of_bilan():
    import subprocess

    code = ("import sys, bilan_core.testing.plugin;"
            " print(sorted(m for m in sys.modules if m.startswith('bilan_core')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == ("['bilan_core', 'bilan_core._version', 'bilan_core.testing',"
                                   " 'bilan_core.testing.plugin']")


# ------------------------------------------------------------------- suites on broken plugins
@pytest.fixture
def kept_imports():
    """Modules the generated test modules import, put back after pytester's clean-up: it
    removes every module imported during the test, and the kit's session caches (hosts,
    sample dossiers) would hold classes of modules that a later import makes anew."""
    kept: dict[str, object] = {}
    yield kept
    for name, module in kept.items():
        sys.modules.setdefault(name, module)


@pytest.fixture
def run_suites(kept_imports, pytester):
    """Run a generated test module holding a plugin and its suites; return the result."""

    def run(source: str):
        pytester.makepyfile(test_plugin=textwrap.dedent(source))
        before = set(sys.modules)
        result = pytester.runpytest("-p", "no:cacheprovider", "-q")
        kept_imports.update((name, module) for name, module in sys.modules.items()
                            if name not in before and name != "test_plugin")
        return result

    return run


HEADER = """\
    import sys
    from decimal import Decimal

    import attrs

    from bilan_core import hookimpl
    from bilan_core.components import Funder, RenderContext, Renderer, StepDefinition
    from bilan_core.model import (Audience, Eligibility, FundingDecision, Instrument, Item,
                                  Key, Phase, ReportSection, Scale)
    from bilan_core.testing import conformance

    ME = sys.modules[__name__]
"""


def test_a_funder_paying_more_than_the_price_fails_its_suite(run_suites):
    result = run_suites(HEADER + """
    def decide(request):
        return FundingDecision(funder="greedy", name="Aide trop généreuse",
                               eligibility=Eligibility.ELIGIBLE, covered=request.price + 100,
                               trace=("✔ toujours",), source="délibération")


    @hookimpl
    def register_funders(register):
        register(Funder(id="greedy", name="Aide trop généreuse", decide=decide))


    TestGreedy = conformance.funder_suite("greedy", plugin=ME, requests=40)
    """)
    result.stdout.fnmatch_lines([
        "*_ TestGreedy.test_amounts_never_exceed_the_price _*",
        "funder 'greedy' of plugin 'test_plugin' (no distribution) gives amounts beyond the"
        " price:",
        "  - covers 1900.00, out of pocket 0.00 for a price of 1800.00: on *, price 1800.00,*",
    ])
    result.assert_outcomes(failed=1, passed=6)


def test_an_instrument_with_an_item_in_no_scale_fails_its_suite(run_suites):
    result = run_suites(HEADER + """
    @hookimpl
    def register_instruments(register):
        register(Instrument(id="bancal", version="1", title="Questionnaire bancal",
                            licence="CC-BY 4.0", copyright="Centre Test",
                            scales=(Scale("a", "Échelle A"), Scale("b", "Échelle B")),
                            items=(Item("q1", "Première question", keys=(Key("a"),)),
                                   Item("q2", "Deuxième question"))))


    TestBancal = conformance.instrument_suite("bancal", plugin=ME)
    """)
    result.stdout.fnmatch_lines([
        "instrument 'bancal' of plugin 'test_plugin' (no distribution) has items that no"
        " scale counts:",
        "  - item 'q2' counts towards no scale",
        "instrument 'bancal' of plugin 'test_plugin' (no distribution) has empty scales:",
        "  - scale 'b' has no item",
        "instrument 'bancal' of plugin 'test_plugin' (no distribution) does not score complete"
        " response sets:",
        "  - min answers: scale 'b' is not scored from all its items (0/0: *)",
    ])
    result.assert_outcomes(failed=3, passed=8)


def test_a_step_losing_the_dossier_s_consents_fails_its_suite(run_suites):
    result = run_suites(HEADER + """
    def forget(dossier, step):
        return attrs.evolve(dossier, consents=(), extra={**dossier.extra, "oubli": object()})


    @hookimpl
    def register_steps(register):
        register(StepDefinition(id="oubli", title="Étape oublieuse",
                                phase=Phase.CONCLUSIONS, run=forget))


    TestOubli = conformance.step_suite("oubli", plugin=ME)
    """)
    result.stdout.fnmatch_lines([
        "step 'oubli' of plugin 'test_plugin' (no distribution) loses what the dossier held:",
        "  - alone: it changes the dossier's consents",
        "  - among-built-in-steps: it changes the dossier's consents",
        "step 'oubli' of plugin 'test_plugin' (no distribution) leaves a dossier that cannot"
        " be saved:",
        "  - alone: TypeError: Object of type object is not JSON serializable",
    ])
    result.assert_outcomes(failed=2, passed=3, skipped=2)


def test_sections_for_the_wrong_audience_or_with_typed_markup_fail_their_suite(run_suites):
    result = run_suites(HEADER + """
    @hookimpl
    def report_sections(dossier, audience):
        if audience is Audience.COUNSELLOR and dossier.beneficiary.id == "B-KIT-DE":
            return [ReportSection(id="fuite", title="Fuite", body="notes")]
        if audience is not Audience.BENEFICIARY:
            return []
        request = dossier.needs.get("request", "")
        return [ReportSection(id="echo", title="Votre demande", body=f"« {request} »")]


    TestEcho = conformance.section_suite(plugin=ME, first_party=())
    """)
    result.stdout.fnmatch_lines([
        "*with plugin 'test_plugin' (no distribution), sample pipelines fail:",
        "  - demandeur-emploi: plugin 'test_plugin' (no distribution) raised ValueError in hook"
        " 'report_sections': returned section 'fuite' for the audience 'beneficiary' when"
        " asked for 'counsellor'",
        "*the report sections of plugin 'test_plugin' (no distribution) let typed text make"
        " markup:",
        "  - texte-hostile: section 'echo' makes typed text bold: 'HOSTILE-BOLD'",
    ], consecutive=False)
    result.assert_outcomes(failed=2, passed=6)


def test_a_renderer_reading_files_and_the_network_fails_its_suite(pytester, run_suites):
    pytester.makefile(".txt", secret="confidentiel")
    result = run_suites(HEADER + """
    from pathlib import Path

    SECRET = Path(__file__).with_name("secret.txt")


    def render(dossier, context):
        import urllib.request

        try:
            urllib.request.urlopen("http://example.org/pixel.png", timeout=1)
        except OSError:
            pass
        return SECRET.read_bytes() + b" " + dossier.id.encode()


    @hookimpl
    def register_renderers(register):
        register(Renderer(format="txt", extension="txt", media_type="text/plain",
                          render=render))


    TestTxt = conformance.renderer_suite("txt", plugin=ME, first_party=())
    """)
    result.stdout.fnmatch_lines([
        "*renderer 'txt' of plugin 'test_plugin' (no distribution) reads files or the network:",
        "  - salariee-cpf, beneficiary: reads */secret.txt",
        "  - salariee-cpf, beneficiary: uses the network (*)",
    ], consecutive=False)
    result.assert_outcomes(failed=1, passed=7)


def test_a_well_behaved_plugin_of_each_kind_passes_every_suite(run_suites):
    """The plugin of docs/plugins.md (a step, a config section with a note, a section, a
    renderer) and a regional funder with dated rules, checked by one line each."""
    result = run_suites(HEADER + """
    from datetime import date

    from bilan_core.config.schema import Field, Str, Table
    from bilan_core.funding import Decision
    from bilan_core.i18n import N_
    from bilan_core.model import FundingRule
    from bilan_core.report.text import plain

    SECTION = Table({"note": Field(Str(min_length=1), default="Merci de votre confiance.",
                                   help="the closing note", label=N_("Closing note"))})
    RULES = (
        FundingRule(id="aide", funder="region", text="aide de 300 €", amount=Decimal(300),
                    in_force_from=date(2024, 1, 1), in_force_until=date(2025, 12, 31),
                    source="délibération 2023-12"),
        FundingRule(id="aide", funder="region", text="aide de 400 €", amount=Decimal(400),
                    in_force_from=date(2026, 1, 1), source="délibération 2025-12"),
    )


    def closing_note(dossier, step):
        return attrs.evolve(dossier, extra={**dossier.extra, "closing_note": step.options["note"]})


    def render_text(dossier, context):
        sections = dossier.synthesis.for_audience(Audience(context.audience))
        return "\\n\\n".join(f"{s.title}\\n\\n{s.body}" for s in sections).encode() + b"\\n"


    def decide(request):
        d = Decision("region", "Aide régionale", request)
        rule = next((r for r in RULES if r.applies_on(request.on)), None)
        d.check(rule is not None, "aide en vigueur à la date de la demande")
        d.check(request.beneficiary.status.value == "private_employee", "salarié·e du privé")
        if rule is None or d.failed:
            return d.not_eligible()
        d.cite(rule.source)
        return d.decide(rule.limit(request.price), tops_up=True)


    @hookimpl
    def register_config_sections(register):
        register(SECTION)


    @hookimpl
    def register_steps(register):
        register(StepDefinition(id="closing_note", title="Mot de conclusion",
                                phase=Phase.CONCLUSIONS, run=closing_note))


    @hookimpl
    def register_renderers(register):
        register(Renderer(format="txt", extension="txt", media_type="text/plain",
                          render=render_text))


    @hookimpl
    def register_funders(register):
        register(Funder(id="region", name="Aide régionale", decide=decide, rules=RULES))


    @hookimpl
    def report_sections(dossier, audience):
        note = dossier.extra.get("closing_note")
        if audience is not Audience.BENEFICIARY or not note:
            return []
        return [ReportSection(id="closing-note", title="Le mot de la fin", body=plain(note),
                              order=950)]


    OPTIONS = {"test_plugin": {"note": "Bonne route ! **à bientôt**"}}
    TestStep = conformance.step_suite("closing_note", plugin=ME, options=OPTIONS["test_plugin"])
    TestSections = conformance.section_suite(plugin=ME, first_party=(), steps=["closing_note"],
                                             options=OPTIONS)
    TestRenderer = conformance.renderer_suite("txt", plugin=ME, first_party=())
    TestFunder = conformance.funder_suite("region", plugin=ME, requests=60)
    """)
    result.assert_outcomes(passed=30)
