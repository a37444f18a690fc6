"""The dossier store beside the bare database driver running the same statements, on SQLite and
PostgreSQL: recording one answer, opening a dossier, listing 10,000 dossiers.

    python benchmarks/store.py [--quick] [--repeat 200] [--list-repeat 10] [--dossiers 10000]
                               [--sqlite-dir DIR] [--no-postgres] [--show-sql] [--profile]
                               [--json]

Each operation runs through :class:`bilan_core.store.core.Store` as the command line uses it
(a counsellor's account, one store per command keeping its one connection: the engine's pool of
one) and, in the same run and interleaved with it, through the driver alone on one connection
kept open (``sqlite3`` with the store's PRAGMAs, psycopg 3 with the store's connection
parameters and its default automatic preparation, and no pre-ping, as the store's pool), with
the same SQL in the same transactions: ``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR UPDATE``
on PostgreSQL. Then, for information, the driver runs the same statements with a new
connection per transaction (what the store did before its pool). Before timing, the script
traces the store and the driver on a new connection each (SQLite's trace callback, libpq's
protocol trace) and checks that they send the same statements, and on PostgreSQL prepare the
same ones; ``--show-sql`` prints them.

PostgreSQL is reached on ``BILAN_TEST_PGHOST``:``BILAN_TEST_PGPORT`` as ``BILAN_TEST_PGUSER``
(default 127.0.0.1:5432, postgres, trust authentication, as for the tests); the script creates a
database and a counsellor role with unique names and drops them at the end. When the server
does not answer, PostgreSQL is skipped with a note.

The goal is for each operation to take at most twice its driver baseline (one kept connection
each); the figures are reported, never asserted: the script exits 0 whatever they are.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import difflib
import functools
import gc
import io
import json
import os
import platform
import pstats
import re
import secrets
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

# The store reads these; the benchmark makes its own store, unencrypted, used by its owner and
# by one counsellor account.
for _name in ("BILAN_STORE", "BILAN_STORE_KEY", "BILAN_STORE_KEY_FILE", "BILAN_USER"):
    os.environ.pop(_name, None)

import sqlalchemy as sa  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bilan_core.store import schema as t  # noqa: E402
from bilan_core.store.core import Store  # noqa: E402

GOAL = 2.0
INSTRUMENT = "riasec"
INSTRUMENT_VERSION = "1.0"
VALUE = 4  # the answer recorded (a Likert point), its seconds below
SECONDS = 3.2
PLAIN = b"P1"  # how an unencrypted store keeps a value (bilan_core.store.crypto)
PG_HOST = os.environ.get("BILAN_TEST_PGHOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BILAN_TEST_PGPORT", "5432"))
PG_ADMIN = os.environ.get("BILAN_TEST_PGUSER", "postgres")

#: A dossier's content as the store keeps it: its pipeline file and its state (JSON).
PIPELINE_TEXT = ("reference_date = 2026-11-02\n\n[beneficiary]\nid = \"B-BENCH\"\n"
                 "status = \"private_employee\"\ncpf_balance = \"1200.00\"\n\n"
                 + "".join(f"[[steps]]\nid = \"step_{n}\"\nhours = 2\n"
                           f"notes = \"{'entretien de suivi ' * 3}\"\n\n" for n in range(8)))
STATE_TEXT = json.dumps({
    "beneficiary": {"id": "B-BENCH", "status": "private_employee"},
    "steps_done": [{"id": f"step_{n}", "phase": "investigation",
                    "notes": "entretien de suivi, pistes à explorer " * 3} for n in range(8)],
    "results": {letter: {"raw": 31, "t": 57.5, "percentile": 76} for letter in "RIASEC"},
})

_COLUMNS = ("dossiers.id, dossiers.counsellor, dossiers.label, dossiers.beneficiary,"
            " dossiers.status, dossiers.version, dossiers.reference_date, dossiers.created_at,"
            " dossiers.updated_at, dossiers.closed_at, dossiers.keep_until,"
            " dossiers.pipeline_path")


def _sql(p: str, v: str = "", i: str = "", lock: str = "") -> dict[str, str]:
    """The statements the store sends, in one driver's parameter style: ``p`` a parameter,
    ``v`` and ``i`` the casts SQLAlchemy adds to text and integer parameters on PostgreSQL,
    ``lock`` the locking clause of the read that precedes a write (PostgreSQL)."""
    # Store.dossiers(): every dossier's totals from one grouped pass over the sessions, joined
    totals = (f", coalesce(totals.hours, {p}{i}) AS hours,"
              f" coalesce(totals.sessions, {p}{i}) AS sessions FROM dossiers"
              " LEFT OUTER JOIN (SELECT sessions.dossier_id AS dossier_id,"
              " sum(sessions.hours) AS hours, count(*) AS sessions FROM sessions"
              " GROUP BY sessions.dossier_id) AS totals ON totals.dossier_id = dossiers.id")
    # Store._visible(full=True): one dossier's totals from correlated subqueries
    own = "FROM sessions WHERE sessions.dossier_id = dossiers.id"
    subqueries = (f", (SELECT coalesce(sum(sessions.hours), {p}{i}) AS coalesce_1 {own})"
                  f" AS hours, (SELECT count(*) AS count_1 {own}) AS sessions")
    visible = (f"SELECT {_COLUMNS} FROM dossiers WHERE dossiers.id = {p}{v}"
               f" AND dossiers.counsellor = {p}{v}")
    return {
        # Store._visible(lock=True): the dossier's record, if it is the counsellor's, locked
        # by the same SELECT on PostgreSQL (SQLite's BEGIN IMMEDIATE holds the whole store)
        "locked": visible + lock,
        # Store._visible(): the same, unlocked
        "visible": visible,
        # Store.record_answer(): Store._upsert_answer()
        "upsert_answer": ("INSERT INTO answers (dossier_id, instrument, item, value, seconds,"
                          f" answered_at) VALUES ({p}{v}, {p}{v}, {p}{v}, {p}, {p}, {p}{v})"
                          " ON CONFLICT (dossier_id, instrument, item) DO UPDATE SET"
                          " value = excluded.value, seconds = excluded.seconds,"
                          " answered_at = excluded.answered_at"),
        # Store._changed(): the version bump
        "bump": (f"UPDATE dossiers SET version={p}{i}, updated_at={p}{v}"
                 f" WHERE dossiers.id = {p}{v} AND dossiers.version = {p}{i}"),
        # Store.info(): Store._visible(full=True), the record with its hours and sessions
        "info": (f"SELECT {_COLUMNS}{subqueries} FROM dossiers WHERE dossiers.id = {p}{v}"
                 f" AND dossiers.counsellor = {p}{v}"),
        # Store.content(): the content, then the audited read
        "content": f"SELECT dossiers.pipeline, dossiers.state FROM dossiers"
                   f" WHERE dossiers.id = {p}{v}",
        "audit": ("INSERT INTO audit (at, actor, action, dossier_id, detail)"
                  f" VALUES ({p}{v}, {p}{v}, {p}{v}, {p}{v}, {p}{v})"
                  + (" RETURNING audit.id" if v else "")),
        # Store.dossiers(): every dossier of the counsellor, newest first
        "list": (f"SELECT {_COLUMNS}{totals} WHERE dossiers.counsellor = {p}{v}"
                 " ORDER BY dossiers.created_at DESC, dossiers.id"),
    }


def now() -> str:
    """The current moment as the store writes it."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


