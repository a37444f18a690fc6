"""The dossier store on PostgreSQL: accounts are database roles, and the database itself keeps a
counsellor to their own dossiers (row-level security), through every command and through
direct SQL.

Each test makes its own database and roles and drops them (tests/storekit.py). Run once, in the
``system`` tox environment; PostgreSQL missing fails in CI.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import psycopg
import pytest
import sqlalchemy as sa
from conftest import PIPELINE
from storekit import postgres_database, sql, unique, url

from bilan_core.errors import UsageError
from bilan_core.store.core import Store
from bilan_core.store.engine import create_engine, head_revision, migrate, store_url

pytestmark = pytest.mark.system


@pytest.fixture
def team(tmp_path, monkeypatch):
    """A store on a new database: an administrator and two counsellors, each a role; one
    dossier of the first counsellor, with a session, a consent and an answer."""
    for name in ("BILAN_STORE", "BILAN_USER", "BILAN_STORE_KEY", "BILAN_STORE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    with postgres_database() as database:
        names = {role: unique(role) for role in ("chef", "alice", "bruno")}
        owner = Store.open(url(database))
        owner.add_user(names["chef"], "admin")
        owner.add_user(names["alice"], "counsellor")
        owner.add_user(names["bruno"], "counsellor")
        owner.close()
        pipeline = tmp_path / "pipeline.toml"
        pipeline.write_text(PIPELINE, encoding="utf-8")
        yield database, names, pipeline


def _as(bilan, database: str, role: str, *args: object):
    return bilan("--store", url(database, role), *args)


def _alices_dossier(bilan, database, names, pipeline) -> str:
    created = _as(bilan, database, names["alice"], "dossier", "new", pipeline)
    assert created.code == 0, created.err
    dossier = created.out.split()[-1]
    assert _as(bilan, database, names["alice"], "session", "log", dossier, "--date",
               "2026-10-01", "--hours", "2", "--step", "preparation").code == 0
    store = Store.open(url(database, names["alice"]))
    store.start_administration(dossier, "valeurs", "1.0")
    store.record_answer(dossier, "valeurs", "AUT1", 4)
    store.close()
    return dossier


def test_a_counsellor_cannot_reach_another_counsellors_dossier_through_any_command(
        bilan, team):
    database, names, pipeline = team
    dossier = _alices_dossier(bilan, database, names, pipeline)
    bruno = names["bruno"]
    assert json.loads(_as(bilan, database, bruno, "dossier", "list", "--json").out) == []
    for command in (("dossier", "show", dossier), ("dossier", "export", dossier),
                    ("dossier", "update", dossier, pipeline), ("dossier", "close", dossier),
                    ("dossier", "delete", dossier, "--yes"), ("audit", dossier),
                    ("session", "log", dossier, "--date", "2026-10-02", "--hours", "1",
                     "--step", "preparation"), ("session", "list", dossier),
                    ("consent", "record", dossier, "--kind", "bilan"),
                    ("consent", "revoke", dossier, "--kind", "bilan"),
                    ("run", "--dossier", dossier), ("report", "--dossier", dossier),
                    ("administer", "valeurs", "--dossier", dossier),
                    ("invite", dossier), ("invite", dossier, "--list"),
                    ("invite", dossier, "--revoke", "1"),
                    ("dossier", "answers", dossier, "--import", pipeline)):
        result = _as(bilan, database, bruno, *command)
        assert result.code == 2, (command, result.err)
        assert f"no dossier '{dossier}' among yours" in result.err, (command, result.err)
    # Alice's dossier is whole, and Bruno's attempts are not in her trail as changes.
    alice = _as(bilan, database, names["alice"], "dossier", "show", dossier, "--json")
    assert len(json.loads(alice.out)["sessions"]) == 1
    chef = _as(bilan, database, names["chef"], "dossier", "list", "--json")
    assert [d["id"] for d in json.loads(chef.out)] == [dossier]


def test_direct_sql_as_another_counsellor_is_refused_by_the_database(bilan, team):
    database, names, pipeline = team
    dossier = _alices_dossier(bilan, database, names, pipeline)
    bruno = names["bruno"]
    for table in ("dossiers", "sessions", "consents", "administrations", "answers",
                  "documents"):
        assert sql(database, f"SELECT * FROM {table}", bruno) == [], table
        assert sql(database, f"SELECT count(*) FROM {table}", names["alice"])[0][0] >= (
            1 if table in ("dossiers", "sessions", "consents", "administrations", "answers")
            else 0), table
    assert sql(database, "SELECT count(*) FROM audit WHERE dossier_id = %s", bruno,
               (dossier,)) == [(0,)]
    # Changes to rows Bruno cannot see change nothing.
    sql(database, f"UPDATE dossiers SET counsellor = '{bruno}'", bruno)
    sql(database, "DELETE FROM answers", bruno)
    sql(database, "UPDATE sessions SET hours = 24", bruno)
    assert sql(database, "SELECT counsellor FROM dossiers", names["alice"]) == [
        (names["alice"],)]
    assert sql(database, "SELECT count(*), sum(hours) FROM sessions", names["alice"])[0][1] == 2
    assert sql(database, "SELECT count(*) FROM answers", names["alice"]) == [(1,)]
    # Writing into Alice's dossier, or in her name, is refused outright.
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql(database, "INSERT INTO sessions (dossier_id, held_on, hours, step, phase,"
            " modality, recorded_by, recorded_at) VALUES (%s, '2026-10-02', 1, 'preparation',"
            " 'preliminary', 'presentiel', 'x', 'now')", bruno, (dossier,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql(database, "INSERT INTO dossiers (id, counsellor, label, status, version,"
            " reference_date, created_at, updated_at) VALUES ('forged', %s, 'x', 'open', 1,"
            " '2026-10-01', 'now', 'now')", bruno, (names["alice"],))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql(database, "INSERT INTO audit (at, actor, action, detail) VALUES"
            " ('now', %s, 'forged', '{}')", bruno, (names["alice"],))
    # Accounts: Bruno reads his own row only and may not create one.
    assert sql(database, "SELECT name FROM accounts", bruno) == [(bruno,)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        sql(database, "INSERT INTO accounts (name, role, disabled, created_at, created_by)"
            " VALUES ('eve', 'admin', false, 'now', 'x')", bruno)


def test_the_audit_trail_is_append_only_even_for_its_owner(bilan, team):
    database, names, pipeline = team
    _alices_dossier(bilan, database, names, pipeline)
    for role in (names["alice"], names["chef"], None):
        for statement in ("UPDATE audit SET actor = 'personne'", "DELETE FROM audit",
                          "TRUNCATE audit"):
            with pytest.raises((psycopg.errors.InsufficientPrivilege,
                                psycopg.errors.RaiseException)):
                sql(database, statement, role)
    assert sql(database, "SELECT count(*) FROM audit")[0][0] >= 5
    trail = _as(bilan, database, names["alice"], "audit", "--json")
    assert {e["actor"] for e in json.loads(trail.out)} == {names["alice"]}


def test_accounts_are_roles_and_a_disabled_one_loses_the_store(bilan, team):
    database, names, _pipeline = team
    chef = names["chef"]
    carole = unique("carole")
    assert _as(bilan, database, chef, "user", "add", carole, "--role", "counsellor").code == 0
    assert sql(database, "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", None,
               (carole,)) == [(True,)]
    assert _as(bilan, database, carole, "dossier", "list").code == 0
    result = _as(bilan, database, carole, "user", "add", unique("eve"), "--role", "admin")
    assert result.code == 2 and "an administrator's right" in result.err
    assert _as(bilan, database, chef, "user", "disable", carole).code == 0
    result = _as(bilan, database, carole, "dossier", "list")
    assert result.code == 2
    assert f"the role '{carole}' may not use this store" in result.err
    with pytest.raises(psycopg.OperationalError, match="not permitted to log in"):
        sql(database, "SELECT * FROM dossiers", carole)
    stranger = unique("stranger")
    sql(database, f'CREATE ROLE "{stranger}" LOGIN')
    try:
        result = _as(bilan, database, stranger, "dossier", "list")
        assert result.code == 2, result.err
        assert f"the role '{stranger}' may not use this store" in result.err
    finally:
        sql(database, f'DROP ROLE "{stranger}"')


def test_an_older_store_on_postgresql_is_migrated(bilan, tmp_path, monkeypatch):
    monkeypatch.delenv("BILAN_STORE", raising=False)
    with postgres_database() as database:
        address = store_url(url(database))
        engine = create_engine(address)
        migrate(engine, address, target="0001")
        engine.dispose()
        name = unique("ancienne")
        assert bilan("--store", url(database), "user", "add", name, "--role",
                     "counsellor").code == 0
        assert sql(database, "SELECT version_num FROM alembic_version") == [
            (head_revision(),)]
        store = Store.open(url(database, name))
        assert store.dossiers() == []
        store.close()


def test_purge_on_postgresql_leaves_no_row_of_the_content(bilan, team):
    database, names, pipeline = team
    dossier = _alices_dossier(bilan, database, names, pipeline)
    assert _as(bilan, database, names["alice"], "dossier", "close", dossier, "--date",
               "2026-11-20").code == 0
    for table in ("answers", "administrations", "documents"):
        assert sql(database, f"SELECT count(*) FROM {table}") == [(0,)], table
    assert sql(database, "SELECT pipeline, state, beneficiary, status FROM dossiers") == [
        (None, None, None, "purged")]


def test_encryption_on_postgresql_is_rotated_by_the_owner(bilan, team, tmp_path,
                                                         monkeypatch):
    database, names, pipeline = team
    dossier = _alices_dossier(bilan, database, names, pipeline)
    key = tmp_path / "store.key"
    assert bilan("store", "new-key", key).code == 0
    refused = _as(bilan, database, names["chef"], "store", "rotate-key", "--new-key-file", key)
    assert refused.code == 2 and "the store's owner" in refused.err
    assert bilan("--store", url(database), "store", "rotate-key", "--new-key-file",
                 key).code == 0
    stored = sql(database, "SELECT value FROM answers")[0][0]
    assert bytes(stored).startswith(b"E1")
    locked = _as(bilan, database, names["alice"], "dossier", "export", dossier)
    assert locked.code == 2 and "encrypted" in locked.err
    monkeypatch.setenv("BILAN_STORE_KEY_FILE", str(key))
    opened = _as(bilan, database, names["alice"], "dossier", "export", dossier)
    assert opened.code == 0 and json.loads(opened.out)["answers"]["valeurs"]["answers"] == {
        "AUT1": 4}


def test_a_connection_the_server_dropped_is_replaced_before_the_next_answer(bilan, team,
                                                                           monkeypatch):
    import time

    from bilan_core.store import engine

    database, names, pipeline = team
    dossier = _alices_dossier(bilan, database, names, pipeline)
    monkeypatch.setattr(engine, "IDLE_CHECK_SECONDS", 0.2)
    store = Store.open(url(database, names["alice"]))
    store.record_answer(dossier, "valeurs", "AUT2", 3)
    sql(database, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s",
        None, (names["alice"],))
    time.sleep(0.5)  # a questionnaire's pause between two answers
    store.record_answer(dossier, "valeurs", "AUT3", 5)
    assert store.answers(dossier)["valeurs"]["answers"] == {"AUT1": 4, "AUT2": 3, "AUT3": 5}
    store.close()


def test_account_roles_cannot_grant_roles_nor_rewrite_their_records(bilan, team):
    database, names, pipeline = team
    dossier = _alices_dossier(bilan, database, names, pipeline)
    chef, alice, bruno = names["chef"], names["alice"], names["bruno"]
    (oid,) = sql(database, "SELECT oid FROM pg_database WHERE datname = current_database()")[0]
    # An administrator's role creates no role and grants no group: accounts change only
    # through the owner's functions, which refuse an existing role (the owner's included).
    for statement in (f'CREATE ROLE "{unique("eve")}" LOGIN',
                      f'GRANT "bilan_{oid}_admin" TO "{bruno}"',
                      f'GRANT "bilan_{oid}_counsellor" TO "{chef}"',
                      "UPDATE accounts SET role = 'admin'"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            sql(database, statement, chef)
    for existing in ("postgres", bruno):
        result = _as(bilan, database, chef, "user", "add", existing, "--role", "counsellor")
        assert result.code == 2 and "already" in result.err, result.err
    # A counsellor cannot undo a revocation, change a session, or date the audit trail.
    assert _as(bilan, database, alice, "consent", "record", dossier, "--kind", "sharing",
               "--recipient", "opco", "--date", "2026-10-02").code == 0
    assert _as(bilan, database, alice, "consent", "revoke", dossier, "--kind", "sharing",
               "--date", "2026-10-03").code == 0
    for statement in ("UPDATE consents SET revoked_on = NULL, revoked_by = NULL",
                      "UPDATE sessions SET hours = 1", "DELETE FROM sessions",
                      "DELETE FROM consents", "DELETE FROM dossiers"):
        with pytest.raises((psycopg.errors.InsufficientPrivilege,
                            psycopg.errors.RaiseException)):
            sql(database, statement, alice)
    sql(database, "INSERT INTO audit (at, actor, action, dossier_id, detail) VALUES"
        " ('1999-01-01', %s, 'note', %s, '{}')", alice, (alice, dossier))
    assert sql(database, "SELECT at FROM audit WHERE action = 'note'")[0][0].startswith("20")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql(database, "INSERT INTO audit (at, actor, action, dossier_id, detail) VALUES"
            " ('now', %s, 'dossier.purge', %s, '{}')", bruno, (bruno, dossier))


def test_invitations_follow_the_dossier_and_a_token_opens_it_whoever_looks(bilan, team):
    database, names, pipeline = team
    dossier = _alices_dossier(bilan, database, names, pipeline)
    alice, bruno = names["alice"], names["bruno"]
    store = Store.open(url(database, alice))
    try:
        number, token = store.invite(dossier, ["valeurs"], datetime.now(timezone.utc)
                                     + timedelta(days=1))
    finally:
        store.close()
    assert sql(database, "SELECT count(*) FROM invitations", alice) == [(1,)]
    assert sql(database, "SELECT * FROM invitations", bruno) == []
    sql(database, "UPDATE invitations SET revoked_at = 'x'", bruno)  # changes nothing
    store = Store.open(url(database, bruno))  # the web application knows a token only
    try:
        opened = store.invitation(token)
        assert opened is not None and (opened.dossier_id, opened.counsellor) == (dossier,
                                                                                  alice)
        assert store.invitation(token + "x") is None
        with pytest.raises(UsageError):
            store.revoke_invitation(dossier, number)
    finally:
        store.close()
    assert _as(bilan, database, alice, "invite", dossier, "--revoke", str(number)).code == 0
    store = Store.open(url(database, bruno))
    try:
        assert store.invitation(token) is None
    finally:
        store.close()


def test_the_web_application_on_postgresql_acts_as_the_dossiers_counsellor(bilan, team,
                                                                           monkeypatch):
    import re

    from starlette.testclient import TestClient

    from bilan_core.web.app import create_app

    database, names, pipeline = team
    dossier = _alices_dossier(bilan, database, names, pipeline)
    store = Store.open(url(database, names["alice"]))
    try:
        _number, token = store.invite(dossier, ["valeurs"], datetime.now(timezone.utc)
                                      + timedelta(days=1))
    finally:
        store.close()
    client = TestClient(create_app(url(database)), base_url="http://127.0.0.1:8000")
    assert client.get(f"/invitation/{token}").status_code == 200
    text = client.get("/reponses/valeurs").text
    fields = dict(re.findall(r'<input type="hidden" name="(csrf|shown)" value="([^"]+)"', text))
    items = list(dict.fromkeys(re.findall(r'name="item-([^"]+)"', text)))
    response = client.post("/reponses/valeurs", follow_redirects=False,
                           data={**fields, **{f"item-{i}": "2" for i in items}})
    assert response.status_code == 303, response.text
    rows = sql(database, "SELECT item FROM answers WHERE dossier_id = %s", names["alice"],
               (dossier,))
    assert {item for (item,) in rows} >= set(items)
    owner = Store.open(url(database))
    try:
        view = owner.acting_as(names["alice"])
        with view.reading() as connection:  # each transaction runs as her role
            assert connection.exec_driver_sql("SELECT current_user").scalar_one() == (
                names["alice"])
            assert connection.exec_driver_sql("SELECT count(*) FROM dossiers").scalar_one() == 1
        with owner.acting_as(names["bruno"]).reading() as connection:  # RLS: none of hers
            assert connection.exec_driver_sql("SELECT count(*) FROM dossiers").scalar_one() == 0
    finally:
        owner.close()
    # Acting for an account is the owner's: a counsellor's store may not.
    bruno = Store.open(url(database, names["bruno"]))
    try:
        with pytest.raises(UsageError):
            bruno.acting_as(names["alice"])
    finally:
        bruno.close()


def test_an_account_acted_for_by_the_owner_keeps_its_own_rights(bilan, team):
    """The web application acts for an account with SET ROLE from the owner's session: the
    owner's functions judge the role in effect, not the session's."""
    database, names, _pipeline = team
    owner = Store.open(url(database))
    try:
        alice = owner.acting_as(names["alice"])
        with pytest.raises(UsageError, match="administrator"), \
                alice.writing() as connection:
            connection.execute(sa.text("SELECT bilan_set_password(:name, 'forged')"),
                               {"name": names["chef"]})
        with alice.writing() as connection:  # her own password: hers to change
            connection.execute(sa.text("SELECT bilan_set_password(:name, 'hers')"),
                               {"name": names["alice"]})
        chef = owner.acting_as(names["chef"])
        chef.add_user(unique("nouvelle"), "counsellor")  # an administrator's right
    finally:
        owner.close()
    assert sql(database, "SELECT password_hash FROM accounts WHERE name = %s", None,
               (names["chef"],)) == [(None,)]


def test_the_evidence_follows_the_dossier_on_postgresql(bilan, team, tmp_path):
    """Signatures, the programme, dated facts, feedback answers and complaints are the
    dossier's counsellor's: through the commands and through direct SQL; the administrator
    sees all and packs them."""
    database, names, pipeline = team
    dossier = _alices_dossier(bilan, database, names, pipeline)
    alice, bruno, chef = names["alice"], names["bruno"], names["chef"]
    for command in (("evidence", "sign", dossier, "1", "--as", "counsellor"),
                    ("evidence", "sign", dossier, "1", "--as", "beneficiary", "--name",
                     "Élodie Martin"),
                    ("evidence", "record", dossier, "information", "--date", "2026-09-30"),
                    ("complaint", "add", "--dossier", dossier, "--channel", "email",
                     "--subject", "Horaires")):
        done = _as(bilan, database, alice, *command)
        assert done.code == 0, (command, done.err)
    store = Store.open(url(database, alice))
    store.save_feedback(dossier, "satisfaction", "1.0", {"global_satisfaction": 5})
    store.close()
    for command in (("evidence", "sign", dossier, "1", "--as", "counsellor"),
                    ("evidence", "status", dossier), ("evidence", "attendance", dossier,
                                                      "--output", tmp_path / "b"),
                    ("evidence", "pack", dossier, "--output", tmp_path / "b"),
                    ("complaint", "list", "--dossier", dossier)):
        refused = _as(bilan, database, bruno, *command)
        assert refused.code == 2 and "among yours" in refused.err, (command, refused.err)
    for table in ("programmes", "signatures", "evidence_records", "feedback", "complaints"):
        assert sql(database, f"SELECT count(*) FROM {table}", alice)[0][0] >= 1, table
        assert sql(database, f"SELECT * FROM {table}", bruno) == [], table
    with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no counsellor deletes one
        sql(database, "DELETE FROM signatures", bruno)
    sql(database, "UPDATE feedback SET value = 1", bruno)  # rows he cannot see: none
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql(database, "INSERT INTO signatures (session_id, dossier_id, role, signer, via,"
            " record_hash, signed_at) VALUES (1, %s, 'beneficiary', 'x', 'screen', 'x',"
            " 'now')", bruno, (dossier,))
    assert sql(database, "SELECT count(*) FROM signatures", alice) == [(2,)]
    # A row pointing at another dossier's row is refused: a payment of Alice's invoice
    # filed under Bruno's own dossier, a signature of her session under his.
    assert _as(bilan, database, alice, "invoice", "add", dossier, "--number", "A-1",
               "--payer", "cpf", "--amount", "10", "--date", "2026-10-02").code == 0
    his = _as(bilan, database, bruno, "dossier", "new", pipeline).out.split()[-1]
    invoice = sql(database, "SELECT id FROM invoices", alice)[0][0]
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql(database, "INSERT INTO payments (invoice_id, dossier_id, paid_on, amount,"
            " recorded_by, recorded_at) VALUES (%s, %s, '2026-10-03', 5, 'x', 'now')", bruno,
            (invoice, his))
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
        sql(database, "INSERT INTO signatures (session_id, dossier_id, role, signer, via,"
            " record_hash, signed_at) VALUES (1, %s, 'beneficiary', 'x', 'screen', 'x',"
            " 'now')", bruno, (his,))
    assert sql(database, "SELECT value FROM feedback", alice) == [(5,)]
    assert json.loads(_as(bilan, database, bruno, "complaint", "list", "--json").out) == []
    status = json.loads(_as(bilan, database, chef, "evidence", "status", dossier,
                            "--json").out)[0]
    assert (status["signed_hours"], status["planned_hours"]) == ("2", "17")
    packed = _as(bilan, database, chef, "evidence", "pack", dossier, "--output",
                 tmp_path / "pack")
    assert packed.code == 0, packed.err
    assert (tmp_path / "pack" / f"{dossier}-emargement.pdf").stat().st_size > 1000
