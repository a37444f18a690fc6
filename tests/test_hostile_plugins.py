"""Hostile plugins: a plugin can neither end the host quietly nor corrupt a run.

A matrix over every hook of every family (taken from :func:`bilan_core.hookspecs.hook_names`,
so a new hook is covered as soon as it is specified) and every way a plugin can misbehave:
raise, ``SystemExit(3)``, ``SystemExit(0)``, return (or register) a value of the wrong type,
take too long; the same at import time and inside the components plugins register (a step's
``run``, a funder's ``decide``, a renderer's ``render``, an occupation source's ``load``).

Everything goes through the real command line, in-process (the ``bilan`` fixture):

- a plugin that fails to import or to register is left out with one line naming it; the
  command works without it (exit 0), ``--strict`` makes it fatal (exit 2), and
  ``bilan plugins`` shows it as failed;
- a hook or a component that fails stops the command with exit status 1 and one line naming
  the plugin and the hook, never a traceback, an "internal error" or the plugin's own exit
  status; the output folder of ``bilan run`` keeps the previous complete set, byte for byte;
- a section for the counsellor given when the beneficiary's were asked for fails the run and
  reaches no beneficiary's file;
- a slow hook is named in a warning (``--slow-hook``) and the command succeeds.

Each plugin is a module written into the pipeline's folder under a unique name (``sys.modules``
caches modules) and named in the pipeline's ``plugins = [...]`` or with ``-p``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
import shutil
import sys
import textwrap
import uuid
from pathlib import Path

import attrs
import pytest
from conftest import PIPELINE

from bilan_core.hookspecs import family_of, hook_names, spec_signature

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "examples" / "reconversion-cpf"

HOOKS = hook_names()
REGISTRATION_HOOKS = [h for h in HOOKS if family_of(h) == "registration"]
EVENT_HOOKS = [h for h in HOOKS if family_of(h) != "registration"]

#: The journal adds nothing here: keep it out of every command.
COMMON = ("-p", "no:journal")
FORMATS = "json,md"
SLOW_SECONDS = 0.3
THRESHOLD = "0.1"
PREFIX = "hostile_"

# ---------------------------------------------------------------------------------- pipelines
#: The default test pipeline with a ``[funding]`` table (every funder is asked): it reaches
#: every hook but the assessment ones.
SMALL = PIPELINE + '\n[funding]\nprice = "1950.00"\n'

#: The beneficiary of SMALL, for ``bilan funding quote``.
BENEFICIARY = 'id = "B-TEST-001"\nstatus = "private_employee"\ncpf_balance = "1200.00"\n'
QUOTE = ("--price", "1950", "--hours", "17", "--date", "2026-11-02")

#: An instrument of the example, its responses and its norm group, for ``bilan score``.
SCORED = ("riasec", "reponses/riasec.toml",
          "--norms", "Adultes en bilan de compétences (normes illustratives)")

#: For each event hook: the pipeline whose run reaches it ("small", or "example" for the
#: copied reconversion-cpf example, which has instruments, responses and norms), and the other
#: commands that call it ("quote": ``bilan funding quote``, "score": ``bilan score``).
REACH: dict[str, tuple[str, tuple[str, ...]]] = {
    "pipeline_start": ("small", ()),
    "step_start": ("small", ()),
    "step_end": ("small", ()),
    "pipeline_end": ("small", ()),
    "score_instrument": ("example", ("score",)),
    "instrument_norms": ("example", ("score",)),
    "interpret_scores": ("example", ("score",)),
    "career_options": ("small", ()),
    "plan_actions": ("small", ()),
    "funding_options": ("small", ("quote",)),
    "report_sections": ("small", ()),
}

# ---------------------------------------------------------------------------- plugin sources
PRELUDE = f'''\
"""A hostile plugin written by tests/test_hostile_plugins.py: {{what}}."""
import time

from bilan_core import hookimpl
from bilan_core.components import Funder, OccupationSource, Renderer, StepDefinition
from bilan_core.model import Audience, FundingDecision, ReportSection

_slept = []


def slow_once():
    """Sleep past the --slow-hook threshold, once per import: one warning per command."""
    if not _slept:
        _slept.append(True)
        time.sleep({SLOW_SECONDS})
'''

#: What the misbehaving code does, by behaviour; "wrong type" depends on the hook.
ACTS = {
    "raise": 'raise RuntimeError("hostile plugin at work")',
    "exit": "raise SystemExit(3)",
    "exit0": "raise SystemExit(0)",
    "slow": "slow_once()",
}
FAILURES = ["raise", "exit", "exit0", "wrong type"]

#: The counsellor's working note a hostile plugin tries to put in the beneficiary's document.
SECRET = "NOTE-CONFIDENTIELLE-DU-CONSULTANT"
WRONG_AUDIENCE = f'''\
if audience is Audience.BENEFICIARY:
    return [ReportSection(id="notes-hostiles", title="Notes de travail",
                          body="{SECRET}", audience=Audience.COUNSELLOR)]
return []'''


def params_of(hook: str) -> list[str]:
    """The hook's arguments, as its specification names them."""
    return list(inspect.signature(spec_signature(hook)).parameters)[1:]