# -- the bare driver ------------------------------------------------------------------------

class Driver:
    """One backend's driver, connected as the store's engine connects, running the store's
    SQL in the store's transactions."""

    def __init__(self, sql: dict[str, str], actor: str, dossier: str) -> None:
        self.sql = sql
        self.actor = actor
        self.dossier = dossier

    def connect(self, trace: Callable[[Any], object] | None = None) -> Any:
        """A new connection set as the store's engine sets its own; ``trace`` sees it
        first."""
        raise NotImplementedError

    def begin(self, connection: Any, write: bool) -> None:
        raise NotImplementedError

    def record_answer(self, connections: Connections, item: str) -> None:
        """What Store.record_answer does: one write transaction."""
        sealed = PLAIN + json.dumps(VALUE).encode()
        with connections.transaction(write=True) as db:
            row = db.execute(self.sql["locked"], (self.dossier, self.actor)).fetchone()
            if row is None or row[4] != "open":
                raise RuntimeError(f"dossier {self.dossier} not open for {self.actor}")
            db.execute(self.sql["upsert_answer"], (self.dossier, INSTRUMENT, item, sealed,
                                                   SECONDS, now()))
            version = row[5]
            if db.execute(self.sql["bump"], (version + 1, now(), self.dossier,
                                             version)).rowcount != 1:
                raise RuntimeError("concurrent change")

    def open_dossier(self, connections: Connections) -> tuple[Any, str, str]:
        """What Store.info then Store.content do: a read transaction, then a write one."""
        with connections.transaction(write=False) as db:
            info = db.execute(self.sql["info"], (0, self.dossier, self.actor)).fetchone()
            if info is None:
                raise RuntimeError(f"dossier {self.dossier} not visible to {self.actor}")
        with connections.transaction(write=True) as db:
            row = db.execute(self.sql["visible"], (self.dossier, self.actor)).fetchone()
            if row is None or row[4] == "purged":
                raise RuntimeError(f"dossier {self.dossier} not readable by {self.actor}")
            pipeline, state = db.execute(self.sql["content"], (self.dossier,)).fetchone()
            cursor = db.execute(self.sql["audit"], (now(), self.actor, "dossier.read",
                                                    self.dossier, "{}"))
            if self.sql["audit"].endswith("RETURNING audit.id"):
                cursor.fetchone()
        return info, bytes(pipeline)[2:].decode(), bytes(state)[2:].decode()

    def list_dossiers(self, connections: Connections) -> list[Any]:
        """What Store.dossiers does: one read transaction."""
        with connections.transaction(write=False) as db:
            rows: list[Any] = db.execute(self.sql["list"], (0, 0, self.actor)).fetchall()
        return rows


