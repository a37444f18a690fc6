"""The dossier store on SQLite, through the real command line: a bilan that lives for weeks.

The PostgreSQL side (roles, row-level security, direct SQL) is in tests/system; these tests run
on every Python.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from conftest import PIPELINE

from bilan_core.store import schema
from bilan_core.store.core import ConcurrentChange, Store
from bilan_core.store.engine import create_engine, head_revision, migrate, store_url

MARKER_NOTE = "Zq8-demande-tres-confidentielle"
MARKER_ANSWER = "Zq8-reponse-libre-intime"


@pytest.fixture
def store_file(tmp_path, monkeypatch):
    """An SQLite store of the test's own, chosen by BILAN_STORE."""
    path = tmp_path / "store" / "bilan.sqlite"
    monkeypatch.setenv("BILAN_STORE", str(path))
    monkeypatch.delenv("BILAN_USER", raising=False)
    monkeypatch.delenv("BILAN_STORE_KEY", raising=False)
    monkeypatch.delenv("BILAN_STORE_KEY_FILE", raising=False)
    return path


@pytest.fixture
def counsellor(bilan, store_file):
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    return "alice"


def _pipeline(tmp_path: Path, extra: str = "", name: str = "pipeline.toml") -> Path:
    text = PIPELINE.replace("Faire le point après dix ans dans le même poste.", MARKER_NOTE)
    path = tmp_path / name
    path.write_text(text + textwrap.dedent(extra), encoding="utf-8")
    return path


def _new(bilan, path: Path, *args: str) -> str:
    result = bilan("dossier", "new", path, "--counsellor", "alice", *args)
    assert result.code == 0, result.err
    return result.out.split()[-1]


def _log(bilan, dossier: str, day: str, hours: str, step: str):
    return bilan("session", "log", dossier, "--date", day, "--hours", hours, "--step", step)


# -- the storage layer --------------------------------------------------------------------

def test_version_and_plugins_do_not_import_sqlalchemy(tmp_path):
    code = ("import sys; from bilan_core.cli import main; main(sys.argv[1:]);"
            " sys.stderr.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('sqlalchemy', 'alembic', 'psycopg', 'bilan_core')"
            " and ('store' in m or not m.startswith('bilan_core')))))")
    for args in (["--version"], ["plugins"]):
        env = {**os.environ, "BILAN_DATA_DIR": str(tmp_path)}
        result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                                text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip().endswith("[]"), (args, result.stderr[-300:])


def test_the_sqlite_file_is_private_in_wal_mode_with_secure_delete(bilan, counsellor,
                                                                   store_file):
    assert stat.S_IMODE(store_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(store_file.parent.stat().st_mode) == 0o700
    store = Store.open(str(store_file))
    with store.reading() as connection:
        pragma = {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                  for name in ("journal_mode", "secure_delete", "foreign_keys")}
    store.close()
    assert pragma == {"journal_mode": "wal", "secure_delete": 1, "foreign_keys": 1}


def test_the_default_store_is_in_the_private_data_folder(bilan, monkeypatch, tmp_path):
    monkeypatch.delenv("BILAN_STORE", raising=False)
    monkeypatch.setenv("BILAN_DATA_DIR", str(tmp_path / "data"))
    assert bilan("user", "add", "bob", "--role", "admin").code == 0
    assert stat.S_IMODE((tmp_path / "data" / "store.sqlite").stat().st_mode) == 0o600


def test_the_migrated_schema_has_exactly_the_described_tables(store_file, counsellor):
    store = Store.open(str(store_file))
    import sqlalchemy as sa

    with store.reading() as connection:
        inspector = sa.inspect(connection)
        found = {name: {c["name"] for c in inspector.get_columns(name)}
                 for name in inspector.get_table_names() if name != "alembic_version"}
    store.close()
    assert found == {table.name: {c.name for c in table.columns}
                     for table in schema.metadata.sorted_tables}


def test_an_older_store_is_migrated_after_a_backup(store_file, bilan):
    url = store_url(str(store_file))
    engine = create_engine(url)
    migrate(engine, url, target="0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO accounts (name, role, disabled, created_at, created_by) VALUES"
            " ('ancienne', 'counsellor', 0, '2026-01-01T00:00:00+00:00', 'owner')")
    engine.dispose()
    result = bilan("user", "list")
    assert result.code == 0, result.err
    assert "ancienne" in result.out
    assert f"migrating the store from revision 0001 to {head_revision()}" in result.err
    backups = list(store_file.parent.glob("bilan.sqlite.backup-0001-*"))
    assert len(backups) == 1 and stat.S_IMODE(backups[0].stat().st_mode) == 0o600
    with sqlite3.connect(backups[0]) as copy:
        assert copy.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)


