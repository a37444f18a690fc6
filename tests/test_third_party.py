"""Third-party plugin distributions, built and installed for real, seen by the real ``bilan``.

Each distribution has its own pyproject and an entry point in the group ``bilan``; pip builds
and installs them into a folder put on ``PYTHONPATH`` of the ``bilan`` processes, which find
them through their installed metadata, as on a provider's machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import PIPELINE

pytestmark = pytest.mark.slow

GOOD = '''
from bilan_core import hookimpl
from bilan_core.components import StepDefinition
from bilan_core.config.schema import Field, Str, Table
import attrs


def run(dossier, step):
    topic = step.options.get("topic") or "sans sujet"
    return attrs.evolve(dossier, extra={**dossier.extra, "acme": {"topic": topic}})


@hookimpl
def register_steps(register):
    register(StepDefinition(id="acme_interview", title="Entretien Acme",
                            phase="investigation", run=run))


@hookimpl
def register_config_sections(register):
    register(Table({"topic": Field(Str())}))
'''

BROKEN_IMPORT = '''
import a_dependency_that_is_not_installed  # noqa: F401
'''

MISSPELT = '''
from bilan_core import hookimpl


@hookimpl
def step_strat(step, dossier):
    pass
'''

RAISER = '''
from bilan_core import hookimpl


@hookimpl
def pipeline_start(pipeline, dossier):
    raise RuntimeError("the Acme server is unreachable")
'''


def make_distribution(root: Path, dist: str, entry: str, module: str, code: str,
                      version: str) -> Path:
    folder = root / dist
    (folder / module).mkdir(parents=True)
    (folder / module / "__init__.py").write_text(textwrap.dedent(code), encoding="utf-8")
    (folder / "pyproject.toml").write_text(textwrap.dedent(f'''
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "{dist}"
        version = "{version}"
        dependencies = ["bilan-core"]

        [project.entry-points.bilan]
        {entry} = "{module}"

        [tool.setuptools]
        packages = ["{module}"]
    '''), encoding="utf-8")
    return folder


def pip_install(target: Path, *folders: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--target", str(target), *map(str, folders)],
        check=True, capture_output=True)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Two install folders: good plus broken plugins, and one whose hook raises."""
    root = tmp_path_factory.mktemp("dists")
    mixed, raising = root / "site-mixed", root / "site-raising"
    pip_install(mixed,
                make_distribution(root, "bilan-acme", "acme", "bilan_acme", GOOD, "1.2.3"),
                make_distribution(root, "bilan-broken", "broken", "bilan_broken",
                                  BROKEN_IMPORT, "0.4.0"),
                make_distribution(root, "bilan-typo", "typo", "bilan_typo", MISSPELT, "2.0.1"))
    pip_install(raising, make_distribution(root, "bilan-raiser", "raiser", "bilan_raiser",
                                           RAISER, "0.1.0"))
    return {"mixed": mixed, "raising": raising}