class SQLiteDriver(Driver):
    def __init__(self, sql: dict[str, str], actor: str, dossier: str, arguments: tuple[
            list[Any], dict[str, Any]], setup: list[str]) -> None:
        super().__init__(sql, actor, dossier)
        self.arguments = arguments  # what SQLAlchemy passes to sqlite3.connect
        self.setup = setup  # what the store's engine runs on every new connection

    def connect(self, trace: Callable[[Any], object] | None = None) -> Any:
        args, kwargs = self.arguments
        connection = sqlite3.connect(*args, **kwargs)
        if trace is not None:
            trace(connection)
        connection.isolation_level = None  # as engine._sqlite_connect: we begin ourselves
        cursor = connection.cursor()
        for statement in self.setup:
            cursor.execute(statement)
        cursor.close()
        return connection

    def begin(self, connection: Any, write: bool) -> None:
        # as engine._sqlite_begin
        connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")


class PostgresDriver(Driver):
    def __init__(self, sql: dict[str, str], actor: str, dossier: str,
                 arguments: dict[str, Any]) -> None:
        super().__init__(sql, actor, dossier)
        self.arguments = arguments  # what SQLAlchemy passes to psycopg.connect

    def connect(self, trace: Callable[[Any], object] | None = None) -> Any:
        import psycopg

        # psycopg's defaults, as under SQLAlchemy: a statement run five times on a connection
        # is then prepared on the server, for the store and the driver alike.
        connection = psycopg.connect(**self.arguments)
        if trace is not None:
            trace(connection)
        return connection

    def begin(self, connection: Any, write: bool) -> None:
        pass  # psycopg sends BEGIN before the first statement, as under SQLAlchemy


class Connections:
    """Where a driver's transactions run: one connection kept open, as the store's pool of
    one keeps its own (handed out as it is, without a pre-ping), or with ``kept=False`` a new
    connection per transaction, closed after it."""

    def __init__(self, driver: Driver, *, kept: bool = True,
                 trace: Callable[[Any], object] | None = None) -> None:
        self.driver = driver
        self.trace = trace
        self.connection = driver.connect(trace) if kept else None

    @contextlib.contextmanager
    def transaction(self, write: bool) -> Iterator[Any]:
        kept = self.connection is not None
        connection = self.connection if kept else self.driver.connect(self.trace)
        try:
            self.driver.begin(connection, write)
            try:
                yield connection
            except BaseException:
                connection.rollback()
                raise
            connection.commit()
        finally:
            if not kept:
                connection.close()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _libpq_trace(connection: Any, file: Any) -> None:
    from psycopg import pq

    connection.pgconn.trace(file.fileno())
    connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)


# -- setting a store up ---------------------------------------------------------------------

@dataclasses.dataclass
class Setup:
    """A store with one counsellor and ``count`` dossiers, and the driver beside it."""

    backend: str  # "sqlite" or "postgresql"
    store: Store  # opened by the counsellor
    driver: Driver
    count: int
    sessions: int
    seconds: float  # to make it all
    where: str
    version: str


