"""``bilan new plugin`` for real: a project of every kind is generated, built into a wheel,
installed in a fresh virtual environment with the repository's ``examples/plugins``, and each
project's own tests pass there, with the kit of ``bilan_core.testing``.

The virtual environment is made without pip and given a ``.pth`` file that adds this
environment's site folders: bilan-core, the first-party plugins, pytest and pip are then
those of the running environment, and nothing is downloaded. (``--system-site-packages``
alone would show the base interpreter's packages, not this environment's when it is itself
a virtual environment, as in tox.) Every project is copied into the test's folder first:
building writes beside the sources, never into the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import site
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs
import pytest

pytestmark = pytest.mark.system

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("instrument", "funder", "step", "section", "renderer")
EXAMPLES = sorted(path.parent.name for path in (ROOT / "examples" / "plugins").glob(
    "*/pyproject.toml"))
#: Generated projects are named after their kind.
GENERATED = {kind: f"bilan-kit-{kind}" for kind in KINDS}


@attrs.frozen
class Environment:
    """The virtual environment, the projects installed in it and what their tests did."""

    python: Path
    projects: dict[str, Path]  # distribution name -> its copy
    wheels: dict[str, Path]  # distribution name -> its wheel
    tests: dict[str, subprocess.CompletedProcess[str]]  # distribution name -> its pytest


def _environ() -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items()
               if not k.startswith(("BILAN_", "PYTEST_", "PYTHON", "PIP_"))}
    environ["LANGUAGE"] = "en"
    return environ


def _run(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env=_environ(), timeout=600)


def _checked(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    done = _run(*args, cwd=cwd)
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done


def _virtual_environment(folder: Path) -> Path:
    """A virtual environment that sees this environment's packages; its python."""
    _checked(sys.executable, "-m", "venv", "--without-pip", folder)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = _checked(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    ours = [*site.getsitepackages(), *([site.getusersitepackages()] if site.ENABLE_USER_SITE
                                       else [])]
    lines = [f"import site; site.addsitedir({path!r})" for path in ours if Path(path).is_dir()]
    Path(purelib.stdout.strip(), "_bilan_test_parent.pth").write_text(
        "\n".join(lines) + "\n", encoding="utf-8")
    return python


def _wheel_of(wheelhouse: Path, distribution: str) -> Path:
    (found,) = wheelhouse.glob(f"{distribution.replace('-', '_')}-*.whl")
    return found


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Environment:
    root = tmp_path_factory.mktemp("new-plugin")
    projects: dict[str, Path] = {}
    for kind, name in GENERATED.items():
        projects[name] = root / name
        _checked(sys.executable, "-m", "bilan_core", "new", "plugin", name, "--kind", kind,
                 "--output", projects[name])
    for name in EXAMPLES:
        projects[name] = root / name
        shutil.copytree(ROOT / "examples" / "plugins" / name, projects[name],
                        ignore=shutil.ignore_patterns("*.egg-info", "__pycache__", "build"))
    python = _virtual_environment(root / "venv")
    wheelhouse = root / "wheels"
    _checked(python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--disable-pip-version-check", "--wheel-dir", wheelhouse, *projects.values())
    wheels = {name: _wheel_of(wheelhouse, name) for name in projects}
    _checked(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
             "--disable-pip-version-check", *wheels.values())

    def test(name: str) -> subprocess.CompletedProcess[str]:
        return _run(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=projects[name])

    with ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2))) as pool:
        tests = dict(zip(projects, pool.map(test, projects)))
    return Environment(python=python, projects=projects, wheels=wheels, tests=tests)


@pytest.mark.parametrize("name", [*GENERATED.values(), *EXAMPLES])
def test_the_project_passes_its_own_tests_once_installed(environment: Environment,
                                                         name: str) -> None:
    done = environment.tests[name]
    assert done.returncode == 0, f"{name}:\n{done.stdout[-6000:]}\n{done.stderr[-3000:]}"
    passed = re.search(r"(\d+) passed", done.stdout)
    # The conformance suite's tests ran, beside the project's own.
    assert passed is not None and int(passed.group(1)) >= 6, done.stdout[-2000:]
    assert not re.search(r"\d+ (failed|errors?|skipped)", done.stdout), done.stdout[-2000:]


def test_bilan_loads_every_installed_project(environment: Environment) -> None:
    done = _checked(environment.python, "-m", "bilan_core", "--strict", "plugins", "--json")
    by_distribution = {row["distribution"]: row for row in json.loads(done.stdout)}
    for name in environment.projects:
        row = by_distribution.get(name)
        assert row is not None and row["status"] == "loaded" and not row["warnings"], row


def test_the_instrument_wheel_ships_its_toml_and_names_its_folder(
        environment: Environment) -> None:
    name = GENERATED["instrument"]
    with zipfile.ZipFile(environment.wheels[name]) as wheel:
        files = set(wheel.namelist())
        (entry_points,) = (f for f in files if f.endswith(".dist-info/entry_points.txt"))
        declared = wheel.read(entry_points).decode("utf-8")
    assert "bilan_kit_instrument/instruments/kit_instrument.toml" in files
    assert "bilan_kit_instrument/py.typed" in files
    assert "[bilan]\nkit_instrument = bilan_kit_instrument.instruments" in declared
    # TOML-only: the folder's empty module is the only Python besides the package's own.
    assert sorted(f for f in files if f.endswith(".py")) == [
        "bilan_kit_instrument/__init__.py", "bilan_kit_instrument/instruments/__init__.py"]
