"""Who may see what, enforced by the database itself where it can.

PostgreSQL: every account is a database role, member of one of two group roles of the store's
database (``<database>_counsellor``, ``<database>_admin``). Row-level security restricts a
counsellor to the dossiers recorded under their own role name, and every table whose rows
belong to a dossier follows the dossier's visibility; an administrator sees everything. The
audit trail takes inserts only, in one's own name, and a trigger refuses any change to it,
even by its owner. The role that created the store (the provider's database owner) is not an
account: like the owner of an SQLite file, it is trusted.

SQLite: a file has no users. The store belongs to the system account that owns the file (0600),
and the counsellor recorded on a dossier is an attribution, checked by the store's own calls
but not enforceable against someone who can read the file. Triggers keep the audit trail
append-only against the store's own connections.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

#: What a counsellor and an administrator may do on each table (PostgreSQL grants).
GRANTS = {
    "store_meta": ("SELECT", "SELECT"),
    "accounts": ("SELECT", "SELECT, INSERT, UPDATE"),
    "dossiers": ("SELECT, INSERT, UPDATE, DELETE", "SELECT, INSERT, UPDATE, DELETE"),
    "sessions": ("SELECT, INSERT, UPDATE, DELETE", "SELECT, INSERT, UPDATE, DELETE"),
    "consents": ("SELECT, INSERT, UPDATE, DELETE", "SELECT, INSERT, UPDATE, DELETE"),
    "administrations": ("SELECT, INSERT, UPDATE, DELETE", "SELECT, INSERT, UPDATE, DELETE"),
    "answers": ("SELECT, INSERT, UPDATE, DELETE", "SELECT, INSERT, UPDATE, DELETE"),
    "documents": ("SELECT, INSERT, UPDATE, DELETE", "SELECT, INSERT, UPDATE, DELETE"),
    "audit": ("SELECT, INSERT", "SELECT, INSERT"),
}


def quote(name: str) -> str:
    """A PostgreSQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def groups(connection: sa.Connection) -> tuple[str, str]:
    """The counsellor and administrator group roles of this PostgreSQL database."""
    database = connection.exec_driver_sql("SELECT current_database()").scalar_one()
    base = str(database)[:40]
    return f"{base}_counsellor", f"{base}_admin"


def append_only(connection: sa.Connection, table: str) -> None:
    """Refuse every UPDATE and DELETE on ``table``, whoever asks."""
    message = f"the {table} table is append-only"
    if connection.dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            connection.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{message}'); END")
        return
    connection.exec_driver_sql(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN RAISE EXCEPTION '{message}' USING ERRCODE = 'insufficient_privilege'; END $$")
    connection.exec_driver_sql(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {table}"
        f" FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")


def secure(connection: sa.Connection, tables: Iterable[str]) -> None:
    """Create the group roles if needed, grant each its rights and turn on row-level
    security on ``tables`` (PostgreSQL only; nothing to do on SQLite)."""
    if connection.dialect.name != "postgresql":
        return
    counsellor, admin = groups(connection)
    for role in (counsellor, admin):
        connection.exec_driver_sql(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
            f"'{role}') THEN CREATE ROLE {quote(role)} NOLOGIN; END IF; END $$")
    for table in tables:
        for role, rights in zip((counsellor, admin), GRANTS[table]):
            connection.exec_driver_sql(f"GRANT {rights} ON {table} TO {quote(role)}")
        _policies(connection, table, counsellor, admin)
    connection.exec_driver_sql(
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {quote(counsellor)}, {quote(admin)}")
    connection.exec_driver_sql(
        f"GRANT SELECT ON alembic_version TO {quote(counsellor)}, {quote(admin)}")


def _policies(connection: sa.Connection, table: str, counsellor: str, admin: str) -> None:
    def policy(name: str, rule: str) -> None:
        connection.exec_driver_sql(f"CREATE POLICY {name} ON {table} {rule}")

    if table == "store_meta":
        return  # no content: readable by both groups, written by the owner only
    connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    policy("administrator", f"TO {quote(admin)} USING (true) WITH CHECK (true)")
    if table == "accounts":
        policy("own_account", "FOR SELECT USING (name = current_user)")
    elif table == "dossiers":
        policy("own_dossiers", "USING (counsellor = current_user)"
                               " WITH CHECK (counsellor = current_user)")
    elif table == "audit":
        policy("read_own", "FOR SELECT USING (actor = current_user OR EXISTS"
                           " (SELECT 1 FROM dossiers d WHERE d.id = audit.dossier_id))")
        policy("write_own", "FOR INSERT WITH CHECK (actor = current_user)")
    else:
        rule = f"EXISTS (SELECT 1 FROM dossiers d WHERE d.id = {table}.dossier_id)"
        policy("own_dossiers", f"USING ({rule}) WITH CHECK ({rule})")