def hookimpl_source(hook: str, body: str) -> str:
    """``@hookimpl def hook(<every argument of the spec>): body``."""
    return (f"\n\n@hookimpl\ndef {hook}({', '.join(params_of(hook))}):\n"
            + textwrap.indent(body, "    ") + "\n")


def wrong_values(hook: str) -> dict[str, str]:
    """Behaviour -> body returning (or registering) something of the wrong type.

    ``42`` for every hook; besides, for hooks returning a list, a list of the wrong items, and
    for a hook returning one object, a string. Derived from the spec's return annotation, so a
    new hook gets its cases without editing this table.
    """
    if family_of(hook) == "registration":
        first = params_of(hook)[0]
        return {"wrong type": f"{first}(42)" if first == "register"
                else f"{first}.add_command(42)"}
    out = {"wrong type": "return 42"}
    returns = str(inspect.signature(spec_signature(hook)).return_annotation)
    if returns.startswith("list[str]"):
        out["wrong items"] = "return [42]"
    elif returns.startswith("list["):
        out["wrong items"] = 'return ["hostile"]'
    elif returns != "None":
        out["wrong items"] = 'return "hostile"'
    return out


def body_of(hook: str, behaviour: str) -> str:
    if behaviour in ACTS:
        return ACTS[behaviour]
    if behaviour == "wrong audience":
        return WRONG_AUDIENCE
    return wrong_values(hook)[behaviour]


@attrs.frozen
class Component:
    """A component a plugin registers, whose callable misbehaves."""

    hook: str  # the registration hook
    label: str  # how the host names the call: "step hostile_step"
    args: str  # the callable's arguments
    fine: str  # what a well-behaved callable returns, after a slow start
    wrong: dict[str, str]  # behaviour -> body returning the wrong type
    register: str  # the registration of the component, ``component`` being the callable
    case: str = "small"  # the pipeline that reaches it
    pipeline: str = ""  # what the pipeline needs besides to call it
    formats: str = FORMATS
    commands: tuple[str, ...] = ()  # other commands that call it