def test_a_store_newer_than_the_code_is_refused(store_file, counsellor, bilan):
    with sqlite3.connect(store_file) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    result = bilan("dossier", "list")
    assert result.code == 2
    assert (f"schema revision 0099, newer than this bilan knows ({head_revision()}): upgrade"
            " bilan") in (
        result.err)
    assert "Traceback" not in result.err


@pytest.mark.parametrize(("url", "code", "expected"), [
    ("mysql://root@localhost/bilan", 2, "unknown kind of store 'mysql'"),
    ("postgresql://nobody@127.0.0.1:1/bilan", 1, "cannot reach the store"),
    ("sqlite://", 2, "a store is a file"),
])
def test_a_store_that_cannot_be_used_is_one_line(bilan, url, code, expected, monkeypatch):
    monkeypatch.setenv("BILAN_STORE", url)
    result = bilan("dossier", "list")
    assert result.code == code, result.err
    assert expected in result.err
    assert len(result.err.strip().splitlines()) == 1, result.err


def test_a_folder_or_a_file_that_is_not_a_store(bilan, tmp_path, monkeypatch):
    monkeypatch.setenv("BILAN_STORE", str(tmp_path))
    assert "a store is a file, this is a folder" in bilan("dossier", "list").err
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (x)")
    monkeypatch.setenv("BILAN_STORE", str(other))
    result = bilan("dossier", "list")
    assert result.code == 2 and "holds other tables and is not a bilan store" in result.err
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"not a database at all" * 100)
    monkeypatch.setenv("BILAN_STORE", str(garbage))
    result = bilan("dossier", "list")
    assert result.code == 2 and "cannot open the store" in result.err, result.err


