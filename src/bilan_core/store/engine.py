"""Opening a store: its URL, the engine with each backend's settings, its schema's revision.

SQLite (the default) is one file in the user's data folder, 0600, in WAL mode with
``secure_delete`` and foreign keys on; every write transaction starts with ``BEGIN IMMEDIATE``
so that two processes never both read a dossier and then write it. PostgreSQL is reached with
psycopg 3 as the role named in the URL.

Errors of the environment become one line: a store that is busy or unreachable exits 1 (try
again later), one that cannot be used as given (read-only, not a store, newer than this
bilan, the wrong key) exits 2.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from bilan_core.errors import BilanError, UsageError
from bilan_core.i18n import _

FILE_NAME = "store.sqlite"
BUSY_TIMEOUT_MS = 30_000


def busy_timeout_ms() -> int:
    """How long a command waits for a store another process holds: ``BILAN_STORE_TIMEOUT``
    seconds, 30 by default."""
    import math

    text = os.environ.get("BILAN_STORE_TIMEOUT", "")
    try:
        seconds = float(text) if text else BUSY_TIMEOUT_MS / 1000
    except ValueError:
        seconds = math.nan
    if not 0 <= seconds <= 3600:  # nan and infinities fail too
        raise UsageError(_("BILAN_STORE_TIMEOUT: expected a number of seconds from 0 to 3600,"
                           " got {text!r}").format(text=text))
    return int(seconds * 1000)


class StoreUnavailable(BilanError):
    """The store is busy or cannot be reached now: trying again later may work (exit 1)."""

    exit_code = 1


def default_path() -> Path:
    """The default SQLite store: ``store.sqlite`` in the private data folder."""
    from bilan_core.files import private_dir

    return private_dir() / FILE_NAME


def store_url(given: str | None = None) -> sa.URL:
    """The store's URL: ``--store``, else ``BILAN_STORE``, else the default SQLite file.

    A plain path names an SQLite file; ``postgresql://`` (or ``postgres://``) URLs use psycopg
    3. A pipeline file never chooses the store.
    """
    text = given or os.environ.get("BILAN_STORE") or ""
    if not text:
        return sa.URL.create("sqlite", database=str(default_path()))
    if "://" not in text:
        return sa.URL.create("sqlite", database=str(Path(text).expanduser()))
    try:
        url = sa.make_url(text)
        url.port  # noqa: B018  # a port that is not a number fails here
    except (sa.exc.ArgumentError, ValueError):
        raise UsageError(_("{url}: not a store URL (sqlite:///FILE or"
                           " postgresql://ROLE@HOST/DATABASE)").format(url=_hidden(text))) from None
    backend = url.get_backend_name()
    if url.drivername not in ("sqlite", "postgresql", "postgres", "postgresql+psycopg"):
        raise UsageError(_("{url}: unknown kind of store {scheme!r} (sqlite or postgresql)")
                         .format(url=_hidden(text), scheme=url.drivername))
    if url.port is not None and not 0 < url.port < 65536:
        raise UsageError(_("{url}: not a store URL (sqlite:///FILE or"
                           " postgresql://ROLE@HOST/DATABASE)").format(url=_hidden(text)))
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise UsageError(_("a store is a file: give sqlite:///FILE"))
        return url
    if backend in ("postgresql", "postgres"):
        return url.set(drivername="postgresql+psycopg")
    raise UsageError(_("{url}: unknown kind of store {scheme!r} (sqlite or postgresql)").format(
        url=_hidden(text), scheme=backend))


def _hidden(text: str) -> str:
    """A URL as it may be printed: without its password."""
    try:
        return sa.make_url(text).render_as_string(hide_password=True)
    except Exception:
        return text.split("@")[-1]


def shown(url: sa.URL) -> str:
    """The store's URL as messages show it (no password; a file as its path)."""
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


def create_engine(url: sa.URL, connections: int = 1) -> sa.Engine:
    """An engine for the store, with each backend's settings; it keeps ``connections``
    connections open for threads that use the store at once (more are opened when needed,
    and closed after)."""
    if url.get_backend_name() == "sqlite":
        if not str(url.database).startswith("file:"):  # an SQLite URI (mode=ro...) as given
            _prepare_file(Path(str(url.database)))
        # One connection kept for the command's life (a pool of one, more for threads):
        # closing SQLite's last connection checkpoints and deletes the WAL, a new PostgreSQL
        # connection costs milliseconds (benchmarks/store.py).
        engine = sa.create_engine(url, poolclass=sa.pool.QueuePool,
                                  pool_size=max(connections, 1), max_overflow=16)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = sa.create_engine(
        url, poolclass=sa.pool.QueuePool, pool_size=max(connections, 1), max_overflow=16,
        connect_args={"connect_timeout": 10, "application_name": "bilan",
                      "options": f"-c lock_timeout={busy_timeout_ms()}"})
    event.listen(engine, "checkin", _rested)
    event.listen(engine, "checkout", _still_there)
    return engine


