"""An output folder holds one dossier, whole: staged, swapped in one step, never mixed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PIPELINE

from bilan_core.outputs import MANIFEST, recover

SHARING = ('\n[[consent]]\nkind = "sharing"\ngiven_on = 2026-10-01\nrecipient = "employeur"\n'
           '\n[report]\nformats = ["json", "md"]\nrecipients = ["beneficiary", "employeur"]\n')


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if ".bilan-" in p.name)


def test_the_folder_records_its_dossier_and_holds_exactly_the_set(bilan, pipeline_file,
                                                                   tmp_path):
    out = tmp_path / "out"
    result = bilan("-p", "no:journal", "run", pipeline_file(), "--output", out,
                   "--format", "json,md")
    assert result.code == 0, result.err
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    assert manifest["dossier"] == "B-TEST-001-20261102"
    assert sorted(f["name"] for f in manifest["files"]) == [
        "dossier.json", "synthese.json", "synthese.md"]
    assert sorted(_files(out)) == [MANIFEST, "dossier.json", "synthese.json", "synthese.md"]
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in out.iterdir())
    assert _leftovers(tmp_path) == []


def test_writing_another_dossier_into_a_folder_needs_replace(bilan, pipeline_file, tmp_path):
    out = tmp_path / "out"
    assert bilan("-p", "no:journal", "run", pipeline_file(), "--output", out).code == 0
    before = _files(out)
    other = pipeline_file(PIPELINE.replace("B-TEST-001", "B-TEST-002"), name="other.toml")
    refused = bilan("-p", "no:journal", "run", other, "--output", out)
    assert refused.code == 2
    assert "holds dossier 'B-TEST-001-20261102'" in refused.err
    assert "--replace" in refused.err
    assert _files(out) == before
    replaced = bilan("-p", "no:journal", "run", other, "--output", out, "--replace")
    assert replaced.code == 0, replaced.err
    assert json.loads((out / MANIFEST).read_text("utf-8"))["dossier"] == "B-TEST-002-20261102"


def test_a_folder_bilan_did_not_write_is_never_replaced(bilan, pipeline_file, tmp_path):
    mine = tmp_path / "mes-documents"
    mine.mkdir()
    (mine / "lettre.odt").write_bytes(b"precious")
    for extra in ((), ("--replace",)):
        result = bilan("-p", "no:journal", "run", pipeline_file(), "--output", mine, *extra)
        assert result.code == 2
        assert "not empty and was not written by bilan" in result.err
    assert _files(mine) == {"lettre.odt": b"precious"}
    # A file added by hand to an output folder is not lost either.
    out = tmp_path / "out"
    assert bilan("-p", "no:journal", "run", pipeline_file(), "--output", out).code == 0
    (out / "scan-signé.pdf").write_bytes(b"%PDF signed")
    again = bilan("-p", "no:journal", "run", pipeline_file(), "--output", out)
    assert again.code == 2
    assert "holds files bilan did not write (scan-signé.pdf)" in again.err
    assert (out / "scan-signé.pdf").read_bytes() == b"%PDF signed"


def test_copies_for_recipients_without_consent_are_deleted_with_a_line(bilan, pipeline_file,
                                                                      tmp_path):
    out = tmp_path / "out"
    shared = pipeline_file(PIPELINE + SHARING)
    assert bilan("-p", "no:journal", "run", shared, "--output", out).code == 0
    assert (out / "synthese-employeur.md").is_file()
    report = bilan("-p", "no:journal", "report", out / "dossier.json", "--format", "md",
                   "--audience", "counsellor")
    assert report.code == 0, report.err
    assert (out / "notes-consultant.md").is_file()
    assert (out / "synthese-employeur.md").is_file()  # report keeps the rest of the set

    # The beneficiary withdraws the sharing consent: the next run drops the copy, and says so.
    withdrawn = pipeline_file(PIPELINE + '\n[report]\nformats = ["json", "md"]\n',
                              name="withdrawn.toml")
    rerun = bilan("-p", "no:journal", "run", withdrawn, "--output", out)
    assert rerun.code == 0, rerun.err
    assert "synthese-employeur.md: deleted, the sharing consent for 'employeur' is no longer" \
        " recorded" in rerun.err
    assert not any("employeur" in name for name in _files(out))

    # bilan report drops a copy whose consent the dossier no longer records.
    assert bilan("-p", "no:journal", "run", shared, "--output", out).code == 0
    dossier = json.loads((out / "dossier.json").read_text("utf-8"))
    dossier["dossier"]["consents"] = [c for c in dossier["dossier"]["consents"]
                                      if c["kind"] != "sharing"]
    (out / "dossier.json").write_text(json.dumps(dossier, ensure_ascii=False), "utf-8")
    report = bilan("-p", "no:journal", "report", out / "dossier.json", "--format", "md")
    assert report.code == 0, report.err
    assert ("synthese-employeur.json: deleted, the dossier no longer records a sharing consent"
            " for 'employeur'") in report.err
    assert not any("employeur" in name for name in _files(out))


def test_a_failing_run_leaves_the_previous_set_and_no_staging(bilan, pipeline_file, tmp_path):
    out = tmp_path / "out"
    assert bilan("-p", "no:journal", "run", pipeline_file(), "--output", out,
                 "--format", "json,md").code == 0
    before = _files(out)
    (tmp_path / "broken_renderer_out.py").write_text(
        "from bilan_core import hookimpl\nfrom bilan_core.components import Renderer\n\n"
        "def render(dossier, context):\n    raise RuntimeError('panne')\n\n"
        "@hookimpl\ndef register_renderers(register):\n"
        "    register(Renderer(format='txt', extension='txt', media_type='text/plain',"
        " render=render))\n", encoding="utf-8")
    path = pipeline_file('plugins = ["broken_renderer_out"]\n' + PIPELINE)
    failed = bilan("-p", "no:journal", "run", path, "--output", out, "--format", "json,md,txt")
    assert failed.code == 1
    assert "plugin 'broken_renderer_out'" in failed.err
    assert _files(out) == before
    assert _leftovers(tmp_path) == []


def test_sigterm_during_a_run_cleans_up(pipeline_file, tmp_path):
    """SIGTERM becomes an exception: the staging folder goes, the previous set stays."""
    (tmp_path / "slow_end.py").write_text(
        "import time\nfrom bilan_core import hookimpl\n\n@hookimpl\n"
        "def pipeline_end(pipeline, dossier):\n    print('ending', flush=True)\n"
        "    time.sleep(30)\n", encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "BILAN_DISABLE_PLUGINS": "journal"}
    fixed = 'id = "D-SIGTERM"\n' + PIPELINE
    first = subprocess.run([sys.executable, "-m", "bilan_core", "run", pipeline_file(fixed),
                            "--output", out], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    before = _files(out)
    path = pipeline_file('plugins = ["slow_end"]\n' + fixed, name="slow.toml")
    process = subprocess.Popen([sys.executable, "-m", "bilan_core", "run", path, "--output",
                                out, "--date", "2026-11-03"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ending"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 143, err
    assert "bilan: terminated" in err
    assert _files(out) == before
    assert _leftovers(tmp_path) == []


def test_recovery_completes_or_undoes_a_write_killed_half_way(bilan, pipeline_file, tmp_path):
    """A write killed between its two renames (on a file system without an atomic exchange)
    is rolled forward by the next command; a killed staging folder is removed."""
    out = tmp_path / "out"
    assert bilan("-p", "no:journal", "run", pipeline_file(), "--output", out).code == 0
    complete = _files(out)
    pending = Path(os.environ["BILAN_DATA_DIR"]) / "pending"

    def record(token: str) -> tuple[Path, Path]:
        staging = tmp_path / f".out.bilan-staging-{token}"
        old = tmp_path / f".out.bilan-old-{token}"
        (pending / f"k-{token}.json").write_text(json.dumps(
            {"target": str(out), "staging": str(staging), "old": str(old), "pid": 1}))
        return staging, old

    # Killed after moving the old set aside, before putting the new one in place.
    staging, old = record("a")
    out.rename(old)
    staging.mkdir()
    for name, content in complete.items():
        (staging / name).write_bytes(content.replace(b"2 novembre", b"3 novembre"))
    # Killed while writing another staging folder (no manifest yet: incomplete).
    partial, _ = record("b")
    partial.mkdir()
    (partial / "dossier.json").write_bytes(b'{"format": "bilan-doss')

    removed = bilan("purge")
    assert removed.code == 0, removed.err
    assert "purged 2 folder(s)" in removed.out
    assert sorted(_files(out)) == sorted(complete)
    assert b"3 novembre" in (out / "synthese.json").read_bytes()  # rolled forward
    assert _leftovers(tmp_path) == []
    assert list(pending.glob("*.json")) == []


def test_a_running_write_is_not_recovered_by_another_command(tmp_path, monkeypatch):
    """A record whose lock is held belongs to a live command: recovery leaves it alone."""
    from bilan_core import outputs

    monkeypatch.setenv("BILAN_DATA_DIR", str(tmp_path / "data"))
    target = tmp_path / "out"
    with outputs._operation(target) as operation:
        (operation.staging / "a.txt").write_bytes(b"x")
        assert recover() == []
        assert operation.staging.is_dir()
    assert not operation.staging.exists()


@pytest.mark.parametrize("name", [".", "..", "a/b", ".bilan-output.json", "x\x00y"])
def test_output_file_names_cannot_leave_the_folder(tmp_path, monkeypatch, name):
    from bilan_core.errors import RunError
    from bilan_core.outputs import OutputFile, write_folder

    monkeypatch.setenv("BILAN_DATA_DIR", str(tmp_path / "data"))
    with pytest.raises(RunError, match="refused an output file name"):
        write_folder(tmp_path / "out", "D-1", [OutputFile(name, b"x")])
    assert not (tmp_path / "out").exists()
    assert _leftovers(tmp_path) == []


def test_a_damaged_manifest_is_a_located_error(bilan, pipeline_file, tmp_path):
    out = tmp_path / "out"
    assert bilan("-p", "no:journal", "run", pipeline_file(), "--output", out).code == 0
    (out / MANIFEST).write_text('{"format": "bilan-output", "dossier": "x", "files": '
                                '[{"name": "../../etc/passwd"}]}', "utf-8")
    result = bilan("-p", "no:journal", "run", pipeline_file(), "--output", out)
    assert result.code == 2
    assert f"{out / MANIFEST}: this output manifest is damaged" in result.err
    time.sleep(0)  # nothing else to wait for: the folder is left as it was
    assert (out / "dossier.json").is_file()


def test_writes_leave_no_lock_or_record_behind(bilan, pipeline_file, tmp_path):
    for n in range(3):
        assert bilan("-p", "no:journal", "run", pipeline_file(), "--output",
                     tmp_path / f"out{n}").code == 0
    data = Path(os.environ["BILAN_DATA_DIR"])
    assert [p for p in data.rglob("*") if p.is_file()] == []


def test_the_folder_is_checked_again_under_the_lock(pipeline_file, tmp_path):
    """Between the early check and the swap, another command may write the folder: the
    check made under the lock decides (no dossier is deleted without --replace)."""
    from bilan_core.outputs import _lock_folder

    env = {**os.environ, "BILAN_DISABLE_PLUGINS": "journal"}
    out = tmp_path / "out"
    held = _lock_folder(tmp_path)  # another command is writing in this folder
    try:
        other = pipeline_file(PIPELINE.replace("B-TEST-001", "B-TEST-002"), name="b.toml")
        process = subprocess.Popen([sys.executable, "-m", "bilan_core", "run", other,
                                    "--output", out], env=env, stderr=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, text=True)
        time.sleep(1.5)  # it has checked the (empty) folder and waits for the lock
        out.mkdir()
        (out / MANIFEST).write_text(json.dumps({
            "format": "bilan-output", "format_version": 1, "dossier": "B-TEST-001-20261102",
            "files": [{"name": "dossier.json"}]}), "utf-8")
        (out / "dossier.json").write_text("{}", "utf-8")
    finally:
        os.close(held)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2, err
    assert "holds dossier 'B-TEST-001-20261102'" in err
    assert (out / "dossier.json").read_text("utf-8") == "{}"


def test_commands_starting_together_do_not_trip_over_recovery(tmp_path):
    env = {**os.environ, "BILAN_DATA_DIR": str(tmp_path / "data")}
    processes = [subprocess.Popen([sys.executable, "-m", "bilan_core", "purge"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True) for _ in range(24)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in processes]
    assert all(code == 0 for code, _ in results), [r for r in results if r[0]]


def test_the_folders_above_a_new_output_folder_are_made_private(bilan, pipeline_file, tmp_path):
    target = tmp_path / "out" / "2026" / "dossier"
    result = bilan("run", pipeline_file(), "--output", target, "--format", "md")
    assert result.code == 0, result.err
    assert (target / "synthese.md").is_file()
    assert oct((tmp_path / "out" / "2026").stat().st_mode & 0o777) == "0o700"
