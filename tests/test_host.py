"""The plugin host: loading, blocking, failure isolation and the exact order of hook calls."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
from conftest import PIPELINE

from bilan_core import hookimpl
from bilan_core.components import StepDefinition
from bilan_core.config.pipeline import load_pipeline
from bilan_core.errors import HookError, PluginError
from bilan_core.model import (
    Action,
    CareerOption,
    Instrument,
    InstrumentResult,
    Item,
    Key,
    NormTable,
    Phase,
    ReportSection,
    Scale,
    ScaleNorm,
    ScaleScore,
)
from bilan_core.pipeline import run_pipeline
from bilan_core.plugins import BUILTIN_PLUGINS, PluginHost

NO_ENV: dict[str, str] = {"BILAN_PLUGINS": ""}  # no installed plugin: only what the test adds


def plugin(**hooks):
    """A plugin object made of hook functions."""
    module = types.SimpleNamespace()
    for name, function in hooks.items():
        setattr(module, name, hookimpl(function))
    return module


def host_with(*objects, strict=False, trace=None, env=NO_ENV, blocked=()):
    named = [(f"test_plugin_{i}", obj) for i, obj in enumerate(objects)]
    return PluginHost(objects=named, strict=strict, trace=trace, environ=env,
                      blocked=blocked).load()


def test_builtin_steps_are_plugins_registered_through_the_hooks():
    host = host_with()
    assert list(host.registry.steps) == [
        "preparation", "needs_analysis", "skills_exploration", "career_options", "action_plan"]
    assert {host.registry.owners[("register_steps", s)] for s in host.registry.steps} == {
        "preparation", "needs_analysis", "skills_exploration", "career_options", "action_plan"}
    phases = [s.phase for s in host.registry.steps.values()]
    assert phases == [Phase.PRELIMINARY, *[Phase.INVESTIGATION] * 3, Phase.CONCLUSIONS]
    for name, _ in BUILTIN_PLUGINS:
        assert host.plugins[name].status == "loaded"
        assert host.plugins[name].distribution == "bilan-core"


def test_a_builtin_step_can_be_blocked_like_any_plugin():
    host = host_with(blocked=["needs_analysis"])
    assert host.plugins["needs_analysis"].status == "blocked"
    assert "needs_analysis" not in host.registry.steps


def test_misspelt_hook_leaves_the_plugin_out_with_a_suggestion():
    def step_strat(step):
        return None

    host = host_with(plugin(step_strat=step_strat))
    info = host.plugins["test_plugin_0"]
    assert info.status == "failed"
    assert host.failure_lines() == [
        "plugin 'test_plugin_0' (no distribution) implements unknown hook 'step_strat'"
        " (did you mean 'step_start'?); left out"]
    assert "preparation" in host.registry.steps  # the others keep working


def test_misspelt_hook_is_fatal_with_strict():
    def step_strat(step):
        return None

    with pytest.raises(PluginError, match="--strict"):
        host_with(plugin(step_strat=step_strat), strict=True)


def test_unknown_hook_argument_is_a_registration_failure():
    def step_start(step, dossierr):
        return None

    host = host_with(plugin(step_start=step_start))
    assert host.plugins["test_plugin_0"].status == "failed"
    assert "dossierr" in host.plugins["test_plugin_0"].error


def test_registration_that_raises_leaves_out_everything_the_plugin_registered():
    def register_steps(register):
        register(StepDefinition(id="extra", title="Étape en plus", phase="investigation",
                                run=lambda d, s: d))
        raise RuntimeError("half-way")

    host = host_with(plugin(register_steps=register_steps))
    assert "extra" not in host.registry.steps
    assert "RuntimeError: half-way" in host.plugins["test_plugin_0"].error


def test_registering_an_id_twice_names_the_first_owner():
    def register_steps(register):
        register(StepDefinition(id="preparation", title="Autre préparation",
                                phase="preliminary", run=lambda d, s: d))

    host = host_with(plugin(register_steps=register_steps))
    assert "'preparation' is already registered by plugin 'preparation'" in (
        host.plugins["test_plugin_0"].error)
    assert host.registry.owners[("register_steps", "preparation")] == "preparation"


def test_registering_an_id_twice_in_one_plugin_is_refused():
    def register_steps(register):
        for _ in range(2):
            register(StepDefinition(id="twice", title="Deux fois", phase="investigation",
                                    run=lambda d, s: d))

    host = host_with(plugin(register_steps=register_steps))
    assert "'twice' is registered twice" in host.plugins["test_plugin_0"].error
    assert "twice" not in host.registry.steps


def test_registering_the_wrong_kind_of_object_is_refused():
    def register_renderers(register):
        register("pdf")

    host = host_with(plugin(register_renderers=register_renderers))
    assert "registered str, expected Renderer" in host.plugins["test_plugin_0"].error


def test_hook_wrappers_are_refused():
    module = types.SimpleNamespace()

    def step_start(step):
        yield

    module.step_start = hookimpl(wrapper=True)(step_start)
    host = host_with(module)
    assert "wrapper" in host.plugins["test_plugin_0"].error


def test_allow_list_keeps_out_installed_plugins(monkeypatch):
    host = PluginHost(environ={"BILAN_PLUGINS": "nothing-of-that-name"}).load()
    installed = [p for p in host.plugins.values() if p.origin == "entry-point"]
    assert installed, "the test environment installs the first-party plugins"
    assert {p.status for p in installed} == {"not-allowed"}


def _pipeline(tmp_path: Path, text: str, host: PluginHost):
    path = tmp_path / "pipeline.toml"
    path.write_text(text, encoding="utf-8")
    return load_pipeline(path, host)


def test_exception_inside_a_hook_names_the_plugin(tmp_path):
    def career_options(dossier):
        raise ZeroDivisionError("division by zero")

    host = host_with(plugin(career_options=career_options))
    with pytest.raises(HookError) as info:
        run_pipeline(_pipeline(tmp_path, PIPELINE, host), host)
    assert str(info.value) == ("plugin 'test_plugin_0' (no distribution) raised"
                               " ZeroDivisionError in hook 'career_options': division by zero")
    assert info.value.exit_code == 1


def test_a_hook_returning_the_wrong_type_names_the_plugin(tmp_path):
    def career_options(dossier):
        return "Boulanger"

    host = host_with(plugin(career_options=career_options))
    with pytest.raises(HookError, match="returned str, expected a list of CareerOption"):
        run_pipeline(_pipeline(tmp_path, PIPELINE, host), host)


def test_a_step_raising_names_the_plugin_that_registered_it(tmp_path):
    def broken(dossier, step):
        raise KeyError("oops")

    def register_steps(register):
        register(StepDefinition(id="broken_step", title="Étape cassée",
                                phase="conclusions", run=broken))

    host = host_with(plugin(register_steps=register_steps))
    text = PIPELINE + '\n[[steps]]\nid = "broken_step"\nhours = 1\n'
    with pytest.raises(HookError, match=r"'test_plugin_0' .* in hook 'step broken_step'"):
        run_pipeline(_pipeline(tmp_path, text, host), host)


class Recorder:
    """A plugin implementing every event hook, recording each call in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    @hookimpl
    def register_instruments(self, register):
        register(Instrument(id="demo", version="1", title="Questionnaire de démonstration",
                            scales=(Scale("s", "Échelle"),),
                            items=(Item("d1", "J'aime réparer des objets.", keys=(Key("s"),)),)))

    @hookimpl
    def pipeline_start(self, pipeline, dossier):
        self.calls.append(("pipeline_start", pipeline.id))

    @hookimpl
    def step_start(self, step, dossier):
        self.calls.append(("step_start", step.id))

    @hookimpl
    def step_end(self, step, dossier):
        self.calls.append(("step_end", step.id))

    @hookimpl
    def funding_options(self, request):
        self.calls.append(("funding_options", str(request.price)))
        return []

    @hookimpl
    def instrument_norms(self, instrument, group):
        self.calls.append(("instrument_norms", f"{instrument.id}/{group}"))
        return [NormTable(instrument="demo", group=group, n=120, year=2026,
                          scales=(ScaleNorm("s", mean=3.0, sd=1.0),))]

    @hookimpl
    def score_instrument(self, instrument, responses, norms):
        self.calls.append(("score_instrument", instrument.id))
        raw = float(responses.answers["d1"])
        return InstrumentResult(instrument="demo", version="1",
                                scales=(ScaleScore("s", raw, answered=1, items=1),))

    @hookimpl
    def interpret_scores(self, instrument, result):
        self.calls.append(("interpret_scores", instrument.id))
        return ["Intérêt marqué pour les activités concrètes."]

    @hookimpl
    def career_options(self, dossier):
        self.calls.append(("career_options", dossier.id))
        return [CareerOption(id="m1607", title="Secrétaire", score=0.5, code="M1607")]

    @hookimpl
    def plan_actions(self, dossier, options):
        self.calls.append(("plan_actions", ",".join(o.id for o in options)))
        return [Action(id="enquete", title="Enquête métier", kind="immersion")]

    @hookimpl
    def report_sections(self, dossier, audience):
        self.calls.append(("report_sections", audience.value))
        return [ReportSection(id=f"rec-{audience.value}", title="Section de test",
                              audience=audience)]

    @hookimpl
    def pipeline_end(self, pipeline, dossier):
        self.calls.append(("pipeline_end", pipeline.id))


