"""The host helps plugin authors: instruments shipped without Python, and a word for the usual
mistakes (a module with no hook, a function not marked ``@hookimpl``, a misspelt argument, a
distribution made for another bilan-core).

Each distribution is written as an installer leaves it (a package and its ``.dist-info`` with
``METADATA`` and ``entry_points.txt``) into a folder put on ``sys.path``, where the real
``bilan`` command finds it through its metadata; the commands run in process.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import PIPELINE

from bilan_core._version import __version__

ROOT = Path(__file__).parents[1]
RIASEC = ROOT / "plugins" / "bilan-riasec" / "src" / "bilan_riasec" / "instruments" / "riasec.toml"
ANSWERS = ROOT / "examples" / "reconversion-cpf" / "reponses" / "riasec.toml"

#: The prefix of every module these tests write, removed from ``sys.modules`` after each test.
PREFIX = "authoring_"

BENEFICIARY = 'id = "B-TEST-001"\nstatus = "private_employee"\ncpf_balance = "1200.00"\n'
QUOTE = ("--price", "1950", "--hours", "17", "--date", "2026-11-02")

FINE = '''
from bilan_core import hookimpl


@hookimpl
def pipeline_start(pipeline, dossier):
    pass
'''

NO_HOOK = '''
"""A distribution's package whose entry point should have named its plugin module."""


def helper():
    return 42
'''

UNMARKED = '''
from bilan_core import hookimpl


@hookimpl
def pipeline_start(pipeline, dossier):
    pass


def funding_options(request):
    return []
'''

ONLY_UNMARKED = '''
def report_sections(dossier, audience):
    return []
'''

MISSPELT_ARGUMENT = '''
from bilan_core import hookimpl


@hookimpl
def funding_options(requets):
    return []
