"""The pytest plugin of bilan-core (entry point ``pytest11``): fixtures for testing plugins.

pytest loads it in every project where bilan-core is installed; its fixtures are used only
when a test names them, and nothing is imported from bilan until then.

- ``bilan_host(*plugins, first_party=())``: a host with only these plugins, the named
  first-party ones and the core's built-in ones (see :mod:`bilan_core.testing.hosts` for the
  ways to name a plugin);
- ``bilan_cli(*args, env=None)``: runs the real ``bilan`` command line in process and
  returns its exit status and output (:class:`CliResult`);
- ``make_beneficiary(**overrides)``: a valid beneficiary;
- ``make_pipeline(folder=None, steps=..., **overrides)``: the path of a valid pipeline file;
- ``make_dossier(host=None, steps=..., **overrides)``: the dossier such a file gives, run;
- ``bilan_conformance``: what a conformance suite checks, prepared once per suite class
  (:mod:`bilan_core.testing.conformance`).

```python
def test_my_step_records_its_note(bilan_host, make_dossier):
    host = bilan_host("bilan_hello.plugin")
    dossier = make_dossier(host, steps=["preparation", "closing_note"],
                           plugin={"bilan_hello.plugin": {"note": "Bonne route !"}})
    assert dossier.extra["closing_note"] == "Bonne route !"
```
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

if TYPE_CHECKING:
    from bilan_core.model import Beneficiary, Dossier
    from bilan_core.plugins import PluginHost

#: Environment variables that change which plugins the command line loads: unset while
#: ``bilan_cli`` runs, unless the test sets them with ``env=``.
PLUGIN_VARIABLES = ("BILAN_PLUGINS", "BILAN_DISABLE_PLUGINS", "BILAN_TRACE_HOOKS")


class CliResult(NamedTuple):
    """What a ``bilan`` command did: its exit status and what it printed on each stream."""

    code: int
    out: str
    err: str


@pytest.fixture
def bilan_host() -> Callable[..., PluginHost]:
    """A factory of hosts holding only the plugins a test names.

    ``bilan_host(*plugins, first_party=())`` returns a loaded
    :class:`~bilan_core.plugins.PluginHost` with the core's built-in plugins, ``plugins``
    (modules, installed plugins' or distributions' names, module paths) and the installed
    ``first_party`` plugins (``"values"``, ``"funders"``, ``"pdf"``...). No other installed
    plugin is loaded; a plugin that fails to load raises
    :class:`~bilan_core.errors.PluginError` naming it.
    """
    from bilan_core.testing.hosts import build_host

    return build_host


@pytest.fixture
def bilan_cli(capsys: pytest.CaptureFixture[str],
              monkeypatch: pytest.MonkeyPatch) -> Callable[..., CliResult]:
    """Run the real ``bilan`` command line in process: ``bilan_cli("validate", path)``.

    Arguments are turned into strings; ``env`` sets environment variables for the call
    (``env={"BILAN_PLUGINS": "values"}``). Installed plugins load as they would for a user
    (``BILAN_PLUGINS``, ``BILAN_DISABLE_PLUGINS`` and ``BILAN_TRACE_HOOKS`` are unset unless
    given in ``env``). Returns a :class:`CliResult`: ``code``, ``out``, ``err``.
    """
    from bilan_core.cli import main

    def run(*args: object, env: Mapping[str, str] | None = None) -> CliResult:
        with monkeypatch.context() as patch:
            for name in PLUGIN_VARIABLES:
                patch.delenv(name, raising=False)
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            capsys.readouterr()
            code = main([os.fspath(a) if isinstance(a, os.PathLike) else str(a)
                         for a in args])
            captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def make_beneficiary() -> Callable[..., Beneficiary]:
    """A factory of valid beneficiaries: ``make_beneficiary(status="job_seeker",
    cpf_balance=0, employer=None)`` (see :func:`bilan_core.testing.factories.make_beneficiary`).
    """
    from bilan_core.testing.factories import make_beneficiary as factory

    return factory


@pytest.fixture
def make_pipeline(tmp_path: Path) -> Callable[..., Path]:
    """A factory of valid pipeline files: ``make_pipeline(folder=None, steps=..., **overrides)``
    writes ``pipeline.toml`` in ``folder`` (the test's ``tmp_path`` by default) and returns
    its path. See :func:`bilan_core.testing.factories.make_pipeline` for ``steps`` and the
    overrides (``beneficiary=``, ``funding=``, ``plugin=``...)."""
    from bilan_core.testing.factories import BUILTIN_STEPS
    from bilan_core.testing.factories import make_pipeline as write

    def make(folder: Path | str | None = None,
             steps: Sequence[str | Mapping[str, Any]] = BUILTIN_STEPS,
             **overrides: Any) -> Path:
        return write(tmp_path if folder is None else folder, steps, **overrides)

    return make


@pytest.fixture
def make_dossier(tmp_path: Path) -> Callable[..., Dossier]:
    """A factory of dossiers: ``make_dossier(host=None, steps=..., **overrides)`` writes a
    pipeline as ``make_pipeline`` does (in a folder of its own under ``tmp_path``), runs it
    with ``host`` (a host of the core's built-in plugins by default) and returns the final
    dossier, synthèse included: what renderers and report sections receive."""
    from bilan_core.testing.factories import BUILTIN_STEPS
    from bilan_core.testing.factories import make_dossier as run

    count = 0

    def make(host: PluginHost | None = None,
             steps: Sequence[str | Mapping[str, Any]] = BUILTIN_STEPS,
             **overrides: Any) -> Dossier:
        nonlocal count
        count += 1
        return run(tmp_path / f"dossier-{count}", host, steps, **overrides)

    return make


@pytest.fixture(scope="class")
def bilan_conformance(request: pytest.FixtureRequest,
                      tmp_path_factory: pytest.TempPathFactory) -> Any:
    """What a conformance suite checks (a loaded instrument, a funder's decisions, runs of a
    step, the sample dossiers and their sections or documents), prepared once per suite
    class by the class's ``prepare`` (:mod:`bilan_core.testing.conformance`)."""
    prepare = getattr(request.cls, "prepare", None)
    if prepare is None:
        pytest.fail("bilan_conformance is for the test classes of"
                    " bilan_core.testing.conformance", pytrace=False)
    return prepare(tmp_path_factory)
