"""The third-party distributions of ``examples/plugins``, made with ``bilan new plugin``, as
the real ``bilan`` sees them once installed; and the command that made them.

Nothing is built here: each example's metadata (its name, version, ``bilan-core`` range and
``bilan`` entry points, read from its ``pyproject.toml``) is written as a ``.dist-info`` in a
folder put on ``sys.path`` with the example's ``src``, which is what an installation gives
the host. ``tests/system/test_new_plugin.py`` builds and installs them for real, with a
project of every kind, and runs their own tests.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import Result

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PLUGINS = ROOT / "examples" / "plugins"
#: Each example, and the kind of project ``bilan new plugin`` made it from.
KINDS = {"bilan-example-instrument": "instrument", "bilan-example-aide-regionale": "funder",
         "bilan-example-section": "section"}
INSTRUMENT = PLUGINS / "bilan-example-instrument"
NORMS = "Adultes en reconversion (normes illustratives)"
AID = PLUGINS / "bilan-example-aide-regionale"
PIPELINE = ROOT / "examples" / "reconversion-cpf" / "pipeline.toml"
#: The ``bilan`` fixture of conftest: the real command line, in process.
Bilan = Callable[..., Result]


def test_the_examples_are_the_promised_three() -> None:
    assert sorted(p.name for p in PLUGINS.iterdir() if p.is_dir()) == sorted(KINDS)
    for name in KINDS:
        assert (PLUGINS / name / "README.md").is_file()


def _project(name: str) -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(
        (PLUGINS / name / "pyproject.toml").read_text("utf-8"))["project"]
    return data


def _install(name: str, site: Path) -> None:
    """What installing an example gives the host: its metadata, and its package importable."""
    project = _project(name)
    dist = site / f"{name.replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    requires = "".join(f"Requires-Dist: {r}\n" for r in project["dependencies"])
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\n"
                                   f"Version: {project['version']}\n{requires}\n", "utf-8")
    entries = project["entry-points"]["bilan"]
    (dist / "entry_points.txt").write_text(
        "[bilan]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items()), "utf-8")


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The three examples, as installed; the folder of their metadata."""
    site = tmp_path / "site-packages"
    for name in KINDS:
        _install(name, site)
        monkeypatch.syspath_prepend(str(PLUGINS / name / "src"))
    monkeypatch.syspath_prepend(str(site))
    return site


def test_bilan_loads_the_examples_with_their_range_of_bilan_core(installed: Path,
                                                                 bilan: Bilan) -> None:
    result = bilan("--strict", "plugins", "--json")
    assert result.code == 0, result.err
    rows = {row["distribution"]: row for row in json.loads(result.out)}
    for name in KINDS:
        assert rows[name]["status"] == "loaded", rows[name]
        assert rows[name]["warnings"] == [], rows[name]  # TOML-only included: no "no hook"
    assert rows["bilan-example-section"]["hooks"] == ["report_sections"]


def test_the_instrument_scores_with_bilan_score(installed: Path, bilan: Bilan) -> None:
    answers = INSTRUMENT / "reponses-exemple.toml"
    listed = bilan("instruments", "list")
    assert listed.code == 0 and "cadre_travail" in listed.out, listed.err
    result = bilan("score", "cadre_travail", answers, "--norms", NORMS, "--json")
    assert result.code == 0, result.err
    scores = {s["scale"]: s for s in json.loads(result.out)["scales"]}
    assert scores["equipe"]["band"] == "élevé" and scores["calme"]["band"] == "moyen"
    assert scores["equipe"]["t_score"] == pytest.approx(65.238095, abs=1e-4)
    shown = bilan("score", "cadre_travail", answers, "--norms", NORMS)
    assert "Goût du travail en équipe" in shown.out and "ILLUSTRATI" in shown.out