def _fill(owner: Store, counsellor: str, count: int) -> int:
    """``count`` dossiers of ``counsellor`` (three sessions each), inserted in bulk through
    SQLAlchemy Core as the store's owner; the number of sessions."""
    pipeline = PLAIN + PIPELINE_TEXT.encode()
    state = PLAIN + STATE_TEXT.encode()
    start = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    dossiers, sessions = [], []
    for n in range(count):
        moment = (start + timedelta(minutes=n)).isoformat(timespec="microseconds")
        dossier_id = f"b{n:09x}"
        dossiers.append({
            "id": dossier_id, "counsellor": counsellor, "label": "bilan-standard",
            "beneficiary": f"B-{n:06d}", "status": "open", "version": 1,
            "reference_date": date(2026, 1, 5) + timedelta(days=n % 300), "created_at": moment,
            "updated_at": moment, "closed_at": None, "keep_until": None,
            "pipeline_path": f"/srv/bilans/B-{n:06d}/pipeline.toml", "pipeline": pipeline,
            "state": state})
        for k, (step, phase) in enumerate((("preparation", "preliminary"),
                                           ("needs_analysis", "preliminary"),
                                           ("interests", "investigation"))):
            sessions.append({
                "dossier_id": dossier_id, "held_on": date(2026, 1, 6) + timedelta(days=7 * k),
                "hours": Decimal("2.00"), "step": step, "phase": phase, "modality": "presentiel",
                "recorded_by": counsellor, "recorded_at": moment})
    if dossiers:
        with owner.writing() as connection:
            connection.execute(t.dossiers.insert(), dossiers)
            connection.execute(t.sessions.insert(), sessions)
    return len(sessions)


def _new_dossier(store: Store) -> str:
    """The dossier the single-row operations use, made by the counsellor through the store."""
    dossier_id = store.create(label="bilan-standard", beneficiary="B-BENCH",
                              reference_date=date(2026, 11, 2),
                              pipeline_path="/srv/bilans/B-BENCH/pipeline.toml",
                              pipeline_text=PIPELINE_TEXT, state=STATE_TEXT)
    store.start_administration(dossier_id, INSTRUMENT, INSTRUMENT_VERSION)
    return dossier_id


def _sqlite_connection_settings(store: Store, dossier: str) -> tuple[
        tuple[list[Any], dict[str, Any]], list[str]]:
    """What the store's engine passes to sqlite3.connect, and the statements it runs on every
    new connection (traced during one read, on a new connection)."""
    seen: dict[str, Any] = {}
    traced: list[str] = []

    def do_connect(dialect: Any, record: Any, cargs: list[Any], cparams: dict[str, Any]) -> Any:
        seen["arguments"] = (list(cargs), dict(cparams))
        connection = sqlite3.connect(*cargs, **cparams)
        connection.set_trace_callback(traced.append)
        return connection

    store.engine.dispose()  # the pool keeps a connection: make it open a new one
    event.listen(store.engine, "do_connect", do_connect)
    try:
        store.info(dossier)
    finally:
        event.remove(store.engine, "do_connect", do_connect)
        store.engine.dispose()  # untraced from now on
    begin = next(n for n, statement in enumerate(traced) if statement.startswith("BEGIN"))
    return seen["arguments"], traced[:begin]