def bilan(site: Path | None, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BILAN_")}
    environ.update(env)
    if site is not None:
        environ["PYTHONPATH"] = str(site)
    return subprocess.run([sys.executable, "-m", "bilan_core", *args], capture_output=True,
                          text=True, env=environ, timeout=120)


def by_name(stdout: str) -> dict[str, dict]:
    return {p["name"]: p for p in json.loads(stdout)}


def test_installed_plugin_is_discovered_and_listed(installed):
    result = bilan(installed["mixed"], "plugins", "--json")
    assert result.returncode == 0, result.stderr
    acme = by_name(result.stdout)["acme"]
    assert acme["status"] == "loaded"
    assert acme["distribution"] == "bilan-acme"
    assert acme["version"] == "1.2.3"
    assert acme["origin"] == "entry-point"
    assert acme["hooks"] == ["register_config_sections", "register_steps"]
    assert acme["load_time_ms"] > 0


def test_broken_plugins_are_each_named_in_one_line_and_left_out(installed):
    result = bilan(installed["mixed"], "plugins", "--json")
    assert result.returncode == 0
    assert "Traceback" not in result.stderr
    assert sorted(result.stderr.splitlines()) == [
        "bilan: error: plugin 'broken' (bilan-broken 0.4.0) failed to import:"
        " ModuleNotFoundError: No module named 'a_dependency_that_is_not_installed'; left out",
        "bilan: error: plugin 'typo' (bilan-typo 2.0.1) implements unknown hook 'step_strat'"
        " (did you mean 'step_start'?); left out",
    ]
    plugins = by_name(result.stdout)
    assert plugins["broken"]["status"] == "failed"
    assert plugins["typo"]["status"] == "failed"
    assert plugins["acme"]["status"] == "loaded"


def test_strict_makes_a_broken_plugin_fatal(installed):
    result = bilan(installed["mixed"], "--strict", "plugins")
    assert result.returncode == 2
    assert "plugin 'broken' (bilan-broken 0.4.0) failed to import" in result.stderr
    assert "--strict" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(("args", "env"), [
    (("-p", "no:acme"), {}),
    ((), {"BILAN_DISABLE_PLUGINS": "typo, acme"}),
])
def test_plugin_is_blocked(installed, args, env):
    result = bilan(installed["mixed"], *args, "plugins", "--json", **env)
    assert result.returncode == 0
    assert by_name(result.stdout)["acme"]["status"] == "blocked"


def test_allow_list_loads_only_the_named_plugins(installed):
    result = bilan(installed["mixed"], "plugins", "--json", BILAN_PLUGINS="acme")
    plugins = by_name(result.stdout)
    assert plugins["acme"]["status"] == "loaded"
    assert plugins["broken"]["status"] == "not-allowed"
    assert result.stderr == ""  # the broken plugins were never imported
    empty = by_name(bilan(installed["mixed"], "plugins", "--json", BILAN_PLUGINS="").stdout)
    assert {p["status"] for p in empty.values() if p["origin"] == "entry-point"} == {
        "not-allowed"}
    assert empty["preparation"]["status"] == "loaded"  # built-ins are not "installed" plugins


def _acme_pipeline(folder: Path) -> Path:
    text = PIPELINE.replace(
        '[[steps]]\nid = "career_options"',
        '[[steps]]\nid = "acme_interview"\nhours = 1\n\n[[steps]]\nid = "career_options"',
    ) + '\n[plugin.acme]\ntopic = "mobilité interne"\n'
    path = folder / "pipeline.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_other_plugins_keep_working_beside_broken_ones(installed, tmp_path):
    path = _acme_pipeline(tmp_path)
    result = bilan(installed["mixed"], "-p", "no:journal", "run", str(path),
                   "--output", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert "acme_interview" not in result.stderr
    dossier = json.loads((tmp_path / "out" / "dossier.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in dossier["dossier"]["steps_done"]][3] == "acme_interview"
    assert dossier["dossier"]["extra"]["acme"] == {"topic": "mobilité interne"}


def test_blocked_plugin_section_is_reported_not_crashed(installed, tmp_path):
    path = _acme_pipeline(tmp_path)
    result = bilan(installed["mixed"], "-p", "no:acme", "validate", str(path))
    assert result.returncode == 2
    assert "plugin.acme: plugin 'acme' has a section here but is blocked" in result.stderr


def test_exception_in_a_hook_stops_the_run_naming_the_plugin(installed, tmp_path):
    path = tmp_path / "pipeline.toml"
    path.write_text(PIPELINE, encoding="utf-8")
    out = tmp_path / "out"
    first = bilan(None, "-p", "no:journal", "run", str(path), "--output", str(out))
    assert first.returncode == 0, first.stderr
    saved = (out / "dossier.json").read_bytes()

    result = bilan(installed["raising"], "-p", "no:journal", "run", str(path),
                   "--output", str(out))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "bilan: error: plugin 'raiser' (bilan-raiser 0.1.0) raised RuntimeError in hook"
        " 'pipeline_start': the Acme server is unreachable")
    assert (out / "dossier.json").read_bytes() == saved  # nothing already saved is lost
    assert "Traceback" in bilan(installed["raising"], "--traceback", "-p", "no:journal",
                                "run", str(path), "--output", str(out)).stderr