def test_hooks_are_called_in_the_exact_order_of_the_legal_phases(tmp_path):
    recorder = Recorder()
    traced: list[str] = []
    host = host_with(recorder, trace=traced.append)
    (tmp_path / "demo.toml").write_text(
        'instrument = "demo"\nversion = "1"\n[answers]\nd1 = 4\n', encoding="utf-8")
    text = PIPELINE.replace('hours = 5', 'hours = 5\ninstruments = ["demo"]') + (
        '\n[[responses]]\ninstrument = "demo"\nfile = "demo.toml"\n'
        '\n[norms]\ndemo = "adultes en reconversion"\n'
        '\n[funding]\nprice = 1950\n')
    pipeline = _pipeline(tmp_path, text, host)
    assert recorder.calls == [("instrument_norms", "demo/adultes en reconversion")]  # checked
    recorder.calls.clear()
    traced.clear()
    dossier = run_pipeline(pipeline, host)
    assert recorder.calls == [
        ("pipeline_start", "B-TEST-001-20261102"),
        ("step_start", "preparation"),
        ("funding_options", "1950.00"),
        ("step_end", "preparation"),
        ("step_start", "needs_analysis"),
        ("step_end", "needs_analysis"),
        ("step_start", "skills_exploration"),
        ("instrument_norms", "demo/adultes en reconversion"),
        ("score_instrument", "demo"),
        ("interpret_scores", "demo"),
        ("step_end", "skills_exploration"),
        ("step_start", "career_options"),
        ("career_options", "B-TEST-001-20261102"),
        ("step_end", "career_options"),
        ("step_start", "action_plan"),
        ("plan_actions", "technicienne-de-maintenance,formatrice"),
        ("step_end", "action_plan"),
        ("report_sections", "beneficiary"),
        ("report_sections", "counsellor"),
        ("pipeline_end", "B-TEST-001-20261102"),
    ]
    # The host traced the same calls, each naming the plugin it called.
    event_lines = [t for t in traced if "test_plugin_0" in t and "register" not in t]
    assert [t.split("(")[0].removeprefix("hook ") for t in event_lines] == [
        c[0] for c in recorder.calls]
    assert [s.id for s in dossier.steps_done] == [
        "preparation", "needs_analysis", "skills_exploration", "career_options", "action_plan"]
    assert dossier.results["demo"].interpretations == (
        "Intérêt marqué pour les activités concrètes.",)
    assert [o.id for o in dossier.career_options] == [
        "technicienne-de-maintenance", "formatrice", "m1607"]  # by score
    assert dossier.career_options[-1].source == "test_plugin_0"


def test_builtin_step_hooks_run_in_plugin_order_newest_first(tmp_path):
    order: list[str] = []

    def make(tag):
        def step_start(step):
            order.append(tag)
        return plugin(step_start=step_start)

    host = host_with(make("first"), make("second"))
    run_pipeline(_pipeline(tmp_path, PIPELINE, host), host)
    assert order[:2] == ["second", "first"]