COMPONENTS = {
    "step": Component(
        "register_steps", "step hostile_step", "dossier, step", "return dossier",
        {"wrong type": "return 42"},
        'StepDefinition(id="hostile_step", title="Étape hostile", phase="conclusions",'
        " run=component)",
        pipeline='\n[[steps]]\nid = "hostile_step"\nhours = 1\n'),
    "funder": Component(
        "register_funders", "funder hostile_funder", "request",
        'return FundingDecision(funder="hostile_funder", name="Financeur hostile",'
        ' eligibility="not_eligible")',
        {"wrong type": "return 42"},
        'Funder(id="hostile_funder", name="Financeur hostile", decide=component)',
        commands=("quote",)),
    "renderer": Component(
        "register_renderers", "renderer hostile", "dossier, context", 'return b"ok"',
        {"wrong type": 'return "du texte, pas des octets"'},
        'Renderer(format="hostile", extension="hostile", media_type="text/plain",'
        " render=component)",
        formats=FORMATS + ",hostile"),
    "occupation_source": Component(
        "register_occupation_sources", "occupation source hostile_source", "", "return []",
        {"wrong type": "return 42", "wrong items": 'return ["K2111"]',
         # load may return any iterable: a generator fails while the host iterates it
         "raise lazily": 'yield from ()\nraise RuntimeError("hostile plugin at work")'},
        'OccupationSource(id="hostile_source", name="Source hostile", load=component)',
        # the example's results make a profile to match occupations with, in the run (its
        # career options step) and in ``bilan careers``
        case="example", commands=("careers",)),
}


def component_source(kind: str, behaviour: str) -> str:
    component = COMPONENTS[kind]
    if behaviour in component.wrong:
        body = component.wrong[behaviour]
    elif behaviour == "slow":
        body = f"slow_once()\n{component.fine}"
    else:
        body = ACTS[behaviour]
    return (f"\n\ndef component({component.args}):\n" + textwrap.indent(body, "    ")
            + hookimpl_source(component.hook, f"register({component.register})"))


def write_plugin(folder: Path, what: str, source: str) -> str:
    """Write a plugin module into ``folder`` under a new name; return the name."""
    name = PREFIX + re.sub(r"\W+", "_", what).strip("_") + "_" + uuid.uuid4().hex[:8]
    (folder / f"{name}.py").write_text(PRELUDE.format(what=what) + source, encoding="utf-8")
    importlib.invalidate_caches()
    return name


# ---------------------------------------------------------------------------------- commands
def invoke(bilan, *args: object):
    """Run ``bilan *args``; the plugin modules are imported afresh by each command."""
    for name in [m for m in sys.modules if m.startswith(PREFIX)]:
        del sys.modules[name]
    try:
        return bilan(*args)
    except SystemExit as exc:  # the host let a plugin end the process
        pytest.fail(f"a plugin's SystemExit({exc.code!r}) ended `bilan"
                    f" {' '.join(map(str, args))}`: the host must turn it into an error")


@attrs.frozen
class Case:
    """A pipeline folder with its clean pipeline file, and where runs write."""

    kind: str  # "small" or "example"
    folder: Path
    outputs: Path  # the parent of the output folders: nothing else is written there
    sets: dict[str, Path]  # kind -> a complete output set of its clean pipeline

    @property
    def pipeline(self) -> Path:
        return self.folder / "pipeline.toml"

    def hostile(self, plugin: str, extra: str = "") -> Path:
        """A copy of the pipeline that loads ``plugin`` (and has ``extra`` at the end)."""
        path = self.folder / f"{plugin}.toml"
        path.write_text(f'plugins = ["{plugin}"]\n' + self.pipeline.read_text(encoding="utf-8")
                        + extra, encoding="utf-8")
        return path

    def previous_set(self, bilan) -> Path:
        """``outputs/out`` holding the complete set of a successful run of the clean pipeline.

        The first case of each kind runs it; the others copy that set (same pipeline, same
        dossier), which keeps the matrix fast.
        """
        output = self.outputs / "out"
        if self.kind not in self.sets:
            first = run(bilan, self.pipeline, output)
            assert first.code == 0, first.err
            kept = self.sets[self.kind] = self.sets["_root"] / self.kind
            shutil.copytree(output, kept)
        else:
            shutil.copytree(self.sets[self.kind], output)
        return output


def make_folder(folder: Path, kind: str) -> None:
    if kind == "example":
        shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("*.sqlite"))
    else:
        folder.mkdir()
        (folder / "pipeline.toml").write_text(SMALL, encoding="utf-8")
    (folder / "beneficiary.toml").write_text(BENEFICIARY, encoding="utf-8")


