"""Who may see what, enforced by the database itself where it can.

PostgreSQL: every account is a database role, member of one of two group roles of the store's
database (``<database>_counsellor``, ``<database>_admin``). Row-level security restricts a
counsellor to the dossiers recorded under their own role name, and every table whose rows
belong to a dossier follows the dossier's visibility; an administrator sees everything. The
audit trail takes inserts only, in one's own name, and a trigger refuses any change to it,
even by its owner. The role that created the store (the provider's database owner) is not an
account: like the owner of an SQLite file, it is trusted. Accounts are created, disabled and
given passwords only through functions the owner defines (``SECURITY DEFINER``,
:func:`account_functions`): no account's role can create or grant roles itself.

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
    "invitations": ("SELECT, INSERT, UPDATE", "SELECT, INSERT, UPDATE, DELETE"),
    "provider": ("SELECT", "SELECT, INSERT, UPDATE"),
    "identities": ("SELECT, INSERT, UPDATE", "SELECT, INSERT, UPDATE, DELETE"),
    "invoices": ("SELECT, INSERT", "SELECT, INSERT, DELETE"),
    "payments": ("SELECT, INSERT", "SELECT, INSERT, DELETE"),
    "programmes": ("SELECT, INSERT, UPDATE", "SELECT, INSERT, UPDATE, DELETE"),
    "signatures": ("SELECT, INSERT", "SELECT, INSERT, DELETE"),
    "evidence_records": ("SELECT, INSERT", "SELECT, INSERT, DELETE"),
    "feedback": ("SELECT, INSERT, UPDATE", "SELECT, INSERT, UPDATE, DELETE"),
    "complaints": ("SELECT, INSERT, UPDATE", "SELECT, INSERT, UPDATE, DELETE"),
}


def quote(name: str) -> str:
    """A PostgreSQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def groups(connection: sa.Connection) -> tuple[str, str]:
    """The counsellor and administrator group roles of this PostgreSQL database, named by
    the database's oid: roles are shared by the whole server, and two databases never share
    their groups (names could, after truncation or quoting)."""
    oid = connection.exec_driver_sql(
        "SELECT oid FROM pg_database WHERE datname = current_database()").scalar_one()
    return f"bilan_{oid}_counsellor", f"bilan_{oid}_admin"


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
    for role in (counsellor, admin):  # names of digits and letters only (groups())
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
    if table == "provider":  # every account reads the provider's details; admins write
        policy("read_all", "FOR SELECT USING (true)")
    elif table == "accounts":
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
        check = rule + _SAME_DOSSIER.get(table, "")
        policy("own_dossiers", f"USING ({rule}) WITH CHECK ({check})")


#: A row that points at another row must point at a row of its own dossier: a payment at
#: an invoice, a signature at a session (else a counsellor could pay another's invoice).
_SAME_DOSSIER = {
    "payments": " AND EXISTS (SELECT 1 FROM invoices i WHERE i.id = payments.invoice_id"
                " AND i.dossier_id = payments.dossier_id)",
    "signatures": " AND EXISTS (SELECT 1 FROM sessions s WHERE s.id = signatures.session_id"
                  " AND s.dossier_id = signatures.dossier_id)",
}