#: A kept PostgreSQL connection idle for longer is checked before it is used again (a server
#: restart or an idle timeout would otherwise fail the next answer of a questionnaire).
IDLE_CHECK_SECONDS = 5.0


def _rested(dbapi: Any, record: Any) -> None:
    import time

    record.info["bilan.idle_since"] = time.monotonic()


def _still_there(dbapi: Any, record: Any, proxy: Any) -> None:
    """Ping a connection that has been idle a while; a dead one is replaced (the pool
    retries with a new connection when this raises ``DisconnectionError``)."""
    import time

    since = record.info.get("bilan.idle_since")
    if since is None or time.monotonic() - since < IDLE_CHECK_SECONDS:
        return
    try:
        with dbapi.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        raise sa.exc.DisconnectionError() from None


def _prepare_file(path: Path) -> None:
    """Create the store's file 0600 (and its folder 0700) before SQLite opens it; an
    existing store of ours that others may read is made private again."""
    import stat

    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise UsageError(_("{path}: cannot open the store ({reason})").format(
            path=path, reason=exc.strerror or exc)) from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise UsageError(_("{path}: a store may not be a symbolic link; give the file it"
                               " points to").format(path=path))
        if stat.S_ISDIR(info.st_mode):
            raise UsageError(_("{path}: a store is a file, this is a folder").format(path=path))
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(_("{path}: a store is a regular file").format(path=path))
        if info.st_mode & 0o077 and info.st_uid == os.geteuid():
            os.chmod(path, 0o600)
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                     0o600)
        os.close(fd)
    except FileExistsError:
        pass  # another process created it between our check and our open: it is a store too
    except OSError as exc:
        raise UsageError(_("{path}: cannot create the store ({reason})").format(
            path=path, reason=exc.strerror or exc)) from None


