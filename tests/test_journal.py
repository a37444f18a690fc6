"""The first-party journal plugin: real SQLite files, and documents kept only with consent."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from conftest import PIPELINE

RETENTION = "\n[[consent]]\nkind = \"retention\"\ngiven_on = 2026-10-01\nuntil = 2027-10-01\n"
MARKER = "Marqueur-confidentiel-7f3a"


def _journal() -> Path:
    return Path(os.environ["BILAN_DATA_DIR"]) / "journal" / "journal.sqlite"


def _rows(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def _with_marker(text: str) -> str:
    return text.replace("Faire le point après dix ans dans le même poste.", MARKER)


def test_journal_is_private_and_keeps_no_snapshot_without_retention_consent(
        bilan, pipeline_file, tmp_path):
    path = pipeline_file(_with_marker(PIPELINE))
    result = bilan("run", path, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    journal = _journal()
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal.parent.stat().st_mode) == 0o700
    assert not (tmp_path / "bilan-journal.sqlite").exists()  # nothing beside the pipeline
    assert _rows(journal, "SELECT dossier, beneficiary, status, keep_until FROM run") == [
        ("B-TEST-001-20261102", "B-TEST-001", "done", None)]
    assert _rows(journal, "SELECT COUNT(*) FROM snapshot") == [(0,)]
    raw = b"".join(p.read_bytes() for p in journal.parent.iterdir())
    assert MARKER.encode() not in raw


def test_snapshots_kept_until_the_retention_date_then_purged_without_trace(
        bilan, pipeline_file, tmp_path):
    path = pipeline_file(_with_marker(PIPELINE) + RETENTION)
    assert bilan("run", path, "--output", tmp_path / "out").code == 0
    journal = _journal()
    steps = _rows(journal, "SELECT step FROM snapshot ORDER BY position")
    assert [s for (s,) in steps] == ["preparation", "needs_analysis", "skills_exploration",
                                     "career_options", "action_plan"]
    assert MARKER.encode() in journal.read_bytes()
    listed = bilan("journal", "list")
    assert "5 snapshots, kept until 2027-10-01" in listed.out

    assert "purged the documents of 0 run(s)" in bilan(
        "journal", "purge", "--date", "2027-10-01").out
    assert "purged the documents of 1 run(s)" in bilan(
        "journal", "purge", journal, "--date", "2027-10-02").out
    assert _rows(journal, "SELECT COUNT(*) FROM snapshot") == [(0,)]
    assert "documents destroyed" in bilan("journal", "list").out
    # secure_delete: the deleted snapshots are not left readable in free pages or a journal.
    leftovers = b"".join(p.read_bytes() for p in journal.parent.iterdir())
    assert MARKER.encode() not in leftovers


def test_interrupted_run_stays_marked_running(bilan, pipeline_file, tmp_path):
    (tmp_path / "crash_journal.py").write_text(
        "from bilan_core import hookimpl\n\n@hookimpl\ndef career_options(dossier):\n"
        "    raise RuntimeError('panne')\n", encoding="utf-8")
    path = pipeline_file('plugins = ["crash_journal"]\n' + PIPELINE + RETENTION)
    result = bilan("run", path, "--output", tmp_path / "out")
    assert result.code == 1
    assert "plugin 'crash_journal'" in result.err
    journal = _journal()
    assert _rows(journal, "SELECT status FROM run") == [("running",)]
    assert _rows(journal, "SELECT step FROM snapshot ORDER BY position") == [
        ("preparation",), ("needs_analysis",), ("skills_exploration",)]


def test_missing_journal_file_is_a_located_error(bilan, tmp_path):
    result = bilan("journal", "list", tmp_path / "absent.sqlite")
    assert result.code == 2
    assert "absent.sqlite: journal file not found" in result.err


def test_a_file_that_is_not_a_journal_is_a_located_error(bilan, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("pas une base de données\n" * 100, encoding="utf-8")
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    for path, reason in ((text, "not a bilan journal"), (other, "not a bilan journal"),
                         (tmp_path, "found a directory")):
        result = bilan("journal", "purge", path)
        assert result.code == 2, result
        assert f"{path}: " in result.err and reason in result.err
        assert "Traceback" not in result.err and "internal error" not in result.err
    assert text.read_text(encoding="utf-8").startswith("pas une base")  # left untouched


def test_journal_section_is_gone(bilan, pipeline_file):
    path = pipeline_file(PIPELINE + '\n[plugin.journal]\npath = "journal.sqlite"\n')
    result = bilan("validate", path)
    assert result.code == 2
    assert "plugin 'journal' declares no settings" in result.err
