"""The journal plugin: lifecycle hooks write runs and dossier snapshots to SQLite.

Schema (created on first use)::

    run(id, dossier, beneficiary, pipeline, started, ended, status, keep_until)
    snapshot(run, position, step, dossier_json)   -- dossier after each step

``status`` is ``running`` until the run ends (``done``) or the process stops (it stays
``running``: the run was interrupted). Snapshots of a run without retention consent are deleted
when it ends.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import click

from bilan_core import hookimpl
from bilan_core.config.schema import Field, FilePath, Table
from bilan_core.model.serialize import dossier_to_json

PLUGIN_NAME = "journal"
DEFAULT_FILE = "bilan-journal.sqlite"

SECTION = Table({
    "path": Field(FilePath(must_exist=False), default=None,
                  help=f"the SQLite file, relative to the pipeline (default {DEFAULT_FILE})"),
}, help="the SQLite journal of runs")

SCHEMA = """
CREATE TABLE IF NOT EXISTS run (
    id INTEGER PRIMARY KEY,
    dossier TEXT NOT NULL,
    beneficiary TEXT NOT NULL,
    pipeline TEXT NOT NULL,
    started TEXT NOT NULL,
    ended TEXT,
    status TEXT NOT NULL,
    keep_until TEXT
);
CREATE TABLE IF NOT EXISTS snapshot (
    run INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    step TEXT NOT NULL,
    dossier_json TEXT NOT NULL,
    PRIMARY KEY (run, position)
);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def connect(path: Path) -> sqlite3.Connection:
    """Open (and create if needed) a journal file."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA foreign_keys = ON")
    connection.executescript(SCHEMA)
    return connection


class Journal:
    """The state of one run being journaled: which file, which run row."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.run_id: int | None = None
        self.position = 0


_current = Journal()


@hookimpl
def register_config_sections(register):  # type: ignore[no-untyped-def]
    register(SECTION)


@hookimpl
def pipeline_start(pipeline: Any, dossier: Any) -> None:
    """Open a run row."""
    configured = pipeline.options(PLUGIN_NAME).get("path")
    _current.path = configured or pipeline.file.parent / DEFAULT_FILE
    _current.position = 0
    with closing(connect(_current.path)) as db, db:
        cursor = db.execute(
            "INSERT INTO run (dossier, beneficiary, pipeline, started, status)"
            " VALUES (?, ?, ?, ?, 'running')",
            (dossier.id, dossier.beneficiary.id, str(pipeline.file), _now()))
        _current.run_id = cursor.lastrowid


@hookimpl
def step_end(step: Any, dossier: Any) -> None:
    """Save the dossier as the step left it."""
    if _current.path is None or _current.run_id is None:
        return
    _current.position += 1
    with closing(connect(_current.path)) as db, db:
        db.execute("INSERT INTO snapshot (run, position, step, dossier_json) VALUES (?, ?, ?, ?)",
                   (_current.run_id, _current.position, step.id, dossier_to_json(dossier)))


@hookimpl
def pipeline_end(pipeline: Any, dossier: Any) -> None:
    """Close the run; destroy its snapshots unless retention consent is recorded."""
    if _current.path is None or _current.run_id is None:
        return
    keep_until = dossier.retention.keep_until
    with closing(connect(_current.path)) as db, db:
        db.execute("UPDATE run SET ended = ?, status = 'done', keep_until = ? WHERE id = ?",
                   (_now(), keep_until.isoformat() if keep_until else None, _current.run_id))
        if keep_until is None:
            db.execute("DELETE FROM snapshot WHERE run = ?", (_current.run_id,))
    _current.run_id = None


def purge(path: Path, on: date) -> int:
    """Destroy the snapshots whose retention date has passed on ``on``; return how many runs."""
    with closing(connect(path)) as db, db:
        expired = [row[0] for row in db.execute(
            "SELECT id FROM run WHERE keep_until IS NOT NULL AND keep_until < ?",
            (on.isoformat(),))]
        for run_id in expired:
            db.execute("DELETE FROM snapshot WHERE run = ?", (run_id,))
            db.execute("UPDATE run SET keep_until = NULL WHERE id = ?", (run_id,))
    return len(expired)


def _journal_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise click.BadParameter(f"{value}: no such journal file")
    return path


@click.group("journal")
def journal_group() -> None:
    """Read and purge a journal of runs (plugin bilan-journal)."""


@journal_group.command("list")
@click.argument("journal_file", metavar="JOURNAL.sqlite")
def list_runs(journal_file: str) -> None:
    """List the runs of a journal, newest last."""
    with closing(connect(_journal_file(journal_file))) as db:
        rows = db.execute(
            "SELECT r.id, r.dossier, r.status, r.started, r.keep_until,"
            " (SELECT COUNT(*) FROM snapshot s WHERE s.run = r.id) FROM run r ORDER BY r.id"
        ).fetchall()
    for run_id, dossier, status, started, keep_until, snapshots in rows:
        kept = f"kept until {keep_until}" if keep_until else "documents destroyed"
        click.echo(f"{run_id:>4}  {dossier}  {status:<8} {started}  {snapshots} snapshots, {kept}")


@journal_group.command("purge")
@click.argument("journal_file", metavar="JOURNAL.sqlite")
@click.option("--date", "when", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Purge as of this date (default: today).")
def purge_runs(journal_file: str, when: datetime | None) -> None:
    """Destroy the snapshots whose retention date has passed."""
    count = purge(_journal_file(journal_file), when.date() if when else date.today())
    click.echo(f"purged the documents of {count} run(s)")


@hookimpl
def register_commands(cli):  # type: ignore[no-untyped-def]
    cli.add_command(journal_group)