def _postgres_connection_settings(store: Store, dossier: str) -> dict[str, Any]:
    """What the store's engine passes to psycopg.connect (without SQLAlchemy's adapters)."""
    seen: dict[str, Any] = {}

    def do_connect(dialect: Any, record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
        assert not cargs, cargs
        seen.update({k: v for k, v in cparams.items() if k != "context"})

    store.engine.dispose()  # the pool keeps a connection: make it open a new one
    event.listen(store.engine, "do_connect", do_connect)
    try:
        store.info(dossier)
    finally:
        event.remove(store.engine, "do_connect", do_connect)
    return seen


@contextlib.contextmanager
def sqlite_setup(count: int, folder: str | None) -> Iterator[Setup]:
    """An SQLite store in a temporary folder (of ``folder`` if given), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="bilan-bench-", dir=folder) as temporary:
        path = Path(temporary) / "store.sqlite"
        counsellor = "bench"
        started = time.perf_counter()
        with Store.open(str(path)) as owner:
            owner.add_user(counsellor, "counsellor")
            sessions = _fill(owner, counsellor, count - 1)
        store = Store.open(str(path), user=counsellor)
        try:
            dossier = _new_dossier(store)
            seconds = time.perf_counter() - started
            arguments, setup = _sqlite_connection_settings(store, dossier)
            driver = SQLiteDriver(_sql("?"), counsellor, dossier, arguments, setup)
            yield Setup("sqlite", store, driver, count, sessions, seconds,
                        f"{path} ({_filesystem(path)})", f"SQLite {sqlite3.sqlite_version}")
        finally:
            store.close()


def _filesystem(path: Path) -> str:
    """The type of the file system holding ``path`` (Linux), where fsync costs differ."""
    best, kind = "", "file system unknown"
    with contextlib.suppress(OSError):
        real = path.resolve()
        for line in Path("/proc/self/mounts").read_text().splitlines():
            fields = line.split()
            if (len(fields) > 2 and real.is_relative_to(fields[1])
                    and len(fields[1]) > len(best)):
                best, kind = fields[1], fields[2]
    return kind


def postgres_reachable() -> str | None:
    """None if the PostgreSQL server answers, else why not."""
    try:
        import psycopg
    except ImportError as exc:
        return f"psycopg is not installed ({exc})"
    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_ADMIN, dbname="postgres",
                             connect_timeout=5):
            return None
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL not reachable on {PG_HOST}:{PG_PORT} as {PG_ADMIN}: {reason}"


def _admin() -> Any:
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_ADMIN, dbname="postgres",
                           autocommit=True, connect_timeout=5)


@contextlib.contextmanager
def postgres_setup(count: int) -> Iterator[Setup]:
    """A new PostgreSQL database and counsellor role, dropped afterwards whatever happens."""
    suffix = secrets.token_hex(4)
    database, counsellor = f"bilan_bench_{suffix}", f"bench_{suffix}"
    with _admin() as admin:
        admin.execute(f'CREATE DATABASE "{database}"')
        server = admin.execute("SHOW server_version").fetchone()[0]
    store: Store | None = None
    try:
        started = time.perf_counter()
        base = f"postgresql://{{}}@{PG_HOST}:{PG_PORT}/{database}"
        with Store.open(base.format(PG_ADMIN)) as owner:
            owner.add_user(counsellor, "counsellor")
            sessions = _fill(owner, counsellor, count - 1)
            with owner.writing() as connection:
                connection.exec_driver_sql("ANALYZE")
        store = Store.open(base.format(counsellor))
        dossier = _new_dossier(store)
        seconds = time.perf_counter() - started
        arguments = _postgres_connection_settings(store, dossier)
        driver = PostgresDriver(_sql("%s", "::VARCHAR", "::INTEGER", " FOR UPDATE"),
                                counsellor, dossier, arguments)
        yield Setup("postgresql", store, driver, count, sessions, seconds,
                    f"database {database} on {PG_HOST}:{PG_PORT}, counsellor role {counsellor}",
                    f"PostgreSQL {server}")
    finally:
        if store is not None:
            store.close()
        _drop(database, counsellor)


def _drop(database: str, counsellor: str) -> None:
    """Drop the benchmark's database, its account's role and the store's group roles."""
    with _admin() as admin:
        found = admin.execute("SELECT oid FROM pg_database WHERE datname = %s",
                              (database,)).fetchone()
        groups = (f"bilan_{found[0]}_counsellor", f"bilan_{found[0]}_admin") if found else ()
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                      " WHERE datname = %s", (database,))
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        for role in (counsellor, *groups):
            admin.execute(f'DROP ROLE IF EXISTS "{role}"')


# -- the operations -------------------------------------------------------------------------

OPERATIONS = ("connect", "record", "open", "list")
LABELS = {
    "connect": "new connection, its settings, close",
    "record": "record one answer",
    "open": "open a dossier (info + content)",
    "list": "list {count:,} dossiers",
}
CHECK_CALLS = {"record": 7, "open": 7, "list": 2}  # past psycopg's preparation of a statement

Call = Callable[[int], object]  # one run of an operation, given the run's number
DriverCall = Callable[[Connections, int], object]  # the same, on the driver's connections


def store_calls(setup: Setup, prefix: str = "s") -> dict[str, Call]:
    """Each operation through the store (``prefix`` names the items it answers)."""
    store, dossier = setup.store, setup.driver.dossier

    def connect(_: int) -> None:
        # a new connection through the engine, its settings, back to the pool, closed
        with store.engine.connect():
            pass
        store.engine.dispose()

    return {
        "connect": connect,
        "record": lambda n: store.record_answer(dossier, INSTRUMENT, f"{prefix}{n}", VALUE,
                                                SECONDS),
        "open": lambda n: (store.info(dossier), store.content(dossier)),
        "list": lambda n: store.dossiers(),
    }


