"""The journal plugin, replaced by the dossier store: it no longer writes anything.

Before the store, this plugin journaled every run, with a snapshot of the dossier after each
step when a retention consent allowed it. The store keeps dossiers over time now (``bilan
dossier``, ``bilan run --dossier``); ``bilan journal import`` moves what a journal recorded
into the store and destroys the journal. ``list`` and ``purge`` still read an old journal.

The journal was one SQLite file in bilan's private data folder (``BILAN_DATA_DIR``, by default
``~/.local/share/bilan``): ``journal/journal.sqlite``, the folder 0700 and the file 0600.
Schema (created on first use)::

    run(id, dossier, beneficiary, pipeline, started, ended, status, keep_until)
    snapshot(run, position, step, dossier_json)   -- dossier after each step

``status`` is ``running`` until the run ends (``done``) or the process stops (it stays
``running``: the run was interrupted). Snapshots are written only for a dossier with a
retention consent in force (R6313-7): a dossier without one leaves nothing but its run's
outline (pseudonymous ids, dates, status), however its run ends. ``secure_delete`` is on, so
the snapshots ``bilan journal purge`` destroys leave no readable trace in the file.
"""

from __future__ import annotations

import os
from contextlib import closing
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bilan_core import hookimpl
from bilan_core.cli import DATE
from bilan_core.errors import ConfigError, Location
from bilan_core.files import private_dir
from bilan_core.i18n import _, ngettext

if TYPE_CHECKING:
    import sqlite3

PLUGIN_NAME = "journal"
FILE_NAME = "journal.sqlite"

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
COLUMNS = {"run": {"id", "dossier", "beneficiary", "pipeline", "started", "ended", "status",
                   "keep_until"},
           "snapshot": {"run", "position", "step", "dossier_json"}}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def journal_path() -> Path:
    """The journal of this user, in the private data folder."""
    return private_dir(PLUGIN_NAME) / FILE_NAME


def _configure(connection: sqlite3.Connection) -> sqlite3.Connection:
    connection.execute("PRAGMA foreign_keys = ON")
    # Deleted content is overwritten with zeros, not left in free pages; the rollback journal
    # is deleted at each commit (never a WAL that keeps old pages after a delete).
    connection.execute("PRAGMA secure_delete = ON")
    connection.execute("PRAGMA journal_mode = DELETE")
    return connection