@pytest.fixture(scope="module")
def complete_sets(tmp_path_factory) -> dict[str, Path]:
    return {"_root": tmp_path_factory.mktemp("complete-sets")}


@pytest.fixture
def case(tmp_path, complete_sets):
    """``case("small")`` or ``case("example")``: a pipeline folder of its own."""

    def make(kind: str) -> Case:
        make_folder(tmp_path / "case", kind)
        (tmp_path / "outputs").mkdir()
        return Case(kind, tmp_path / "case", tmp_path / "outputs", complete_sets)

    yield make
    for name in [m for m in sys.modules if m.startswith(PREFIX)]:
        del sys.modules[name]


def run(bilan, pipeline: Path, output: Path, *options: str, formats: str = FORMATS):
    return invoke(bilan, *COMMON, *options, "run", pipeline, "--output", output,
                  "--format", formats)


def other_commands(bilan, case: Case, plugin: str, commands: tuple[str, ...],
                   *options: str) -> dict[str, object]:
    """Run the other commands that call the plugin's hook, the plugin named with ``-p``."""
    results = {}
    for command in commands:
        args: tuple[object, ...]
        if command == "quote":
            args = ("funding", "quote", case.folder / "beneficiary.toml", *QUOTE)
        elif command == "score":
            args = ("score", SCORED[0], case.folder / SCORED[1], *SCORED[2:])
        else:  # careers, on the dossier written into the output folder
            args = ("careers", case.outputs / "out" / "dossier.json")
        results[command] = invoke(bilan, *COMMON, *options, "-p", plugin, *args)
    return results


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones included) and its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def lines_of(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def assert_no_crash(result) -> None:
    assert "Traceback" not in result.err, result.err
    assert "internal error" not in result.err, result.err


#: What the one line says of each misbehaviour, so that no case passes for another reason
#: (a typo in a generated module would fail its import too): the exception's type, and how
#: its message ends.
HOOK_CAUSES = {
    "raise": ("RuntimeError", "hostile plugin at work"),
    "raise lazily": ("RuntimeError", "hostile plugin at work"),
    "exit": ("SystemExit", ": 3"),
    "exit0": ("SystemExit", ": 0"),
    "wrong type": ("TypeError", ""),
    "wrong items": ("TypeError", ""),
    "wrong audience": ("ValueError", "when asked for 'beneficiary'"),
}
LOAD_CAUSES = {
    "raise": "RuntimeError: hostile plugin at work",
    "exit": "SystemExit: 3",
    "exit0": "SystemExit: 0",
    "wrong type": "int",  # register(42): "registered int"; cli.add_command(42): "'int' object"
}


def assert_fails_naming(result, plugin: str, hook: str, behaviour: str) -> None:
    """Exit 1 and one line on stderr naming the plugin, the hook and what went wrong."""
    assert_no_crash(result)
    assert result.code == 1, f"exit {result.code}, stderr: {result.err}"
    lines = lines_of(result.err)
    assert len(lines) == 1, result.err
    assert f"plugin '{plugin}'" in lines[0], lines[0]
    assert f"hook '{hook}'" in lines[0], lines[0]
    error, tail = HOOK_CAUSES[behaviour]
    assert error in lines[0] and lines[0].endswith(tail), lines[0]


def assert_left_out(result, plugin: str, stage: str, behaviour: str) -> None:
    """Exit 0 and one line on stderr saying the plugin failed, why, and was left out."""
    assert_no_crash(result)
    assert result.code == 0, f"exit {result.code}, stderr: {result.err}"
    named = [line for line in lines_of(result.err) if f"'{plugin}'" in line]
    assert len(named) == 1, result.err
    found = re.fullmatch(rf"bilan: error: plugin '{plugin}' \([^)]*\) failed to {stage}:"
                         r" (.*); left out", named[0])
    assert found, named[0]
    assert LOAD_CAUSES[behaviour] in found.group(1), named[0]


def assert_warned_slow(result, plugin: str, hook: str) -> None:
    """Exit 0 and a warning naming the plugin, the hook and how long it took."""
    assert_no_crash(result)
    assert result.code == 0, f"exit {result.code}, stderr: {result.err}"
    warnings = [line for line in lines_of(result.err)
                if line.startswith("bilan: warning:") and f"'{plugin}'" in line]
    assert warnings, result.err
    assert any(f"hook '{hook}'" in w and re.search(r"took \d+(\.\d+)? s", w)
               for w in warnings), warnings


def assert_failed_and_kept(bilan, case: Case, hostile: Path, plugin: str, hook: str,
                           behaviour: str, formats: str = FORMATS):
    """Run cleanly into a folder, then with the hostile plugin: it fails, naming the plugin
    and the hook, and the folder keeps the first complete set, byte for byte."""
    output = case.previous_set(bilan)
    before, beside = snapshot(output), sorted(case.outputs.iterdir())
    assert {"dossier.json", "synthese.json", "synthese.md"} <= set(before)
    result = run(bilan, hostile, output, formats=formats)
    assert_fails_naming(result, plugin, hook, behaviour)
    assert snapshot(output) == before, "the previous complete set was changed"
    assert sorted(case.outputs.iterdir()) == beside, "something was left beside the folder"
    return result


# ------------------------------------------------------------------------ the matrix itself
def test_every_event_hook_has_a_way_to_be_reached():
    assert set(REACH) == set(EVENT_HOOKS), "say in REACH which run and commands call the hook"
    assert set(REGISTRATION_HOOKS) >= {c.hook for c in COMPONENTS.values()}


LOAD_CASES = [
    *[pytest.param("import", b, id=f"import-{b}") for b in ("raise", "exit", "exit0")],
    *[pytest.param(h, b, id=f"{h}-{b}") for h in REGISTRATION_HOOKS for b in FAILURES],
]


@pytest.mark.parametrize(("hook", "behaviour"), LOAD_CASES)
def test_a_plugin_failing_to_load_is_left_out(bilan, case, monkeypatch, hook, behaviour):
    c = case("small")
    if hook == "import":
        plugin = write_plugin(c.folder, f"import {behaviour}", ACTS[behaviour] + "\n")
        stage = "import"
    else:
        plugin = write_plugin(c.folder, f"{hook} {behaviour}",
                              hookimpl_source(hook, body_of(hook, behaviour)))
        stage = "register"
    hostile = c.hostile(plugin)

    result = run(bilan, hostile, c.outputs / "out")
    assert_left_out(result, plugin, stage, behaviour)
    assert "Wrote:" in result.out
    assert {"dossier.json", "synthese.json", "synthese.md"} <= set(snapshot(c.outputs / "out"))

    strict = run(bilan, hostile, c.outputs / "strict", "--strict")
    assert_no_crash(strict)
    assert strict.code == 2, strict.err
    assert f"plugin '{plugin}'" in strict.err and "--strict" in strict.err
    assert not (c.outputs / "strict").exists()

    monkeypatch.syspath_prepend(str(c.folder))
    listed = invoke(bilan, *COMMON, "-p", plugin, "plugins", "--json")
    assert_left_out(listed, plugin, stage, behaviour)
    info = next(p for p in json.loads(listed.out) if p["name"] == plugin)
    assert info["status"] == "failed"
    assert f"failed to {stage}" in info["error"]


@pytest.mark.parametrize("hook", REGISTRATION_HOOKS)
def test_a_slow_registration_is_warned_of(bilan, case, hook):
    c = case("small")
    plugin = write_plugin(c.folder, f"{hook} slow", hookimpl_source(hook, ACTS["slow"]))
    result = run(bilan, c.hostile(plugin), c.outputs / "out", "--slow-hook", THRESHOLD)
    assert_warned_slow(result, plugin, hook)
    assert "Wrote:" in result.out


EVENT_CASES = [pytest.param(h, b, id=f"{h}-{b}") for h in EVENT_HOOKS
               for b in dict.fromkeys([*FAILURES, *wrong_values(h)])]


@pytest.mark.parametrize(("hook", "behaviour"), EVENT_CASES)
def test_a_failing_hook_stops_the_command_naming_the_plugin(bilan, case, monkeypatch, hook,
                                                            behaviour):
    pipeline, commands = REACH[hook]
    c = case(pipeline)
    plugin = write_plugin(c.folder, f"{hook} {behaviour}",
                          hookimpl_source(hook, body_of(hook, behaviour)))
    assert_failed_and_kept(bilan, c, c.hostile(plugin), plugin, hook, behaviour)
    monkeypatch.syspath_prepend(str(c.folder))
    for command, result in other_commands(bilan, c, plugin, commands).items():
        assert result.out == "", command
        assert_fails_naming(result, plugin, hook, behaviour)


@pytest.mark.parametrize("hook", EVENT_HOOKS)
def test_a_slow_hook_is_warned_of(bilan, case, monkeypatch, hook):
    pipeline, commands = REACH[hook]
    c = case(pipeline)
    plugin = write_plugin(c.folder, f"{hook} slow", hookimpl_source(hook, ACTS["slow"]))
    result = run(bilan, c.hostile(plugin), c.outputs / "out", "--slow-hook", THRESHOLD)
    assert_warned_slow(result, plugin, hook)
    assert "Wrote:" in result.out
    monkeypatch.syspath_prepend(str(c.folder))
    for result in other_commands(bilan, c, plugin, commands, "--slow-hook", THRESHOLD).values():
        assert_warned_slow(result, plugin, hook)


def test_a_section_for_the_wrong_audience_fails_the_run(bilan, case):
    c = case("small")
    plugin = write_plugin(c.folder, "report_sections wrong audience",
                          hookimpl_source("report_sections", WRONG_AUDIENCE))
    assert_failed_and_kept(bilan, c, c.hostile(plugin), plugin, "report_sections",
                           "wrong audience")
    for name, content in snapshot(c.outputs / "out").items():
        if not name.startswith("notes-consultant"):
            assert SECRET.encode() not in content, name


COMPONENT_CASES = [pytest.param(k, b, id=f"{k}-{b}") for k, comp in COMPONENTS.items()
                   for b in dict.fromkeys([*FAILURES, *comp.wrong])]


@pytest.mark.parametrize(("kind", "behaviour"), COMPONENT_CASES)
def test_a_failing_component_stops_the_command_naming_the_plugin(bilan, case, monkeypatch,
                                                                 kind, behaviour):
    component = COMPONENTS[kind]
    c = case(component.case)
    plugin = write_plugin(c.folder, f"{kind} {behaviour}", component_source(kind, behaviour))
    assert_failed_and_kept(bilan, c, c.hostile(plugin, component.pipeline), plugin,
                           component.label, behaviour, formats=component.formats)
    monkeypatch.syspath_prepend(str(c.folder))
    for command, result in other_commands(bilan, c, plugin, component.commands).items():
        assert result.out == "", command
        assert_fails_naming(result, plugin, component.label, behaviour)


@pytest.mark.parametrize("kind", COMPONENTS)
def test_a_slow_component_is_warned_of(bilan, case, monkeypatch, kind):
    component = COMPONENTS[kind]
    c = case(component.case)
    plugin = write_plugin(c.folder, f"{kind} slow", component_source(kind, "slow"))
    result = run(bilan, c.hostile(plugin, component.pipeline), c.outputs / "out",
                 "--slow-hook", THRESHOLD, formats=component.formats)
    assert_warned_slow(result, plugin, component.label)
    assert "Wrote:" in result.out
    monkeypatch.syspath_prepend(str(c.folder))
    for result in other_commands(bilan, c, plugin, component.commands,
                                 "--slow-hook", THRESHOLD).values():
        assert_warned_slow(result, plugin, component.label)
