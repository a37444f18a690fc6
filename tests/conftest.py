"""Shared fixtures: running the real ``bilan`` command and writing pipeline files."""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, settings

# The command line is read in English by the tests (its catalog's source language). Set before
# bilan_core.cli is imported: help texts are translated when their module is imported, in the
# language of the process, which a real command never changes. The tests of the French default
# and of the pseudo-locale run bilan in subprocesses with their own environment.
os.environ["LANGUAGE"] = "en"

from bilan_core.cli import main

settings.register_profile("ci", deadline=None, derandomize=True, max_examples=150,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=100)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

#: A valid pipeline using the five built-in steps; tests replace parts of it.
PIPELINE = """\
reference_date = 2026-11-02

[beneficiary]
id = "B-TEST-001"
status = "private_employee"
cpf_balance = "1200.00"
employer = "Entreprise Exemple"

[provider]
name = "Centre de bilan Test"
qualiopi = true

[[consent]]
kind = "bilan"
given_on = 2026-10-01

[[steps]]
id = "preparation"
hours = 2

[[steps]]
id = "needs_analysis"
hours = 3

[[steps]]
id = "skills_exploration"
hours = 5

[[steps]]
id = "career_options"
hours = 4

[[steps]]
id = "action_plan"
hours = 3

[plugin.needs_analysis]
request = "Faire le point après dix ans dans le même poste."

[plugin.career_options]
proposed = ["Technicienne de maintenance", "Formatrice"]
"""


def require(tool: str) -> str:
    """A system tool the test needs: missing fails in CI, skips on a developer's machine."""
    path = shutil.which(tool)
    if path is None:
        message = (f"{tool} is not installed (Debian: poppler-utils, chromium,"
                   " chromium-driver)")
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@attrs.frozen
class Result:
    """What a ``bilan`` command did: exit status and both streams."""

    code: int
    out: str
    err: str


@pytest.fixture
def bilan(capsys, monkeypatch):
    """Run the real ``bilan`` command line in-process: ``bilan("validate", path)``."""
    monkeypatch.delenv("BILAN_PLUGINS", raising=False)
    monkeypatch.delenv("BILAN_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("BILAN_TRACE_HOOKS", raising=False)
    # The journal plugin is installed in the test environment; keep its files out of the way.

    def run(*args: object) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def pipeline_file(tmp_path: Path):
    """Write a pipeline file (the default one, or ``text``) and return its path."""

    def write(text: str = PIPELINE, name: str = "pipeline.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def interruptible():
    """Ctrl-C reaches the commands as a terminal's would, however the suite was started: a
    shell running it in the background, or a test runner's worker process, may have set
    SIGINT to be ignored, which every child process would inherit."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """The tests read the command line in English (its catalog's source language); the
    tests of the French default and of the pseudo-locale set the language themselves."""
    monkeypatch.setenv("LANGUAGE", "en")


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path_factory, monkeypatch):
    """No test reads or writes the machine's own imported data (an imported referential)."""
    monkeypatch.setenv("BILAN_DATA_DIR", str(tmp_path_factory.mktemp("bilan-data")))


#: Test modules run on one Python only in tox (marker ``once``, tox.ini): what they exercise
#: does not vary by Python version, and they are among the slowest.
ONCE = {"test_testing_kit", "test_docs", "test_api", "test_examples_plugins",
        "test_evidence_figures", "test_evidence_documents", "test_web_evidence", "test_web",
        "test_reports", "test_plugin_authoring"}


def pytest_collection_modifyitems(config, items):
    """Mark the tests of :data:`ONCE`'s modules ``once``."""
    for item in items:
        if item.path.stem in ONCE:
            item.add_marker(pytest.mark.once)