def driver_calls(setup: Setup, prefix: str = "d") -> dict[str, DriverCall]:
    """Each operation through the driver, on the connections given."""
    driver = setup.driver
    return {
        "record": lambda connections, n: driver.record_answer(connections, f"{prefix}{n}"),
        "open": lambda connections, n: driver.open_dossier(connections),
        "list": lambda connections, n: driver.list_dossiers(connections),
    }


def measure(functions: dict[str, Call], repeat: int,
            warmup: int) -> dict[str, list[float]]:
    """Seconds of each function over ``repeat`` runs, interleaved (the order rotating from one
    round to the next) after ``warmup`` untimed rounds."""
    names = list(functions)
    for n in range(warmup):
        for name in names:
            functions[name](-1 - n)
    gc.collect()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for n in range(repeat):
        shift = n % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            functions[name](n)
            samples[name].append(time.perf_counter() - start)
    return samples


# -- checking that both send the same statements --------------------------------------------

def _normal(statement: str) -> str:
    """A statement without its values and parameter markers, on one line."""
    statement = re.sub(r"[xX]'[0-9a-fA-F]*'", "?", statement)
    statement = re.sub(r"'(?:[^']|'')*'", "?", statement)
    statement = re.sub(r"\$\d+|%\(\w+\)s|%s", "?", statement)
    statement = re.sub(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])", "?", statement)
    return " ".join(statement.split())


def _libpq_statements(text: str) -> list[str]:
    """The SQL the client ran, in a libpq trace: simple Query messages, and the statement of
    each Bind (the unnamed one last parsed, or a prepared one, whose preparation shows as
    ``(prepare) <statement>``)."""
    statements, prepared, unnamed = [], {}, ""
    for message in re.split(r"\n(?=[FB]\t)", text):
        fields = message.split("\t", 3)
        if len(fields) < 4 or fields[0] != "F":
            continue
        kind, rest = fields[2], fields[3]
        if kind == "Query":
            statements.append(rest.strip()[1:-1])
        elif kind == "Parse":
            found = re.match(r' "([^"]*)" "(.*)" \d+', rest, re.DOTALL)
            name, statement = found.groups() if found else ("", rest)
            if name:
                prepared[name] = statement
                statements.append(f"(prepare) {statement}")
            else:
                unnamed = statement
        elif kind == "Bind":
            found = re.match(r' "[^"]*" "([^"]*)"', rest)
            name = found.group(1) if found else ""
            statements.append(prepared.get(name, f"(unknown {name})") if name else unnamed)
    return statements


class Trace:
    """The statements run on the connections given to :meth:`attach`: SQLite's trace
    callback, or libpq's trace of the protocol (what reaches the server)."""

    def __init__(self, backend: str, file: Any) -> None:
        self.lines: list[str] = []
        self.file = file if backend == "postgresql" else None  # a temporary text file

    def attach(self, connection: Any) -> Any:
        """Trace ``connection`` from now on (a new connection shows as ``(connect)``)."""
        self.mark("(connect)")
        if self.file is None:
            connection.set_trace_callback(self.lines.append)
        else:
            _libpq_trace(connection, self.file)
        return connection

    def mark(self, text: str) -> None:
        """A line of ours in the trace, between calls."""
        if self.file is None:
            self.lines.append(text)
        else:
            self.file.write(f'F\t0\tQuery\t "{text}"\n')
            self.file.flush()

    def statements(self) -> list[str]:
        """The statements, normalised."""
        if self.file is not None:
            self.file.seek(0)
            self.lines = _libpq_statements(self.file.read())
        return [_normal(statement) for statement in self.lines]


def traced(setup: Setup, operation: str, calls: int) -> tuple[list[str], list[str]]:
    """The statements ``calls`` store calls and as many driver calls send, each on a new
    connection kept for them all (its first transaction included), normalised."""
    engine = setup.store.engine
    store_call = store_calls(setup, "ts")[operation]
    driver_call = driver_calls(setup, "td")[operation]
    with tempfile.TemporaryFile("w+") as store_file, tempfile.TemporaryFile("w+") as driver_file:
        store_trace = Trace(setup.backend, store_file)
        driver_trace = Trace(setup.backend, driver_file)

        def do_connect(dialect: Any, record: Any, cargs: list[Any],
                       cparams: dict[str, Any]) -> Any:
            return store_trace.attach(dialect.connect(*cargs, **cparams))

        engine.dispose()  # the store's next call opens a new connection, traced
        event.listen(engine, "do_connect", do_connect)
        try:
            for n in range(calls):
                store_trace.mark("(call)")
                store_call(n)
        finally:
            event.remove(engine, "do_connect", do_connect)
            engine.dispose()  # closes the traced connection
        connections = None
        try:
            for n in range(calls):
                driver_trace.mark("(call)")
                if connections is None:  # connected in the first call, as the store is
                    connections = Connections(setup.driver, trace=driver_trace.attach)
                driver_call(connections, n)
        finally:
            if connections is not None:
                connections.close()
        return store_trace.statements(), driver_trace.statements()


