"""The first-party journal plugin: real SQLite files, and documents kept only with consent."""

from __future__ import annotations

import json
import os
import sqlite3
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


def _old_journal(tmp_path: Path, bilan, pipeline_file) -> tuple[Path, Path]:
    """A journal as the plugin wrote it before the store: one run with snapshots and a
    retention consent, one whose retention has ended, one outline without snapshot."""
    from bilan_core.model.serialize import dossier_to_json, read_dossier
    from bilan_journal.plugin import create

    path = pipeline_file(_with_marker(PIPELINE) + RETENTION)
    assert bilan("run", path, "--output", tmp_path / "out").code == 0
    state = dossier_to_json(read_dossier(tmp_path / "out" / "dossier.json"))
    journal = _journal()
    journal.parent.mkdir(parents=True, exist_ok=True)
    with create(journal) as db:
        for keep_until in ("2027-10-01", "2026-01-01"):
            run = db.execute("INSERT INTO run (dossier, beneficiary, pipeline, started, status,"
                             " keep_until) VALUES ('B-TEST-001-20261102', 'B-TEST-001', ?,"
                             " '2026-11-02T10:00:00+00:00', 'done', ?)",
                             (str(path), keep_until)).lastrowid
            db.execute("INSERT INTO snapshot (run, position, step, dossier_json) VALUES"
                       " (?, 1, 'action_plan', ?)", (run, state))
        db.execute("INSERT INTO run (dossier, beneficiary, pipeline, started, status)"
                   " VALUES ('B-TEST-002', 'B-TEST-002', 'ailleurs.toml',"
                   " '2026-11-03T10:00:00+00:00', 'running')")
    return journal, path


def test_runs_write_no_journal_now_that_the_store_keeps_dossiers(bilan, pipeline_file,
                                                                 tmp_path):
    path = pipeline_file(_with_marker(PIPELINE) + RETENTION)
    assert bilan("run", path, "--output", tmp_path / "out").code == 0
    assert not _journal().exists()
    result = bilan("journal", "list")
    assert result.code == 2 and "no journal here: runs are kept in the dossier store" in (
        result.err)


def test_import_moves_what_the_journal_kept_into_the_store_and_destroys_it(
        bilan, pipeline_file, tmp_path, monkeypatch):
    monkeypatch.setenv("BILAN_STORE", str(tmp_path / "store.sqlite"))
    journal, _path = _old_journal(tmp_path, bilan, pipeline_file)
    listed = bilan("journal", "list")
    assert "1 snapshots, kept until 2027-10-01" in listed.out
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    result = bilan("journal", "import", "--counsellor", "alice")
    assert result.code == 0, result.err
    assert "1 dossier imported into the store" in result.out
    assert "2 runs left out (no snapshot, or their retention has ended)" in result.out
    assert not journal.exists()
    dossier = result.out.splitlines()[0].split()[-1]
    shown = json.loads(bilan("dossier", "show", dossier, "--json").out)
    assert shown["steps_done"] == ["preparation", "needs_analysis", "skills_exploration",
                                   "career_options", "action_plan"]
    assert {c["kind"] for c in shown["consents"]} == {"bilan", "retention"}
    assert MARKER in bilan("dossier", "export", dossier).out
    rerun = bilan("run", "--dossier", dossier, "--format", "md")
    assert rerun.code == 0, rerun.err


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
        result = bilan("journal", "import", path, "--counsellor", "x")
        assert result.code == 2, result
        assert f"{path}: " in result.err and reason in result.err
        assert "Traceback" not in result.err and "internal error" not in result.err
    assert text.read_text(encoding="utf-8").startswith("pas une base")  # left untouched


def test_journal_section_is_gone(bilan, pipeline_file):
    path = pipeline_file(PIPELINE + '\n[plugin.journal]\npath = "journal.sqlite"\n')
    result = bilan("validate", path)
    assert result.code == 2
    assert "plugin 'journal' declares no settings" in result.err