def account_functions(connection: sa.Connection) -> None:
    """The functions through which accounts change on PostgreSQL, run with the owner's rights
    and open to the administrators' group (and the owner): an administrator's own role has
    no ``CREATEROLE`` and holds its group without the right to grant it, so a disabled
    administrator cannot restore itself, nor take another role."""
    if connection.dialect.name != "postgresql":
        return
    counsellor, admin = groups(connection)
    # Who asks: the role in effect (a web application connected as the owner takes the
    # account's role with SET ROLE), else the role that logged in.
    actor = "COALESCE(NULLIF(current_setting('role'), 'none'), session_user)"
    allowed = (f"({actor} = current_user OR pg_has_role({actor}, '{admin}', 'MEMBER'))")
    refuse = ("RAISE EXCEPTION 'permission denied: an administrator''s right'"
              " USING ERRCODE = 'insufficient_privilege'")
    _ddl(connection, f"""
CREATE OR REPLACE FUNCTION bilan_add_account(account text, kind text, moment text, secret text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT {allowed} THEN {refuse}; END IF;
    IF kind NOT IN ('counsellor', 'admin') THEN
        RAISE EXCEPTION 'invalid account kind' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = account) THEN
        RAISE EXCEPTION 'a database role named % exists already', account
            USING ERRCODE = 'duplicate_object';
    END IF;
    INSERT INTO accounts (name, role, disabled, created_at, created_by, password_hash)
        VALUES (account, kind, false, moment, {actor}, secret);
    EXECUTE format('CREATE ROLE %I LOGIN', account);
    -- The owner (this function's definer) holds every account's role: the web application,
    -- connected as the owner, acts for an account by taking its role (SET ROLE).
    EXECUTE format('GRANT %I TO %I', account, current_user);
    IF kind = 'admin' THEN
        EXECUTE format('GRANT %I, %I TO %I', '{admin}', '{counsellor}', account);
    ELSE
        EXECUTE format('GRANT %I TO %I', '{counsellor}', account);
    END IF;
END $$""")
    _ddl(connection, f"""
CREATE OR REPLACE FUNCTION bilan_disable_account(account text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT {allowed} THEN {refuse}; END IF;
    UPDATE accounts SET disabled = true WHERE name = account;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no account %', account USING ERRCODE = 'no_data_found';
    END IF;
    EXECUTE format('REVOKE %I, %I FROM %I', '{admin}', '{counsellor}', account);
    EXECUTE format('ALTER ROLE %I NOLOGIN', account);
END $$""")
    _ddl(connection, f"""
CREATE OR REPLACE FUNCTION bilan_set_password(account text, secret text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NOT ({actor} = account OR {allowed}) THEN {refuse}; END IF;
    UPDATE accounts SET password_hash = secret, web_sessions = web_sessions + 1
        WHERE name = account AND NOT disabled;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no account %', account USING ERRCODE = 'no_data_found';
    END IF;
END $$""")
    for signature in ("bilan_add_account(text, text, text, text)",
                      "bilan_disable_account(text)", "bilan_set_password(text, text)"):
        connection.exec_driver_sql(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
        grantees = quote(admin) + (f", {quote(counsellor)}" if "password" in signature else "")
        connection.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {signature} TO {grantees}")
    # Accounts change only through these functions; what was granted before is taken back.
    connection.exec_driver_sql(f"REVOKE INSERT, UPDATE ON accounts FROM {quote(admin)}")


def guard_records(connection: sa.Connection) -> None:
    """Sessions are never changed once logged; a consent changes only to be revoked (once);
    on PostgreSQL the audit trail's time is the server's and an account appends only about
    dossiers it may see, and a counsellor deletes no session, consent or dossier (an
    administrator deletes a dossier)."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(
            "CREATE TRIGGER sessions_no_update BEFORE UPDATE ON sessions"
            " BEGIN SELECT RAISE(ABORT, 'a logged session is never changed'); END")
        connection.exec_driver_sql(
            "CREATE TRIGGER consents_revoke_only BEFORE UPDATE ON consents WHEN"
            " OLD.revoked_on IS NOT NULL OR NEW.revoked_on IS NULL"
            " OR NEW.kind IS NOT OLD.kind OR NEW.recipient IS NOT OLD.recipient"
            " OR NEW.given_on IS NOT OLD.given_on OR NEW.until IS NOT OLD.until"
            " OR NEW.dossier_id IS NOT OLD.dossier_id"
            " BEGIN SELECT RAISE(ABORT, 'a consent changes only to be revoked'); END")
        return
    counsellor, _admin = groups(connection)
    _ddl(connection, """
CREATE FUNCTION bilan_guard_session() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'a logged session is never changed'
    USING ERRCODE = 'insufficient_privilege'; END $$""")
    connection.exec_driver_sql(
        "CREATE TRIGGER sessions_no_update BEFORE UPDATE ON sessions"
        " FOR EACH ROW EXECUTE FUNCTION bilan_guard_session()")
    _ddl(connection, """
CREATE FUNCTION bilan_guard_consent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.revoked_on IS NOT NULL OR NEW.revoked_on IS NULL
            OR (NEW.kind, NEW.recipient, NEW.given_on, NEW.until, NEW.dossier_id)
               IS DISTINCT FROM (OLD.kind, OLD.recipient, OLD.given_on, OLD.until,
                                 OLD.dossier_id) THEN
        RAISE EXCEPTION 'a consent changes only to be revoked'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$""")
    connection.exec_driver_sql(
        "CREATE TRIGGER consents_revoke_only BEFORE UPDATE ON consents"
        " FOR EACH ROW EXECUTE FUNCTION bilan_guard_consent()")
    _ddl(connection, """
CREATE FUNCTION bilan_audit_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.at := to_char(clock_timestamp() AT TIME ZONE 'UTC',
                      'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"');
    RETURN NEW;
END $$""")
    connection.exec_driver_sql(
        "CREATE TRIGGER audit_time BEFORE INSERT ON audit"
        " FOR EACH ROW EXECUTE FUNCTION bilan_audit_time()")
    connection.exec_driver_sql("DROP POLICY write_own ON audit")
    connection.exec_driver_sql(
        "CREATE POLICY write_own ON audit FOR INSERT WITH CHECK (actor = current_user AND"
        " (dossier_id IS NULL OR EXISTS (SELECT 1 FROM dossiers d"
        " WHERE d.id = audit.dossier_id)))")
    connection.exec_driver_sql(
        f"REVOKE DELETE ON sessions, consents, dossiers FROM {quote(counsellor)}")


def owner_holds_accounts(connection: sa.Connection) -> None:
    """Grant the owner every existing account's role (PostgreSQL): the web application,
    connected as the owner, acts for an account by taking its role. New accounts are granted
    to it as they are made (``bilan_add_account``)."""
    if connection.dialect.name != "postgresql":
        return
    for (name,) in connection.exec_driver_sql("SELECT name FROM accounts").all():
        connection.exec_driver_sql(f"GRANT {quote(name)} TO CURRENT_USER")


def invitation_functions(connection: sa.Connection, *, purpose: bool = False) -> None:
    """``bilan_invitation(token_hash)``: the invitation a token opens, found whichever
    counsellor's dossier it belongs to (PostgreSQL, ``SECURITY DEFINER``: the web
    application knows a token, not yet whose dossier it opens). It returns the invitation's
    id, dossier, instruments, expiry and revocation (and, from revision 0005 on, its
    ``purpose``), and the dossier's counsellor and status; nothing else of the dossier."""
    if connection.dialect.name != "postgresql":
        return
    counsellor, admin = groups(connection)
    extra, column = (", purpose varchar", ", i.purpose") if purpose else ("", "")
    _ddl(connection, f"""
CREATE FUNCTION bilan_invitation(wanted text)
RETURNS TABLE (id integer, dossier_id varchar, instruments text, expires_at varchar,
               revoked_at varchar, counsellor varchar, status varchar{extra})
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT i.id, i.dossier_id, i.instruments, i.expires_at, i.revoked_at, d.counsellor,
         d.status{column}
  FROM invitations i JOIN dossiers d ON d.id = i.dossier_id
  WHERE i.token_hash = wanted
$$""")
    connection.exec_driver_sql("REVOKE ALL ON FUNCTION bilan_invitation(text) FROM PUBLIC")
    connection.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION bilan_invitation(text) TO"
                               f" {quote(counsellor)}, {quote(admin)}")


def _ddl(connection: sa.Connection, text: str) -> None:
    """Run DDL whose text holds ``%`` (PL/pgSQL's ``format`` and ``RAISE``): the driver reads
    ``%`` as a placeholder, so it is doubled."""
    connection.exec_driver_sql(text.replace("%", "%%"))