def test_a_locked_store_is_a_one_line_error(bilan, counsellor, store_file, monkeypatch):
    monkeypatch.setenv("BILAN_STORE_TIMEOUT", "0.2")
    holder = sqlite3.connect(store_file, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = bilan("user", "add", "bob", "--role", "counsellor")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.code == 1
    assert "the store is busy (locked by another process for more than 0.2 s); try again" in (
        result.err)
    assert bilan("user", "add", "bob", "--role", "counsellor").code == 0


def test_a_read_only_store_is_a_one_line_error(bilan, counsellor, store_file, monkeypatch):
    monkeypatch.setenv("BILAN_STORE", f"sqlite:///file:{store_file}?mode=ro&uri=true")
    assert bilan("user", "list").code == 0
    result = bilan("user", "add", "bob", "--role", "counsellor")
    assert result.code == 2
    assert "the store is read-only for you" in result.err
    assert len(result.err.strip().splitlines()) == 1


# -- accounts ---------------------------------------------------------------------------

def test_accounts_added_listed_and_disabled(bilan, store_file, tmp_path, monkeypatch):
    password = tmp_path / "password"
    password.write_text("un mot de passe assez long\n", encoding="utf-8")
    assert bilan("user", "add", "admin1", "--role", "admin", "--password-file",
                 password).code == 0
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    result = bilan("user", "add", "alice", "--role", "counsellor")
    assert result.code == 2 and "the account 'alice' already exists" in result.err
    result = bilan("user", "add", "Robert'); DROP TABLE accounts;--", "--role", "admin")
    assert result.code == 2 and "an account name is 1 to 63 lowercase letters" in result.err
    short = tmp_path / "short"
    short.write_text("court\n", encoding="utf-8")
    result = bilan("user", "add", "carole", "--role", "counsellor", "--password-file", short)
    assert result.code == 2 and "at least 12 characters" in result.err
    listed = json.loads(bilan("user", "list", "--json").out)
    assert [(u["name"], u["role"], u["password"]) for u in listed] == [
        ("admin1", "admin", True), ("alice", "counsellor", False)]
    stored = sqlite3.connect(store_file).execute(
        "SELECT password_hash FROM accounts WHERE name = 'admin1'").fetchone()[0]
    assert stored.startswith("$argon2id$") and "long" not in stored

    monkeypatch.setenv("BILAN_USER", "alice")  # a counsellor may not manage accounts
    result = bilan("user", "add", "eve", "--role", "admin")
    assert result.code == 2 and "an administrator's right" in result.err
    monkeypatch.delenv("BILAN_USER")
    assert bilan("user", "disable", "alice").code == 0
    monkeypatch.setenv("BILAN_USER", "alice")
    result = bilan("dossier", "list")
    assert result.code == 2 and "the account 'alice' is disabled" in result.err
    monkeypatch.setenv("BILAN_USER", "mallory")
    result = bilan("dossier", "list")
    assert result.code == 2 and "no account 'mallory'" in result.err
    monkeypatch.delenv("BILAN_USER")
    actions = [(e["action"], json.loads(e["detail"]).get("account"))
               for e in json.loads(bilan("audit", "--json").out)]
    assert actions == [("account.add", "admin1"), ("account.add", "alice"),
                       ("account.disable", "alice")]


def test_on_sqlite_a_counsellor_sees_only_their_own_dossiers(bilan, counsellor, tmp_path,
                                                             monkeypatch):
    assert bilan("user", "add", "bruno", "--role", "counsellor").code == 0
    mine = _new(bilan, _pipeline(tmp_path))
    result = bilan("dossier", "new", _pipeline(tmp_path, name="b.toml"), "--counsellor",
                   "bruno")
    theirs = result.out.split()[-1]
    monkeypatch.setenv("BILAN_USER", "alice")
    listed = json.loads(bilan("dossier", "list", "--json").out)
    assert [d["id"] for d in listed] == [mine]
    for command in (("dossier", "show", theirs), ("dossier", "export", theirs),
                    ("audit", theirs), ("consent", "record", theirs, "--kind", "bilan"),
                    ("dossier", "close", theirs), ("run", "--dossier", theirs)):
        result = bilan(*command)
        assert result.code == 2, command
        assert f"no dossier '{theirs}' among yours" in result.err, command
    result = bilan("dossier", "new", _pipeline(tmp_path, name="c.toml"), "--counsellor",
                   "bruno")
    assert result.code == 2 and "a counsellor creates dossiers in their own name" in result.err


# -- dossiers over time -------------------------------------------------------------------

def test_a_bilan_over_weeks_from_creation_to_closing(bilan, counsellor, tmp_path):
    dossier = _new(bilan, _pipeline(tmp_path))
    listed = bilan("dossier", "list")
    assert dossier in listed.out and "B-TEST-001" in listed.out and "1 dossier" in listed.out
    assert _log(bilan, dossier, "2026-10-01", "2", "preparation").code == 0
    result = _log(bilan, dossier, "2026-10-08", "3", "needs_analysis")
    assert result.code == 0
    assert "5 h in all; 19 h remain under the ceiling" in result.out
    run = bilan("run", "--dossier", dossier, "--format", "json,md")
    assert run.code == 0, run.err
    assert "documents kept in the store" in run.out
    show = bilan("dossier", "show", dossier)
    assert "2 sessions" in show.out and "done" in show.out
    assert bilan("report", "--dossier", dossier, "--format", "html").code == 0
    export = json.loads(bilan("dossier", "export", dossier).out)
    assert export["format"] == "bilan-dossier-export"
    assert MARKER_NOTE in export["pipeline"]
    assert {d["name"] for d in export["documents"]} >= {"dossier.json", "synthese.md",
                                                       "synthese.html"}
    assert [(s["step"], float(s["hours"])) for s in export["sessions"]] == [
        ("preparation", 2.0), ("needs_analysis", 3.0)]
    closed = bilan("dossier", "close", dossier, "--date", "2026-11-20")
    assert closed.code == 0 and "its content was destroyed (no retention consent)" in closed.out
    gone = bilan("dossier", "export", dossier)
    assert gone.code == 2 and "its content was destroyed" in gone.err
    show = bilan("dossier", "show", dossier)
    assert show.code == 0 and "purged" in show.out and "2 sessions" in show.out
    actions = [e["action"] for e in json.loads(bilan("audit", dossier, "--json").out)]
    for action in ("dossier.create", "session.log", "dossier.run", "dossier.step",
                   "documents.save", "dossier.report", "dossier.export", "dossier.close",
                   "dossier.purge"):
        assert action in actions, action


def test_sessions_keep_the_ceiling_and_the_order_of_the_phases(bilan, counsellor, tmp_path):
    path = _pipeline(tmp_path).read_text("utf-8").replace(
        '[[consent]]\nkind = "bilan"\ngiven_on = 2026-10-01\n', "")
    (tmp_path / "pipeline.toml").write_text(path, "utf-8")
    dossier = _new(bilan, tmp_path / "pipeline.toml")
    result = _log(bilan, dossier, "2026-10-05", "2", "needs_analysis")
    assert result.code == 2
    assert "no session of the preliminary phase yet" in result.err
    assert _log(bilan, dossier, "2026-10-05", "2", "preparation").code == 0
    result = _log(bilan, dossier, "2026-10-06", "3", "needs_analysis")
    assert result.code == 2 and "needs the beneficiary's consent to the bilan" in result.err
    assert bilan("consent", "record", dossier, "--kind", "bilan", "--date",
                 "2026-10-05").code == 0
    assert _log(bilan, dossier, "2026-10-06", "10", "needs_analysis").code == 0
    assert _log(bilan, dossier, "2026-10-20", "10", "skills_exploration").code == 0
    result = _log(bilan, dossier, "2026-10-25", "1", "preparation")
    assert result.code == 2 and "would break the order of the phases" in result.err
    result = _log(bilan, dossier, "2026-10-27", "3", "action_plan")
    assert result.code == 2
    assert "3 h more would bring the bilan to 25 h" in result.err
    assert "2 h remain" in result.err
    result = _log(bilan, dossier, "2026-10-27", "1", "nowhere")
    assert result.code == 2 and "no step 'nowhere' in its plan" in result.err
    result = _log(bilan, dossier, "2026-10-27", "0", "action_plan")
    assert result.code == 2 and "expected hours above 0" in result.err
    assert "22 h in 3 sessions" in bilan("dossier", "list").out


def test_consents_recorded_and_revoked_with_who_and_when(bilan, counsellor, tmp_path):
    dossier = _new(bilan, _pipeline(tmp_path))
    result = bilan("consent", "record", dossier, "--kind", "retention", "--until",
                   "2028-06-01", "--date", "2026-11-20")
    assert result.code == 2 and "documents may be kept until 2027-11-20 at most" in result.err
    result = bilan("consent", "record", dossier, "--kind", "sharing")
    assert result.code == 2 and "a 'sharing' consent needs a recipient" in result.err
    assert bilan("consent", "record", dossier, "--kind", "sharing", "--recipient", "opco",
                 "--date", "2026-11-02").code == 0
    result = bilan("consent", "revoke", dossier, "--kind", "sharing", "--recipient", "opco",
                   "--date", "2999-01-01")
    assert result.code == 2 and "2999-01-01 is in the future" in result.err
    result = bilan("consent", "revoke", dossier, "--kind", "sharing", "--recipient", "opco",
                   "--date", "2026-11-01")
    assert result.code == 2 and ("a consent given on 2026-11-02 cannot be withdrawn on"
                                 " 2026-11-01, before it was given") in result.err
    assert bilan("consent", "revoke", dossier, "--kind", "sharing", "--recipient", "opco",
                 "--date", "2026-11-10").code == 0
    consents = json.loads(bilan("dossier", "show", dossier, "--json").out)["consents"]
    sharing = next(c for c in consents if c["kind"] == "sharing")
    assert sharing["recorded_by"] == sharing["revoked_by"] and sharing["revoked_on"] == (
        "2026-11-10")
    result = bilan("consent", "revoke", dossier, "--kind", "sharing")
    assert result.code == 2 and "no 'sharing' consent in force to revoke" in result.err
    actions = [(e["action"], json.loads(e["detail"]).get("kind"))
               for e in json.loads(bilan("audit", dossier, "--json").out)]
    assert ("consent.record", "sharing") in actions and ("consent.revoke", "sharing") in actions


def test_update_takes_new_notes_and_refuses_what_the_law_forbids(bilan, counsellor,
                                                                 tmp_path):
    path = _pipeline(tmp_path)
    dossier = _new(bilan, path)
    assert _log(bilan, dossier, "2026-10-01", "2", "preparation").code == 0
    assert _log(bilan, dossier, "2026-10-08", "3", "needs_analysis").code == 0
    edited = path.read_text("utf-8").replace(MARKER_NOTE, "Une demande précisée.")
    path.write_text(edited, "utf-8")
    result = bilan("dossier", "update", dossier, path)
    assert result.code == 0, result.err
    assert "notes" in result.out
    assert "Une demande précisée." in json.loads(bilan("dossier", "export", dossier).out)[
        "pipeline"]
    assert "2 sessions" in bilan("dossier", "show", dossier).out
    removed = edited.replace('[[steps]]\nid = "needs_analysis"\nhours = 3\n', "")
    path.write_text(removed, "utf-8")
    result = bilan("dossier", "update", dossier, path)
    assert result.code == 2
    assert "step 'needs_analysis' was already held; it cannot be removed" in result.err
    other = edited.replace('id = "B-TEST-001"', 'id = "B-AUTRE"')
    path.write_text(other, "utf-8")
    result = bilan("dossier", "update", dossier, path)
    assert result.code == 2 and "this pipeline is for beneficiary 'B-AUTRE'" in result.err
    too_long = edited.replace("hours = 5", "hours = 15")
    path.write_text(too_long, "utf-8")
    result = bilan("dossier", "update", dossier, path)
    assert result.code == 2 and "24" in result.err


FAILING_STEP = '''
from bilan_core import hookimpl
from bilan_core.components import StepDefinition
from bilan_core.model import Phase
from pathlib import Path

MARK = Path(__file__).with_name("fail-once")

def _run(dossier, step):
    if MARK.exists():
        raise RuntimeError("the step failed this time")
    return dossier

@hookimpl
def register_steps(register):
    register(StepDefinition(id="fragile", phase=Phase.INVESTIGATION, title="Étape fragile",
                            run=_run))
'''


def test_a_failing_step_keeps_the_earlier_ones_and_the_next_run_resumes(bilan, counsellor,
                                                                        tmp_path):
    (tmp_path / "fragile_step.py").write_text(FAILING_STEP, encoding="utf-8")
    (tmp_path / "fail-once").write_text("", encoding="utf-8")
    text = _pipeline(tmp_path).read_text("utf-8").replace(
        '[[steps]]\nid = "skills_exploration"',
        '[[steps]]\nid = "fragile"\nhours = 1\n\n[[steps]]\nid = "skills_exploration"')
    path = tmp_path / "pipeline.toml"
    path.write_text('plugins = ["fragile_step"]\n' + text, encoding="utf-8")
    dossier = _new(bilan, path)
    failed = bilan("run", "--dossier", dossier)
    assert failed.code == 1, failed.err
    assert "the step failed this time" in failed.err
    done = json.loads(bilan("dossier", "show", dossier, "--json").out)["steps_done"]
    assert done == ["preparation", "needs_analysis"]
    (tmp_path / "fail-once").unlink()
    resumed = bilan("run", "--dossier", dossier)
    assert resumed.code == 0, resumed.err
    steps = [json.loads(e["detail"]).get("step")
             for e in json.loads(bilan("audit", dossier, "--json").out)
             if e["action"] == "dossier.step"]
    assert steps == ["preparation", "needs_analysis", "fragile", "skills_exploration",
                     "career_options", "action_plan", "synthesis"]


def test_answers_are_saved_one_by_one_and_imported(bilan, counsellor, tmp_path,
                                                   store_file):
    dossier = _new(bilan, _pipeline(tmp_path))
    env = {**os.environ, "BILAN_STORE": str(store_file)}
    result = subprocess.run(
        [sys.executable, "-m", "bilan_core", "administer", "valeurs", "--dossier", dossier],
        input="4\n5\n9\n", capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "line for item" in result.stderr and "'9'" in result.stderr
    store = Store.open(str(store_file))
    saved = store.answers(dossier)["valeurs"]
    assert list(saved["answers"].values()) == [4, 5]
    store.close()
    both = bilan("administer", "valeurs", "--dossier", dossier, "--output", tmp_path / "x")
    assert both.code == 2 and "exactly one of the two" in both.err
    neither = bilan("administer", "valeurs")
    assert neither.code == 2 and "exactly one of the two" in neither.err

    responses = tmp_path / "reponses.toml"
    responses.write_text(textwrap.dedent('''\
        instrument = "valeurs"
        version = "1.0"
        beneficiary = "B-AUTRE"
        [answers]
        AUT1 = 3
    '''), encoding="utf-8")
    result = bilan("dossier", "answers", dossier, "--import", responses)
    assert result.code == 2, result.err
    assert "belong to beneficiary 'B-AUTRE'" in result.err


def test_the_audit_trail_cannot_be_rewritten(bilan, counsellor, tmp_path, store_file):
    _new(bilan, _pipeline(tmp_path))
    with sqlite3.connect(store_file) as connection:
        for statement in ("UPDATE audit SET actor = 'personne'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                connection.execute(statement)
        assert connection.execute("SELECT count(*) FROM audit").fetchone()[0] >= 2


def test_a_change_computed_from_an_older_version_is_refused(bilan, counsellor, tmp_path,
                                                            store_file):
    dossier = _new(bilan, _pipeline(tmp_path))
    store = Store.open(str(store_file))
    info, _text, state = store.content(dossier)
    assert _log(bilan, dossier, "2026-10-01", "2", "preparation").code == 0
    with pytest.raises(ConcurrentChange, match="changed by someone else since it was read"):
        store.save_state(dossier, state, info.version)
    store.close()


# -- the end of the bilan ----------------------------------------------------------------

def _raw(store_file: Path) -> bytes:
    return b"".join(p.read_bytes() for p in store_file.parent.iterdir() if p.is_file())


def _free_text_answer(store_file: Path, dossier: str) -> None:
    store = Store.open(str(store_file))
    store.start_administration(dossier, "notes-libres", "1.0")
    store.record_answer(dossier, "notes-libres", "q1", MARKER_ANSWER)
    store.close()


def test_closing_without_consent_leaves_no_byte_of_the_content(bilan, counsellor, tmp_path,
                                                               store_file):
    keep = _new(bilan, _pipeline(tmp_path))
    dossier = _new(bilan, _pipeline(tmp_path, name="other.toml"))
    assert bilan("run", "--dossier", dossier, "--format", "json,md,html").code == 0
    _free_text_answer(store_file, dossier)
    assert MARKER_NOTE.encode() in _raw(store_file)
    assert bilan("dossier", "close", dossier, "--date", "2026-11-20").code == 0
    raw = _raw(store_file)
    # The other dossier still holds the note; this one's answer is gone everywhere.
    assert MARKER_ANSWER.encode() not in raw
    assert MARKER_NOTE.encode() in raw  # the other dossier still holds its notes
    assert bilan("dossier", "delete", keep, "--yes").code == 0
    raw = _raw(store_file)
    assert MARKER_NOTE.encode() not in raw and MARKER_ANSWER.encode() not in raw
    assert b"B-TEST-001" not in raw
    with sqlite3.connect(store_file) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_retention_keeps_until_its_date_then_purge_destroys(bilan, counsellor, tmp_path,
                                                            store_file):
    dossier = _new(bilan, _pipeline(tmp_path))
    _free_text_answer(store_file, dossier)
    assert bilan("consent", "record", dossier, "--kind", "retention", "--until", "2027-06-01",
                 "--date", "2026-11-02").code == 0
    closed = bilan("dossier", "close", dossier, "--date", "2026-11-20")
    assert "kept until 2027-06-01" in closed.out
    assert bilan("purge", "--date", "2027-06-01").code == 0
    assert MARKER_ANSWER.encode() in _raw(store_file)
    purged = bilan("purge", "--date", "2027-06-02")
    assert purged.code == 0 and f"destroyed the content of dossier {dossier}" in purged.out
    raw = _raw(store_file)
    assert MARKER_ANSWER.encode() not in raw and MARKER_NOTE.encode() not in raw


def test_a_purge_also_removes_the_migration_backup(store_file, bilan, tmp_path):
    url = store_url(str(store_file))
    engine = create_engine(url)
    migrate(engine, url, target="0001")
    engine.dispose()
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    assert list(store_file.parent.glob("*.backup-*"))
    dossier = _new(bilan, _pipeline(tmp_path))
    result = bilan("dossier", "close", dossier, "--date", "2026-11-20")
    assert "removed the migration backup" in result.err
    assert not list(store_file.parent.glob("*.backup-*"))


# -- encryption at rest ------------------------------------------------------------------

def test_encryption_at_rest_and_key_rotation(bilan, counsellor, tmp_path, store_file,
                                             monkeypatch):
    dossier = _new(bilan, _pipeline(tmp_path))
    _free_text_answer(store_file, dossier)
    first, second = tmp_path / "first.key", tmp_path / "second.key"
    assert bilan("store", "new-key", first).code == 0
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert bilan("store", "new-key", first).code == 2  # never overwritten
    assert bilan("store", "new-key", second).code == 0
    rotated = bilan("store", "rotate-key", "--new-key-file", first)
    assert rotated.code == 0, rotated.err
    raw = _raw(store_file)
    assert MARKER_NOTE.encode() not in raw and MARKER_ANSWER.encode() not in raw

    result = bilan("dossier", "export", dossier)
    assert result.code == 2
    assert "the store's content is encrypted" in result.err
    assert "BILAN_STORE_KEY" in result.err
    monkeypatch.setenv("BILAN_STORE_KEY_FILE", str(second))
    result = bilan("dossier", "list")
    assert result.code == 2 and "is not the store's" in result.err
    monkeypatch.setenv("BILAN_STORE_KEY_FILE", str(first))
    assert MARKER_ANSWER in bilan("dossier", "export", dossier).out
    assert bilan("store", "rotate-key", "--new-key-file", second).code == 0
    monkeypatch.setenv("BILAN_STORE_KEY_FILE", str(second))
    assert MARKER_NOTE in bilan("dossier", "export", dossier).out
    assert "encrypted: yes" in bilan("store", "info").out
    open_key = tmp_path / "open.key"
    open_key.write_text(second.read_text())
    open_key.chmod(0o644)
    monkeypatch.setenv("BILAN_STORE_KEY_FILE", str(open_key))
    result = bilan("dossier", "list")
    assert result.code == 2 and "readable by its owner only" in result.err


def test_a_value_moved_to_another_row_fails_its_integrity_check(bilan, counsellor, tmp_path,
                                                                store_file, monkeypatch):
    one = _new(bilan, _pipeline(tmp_path))
    two = _new(bilan, _pipeline(tmp_path, name="two.toml"))
    key = tmp_path / "k.key"
    assert bilan("store", "new-key", key).code == 0
    assert bilan("store", "rotate-key", "--new-key-file", key).code == 0
    monkeypatch.setenv("BILAN_STORE_KEY_FILE", str(key))
    with sqlite3.connect(store_file) as connection:
        state = connection.execute("SELECT state FROM dossiers WHERE id = ?", (one,)).fetchone()
        connection.execute("UPDATE dossiers SET state = ? WHERE id = ?", (state[0], two))
    result = bilan("dossier", "export", two)
    assert result.code == 2 and "fails its integrity check" in result.err


def test_store_info_says_where_and_what(bilan, counsellor, store_file):
    info = bilan("store", "info")
    assert info.code == 0
    assert str(store_file) in info.out and f"schema revision: {head_revision()}" in info.out
    assert "encrypted: no" in info.out


def test_export_file_is_private_and_never_overwritten(bilan, counsellor, tmp_path):
    dossier = _new(bilan, _pipeline(tmp_path))
    target = tmp_path / "export.json"
    assert bilan("dossier", "export", dossier, "-o", target).code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert json.loads(target.read_text("utf-8"))["dossier"]["id"] == dossier
    assert bilan("dossier", "export", dossier, "-o", target).code == 2


def test_the_model_and_the_dates_of_a_new_dossier(bilan, counsellor, tmp_path, store_file):
    dossier = _new(bilan, _pipeline(tmp_path), "--date", "2026-11-05")
    info = Store.open(str(store_file)).info(dossier)
    assert info.reference_date == date(2026, 11, 5)
    assert info.counsellor == "alice" and info.status == "open" and info.version == 1


def test_a_copy_for_a_third_party_needs_consent_and_is_audited_as_a_share(bilan, counsellor,
                                                                         tmp_path):
    dossier = _new(bilan, _pipeline(tmp_path))
    assert bilan("run", "--dossier", dossier, "--format", "md").code == 0
    refused = bilan("report", "--dossier", dossier, "--recipient", "opco", "--format", "md")
    assert refused.code == 2 and "no sharing consent for 'opco'" in refused.err
    assert bilan("consent", "record", dossier, "--kind", "sharing", "--recipient", "opco",
                 "--date", "2026-11-02").code == 0
    shared = bilan("report", "--dossier", dossier, "--recipient", "opco", "--format", "md")
    assert shared.code == 0, shared.err
    trail = [(e["action"], json.loads(e["detail"])) for e in
             json.loads(bilan("audit", dossier, "--json").out)]
    shares = [detail for action, detail in trail if action == "dossier.share"]
    assert shares == [{"recipient": "opco", "documents": ["synthese-opco.md"]}]
    names = {d["name"] for d in json.loads(bilan("dossier", "export", dossier).out)[
        "documents"]}
    assert "synthese-opco.md" in names and "synthese.md" in names


def test_a_share_needs_a_consent_in_force_on_the_day_the_copy_is_made(bilan, counsellor,
                                                                     tmp_path):
    dossier = _new(bilan, _pipeline(tmp_path))
    assert bilan("run", "--dossier", dossier, "--format", "md").code == 0
    # Given before the reference date, revoked since: no copy today.
    assert bilan("consent", "record", dossier, "--kind", "sharing", "--recipient", "rh",
                 "--date", "2026-09-01").code == 0
    assert bilan("consent", "revoke", dossier, "--kind", "sharing", "--recipient", "rh",
                 "--date", date.today().isoformat()).code == 0
    refused = bilan("report", "--dossier", dossier, "--recipient", "rh", "--format", "md")
    assert refused.code == 2 and "no sharing consent for 'rh'" in refused.err
    # Given today, after the reference date: the copy is made.
    assert bilan("consent", "record", dossier, "--kind", "sharing", "--recipient", "cep").code == 0
    made = bilan("report", "--dossier", dossier, "--recipient", "cep", "--format", "md")
    assert made.code == 0, made.err


def test_session_dates_and_hours_are_checked(bilan, counsellor, tmp_path):
    dossier = _new(bilan, _pipeline(tmp_path))
    future = _log(bilan, dossier, "2999-01-01", "1", "preparation")
    assert future.code == 2 and "is in the future" in future.err
    old = _log(bilan, dossier, "2018-01-01", "24", "preparation")
    assert old.code == 2 and "more than a year before the bilan's reference date" in old.err
    far = _log(bilan, dossier, "9999-12-31", "1", "preparation")
    assert far.code == 2 and "expected a date from 1900-01-01 to 2999-12-31" in far.err
    for hours in ("1_0", "1e1", "nan", "-2", "25", "1.234"):
        result = _log(bilan, dossier, "2026-10-01", hours, "preparation")
        assert result.code == 2 and "expected hours above 0" in result.err, (hours, result.err)
    assert _log(bilan, dossier, "2026-10-01", "1,5", "preparation").code == 0


@pytest.mark.parametrize(("value", "expected"), [
    ("postgresql://u:secret@127.0.0.1:notaport/db", "not a store URL"),
    ("postgresql://u@127.0.0.1:99999/db", "not a store URL"),
    ("sqlite+pysqlcipher:///x.sqlite", "unknown kind of store"),
])
def test_store_urls_that_cannot_be_right(bilan, monkeypatch, value, expected):
    monkeypatch.setenv("BILAN_STORE", value)
    result = bilan("dossier", "list")
    assert result.code == 2 and expected in result.err, result.err
    assert "secret" not in result.err


def test_a_symbolic_link_or_a_loose_file_as_the_store(bilan, tmp_path, monkeypatch):
    link = tmp_path / "link.sqlite"
    link.symlink_to(tmp_path / "nowhere.sqlite")
    monkeypatch.setenv("BILAN_STORE", str(link))
    result = bilan("dossier", "list")
    assert result.code == 2 and "may not be a symbolic link" in result.err
    assert not (tmp_path / "nowhere.sqlite").exists()
    loose = tmp_path / "loose.sqlite"
    monkeypatch.setenv("BILAN_STORE", str(loose))
    assert bilan("dossier", "list").code == 0
    loose.chmod(0o644)
    assert bilan("dossier", "list").code == 0
    assert stat.S_IMODE(loose.stat().st_mode) == 0o600
    monkeypatch.setenv("BILAN_STORE_TIMEOUT", "nan")
    result = bilan("dossier", "list")
    assert result.code == 2 and "BILAN_STORE_TIMEOUT" in result.err


def test_a_purge_a_reader_holds_back_says_so(bilan, counsellor, tmp_path, store_file,
                                            monkeypatch):
    dossier = _new(bilan, _pipeline(tmp_path))
    monkeypatch.setenv("BILAN_STORE_TIMEOUT", "0.3")
    reader = sqlite3.connect(store_file, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM dossiers").fetchall()
    try:
        result = bilan("dossier", "close", dossier, "--date", "2026-11-20")
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    assert result.code == 1
    assert "another process reading the store keeps its old pages" in result.err
    assert bilan("purge", "--date", "2026-11-20").code == 0
    assert MARKER_NOTE.encode() not in _raw(store_file)


def test_a_store_whose_name_globs_still_loses_its_backup(bilan, tmp_path, monkeypatch):
    path = tmp_path / "cab[1].sqlite"
    monkeypatch.setenv("BILAN_STORE", str(path))
    url = store_url(str(path))
    engine = create_engine(url)
    migrate(engine, url, target="0001")
    engine.dispose()
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    assert list(tmp_path.iterdir()) != [path]
    dossier = _new(bilan, _pipeline(tmp_path))
    assert bilan("dossier", "close", dossier, "--date", "2026-11-20").code == 0
    assert not [p for p in tmp_path.iterdir() if ".backup-" in p.name]


def test_threads_writing_through_one_store_lose_nothing(bilan, counsellor, tmp_path,
                                                        store_file):
    import threading

    dossier = _new(bilan, _pipeline(tmp_path))
    store = Store.open(str(store_file))
    store.start_administration(dossier, "valeurs", "1.0")
    version = store.info(dossier).version
    errors: list[str] = []

    def write(n: int) -> None:
        try:
            for k in range(10):
                store.record_answer(dossier, "valeurs", f"T{n}-{k}", k % 5 + 1)
        except Exception as exc:  # reported below, with the thread's failure
            errors.append(repr(exc))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    saved = store.answers(dossier)["valeurs"]["answers"]
    assert len(saved) == 40 and store.info(dossier).version == version + 40
    store.close()


@pytest.mark.parametrize("hostile", ["x' OR '1'='1", "'; DROP TABLE dossiers; --",
                                     "\x1b]0;pwned\x07id", "../../etc/passwd", "é" * 200])
def test_hostile_ids_and_names_reach_nothing(bilan, counsellor, tmp_path, store_file,
                                             monkeypatch, hostile):
    dossier = _new(bilan, _pipeline(tmp_path))
    for command in (("dossier", "show", hostile), ("dossier", "export", hostile),
                    ("session", "log", hostile, "--date", "2026-10-01", "--hours", "1",
                     "--step", "preparation"),
                    ("consent", "record", hostile, "--kind", "bilan")):
        result = bilan(*command)
        assert result.code == 2, (command, result.err)
        assert "no dossier" in result.err and "\x1b" not in result.err, result.err
    # The owner may read the trail of a deleted dossier: an unknown id shows nothing.
    assert bilan("audit", hostile) == type(result)(0, "", "")
    result = bilan("consent", "record", dossier, "--kind", "sharing", "--recipient", hostile)
    assert result.code == 2 and "\x1b" not in result.err, result
    result = bilan("user", "add", hostile, "--role", "admin")
    assert result.code == 2 and "an account name is" in result.err
    monkeypatch.setenv("BILAN_USER", hostile)
    result = bilan("dossier", "list")
    assert result.code == 2 and "no account" in result.err and "\x1b" not in result.err
    monkeypatch.delenv("BILAN_USER")
    with sqlite3.connect(store_file) as connection:
        assert connection.execute("SELECT count(*) FROM dossiers").fetchone() == (1,)
        assert connection.execute("SELECT count(*) FROM consents").fetchone() == (1,)