def create(path: Path) -> sqlite3.Connection:
    """Open the journal, creating it (0600) if needed."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    os.close(fd)
    import sqlite3  # only for 'bilan journal import': loading the plugin stays cheap

    connection = _configure(sqlite3.connect(path))
    connection.executescript(SCHEMA)
    return connection


def open_existing(path: Path) -> sqlite3.Connection:
    """Open a journal that must exist and be one; anything else is a located error."""
    import sqlite3

    from bilan_core.files import kind_of, path_problem

    try:
        info = os.stat(path)
    except OSError as exc:
        raise ConfigError(path_problem(exc, "journal file"), Location(file=path)) from None
    kind = kind_of(info.st_mode)
    if kind is not None:
        raise ConfigError(_("expected a journal file, found {kind}").format(kind=kind),
                          Location(file=path))
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
        _configure(connection)
        tables = {name: {row[1] for row in connection.execute(f"PRAGMA table_info({name})")}
                  for name in COLUMNS}
    except sqlite3.DatabaseError as exc:
        raise ConfigError(_("not a bilan journal: {error}").format(error=exc),
                          Location(file=path)) from None
    if tables != COLUMNS:
        connection.close()
        raise ConfigError(_("not a bilan journal (an SQLite file without the journal's"
                            " tables)"), Location(file=path))
    return connection


def purge(path: Path, on: date) -> int:
    """Destroy the snapshots whose retention date has passed on ``on``; return how many runs."""
    with closing(open_existing(path)) as db, db:
        expired = [row[0] for row in db.execute(
            "SELECT id FROM run WHERE keep_until IS NOT NULL AND keep_until < ?",
            (on.isoformat(),))]
        for run_id in expired:
            db.execute("DELETE FROM snapshot WHERE run = ?", (run_id,))
            db.execute("UPDATE run SET keep_until = NULL WHERE id = ?", (run_id,))
    return len(expired)


def _journal_file(value: str | None) -> Path:
    if value is None:
        path = journal_path()
        if not path.exists():
            from bilan_core.errors import UsageError

            raise UsageError(_("{file}: no journal here: runs are kept in the dossier store"
                               " now").format(file=path))
        return path
    return Path(value)


@click.group("journal", help=_("Import an old journal of runs into the dossier store, or read"
                               " and purge it (plugin bilan-journal, replaced by the store)."))
def journal_group() -> None:
    """Import an old journal of runs into the dossier store, or read and purge it."""


@journal_group.command("list", help=_("List the runs of the journal, newest last."))
@click.argument("journal_file", metavar="[JOURNAL.sqlite]", required=False)
def list_runs(journal_file: str | None) -> None:
    """List the runs of the journal, newest last."""
    with closing(open_existing(_journal_file(journal_file))) as db:
        rows = db.execute(
            "SELECT r.id, r.dossier, r.status, r.started, r.keep_until,"
            " (SELECT COUNT(*) FROM snapshot s WHERE s.run = r.id) FROM run r ORDER BY r.id"
        ).fetchall()
    for run_id, dossier, status, started, keep_until, snapshots in rows:
        kept = (_("kept until {date}").format(date=keep_until) if keep_until
                else _("documents destroyed"))
        # The English forms are the same (as the tests read them); a catalog gives each its own.
        count = ngettext("{n} snapshots", "{n} snapshots", snapshots).format(n=snapshots)
        click.echo(f"{run_id:>4}  {dossier}  {status:<8} {started}  {count}, {kept}")


@journal_group.command("purge", help=_("Destroy the snapshots whose retention date has"
                                        " passed."))
@click.argument("journal_file", metavar="[JOURNAL.sqlite]", required=False)
@click.option("--date", "when", type=DATE,
              help=_("Purge as of this date (default: today)."))
def purge_runs(journal_file: str | None, when: date | None) -> None:
    """Destroy the snapshots whose retention date has passed."""
    count = purge(_journal_file(journal_file), when or date.today())
    click.echo(ngettext("purged the documents of {n} run(s)",
                        "purged the documents of {n} run(s)", count).format(n=count))


def import_journal(path: Path, counsellor: str | None, on: date,
                   say: Any = click.echo) -> tuple[list[str], int]:
    """Move the runs a journal kept snapshots of into the store, as dossiers that can be
    resumed (``bilan run --dossier``): the last snapshot of each run, its consents, the
    pipeline file's text when it still exists. Runs whose retention has ended, and outlines
    without snapshot, are not moved. Returns the new dossier ids and the runs left out."""
    import os

    from bilan_core.cli import state
    from bilan_core.model.serialize import dossier_from_json

    store = state().store()
    imported, left = [], 0
    with closing(open_existing(path)) as db:
        runs = db.execute("SELECT id, pipeline, keep_until FROM run ORDER BY id").fetchall()
        for run_id, pipeline_path, keep_until in runs:
            last = db.execute("SELECT dossier_json FROM snapshot WHERE run = ? ORDER BY"
                              " position DESC LIMIT 1", (run_id,)).fetchone()
            if last is None or keep_until is None or date.fromisoformat(keep_until) < on:
                left += 1
                continue
            dossier = dossier_from_json(last[0], path)
            try:
                with open(pipeline_path, encoding="utf-8") as source:
                    text = source.read()
            except OSError:
                text = ""
            new_id = store.create(
                label=dossier.id, beneficiary=dossier.beneficiary.id,
                reference_date=dossier.reference_date,
                pipeline_path=os.path.realpath(pipeline_path) if text else None,
                pipeline_text=text, state=last[0], counsellor=counsellor,
                consents=[{"kind": c.kind.value, "given_on": c.given_on,
                           "recipient": c.recipient, "until": c.until}
                          for c in dossier.consents])
            say(_("run {run} ({dossier}) imported as dossier {id}").format(
                run=run_id, dossier=dossier.id, id=new_id))
            imported.append(new_id)
    return imported, left


@journal_group.command("import", help=_(
    "Move what the journal kept into the dossier store, then destroy the journal: each run"
    " with snapshots still within its retention becomes a dossier that 'bilan run --dossier'"
    " resumes."))
@click.argument("journal_file", metavar="[JOURNAL.sqlite]", required=False)
@click.option("--counsellor", metavar="ACCOUNT",
              help=_("The counsellor's account the dossiers are attributed to."))
@click.option("--keep-journal", is_flag=True, help=_("Do not delete the journal afterwards."))
def import_runs(journal_file: str | None, counsellor: str | None, keep_journal: bool) -> None:
    """Move what the journal kept into the dossier store, then destroy the journal."""
    path = _journal_file(journal_file)
    imported, left = import_journal(path, counsellor, date.today())
    click.echo(ngettext("{n} dossier imported into the store", "{n} dossiers imported into"
                        " the store", len(imported)).format(n=len(imported)))
    if left:
        click.echo(ngettext("{n} run left out (no snapshot, or its retention has ended)",
                            "{n} runs left out (no snapshot, or their retention has ended)",
                            left).format(n=left))
    if not keep_journal:
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        click.echo(_("journal {file} destroyed").format(file=path))


@hookimpl
def register_commands(cli):  # type: ignore[no-untyped-def]
    cli.add_command(journal_group)