def _sqlite_connect(dbapi: Any, record: Any) -> None:
    dbapi.isolation_level = None  # transactions are begun below, as we choose
    cursor = dbapi.cursor()
    for pragma in (f"busy_timeout = {busy_timeout_ms()}", "foreign_keys = ON",
                   "secure_delete = ON", "journal_mode = WAL", "synchronous = FULL",
                   "trusted_schema = OFF"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(connection: sa.Connection) -> None:
    write = connection.get_execution_options().get("bilan_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


# -- the schema's revision ------------------------------------------------------------------

def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest schema revision this bilan knows."""
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)  # type: ignore[arg-type]
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(connection: sa.Connection) -> str | None:
    """The store's revision, or None for an empty database."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.exec_driver_sql(
        "SELECT version_num FROM alembic_version").scalar_one_or_none()


def migrate(engine: sa.Engine, url: sa.URL, *, say: Any = None,
            target: str | None = None) -> str | None:
    """Bring the store to this bilan's schema (or to ``target``); return the path of the
    SQLite backup made first when an existing store was migrated."""
    from alembic import command
    from alembic.script import ScriptDirectory

    target = target or head_revision()
    # Read first, without the write lock: a store already up to date (every command but the
    # first after an upgrade) costs one SELECT.
    with engine.connect() as connection, connection.begin():
        if current_revision(connection) == target:
            return None
    with engine.connect().execution_options(bilan_write=True) as connection, connection.begin():
        # SQLite's BEGIN IMMEDIATE serializes migrations; PostgreSQL needs a lock of its own.
        lock(connection, "migrate")
        current = current_revision(connection)
        if current == target:
            return None
        script = ScriptDirectory.from_config(_alembic_config(connection))
        known = {rev.revision for rev in script.walk_revisions()}
        if current is not None and current not in known:
            raise UsageError(_("{store}: this store has schema revision {revision}, newer"
                               " than this bilan knows ({head}): upgrade bilan to open"
                               " it").format(store=shown(url), revision=current,
                                             head=target))
        if not _has_tables(connection, current):
            raise UsageError(_("{store}: this database holds other tables and is not a"
                               " bilan store").format(store=shown(url)))
    backup = None
    if current is not None and url.get_backend_name() == "sqlite":
        backup = _backup(Path(str(url.database)), current)
        if say is not None:
            say(_("migrating the store from revision {old} to {new}; backup: {backup}").format(
                old=current, new=target, backup=backup))
    with engine.connect().execution_options(bilan_write=True) as connection, connection.begin():
        lock(connection, "migrate")
        if current_revision(connection) != target:  # another process may have done it
            command.upgrade(_alembic_config(connection), target)
    return str(backup) if backup else None


def lock(connection: sa.Connection, name: str) -> None:
    """Serialize a transaction with others taking the same lock: on PostgreSQL an advisory
    lock held until the transaction ends (SQLite's write transactions are serialized
    already)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(hashtext(%(name)s))",
                                   {"name": f"bilan.{name}"})


def _has_tables(connection: sa.Connection, current: str | None) -> bool:
    """An empty database, or one with the store's revision table: anything else is not ours."""
    if current is not None:
        return True
    return not sa.inspect(connection).get_table_names()


def _backup(path: Path, revision: str) -> Path:
    """Copy an SQLite store before migrating it, with SQLite's backup API (consistent even
    while others write), private to its owner."""
    import sqlite3

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.backup-{revision}-{stamp}")
    fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    with contextlib.closing(sqlite3.connect(path)) as source, \
            contextlib.closing(sqlite3.connect(target)) as copy:
        source.backup(copy)
    return target


def backups(url: sa.URL) -> list[Path]:
    """The migration backups kept beside an SQLite store."""
    if url.get_backend_name() != "sqlite":
        return []
    path = Path(str(url.database))
    import glob

    return sorted(path.parent.glob(f"{glob.escape(path.name)}.backup-*"))


def remove_backups(url: sa.URL) -> list[Path]:
    """Delete the migration backups: they hold content a purge has just destroyed."""
    removed = []
    for backup in backups(url):
        with contextlib.suppress(FileNotFoundError):
            if backup.is_dir():
                shutil.rmtree(backup)
            else:
                backup.unlink()
            removed.append(backup)
    return removed


# -- errors of the environment --------------------------------------------------------------

@contextlib.contextmanager
def translated(url: sa.URL) -> Iterator[None]:
    """Turn the database's errors into one-line messages naming the store."""
    try:
        yield
    except sa.exc.DBAPIError as exc:
        raise describe(exc, url) from None


def describe(exc: sa.exc.DBAPIError, url: sa.URL) -> BilanError:
    """The one-line error for a database error."""
    where = shown(url)
    text = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(
        getattr(exc, "orig", exc)).strip() else type(exc).__name__
    lowered = text.lower()
    if ("database is locked" in lowered or "database is busy" in lowered
            or "lock timeout" in lowered):
        return StoreUnavailable(_("{store}: the store is busy (locked by another process for"
                                  " more than {seconds} s); try again").format(
            store=where, seconds=f"{busy_timeout_ms() / 1000:g}"))
    if "readonly" in lowered or "read-only" in lowered:
        return UsageError(_("{store}: the store is read-only for you; bilan needs to write to"
                            " it").format(store=where))
    if lowered.count('database "') and "does not exist" in lowered:
        return UsageError(_("{store}: no such database on the server ({reason})").format(
            store=where, reason=text))
    if ("unable to open" in lowered or "not a database" in lowered or "file is not" in lowered
            or "disk i/o error" in lowered or "malformed" in lowered):
        return UsageError(_("{store}: cannot open the store ({reason})").format(
            store=where, reason=text))
    if ("permission denied for table alembic_version" in lowered
            or "is not permitted to log in" in lowered
            or (lowered.count('role "') and "does not exist" in lowered)):
        return UsageError(_("{store}: the role {role!r} may not use this store: it is not one"
                            " of its accounts, or the account was disabled").format(
            store=where, role=url.username))
    if isinstance(exc, sa.exc.OperationalError) and url.get_backend_name() != "sqlite":
        return StoreUnavailable(_("{store}: cannot reach the store ({reason})").format(
            store=where, reason=text))
    if "row-level security" in lowered or "permission denied" in lowered \
            or "insufficient" in lowered or "append-only" in lowered:
        return UsageError(_("{store}: refused by the database: {reason}").format(
            store=where, reason=text))
    return StoreUnavailable(_("{store}: the store failed: {reason}").format(
        store=where, reason=text))
