"""The first-party journal plugin: real SQLite files, and documents kept only with consent."""

from __future__ import annotations

import sqlite3

from conftest import PIPELINE

RETENTION = "\n[[consent]]\nkind = \"retention\"\ngiven_on = 2026-10-01\nuntil = 2027-10-01\n"


def _rows(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_run_is_journaled_and_snapshots_destroyed_without_retention_consent(
        bilan, pipeline_file, tmp_path):
    path = pipeline_file(PIPELINE + '\n[plugin.journal]\npath = "journal.sqlite"\n')
    result = bilan("run", path, "--output", tmp_path / "out")
    assert result.code == 0, result.err
    journal = tmp_path / "journal.sqlite"
    assert _rows(journal, "SELECT dossier, beneficiary, status, keep_until FROM run") == [
        ("B-TEST-001-20261102", "B-TEST-001", "done", None)]
    assert _rows(journal, "SELECT COUNT(*) FROM snapshot") == [(0,)]


def test_snapshots_kept_until_the_retention_date_then_purged(bilan, pipeline_file, tmp_path):
    path = pipeline_file(PIPELINE + RETENTION)
    assert bilan("run", path, "--output", tmp_path / "out").code == 0
    journal = tmp_path / "bilan-journal.sqlite"  # the default name, beside the pipeline
    steps = _rows(journal, "SELECT step FROM snapshot ORDER BY position")
    assert [s for (s,) in steps] == ["preparation", "needs_analysis", "skills_exploration",
                                     "career_options", "action_plan"]
    listed = bilan("journal", "list", journal)
    assert "5 snapshots, kept until 2027-10-01" in listed.out

    assert "purged the documents of 0 run(s)" in bilan(
        "journal", "purge", journal, "--date", "2027-10-01").out
    assert "purged the documents of 1 run(s)" in bilan(
        "journal", "purge", journal, "--date", "2027-10-02").out
    assert _rows(journal, "SELECT COUNT(*) FROM snapshot") == [(0,)]
    assert "documents destroyed" in bilan("journal", "list", journal).out


def test_interrupted_run_stays_marked_running(bilan, pipeline_file, tmp_path):
    (tmp_path / "crash.py").write_text(
        "from bilan_core import hookimpl\n\n@hookimpl\ndef career_options(dossier):\n"
        "    raise RuntimeError('panne')\n", encoding="utf-8")
    path = pipeline_file('plugins = ["crash"]\n' + PIPELINE + RETENTION)
    result = bilan("run", path, "--output", tmp_path / "out")
    assert result.code == 1
    assert "plugin 'crash'" in result.err
    journal = tmp_path / "bilan-journal.sqlite"
    assert _rows(journal, "SELECT status FROM run") == [("running",)]
    assert _rows(journal, "SELECT step FROM snapshot ORDER BY position") == [
        ("preparation",), ("needs_analysis",), ("skills_exploration",)]


def test_missing_journal_file_is_a_usage_error(bilan, tmp_path):
    result = bilan("journal", "list", tmp_path / "absent.sqlite")
    assert result.code == 2
    assert "no such journal file" in result.err