'''


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on ``sys.path`` that distributions are installed into."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for name in [m for m in sys.modules if m.startswith(PREFIX)]:
        del sys.modules[name]


def install(site: Path, dist: str, entries: dict[str, str], files: dict[str, str],
            requires: tuple[str, ...] = (), version: str = "1.0") -> None:
    """Write the files of a distribution and its ``.dist-info``, as an installer would."""
    for relative, text in files.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    headers = [f"Name: {dist}", f"Version: {version}", *(f"Requires-Dist: {r}" for r in requires)]
    (info / "METADATA").write_text("Metadata-Version: 2.1\n" + "\n".join(headers)
                                   + "\n\nA distribution written by the tests.\n", "utf-8")
    (info / "entry_points.txt").write_text(
        "[bilan]\n" + "".join(f"{name} = {value}\n" for name, value in entries.items()), "utf-8")


def install_module(site: Path, dist: str, source: str, requires: tuple[str, ...] = ()) -> str:
    """A distribution with one plugin module; returns the plugin's (entry point's) name."""
    name = dist.removeprefix("authoring-").replace("-", "_")
    install(site, dist, {name: f"{PREFIX}{name}"}, {f"{PREFIX}{name}.py": source}, requires)
    return name


def instrument_text(instrument_id: str) -> str:
    return RIASEC.read_text("utf-8").replace('id = "riasec"', f'id = "{instrument_id}"', 1)


def install_instruments(site: Path, *, init: bool = True, broken: bool = False) -> Path:
    """The TOML-only distribution ``authoring-instruments``: its entry point names the
    package folder holding the files; returns that folder."""
    package = f"{PREFIX}acme/instruments"
    files = {f"{PREFIX}acme/__init__.py": "",
             f"{package}/interets.toml": instrument_text("acme_interets")}
    if init:
        files[f"{package}/__init__.py"] = ""
    if broken:  # line 11: ``language = 12``
        files[f"{package}/casse.toml"] = instrument_text("acme_casse").replace(
            'language = "fr"', "language = 12", 1)
    install(site, "authoring-instruments", {"acme": f"{PREFIX}acme.instruments"}, files,
            requires=("bilan-core>=0.1",))
    return site / package


def plugins_of(result) -> dict[str, dict]:
    assert result.code == 0, result.err
    return {p["name"]: p for p in json.loads(result.out)}


def warnings_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("bilan: warning: ")]


def errors_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("bilan: error: ")]


def pipeline_with(folder: Path, instrument: str) -> Path:
    path = folder / "pipeline.toml"
    path.write_text(PIPELINE.replace(
        '[[steps]]\nid = "needs_analysis"\nhours = 3',
        f'[[steps]]\nid = "needs_analysis"\nhours = 3\ninstruments = ["{instrument}"]'),
        encoding="utf-8")
    return path


def answers_for(folder: Path, instrument: str) -> Path:
    path = folder / "answers.toml"
    path.write_text(ANSWERS.read_text("utf-8").replace(
        'instrument = "riasec"', f'instrument = "{instrument}"', 1), encoding="utf-8")
    return path


# ----------------------------------------------------------------- instruments without Python
@pytest.mark.parametrize("init", [True, False], ids=["package", "namespace-package"])
def test_a_toml_only_distribution_registers_its_instruments(bilan, site, tmp_path, init):
    install_instruments(site, init=init)
    listed = bilan("plugins", "--json")
    acme = plugins_of(listed)["acme"]
    assert acme["status"] == "loaded", acme
    assert (acme["distribution"], acme["version"]) == ("authoring-instruments", "1.0")
    assert acme["hooks"] == ["register_instruments"] and acme["warnings"] == []
    assert listed.err == ""  # no "implements no hook" for a folder of instruments

    instruments = bilan("instruments", "list", "--json")
    assert instruments.code == 0, instruments.err
    rows = {row["id"]: row for row in json.loads(instruments.out)}
    assert rows["acme_interets"]["plugin"] == "acme" and rows["acme_interets"]["items"] == 60
    assert "riasec" in rows  # the first-party instruments are still there

    scored = bilan("score", "acme_interets", answers_for(tmp_path, "acme_interets"))
    assert scored.code == 0, scored.err
    assert "(acme_interets 1.0)" in scored.out and "Social" in scored.out

    assert bilan("validate", pipeline_with(tmp_path, "acme_interets")).code == 0


def test_a_bad_instrument_file_is_the_usual_located_error(bilan, site, tmp_path):
    folder = install_instruments(site, broken=True)
    where = f"{folder / 'casse.toml'}:11:1: language: expected a string"

    listed = bilan("instruments", "list", "--json")
    assert listed.code == 2
    assert {"acme_interets", "riasec"} <= {row["id"] for row in json.loads(listed.out)}
    [line] = errors_of(listed.err)
    assert line.startswith(f"bilan: error: {where}"), line

    validated = bilan("validate", pipeline_with(tmp_path, "acme_casse"))
    assert validated.code == 2
    assert where in validated.err and "Traceback" not in validated.err

    scored = bilan("score", "acme_casse", answers_for(tmp_path, "acme_casse"))
    assert scored.code == 2 and where in scored.err

    assert bilan("validate", pipeline_with(tmp_path, "acme_interets")).code == 0


# ------------------------------------------------------------------------------ the warnings
def test_a_plugin_that_implements_no_hook_is_named_in_a_warning(bilan, site):
    install_module(site, "authoring-empty", NO_HOOK)
    result = bilan("plugins", "--json")
    empty = plugins_of(result)["empty"]
    assert empty["status"] == "loaded"
    expected = ("plugin 'empty' (authoring-empty 1.0) implements no hook: 'authoring_empty' has"
                " no @hookimpl function and no *.toml instrument file")
    assert warnings_of(result.err) == [f"bilan: warning: {expected}"]  # once per load
    assert empty["warnings"] == [expected]
    strict = bilan("--strict", "plugins")
    assert strict.code == 0 and warnings_of(strict.err) == [f"bilan: warning: {expected}"]


def test_a_module_named_with_p_that_implements_no_hook_is_named_too(bilan, site):
    (site / f"{PREFIX}helpers.py").write_text(NO_HOOK, encoding="utf-8")
    result = bilan("-p", f"{PREFIX}helpers", "plugins")
    assert result.code == 0
    assert warnings_of(result.err) == [
        f"bilan: warning: plugin '{PREFIX}helpers' (no distribution) implements no hook:"
        f" '{PREFIX}helpers' has no @hookimpl function and no *.toml instrument file"]


@pytest.mark.parametrize("source, hooks", [(UNMARKED, ["pipeline_start"]), (ONLY_UNMARKED, [])],
                         ids=["beside-a-hook", "alone"])
def test_a_function_named_like_a_hook_but_not_marked_is_warned_of(bilan, site, source, hooks):
    install_module(site, "authoring-forgot", source)
    result = bilan("plugins", "--json")
    forgot = plugins_of(result)["forgot"]
    assert forgot["status"] == "loaded" and forgot["hooks"] == hooks
    function = "funding_options" if hooks else "report_sections"
    expected = (f"plugin 'forgot' (authoring-forgot 1.0): function {PREFIX}forgot.{function} is"
                " named like a hook but is not marked; did you forget `@hookimpl`?")
    # the one mistake, said once: not also "implements no hook"
    assert warnings_of(result.err) == [f"bilan: warning: {expected}"]
    assert forgot["warnings"] == [expected]


def test_the_first_party_plugins_get_no_warning(bilan):
    result = bilan("plugins", "--json")
    plugins = plugins_of(result)
    assert result.err == ""
    first_party = {p["name"] for p in plugins.values()
                   if (p["distribution"] or "").startswith("bilan-")}
    assert {"journal", "rome", "riasec", "values", "pdf", "cpf", "preparation"} <= first_party
    assert all(plugins[name]["warnings"] == [] for name in first_party)


# ---------------------------------------------------------------------- a misspelt argument
def test_a_misspelt_argument_leaves_the_plugin_out_with_a_suggestion(bilan, site, tmp_path):
    install_module(site, "authoring-typo", MISSPELT_ARGUMENT)
    install_module(site, "authoring-fine", FINE)
    source = site / f"{PREFIX}typo.py"
    listed = bilan("plugins", "--json")
    plugins = plugins_of(listed)
    assert plugins["typo"]["status"] == "failed"
    assert plugins["fine"]["status"] == "loaded"
    line = (f"bilan: error: plugin 'typo' (authoring-typo 1.0) implements hook 'funding_options'"
            f" with unknown argument 'requets' (did you mean 'request'?) at {source}:5;"
            " left out")
    assert errors_of(listed.err) == [line] and "Traceback" not in listed.err

    beneficiary = tmp_path / "beneficiary.toml"
    beneficiary.write_text(BENEFICIARY, encoding="utf-8")
    quoted = bilan("funding", "quote", beneficiary, *QUOTE)
    assert quoted.code == 0, quoted.err  # the rest works without it
    assert "CPF" in quoted.out and errors_of(quoted.err) == [line]

    strict = bilan("--strict", "funding", "quote", beneficiary, *QUOTE)
    assert strict.code == 2 and line.removeprefix("bilan: error: ") in strict.err


# ----------------------------------------------------------------- the bilan-core supported
@pytest.mark.parametrize("requirement", [
    "bilan-core>=0.1,<1",
    "bilan-core",
    "Bilan_Core (>=0.1)",
    f"bilan-core=={__version__}",
    'bilan-core>=99; extra == "tests"',  # only with an extra: not this install's requirement
    'bilan-core[web]>=0.1; python_version >= "3"',
])
def test_a_distribution_made_for_this_bilan_core_loads(bilan, site, requirement):
    install_module(site, "authoring-fit", FINE, requires=("click>=8", requirement))
    result = bilan("plugins", "--json")
    assert plugins_of(result)["fit"]["status"] == "loaded" and result.err == ""


@pytest.mark.parametrize("requirement", [
    "bilan-core>=99.0,<100",
    "bilan-core<0.1",
    'bilan-core>=99; python_version >= "3"',
    "bilan_core (>=0.2,<0.3)",
])
def test_a_distribution_made_for_another_bilan_core_is_left_out(bilan, site, requirement):
    install_module(site, "authoring-old", FINE, requires=("click>=8", requirement))
    install_module(site, "authoring-fine", FINE, requires=("bilan-core>=0.1",))
    result = bilan("plugins", "--json")
    plugins = plugins_of(result)
    assert plugins["old"]["status"] == "failed" and plugins["fine"]["status"] == "loaded"
    assert errors_of(result.err) == [
        f"bilan: error: plugin 'old' (authoring-old 1.0) requires {requirement}, but"
        f" bilan-core {__version__} is installed; left out"]
    assert f"{PREFIX}old" not in sys.modules  # never imported
    assert bilan("--strict", "plugins").code == 2


def test_an_unreadable_requirement_on_bilan_core_is_said(bilan, site):
    install_module(site, "authoring-odd", FINE, requires=("bilan-core>=>0.1",))
    result = bilan("plugins", "--json")
    assert plugins_of(result)["odd"]["status"] == "failed"
    [line] = errors_of(result.err)
    assert re.fullmatch(r"bilan: error: plugin 'odd' \(authoring-odd 1\.0\) has a requirement on"
                        r" bilan-core that cannot be read, 'bilan-core>=>0\.1': .+; left out",
                        line), line


def test_a_module_named_with_p_loads_whatever_its_distribution_requires(bilan, site):
    install_module(site, "authoring-old", FINE, requires=("bilan-core>=99",))
    result = bilan("-p", f"{PREFIX}old", "-p", "no:old", "plugins", "--json")
    plugins = plugins_of(result)
    assert plugins["old"]["status"] == "blocked"
    assert plugins[f"{PREFIX}old"]["status"] == "loaded" and result.err == ""


def test_the_requirements_are_read_with_the_entry_points(site):
    from bilan_core.entrypoints import entry_points

    install_module(site, "authoring-fit", FINE, requires=("click>=8", "bilan-core>=0.1,<1"))
    [found] = [ep for ep in entry_points("bilan", [str(site)])]
    assert found.requires == ("click>=8", "bilan-core>=0.1,<1")