def _last_call(log: list[str]) -> list[str]:
    """The statements of the last call in a trace."""
    start = max(n for n, line in enumerate(log) if line == "(call)")
    return log[start + 1:]


def check_statements(setup: Setup, show: bool) -> tuple[bool, list[str]]:
    """Whether the store and the driver send the same statements for every operation, and
    lines saying so (with the statements when ``show``)."""
    same, lines, counts = True, [], []
    for operation in ("record", "open", "list"):
        calls = CHECK_CALLS[operation]
        store_log, driver_log = traced(setup, operation, calls)
        last = _last_call(store_log)
        transactions = sum(1 for s in last if s.startswith("BEGIN"))
        statements = sum(1 for s in last if not s.startswith(("(", "BEGIN", "COMMIT",
                                                               "PRAGMA", ";")))
        prepared = sum(1 for s in store_log if s.startswith("(prepare)"))
        counts.append(f"{operation} {transactions} transaction{'s' * (transactions > 1)},"
                      f" {statements} statement{'s' * (statements > 1)}"
                      + (f" ({prepared} prepared)" if prepared else ""))
        if store_log != driver_log:
            same = False
            lines.append(f"WARNING: {operation}: the driver's statements differ from the"
                         " store's; its figures compare different work:")
            lines.extend("    " + line for line in difflib.unified_diff(
                store_log, driver_log, "store", "driver", lineterm="", n=1))
        if show:
            lines.append(f"  {operation}, as the store sends it on a kept connection (call"
                         f" {calls} of {calls} on a new connection):")
            lines.extend(f"    {s}" for s in last)
    lines.insert(0, ("same statements in the store and the driver: " if same else
                     "statements differ between the store and the driver: ")
                 + "; ".join(counts) + " (traced from a new connection over "
                 + ", ".join(f"{calls} {operation}s" for operation, calls in CHECK_CALLS.items())
                 + ")")
    return same, lines


# -- reporting ------------------------------------------------------------------------------

def run_backend(setup: Setup, repeat: int, list_repeat: int, warmup: int, show: bool,
                profile: bool) -> dict[str, Any]:
    same, check_lines = check_statements(setup, show)
    stores, drivers = store_calls(setup), driver_calls(setup)

    def driver_connect(_: int) -> None:
        setup.driver.connect().close()

    figures: dict[str, Any] = {}
    for operation in OPERATIONS:
        runs = list_repeat if operation == "list" else repeat
        rounds = warmup if operation != "list" else 1
        if operation == "connect":
            samples = measure({"store": stores["connect"], "driver": driver_connect},
                              runs, rounds)
        else:
            # The store and the driver, one connection kept by each for all the runs (the
            # store's pool keeps its own), interleaved.
            kept = Connections(setup.driver)
            call = drivers[operation]
            try:
                samples = measure({"store": stores[operation],
                                   "driver": functools.partial(call, kept)}, runs, rounds)
            finally:
                kept.close()
            # For information: the driver with a new connection per transaction, as the store
            # had before its pool, while no other connection is open (on SQLite, closing the
            # last connection checkpoints the WAL into the database and deletes it).
            setup.store.engine.dispose()
            fresh = Connections(setup.driver, kept=False)
            samples["new connection"] = measure(
                {"new connection": functools.partial(call, fresh)}, runs, rounds
            )["new connection"]
        figures[operation] = {
            "label": LABELS[operation].format(count=setup.count), "runs": runs,
            **{name: _summary(values) for name, values in samples.items()}}
    profiles = _profiles(stores) if profile else {}
    for operation, entry in figures.items():
        entry["ratio"] = round(entry["store"]["median_ms"] / entry["driver"]["median_ms"], 2)
        if operation != "connect":
            entry["goal"] = "PASS" if entry["ratio"] <= GOAL else "OVER"
    return {"version": setup.version, "where": setup.where, "dossiers": setup.count,
            "sessions": setup.sessions, "setup_s": round(setup.seconds, 2),
            "same_statements": same, "check": check_lines, "operations": figures,
            "profiles": profiles}


