"""``bilan batch``: many dossiers in worker processes, each reported, none stopping the rest."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import PIPELINE

EXAMPLES = Path(__file__).parents[1] / "examples"

CRASHING_STEP = '''
import os
from bilan_core import hookimpl
from bilan_core.components import StepDefinition
from bilan_core.model import Phase

def _run(dossier, step):
    os._exit(3)  # the interpreter stops: no exception, no clean-up

@hookimpl
def register_steps(register):
    register(StepDefinition(id="crash", phase=Phase.INVESTIGATION, title="Étape qui plante",
                            run=_run))
'''


def _tree(root: Path) -> Path:
    """Two examples at different depths, a broken pipeline, a hidden folder."""
    shutil.copytree(EXAMPLES / "reconversion-cpf", root / "cpf")
    shutil.copytree(EXAMPLES / "salarie-rqth", root / "agence" / "rqth")
    (root / "casse").mkdir()
    (root / "casse" / "pipeline.toml").write_text(
        PIPELINE.replace('hours = 3\n', 'hours = \n', 1), encoding="utf-8")
    (root / ".cache" / "old").mkdir(parents=True)
    (root / ".cache" / "old" / "pipeline.toml").write_text("not even toml", encoding="utf-8")
    return root


def test_every_pipeline_found_runs_and_a_broken_one_is_reported(bilan, tmp_path):
    root = _tree(tmp_path / "in")
    out = tmp_path / "out"
    result = bilan("batch", root, "--output", out, "--jobs", "2", "--format", "json,md")
    assert result.code == 1, result.err
    assert sorted(p.relative_to(out).as_posix() for p in out.glob("**/dossier.json")) == [
        "agence/rqth/dossier.json", "cpf/dossier.json"]
    dossier = json.loads((out / "cpf" / "dossier.json").read_text("utf-8"))["dossier"]
    assert dossier["beneficiary"]["id"] == "B-2026-0417"
    assert len(dossier["steps_done"]) == len(dossier["plan"]) == 5
    assert (out / "agence" / "rqth" / "synthese.md").read_text("utf-8").startswith("#")
    assert not (out / "casse").exists()  # nothing half written for the failed one
    broken = [line for line in result.err.splitlines() if "casse" in line]
    assert broken and all(line.startswith("bilan: error: ") for line in broken)
    assert f"{root / 'casse' / 'pipeline.toml'}:23:9: invalid TOML" in broken[0], broken
    assert "Traceback" not in result.err
    assert "2 dossiers done, 1 failed" in result.out
    assert f"failed: {root / 'casse' / 'pipeline.toml'}" in result.out
    assert ".cache" not in result.err + result.out  # hidden folders are not searched


def test_the_json_report_names_each_dossier_in_order(bilan, tmp_path):
    root = _tree(tmp_path / "in")
    out = tmp_path / "out"
    result = bilan("batch", root / "cpf" / "pipeline.toml", root / "casse", "--output", out,
                   "--jobs", "1", "--format", "json", "--json")
    assert result.code == 1
    report = json.loads(result.out)
    assert (report["done"], report["failed"], report["jobs"]) == (1, 1, 1)
    first, second = report["dossiers"]
    assert (first["source"], first["status"], first["output"]) == (
        str(root / "cpf" / "pipeline.toml"), "done", str(out / "cpf"))
    assert second["status"] == "failed" and second["errors"]
    assert second["errors"][0].endswith("pipeline.toml:23:9: invalid TOML: Invalid value")
    assert first["seconds"] > 0


def test_a_batch_run_again_needs_replace_and_then_replaces(bilan, tmp_path):
    root = tmp_path / "in"
    shutil.copytree(EXAMPLES / "demandeur-emploi", root / "de")
    out = tmp_path / "out"
    assert bilan("batch", root, "-o", out, "--format", "json").code == 0
    (root / "de2").mkdir()
    again = bilan("batch", root, "-o", out, "--format", "json")
    assert again.code == 0, again.err  # the same dossier in the same folder: replaced
    other = tmp_path / "other"
    shutil.copytree(EXAMPLES / "reconversion-cpf", other / "de")  # another dossier, same name
    refused = bilan("batch", other, "-o", out, "--format", "json")
    assert refused.code == 1
    assert "holds" in refused.err or "another" in refused.err, refused.err
    assert bilan("batch", other, "-o", out, "--format", "json", "--replace").code == 0


@pytest.mark.parametrize("args, expected", [
    (("missing",), "missing: no such file or folder"),
    (("empty",), "no file named pipeline.toml"),
    (("a", "b"), "would both write into"),
    ((), "give pipeline files or folders, or --dossier ID"),
    (("--dossier", "../x"), "is not a dossier id"),
])
def test_what_the_batch_cannot_start_with_is_one_line_and_status_2(bilan, tmp_path, args,
                                                                   expected, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    for name in ("a", "b"):
        shutil.copytree(EXAMPLES / "demandeur-emploi", tmp_path / name / "same")
    result = bilan("batch", *args, "--output", tmp_path / "out")
    assert result.code == 2, result.err
    assert expected in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args, expected", [
    (("--jobs", "0"), "0 is not in the range 1<=x<=256"),
    (("--output", "a-file"), "cannot write the output folder there"),
])
def test_bad_options_are_one_line_and_status_2(bilan, tmp_path, args, expected, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    shutil.copytree(EXAMPLES / "demandeur-emploi", tmp_path / "in" / "de")
    result = bilan("batch", "in", "--output", "out", *args)
    assert result.code == 2, result.err
    assert expected in result.err and len(result.err.strip().splitlines()) == 1
    assert (tmp_path / "a-file").read_text("utf-8") == "x"


def test_a_dossier_that_kills_its_worker_fails_alone(bilan, tmp_path):
    root = tmp_path / "in"
    for name in ("a", "b", "c"):
        shutil.copytree(EXAMPLES / "demandeur-emploi", root / name)
    crash = root / "b"
    (crash / "crashing_step.py").write_text(CRASHING_STEP, encoding="utf-8")
    text = (crash / "pipeline.toml").read_text("utf-8").replace(
        '[[steps]]\nid = "career_options"',
        '[[steps]]\nid = "crash"\nhours = 1\n\n[[steps]]\nid = "career_options"')
    (crash / "pipeline.toml").write_text('plugins = ["crashing_step"]\n' + text, "utf-8")
    out = tmp_path / "out"
    result = bilan("batch", root, "-o", out, "-j", "2", "--format", "json", "--json")
    assert result.code == 1, result.err
    report = {Path(d["source"]).parent.name: d for d in json.loads(result.out)["dossiers"]}
    assert {name: d["status"] for name, d in report.items()} == {
        "a": "done", "b": "failed", "c": "done"}
    assert "worker process" in report["b"]["errors"][0]
    assert (out / "a" / "synthese.json").exists() and (out / "c" / "synthese.json").exists()
    assert not (out / "b").exists()


def test_dossiers_of_the_store_run_and_are_kept(bilan, tmp_path, monkeypatch):
    monkeypatch.setenv("BILAN_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.delenv("BILAN_USER", raising=False)
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    ids = []
    for name in ("un", "deux"):
        path = tmp_path / name / "pipeline.toml"
        path.parent.mkdir()
        path.write_text(textwrap.dedent(PIPELINE), encoding="utf-8")
        made = bilan("dossier", "new", path, "--counsellor", "alice")
        assert made.code == 0, made.err
        ids.append(made.out.split()[-1])
    out = tmp_path / "out"
    result = bilan("batch", "--dossier", ids[0], "--dossier", ids[1], "--dossier", "D-NONE",
                   "-o", out, "-j", "2", "--format", "json,md")
    assert result.code == 1, result.err
    assert "2 dossiers done, 1 failed" in result.out
    assert "D-NONE" in result.err
    from bilan_core.store.core import Store

    store = Store.open(str(tmp_path / "store.sqlite"))
    try:
        for dossier in ids:
            assert (out / dossier / "synthese.md").exists()
            shown = json.loads(bilan("dossier", "show", dossier, "--json").out)
            assert shown["steps_done"][-1] == "action_plan", shown
            kept = {d["name"] for d in store.documents(dossier)}
            assert kept == {"dossier.json", "synthese.json", "synthese.md"}
    finally:
        store.close()


def test_on_a_terminal_a_progress_bar_then_the_summary(tmp_path):
    import sys

    import pexpect

    root = _tree(tmp_path / "in")
    child = pexpect.spawn(sys.executable, ["-m", "bilan_core", "batch", str(root), "-o",
                                           str(tmp_path / "out"), "-j", "2", "--format", "json"],
                          cwd=str(tmp_path), encoding="utf-8", timeout=120,
                          dimensions=(40, 120))
    child.expect(pexpect.EOF)
    child.close()
    screen = child.before
    assert child.exitstatus == 1, screen
    assert re.search(r"\r\[ {30}\] 0/3, \d+ s", screen), screen
    assert re.search(r"\r\[#{10} {20}\] 1/3, (1 failed, )?\d+ s", screen), screen  # in place
    assert re.search(r"\[#{30}\] 3/3, 1 failed, \d+ s", screen), screen
    broken = root / "casse" / "pipeline.toml"
    assert f"\rbilan: error: {broken}:23:9: invalid TOML" in screen  # the bar cleared first
    # The bar is wiped (spaces, carriage return) before the summary is printed.
    assert re.search(r"\r {40,}\r2 dossiers done, 1 failed in [\d.]+ s \(2 worker processes\)"
                     r"\r\nfailed: ", screen), screen


NOTE_PLUGIN = '''
from bilan_core import hookimpl
from bilan_core.model import Audience, ReportSection


@hookimpl
def report_sections(dossier, audience):
    if audience is not Audience.BENEFICIARY:
        return []
    return [ReportSection(id="note-locale", title="Note", body="{text}", source="note",
                          order=99)]
'''


def test_each_dossier_gets_its_own_plugin_module_of_the_same_name(bilan, tmp_path):
    root = tmp_path / "in"
    for name in ("a", "b", "c"):
        shutil.copytree(EXAMPLES / "demandeur-emploi", root / name)
        (root / name / "local_notes.py").write_text(
            NOTE_PLUGIN.replace("{text}", f"Note du dossier {name}."), encoding="utf-8")
        path = root / name / "pipeline.toml"
        path.write_text('plugins = ["local_notes"]\n' + path.read_text("utf-8"), "utf-8")
    out = tmp_path / "out"
    result = bilan("batch", root, "-o", out, "-j", "1", "--format", "md")
    assert result.code == 0, result.err
    for name in ("a", "b", "c"):
        text = (out / name / "synthese.md").read_text("utf-8")
        assert f"Note du dossier {name}." in text
        assert sum(f"Note du dossier {other}." in text for other in "abc") == 1


@pytest.mark.parametrize("layout, expected", [
    (("a", "a/b"), "is in the folder of"),
    (("a", "a/x/b"), "is in the folder of"),
])
def test_a_dossier_inside_another_dossiers_folder_is_refused(bilan, tmp_path, layout,
                                                            expected):
    for name in layout:
        shutil.copytree(EXAMPLES / "demandeur-emploi", tmp_path / "in" / name,
                        dirs_exist_ok=True)
    result = bilan("batch", tmp_path / "in", "-o", tmp_path / "out", "--format", "json")
    assert result.code == 2 and expected in result.err, result.err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["..toml", ".toml", "...toml"])
def test_a_file_name_that_makes_no_folder_name_is_refused(bilan, tmp_path, name):
    path = tmp_path / "p" / name
    path.parent.mkdir()
    shutil.copy(EXAMPLES / "demandeur-emploi" / "pipeline.toml", path)
    result = bilan("batch", path, "-o", tmp_path / "w" / "out", "--format", "json")
    assert result.code == 2 and "gives no folder name" in result.err, result.err
    assert not (tmp_path / "w").exists()


def test_every_dossier_says_its_own_warnings_once(bilan, tmp_path):
    root = tmp_path / "in"
    for name in ("a", "b"):
        shutil.copytree(EXAMPLES / "demandeur-emploi", root / name)
        path = root / name / "pipeline.toml"
        path.write_text(path.read_text("utf-8").replace("qualiopi = true", "qualiopi = false"),
                        "utf-8")
    result = bilan("batch", root, "-o", tmp_path / "out", "--format", "json", "--json")
    assert result.code == 0, result.err
    for name in ("a", "b"):
        source = root / name / "pipeline.toml"
        lines = [line for line in result.err.splitlines() if "Qualiopi" in line
                 and line.startswith(f"bilan: warning: {source}: ")]
        assert len(lines) == 1, result.err
    for dossier in json.loads(result.out)["dossiers"]:
        qualiopi = [w for w in dossier["warnings"] if "Qualiopi" in w]
        assert len(qualiopi) == 1, dossier["warnings"]


LOUD_PLUGIN = '''
import os
from bilan_core import hookimpl


@hookimpl
def report_sections(dossier, audience):
    os.write(1, b"FD1 " + dossier.beneficiary.id.encode())
    os.write(2, b"FD2 " + dossier.beneficiary.id.encode())
    print("PRINTED", dossier.beneficiary.id)
    return []
'''


def test_what_a_plugin_prints_reaches_neither_the_terminal_nor_the_report(tmp_path):
    import subprocess
    import sys

    root = tmp_path / "in"
    shutil.copytree(EXAMPLES / "demandeur-emploi", root / "a")
    (root / "a" / "loud.py").write_text(LOUD_PLUGIN, encoding="utf-8")
    path = root / "a" / "pipeline.toml"
    path.write_text('plugins = ["loud"]\n' + path.read_text("utf-8"), "utf-8")
    result = subprocess.run([sys.executable, "-m", "bilan_core", "batch", str(root), "-o",
                             str(tmp_path / "out"), "--format", "json", "--json"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["done"] == 1  # nothing before or after the report
    assert "FD1" not in result.stdout + result.stderr
    assert "FD2" not in result.stderr and "PRINTED" not in result.stdout + result.stderr


def test_a_plugin_that_kills_every_worker_as_it_loads_is_said_once(bilan, tmp_path,
                                                                  monkeypatch):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "boom_on_load.py").write_text("import os\nos._exit(7)\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))  # the workers get the same path
    root = tmp_path / "in"
    for name in ("a", "b", "c", "d"):
        shutil.copytree(EXAMPLES / "demandeur-emploi", root / name)
    result = bilan("-p", "boom_on_load", "batch", root, "-o", tmp_path / "out", "-j", "2",
                   "--format", "json", "--json")
    assert result.code == 1
    report = json.loads(result.out)
    assert (report["done"], report["failed"]) == (0, 4)
    assert all("while the plugins load" in d["errors"][0] for d in report["dossiers"])