def test_the_regional_aid_answers_a_quote_with_its_rule_of_the_day(installed: Path,
                                                                   bilan: Bilan) -> None:
    beneficiary = AID / "beneficiaire-exemple.toml"
    covered: dict[str, str] = {}
    for day in ("2025-06-01", "2026-03-01"):
        result = bilan("funding", "quote", beneficiary, "--price", "1950", "--hours", "20",
                       "--date", day, "--json")
        assert result.code == 0, result.err
        (aid,) = [d for d in json.loads(result.out)["decisions"]
                  if d["funder"] == "example_aide_regionale"]
        assert aid["eligibility"] == "eligible" and aid["tops_up"]
        assert "✔ entreprise de moins de 250 salariés (140 salariés)" in aid["trace"]
        assert "délibération fictive" in aid["source"]
        covered[day] = aid["covered"]
    assert covered == {"2025-06-01": "600.00", "2026-03-01": "450.00"}
    shown = bilan("funding", "quote", beneficiary, "--price", "1950", "--hours", "20",
                  "--date", "2026-03-01")
    assert "Pass Bilan de la Région Exemple (aide fictive): eligible — covers" in shown.out
    rules = json.loads(bilan("funding", "rules", "--json").out)
    assert [r["in_force_from"] for r in rules if r["id"] == "pass_bilan"] == [
        "2024-07-01", "2026-01-01"]


def test_the_section_reaches_the_synthesis_of_an_example(installed: Path, bilan: Bilan,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = bilan("run", PIPELINE, "--output", out, "--format", "html")
    assert result.code == 0, result.err
    document = (out / "synthese.html").read_text("utf-8")
    assert "Après le bilan : vos interlocuteurs" in document
    assert "Mon Compte Formation" in document and "Cap Parcours Conseil vous proposera" in document
    assert "Clôture du dossier" not in document  # the counsellor's, in the working notes only
    notes = tmp_path / "notes"
    result = bilan("report", out / "dossier.json", "--audience", "counsellor", "--format", "md",
                   "--output", notes)
    assert result.code == 0, result.err
    (written,) = notes.glob("*.md")
    assert "Clôture du dossier" in written.read_text("utf-8")


# ``bilan new plugin`` itself: the examples are still what it makes, and it refuses what it
# cannot do in one located line (the generated projects' own tests run in the system test).
@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_files_an_example_did_not_customise_are_what_the_command_makes(
        name: str, bilan: Bilan, tmp_path: Path) -> None:
    made = tmp_path / name
    result = bilan("new", "plugin", name, "--kind", KINDS[name], "--output", made)
    assert result.code == 0, result.err
    package = name.replace("-", "_")
    untouched = ["pyproject.toml", ".gitignore", f"src/{package}/__init__.py",
                 f"src/{package}/py.typed"]
    if KINDS[name] == "instrument":
        untouched.append(f"src/{package}/instruments/__init__.py")
    for path in untouched:
        assert (PLUGINS / name / path).read_bytes() == (made / path).read_bytes(), path


def test_a_new_plugin_goes_into_an_absent_or_empty_folder_only(bilan: Bilan,
                                                                tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    made = bilan("new", "plugin", "bilan-acme-tests", "--kind", "step", "--output", empty)
    assert made.code == 0, made.err
    assert "Created the step plugin bilan-acme-tests" in made.out
    assert (empty / "src" / "bilan_acme_tests" / "plugin.py").is_file()
    before = sorted(p.relative_to(empty) for p in empty.rglob("*"))
    again = bilan("new", "plugin", "bilan-acme-tests", "--kind", "funder", "--output", empty)
    assert again.code == 2
    assert again.err == (f"bilan: error: {empty}: the folder exists and is not empty; choose"
                         " another --output, or empty it\n")
    assert sorted(p.relative_to(empty) for p in empty.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(("name", "says"), [
    ("Bilan_Acme", "is not a distribution name: lowercase letters, digits and single hyphens"),
    ("bilan-acme-", "is not a distribution name"),
    ("json", "'json' is a name taken by Python or by bilan; choose another"),
    ("bilan-core", "is a name taken by Python or by bilan"),
    ("bilan-preparation", "the plugin name 'preparation' is taken by bilan-core"),
])
def test_a_name_that_cannot_be_a_plugin_is_refused(name: str, says: str, bilan: Bilan,
                                                    tmp_path: Path) -> None:
    result = bilan("new", "plugin", name, "--kind", "section", "--output", tmp_path / "x")
    assert result.code == 2
    assert says in result.err and len(result.err.splitlines()) == 1, result.err
    assert not (tmp_path / "x").exists()
