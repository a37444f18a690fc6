"""Helpers for the store's tests: PostgreSQL databases made and dropped by each test, and the
SQLite file of a test.

PostgreSQL runs on 127.0.0.1:5432 with trust authentication (DEVELOPERS.md). Each test creates
its own database and the roles of its accounts, and drops them all at the end, whatever state
the server was left in. Missing PostgreSQL fails in CI (``CI=true``), skips elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

import pytest

HOST = os.environ.get("BILAN_TEST_PGHOST", "127.0.0.1")
PORT = int(os.environ.get("BILAN_TEST_PGPORT", "5432"))
ADMIN = os.environ.get("BILAN_TEST_PGUSER", "postgres")


def _connect(database: str = "postgres"):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(host=HOST, port=PORT, user=ADMIN, dbname=database,
                           autocommit=True, connect_timeout=5)


def require_postgres() -> None:
    """PostgreSQL must answer: fail in CI, skip on a developer's machine without it."""
    try:
        with _connect():
            pass
    except Exception as exc:
        message = f"PostgreSQL is not reachable on {HOST}:{PORT} as {ADMIN}: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def unique(prefix: str) -> str:
    """A name no other test uses (databases and roles are shared by the whole server)."""
    return f"{prefix}_{secrets.token_hex(4)}"


def url(database: str, role: str = ADMIN) -> str:
    """The store URL of a test database, connecting as ``role``."""
    return f"postgresql://{role}@{HOST}:{PORT}/{database}"


def drop(database: str) -> None:
    """Drop a test database and every role made for it (its groups and their members)."""
    groups: tuple[str, ...] = ()
    accounts: list[str] = []
    with contextlib.suppress(Exception), _connect() as connection:
        (oid,) = connection.execute("SELECT oid FROM pg_database WHERE datname = %s",
                                    (database,)).fetchone()
        groups = (f"bilan_{oid}_counsellor", f"bilan_{oid}_admin")
    with contextlib.suppress(Exception), _connect(database) as inside:
        accounts = [name for (name,) in inside.execute("SELECT name FROM accounts")]
    with _connect() as connection:
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (database,))
        connection.execute(f'DROP DATABASE IF EXISTS "{database}"')
        members = connection.execute(
            "SELECT DISTINCT m.rolname FROM pg_auth_members a JOIN pg_roles g ON g.oid ="
            " a.roleid JOIN pg_roles m ON m.oid = a.member WHERE g.rolname = ANY(%s)"
            " AND NOT m.rolsuper", (list(groups),)).fetchall()
        for member in {*(m for (m,) in members), *accounts}:
            if member not in groups and member not in (ADMIN, "root", "postgres"):
                connection.execute(f'DROP ROLE IF EXISTS "{member}"')
        for group in groups:
            connection.execute(f'DROP ROLE IF EXISTS "{group}"')


@contextlib.contextmanager
def postgres_database(prefix: str = "bilan_t") -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; its name. Dropped afterwards, with
    the roles of its accounts."""
    require_postgres()
    database = unique(prefix)
    with _connect() as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    try:
        yield database
    finally:
        drop(database)


def sql(database: str, statement: str, role: str | None = None,
        params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run one statement directly (not through bilan), as ``role``; the rows it returns."""
    import psycopg

    with psycopg.connect(host=HOST, port=PORT, user=role or ADMIN, dbname=database,
                         autocommit=True) as connection:
        cursor = connection.execute(statement, params)
        return cursor.fetchall() if cursor.description else []