def _summary(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {"min_ms": round(min(ms), 3), "median_ms": round(statistics.median(ms), 3),
            "max_ms": round(max(ms), 3)}


def _profiles(calls: dict[str, Call]) -> dict[str, str]:
    """The store's calls under cProfile: the functions taking the most time of their own."""
    out = {}
    for operation, runs in (("record", 100), ("open", 100), ("list", 3)):
        profiler = cProfile.Profile()
        function = calls[operation]
        function(99_999)  # the store's connection, made before profiling
        profiler.enable()
        for n in range(runs):
            function(100_000 + n)
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).strip_dirs().sort_stats("tottime")
        stats.print_stats(15)
        body = text.getvalue()
        start = body.find("   ncalls")
        out[operation] = f"{runs} calls of the store's {operation}:\n" + body[start:].rstrip()
    return out


def table(result: dict[str, Any]) -> str:
    header = ("operation", "store ms", "driver ms", "x driver", "goal <=2x",
              "driver, conn per transaction ms")
    rows = [header]
    for entry in result["operations"].values():
        fresh = entry.get("new connection")
        rows.append((entry["label"], f"{entry['store']['median_ms']:.2f}",
                     f"{entry['driver']['median_ms']:.2f}", f"{entry['ratio']:.2f}",
                     entry.get("goal", "-"), f"{fresh['median_ms']:.2f}" if fresh else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(result: dict[str, Any]) -> None:
    print(f"\n{result['version']}: {result['where']}")
    print(f"{result['dossiers']:,} dossiers of one counsellor, {result['sessions']:,} sessions"
          f" (made in {result['setup_s']:.1f} s); medians of"
          f" {result['operations']['record']['runs']} runs, listing"
          f" {result['operations']['list']['runs']}")
    print(table(result))
    for line in result["check"]:
        print(line)
    for text in result["profiles"].values():
        print()
        print(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200, metavar="N",
                        help="timed runs of each single-dossier operation (default: 200)")
    parser.add_argument("--list-repeat", type=int, default=10, metavar="N",
                        help="timed runs of the listing (default: 10)")
    parser.add_argument("--dossiers", type=int, default=10_000, metavar="N",
                        help="dossiers in the store (default: 10000)")
    parser.add_argument("--quick", action="store_true",
                        help="30 runs, listing 3: under a minute in all")
    parser.add_argument("--sqlite-dir", metavar="DIR",
                        help="where to make the SQLite file (default: the temporary folder);"
                             " choose the disk a real store would be on")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--show-sql", action="store_true",
                        help="print the statements each operation sends")
    parser.add_argument("--profile", action="store_true",
                        help="also profile the store's calls with cProfile")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.list_repeat = 30, 3
    if args.repeat < 1 or args.list_repeat < 1 or args.dossiers < 1:
        parser.error("--repeat, --list-repeat and --dossiers must be 1 or more")
    warmup = min(6, args.repeat)  # past psycopg's preparation of a statement run 5 times

    try:
        import psycopg

        driver = f"{psycopg.__version__} ({psycopg.pq.__impl__})"
    except ImportError:
        driver = "not installed"
    if not args.json:
        print(f"The dossier store beside the bare driver, same statements in the same"
              f" transactions; Python {platform.python_version()}, SQLAlchemy {sa.__version__},"
              f" psycopg {driver} on {platform.platform()}")
        print(f"goal: each operation within {GOAL:g}x its driver baseline (one connection kept"
              " by each, as the store's pool keeps its own); 'driver, conn per transaction':"
              " the driver with a new connection per transaction, for information")

    results: dict[str, Any] = {}
    with sqlite_setup(args.dossiers, args.sqlite_dir) as setup:
        results["sqlite"] = run_backend(setup, args.repeat, args.list_repeat, warmup,
                                        args.show_sql, args.profile)
    if not args.json:
        report(results["sqlite"])
    unreachable = "--no-postgres" if args.no_postgres else postgres_reachable()
    if unreachable:
        results["postgresql"] = {"skipped": unreachable}
        if not args.json:
            print(f"\nPostgreSQL: skipped ({unreachable})")
    else:
        with postgres_setup(args.dossiers) as setup:
            results["postgresql"] = run_backend(setup, args.repeat, args.list_repeat, warmup,
                                                args.show_sql, args.profile)
        if not args.json:
            report(results["postgresql"])
    if args.json:
        print(json.dumps({"python": platform.python_version(), "platform": platform.platform(),
                          "sqlalchemy": sa.__version__, "psycopg": driver,
                          "goal": f"each operation within {GOAL:g}x its driver baseline",
                          "backends": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
