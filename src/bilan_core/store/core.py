"""The dossier store: accounts, dossiers over time, sessions, consents, answers, documents and
the audit trail, on SQLite or PostgreSQL.

Every call checks who may see what: a counsellor reaches only the dossiers recorded under their
account, an administrator and the store's owner reach all (on PostgreSQL the database enforces
it too, :mod:`bilan_core.store.access`). Every write is one transaction that also appends to
the audit trail; a write to a dossier locks it (``BEGIN IMMEDIATE`` on SQLite, ``SELECT ... FOR
UPDATE`` on PostgreSQL) and increments its version, so a change computed from an older version
is detected (:class:`ConcurrentChange`) instead of overwriting another.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import attrs
import sqlalchemy as sa

from bilan_core.errors import BilanError, UsageError
from bilan_core.i18n import _
from bilan_core.store import schema as t
from bilan_core.store.crypto import Cipher
from bilan_core.store.engine import (
    create_engine,
    describe,
    lock,
    migrate,
    remove_backups,
    shown,
    store_url,
    translated,
)
from bilan_core.store.evidence import EvidenceStore
from bilan_core.values import plain_repr

OWNER = "owner"
ROLES = ("counsellor", "admin")


class ConcurrentChange(BilanError):
    """The dossier changed since it was read: the change was not made (exit 1)."""

    exit_code = 1


def now() -> str:
    """The current moment, UTC, as the store writes it."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@plain_repr
@attrs.frozen(repr=False)
class Actor:
    """Who is using the store: an account, or the store's owner (not an account)."""

    name: str
    role: str  # "counsellor", "admin" or OWNER

    @property
    def sees_all(self) -> bool:
        """Administrators and the owner reach every dossier."""
        return self.role != "counsellor"


@plain_repr
@attrs.frozen(repr=False)
class Invitation:
    """What a valid invitation link opens: one dossier's listed questionnaires."""

    id: int
    dossier_id: str
    instruments: tuple[str, ...]
    expires_at: str
    counsellor: str
    purpose: str = "answers"  # or "feedback": the provider's questionnaires


def token_digest(token: str) -> str:
    """The SHA-256 of an invitation token, hex: what the store keeps of it."""
    import hashlib

    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _moment(when: datetime) -> str:
    if when.tzinfo is None:
        raise ValueError("a moment of the store has a time zone")
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")


class _Rows:
    """The rows of a statement run on a DBAPI cursor (see :meth:`Store._run`)."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.rowcount: int = cursor.rowcount

    def first(self) -> Any:
        row = self.cursor.fetchone() if self.cursor.description else None
        self.cursor.close()
        return row

    def one(self) -> Any:
        row = self.first()
        if row is None:
            raise sa.exc.NoResultFound("no row")
        return row


@plain_repr
@attrs.frozen(repr=False)
class DossierInfo:
    """A dossier's administrative record (no content)."""

    id: str
    counsellor: str
    label: str
    beneficiary: str | None
    status: str
    version: int
    reference_date: date
    created_at: str
    updated_at: str
    closed_at: str | None
    keep_until: date | None
    pipeline_path: str | None
    hours: Decimal = Decimal(0)
    sessions: int = 0


@plain_repr
@attrs.frozen(repr=False)
class SessionRecord:
    """A session held with the beneficiary."""

    id: int
    held_on: date
    hours: Decimal
    step: str
    phase: str
    modality: str
    recorded_by: str
    recorded_at: str


@plain_repr
@attrs.frozen(repr=False)
class ConsentRecord:
    """A consent as recorded, and its revocation if any."""

    id: int
    kind: str
    recipient: str | None
    given_on: date
    until: date | None
    recorded_by: str
    recorded_at: str
    revoked_on: date | None = None
    revoked_by: str | None = None

    def in_force(self, on: date) -> bool:
        """Given on or before ``on``, not expired, not revoked by then."""
        return (self.given_on <= on and (self.until is None or on <= self.until)
                and (self.revoked_on is None or on < self.revoked_on))


def _info(row: Any) -> DossierInfo:
    """A dossier's record from a row of :meth:`Store._dossier_query` (or of its columns
    without the totals), built by position: listings build thousands."""
    values = tuple(row)
    # Hours are kept to the hundredth; SQLite sums them as floats (24.000000000000068).
    hours = (Decimal(str(values[12] or 0)).quantize(Decimal("0.01")) if len(values) > 12
             else Decimal(0))
    sessions = int(values[13] or 0) if len(values) > 13 else 0
    return DossierInfo(values[0], values[1], values[2], values[3], values[4], values[5],
                       _day(values[6]), values[7], values[8], values[9], _day(values[10]),
                       values[11], hours, sessions)


#: The dossier columns a record holds, in :class:`DossierInfo`'s order (no content).
RECORD = tuple(c for c in t.dossiers.c if c.name not in ("pipeline", "state"))


def _day(value: Any) -> Any:
    """A date column's value as a date (None stays None)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _key(result: sa.CursorResult[Any]) -> int:
    """The primary key an INSERT gave."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


class Store(EvidenceStore):
    """One open store and who uses it. Open with :meth:`open`."""

    def __init__(self, url: sa.URL, engine: sa.Engine, cipher: Cipher, actor: Actor,
                 say: Any = None) -> None:
        self.url = url
        self.engine = engine
        self.cipher = cipher
        self.actor = actor
        self.say = say
        self.backend = url.get_backend_name()
        self._compiled: dict[str, tuple[str, Any, dict[str, Any]]] = {}
        self._role: str | None = None  # the account's role each transaction takes
        self._via: str | None = None  # what the account acts through (an invitation)

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, given: str | None = None, *, key: bytes | None = None, say: Any = None,
             user: str | None = None, upgrade: bool = True, connections: int = 1) -> Store:
        """Open the store chosen by ``given``, ``BILAN_STORE`` or the default, migrating an
        older one; ``key`` (else ``BILAN_STORE_KEY``/``_FILE``) opens encrypted content.
        ``connections`` is how many connections the store keeps open for threads that use it
        at once (the web application's); more are opened, then closed, when needed."""
        from bilan_core.store.crypto import key_from_environment

        url = store_url(given)
        if key is None:
            key = key_from_environment()
        engine = create_engine(url, connections)
        with translated(url):
            if upgrade:
                migrate(engine, url, say=say)
            with engine.connect() as connection, connection.begin():
                encryption = connection.execute(
                    sa.select(t.meta.c.value).where(t.meta.c.key == "encryption")
                ).scalar_one_or_none()
                actor = cls._identify(connection, url, user)
        if encryption and key is None:
            raise UsageError(_("{store}: the store's content is encrypted (key fingerprint"
                               " {mark}); set BILAN_STORE_KEY or BILAN_STORE_KEY_FILE to its"
                               " key").format(store=shown(url), mark=encryption))
        cipher = Cipher(key)
        if encryption and cipher.fingerprint != encryption:
            raise UsageError(_("{store}: the key given (fingerprint {given}) is not the store's"
                               " (fingerprint {mark})").format(
                store=shown(url), given=cipher.fingerprint, mark=encryption))
        if not encryption and key is not None:
            raise UsageError(_("{store}: the store is not encrypted; to encrypt it with this"
                               " key run 'bilan store rotate-key --new-key-file FILE' without"
                               " BILAN_STORE_KEY").format(store=shown(url)))
        return cls(url, engine, cipher, actor, say)

    @staticmethod
    def _identify(connection: sa.Connection, url: sa.URL, user: str | None) -> Actor:
        """Who uses the store: on PostgreSQL the role connected; on SQLite ``BILAN_USER``
        (an attribution: the file's owner may act as any account), else the owner."""
        if url.get_backend_name() == "postgresql":
            name = connection.exec_driver_sql("SELECT current_user").scalar_one()
            row = connection.execute(sa.select(t.accounts).where(
                t.accounts.c.name == name)).first()
            if row is None:
                owner = connection.exec_driver_sql(
                    "SELECT rolsuper OR pg_has_role(current_user, (SELECT tableowner FROM"
                    " pg_tables WHERE tablename = 'dossiers' AND schemaname ="
                    " current_schema()), 'USAGE') FROM pg_roles WHERE rolname = current_user"
                ).scalar_one()
                if not owner:
                    raise UsageError(_("{store}: the role {name!r} is not an account of this"
                                       " store").format(store=shown(url), name=name))
                return Actor(str(name), OWNER)
        else:
            name = user or os.environ.get("BILAN_USER") or ""
            if not name:
                return Actor(_login(), OWNER)
            row = connection.execute(sa.select(t.accounts).where(
                t.accounts.c.name == name)).first()
            if row is None:
                raise UsageError(_("{store}: no account {name!r} (BILAN_USER); the accounts are"
                                   " listed by 'bilan user list'").format(store=shown(url),
                                                                          name=name))
        if row.disabled:
            raise UsageError(_("{store}: the account {name!r} is disabled").format(
                store=shown(url), name=name))
        return Actor(str(name), str(row.role))

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[sa.Connection]:
        """A read transaction."""
        with translated(self.url), self.engine.connect() as connection, connection.begin():
            self._take_role(connection)
            yield connection

    @contextlib.contextmanager
    def writing(self) -> Iterator[sa.Connection]:
        """A write transaction: on SQLite it holds the write lock from its start."""
        with translated(self.url), self.engine.connect().execution_options(
                bilan_write=True) as connection, connection.begin():
            self._take_role(connection)
            yield connection

    def _take_role(self, connection: sa.Connection) -> None:
        # Acting for an account on PostgreSQL: the transaction runs as its role, so the
        # database's row-level security applies to everything it does.
        if self._role is not None:
            from bilan_core.store.access import quote

            connection.exec_driver_sql(f"SET LOCAL ROLE {quote(self._role)}")

    def acting_as(self, name: str, via: str | None = None) -> Store:
        """The same store, used by the account ``name``: what a web application does for
        whoever is logged in, or for the counsellor of the dossier a beneficiary's link opens.
        Only the store's owner may act for another account; on PostgreSQL each transaction
        then runs as the account's role (the owner's role holds every account's), so the
        database itself keeps to what the account may see. A disabled or unknown account is
        refused. ``via`` names what the account acts through, for the audit trail: a
        beneficiary's answers are saved under their counsellor's account (whose dossier it
        is), each audited with ``via`` ("invitation 3") beside the account's name."""
        if self.actor.role != OWNER:
            raise UsageError(_("only the store's owner acts for another account"))
        with self.reading() as connection:
            row = connection.execute(sa.select(t.accounts).where(
                t.accounts.c.name == name)).first()
        if row is None or row.disabled:
            raise UsageError(_("no active account {name!r}").format(name=name))
        view = Store(self.url, self.engine, self.cipher, Actor(str(name), str(row.role)),
                     self.say)
        view._compiled = self._compiled
        view._role = str(name) if self.backend == "postgresql" else None
        view._via = via
        return view

    def audit(self, connection: sa.Connection, action: str, dossier: str | None = None,
              **detail: Any) -> None:
        """Append to the audit trail, in the same transaction as the action. ``detail`` is
        administrative: ids, kinds, counts, never results or free text."""
        if self._via is not None:
            detail = {**detail, "via": self._via}
        columns = ("at", "actor", "action", "dossier_id", "detail")
        self._run(connection, "audit", lambda: t.audit.insert().values(
            {name: sa.bindparam(name) for name in columns}), {
            "at": now(), "actor": self.actor.name, "action": action, "dossier_id": dossier,
            "detail": json.dumps(detail, sort_keys=True, default=str, ensure_ascii=False)})

    # -- accounts ------------------------------------------------------------------------

    def _require_admin(self, what: str) -> None:
        if not self.actor.sees_all:
            raise UsageError(_("{what}: an administrator's right; you are the counsellor"
                               " {name!r}").format(what=what, name=self.actor.name))

    def add_user(self, name: str, role: str, password_hash: str | None = None) -> None:
        """Create an account (and, on PostgreSQL, its login role in the right group)."""
        self._require_admin("user add")
        _check_account_name(name)
        if role not in ROLES:
            raise UsageError(_("a role is counsellor or admin, not {role!r}").format(role=role))
        with self.writing() as connection:
            lock(connection, "accounts")  # two adds of one name: the second says it exists
            if connection.execute(sa.select(t.accounts.c.name).where(
                    t.accounts.c.name == name)).first() is not None:
                raise UsageError(_("the account {name!r} already exists").format(name=name))
            if self.backend == "postgresql":  # the row and the role, by the owner's function
                exists = connection.exec_driver_sql(
                    "SELECT 1 FROM pg_roles WHERE rolname = %(name)s", {"name": name}).first()
                if exists is not None:
                    raise UsageError(_("a database role named {name!r} exists already on this"
                                       " server: choose another account name").format(
                        name=name))
                connection.exec_driver_sql(
                    "SELECT bilan_add_account(%(name)s, %(role)s, %(moment)s, %(secret)s)",
                    {"name": name, "role": role, "moment": now(), "secret": password_hash})
            else:
                connection.execute(t.accounts.insert().values(
                    name=name, role=role, disabled=False, created_at=now(),
                    created_by=self.actor.name, password_hash=password_hash))
            self.audit(connection, "account.add", account=name, role=role,
                       password=password_hash is not None)

    def set_password(self, name: str, password_hash: str) -> None:
        """Set an account's web password (an argon2 hash); an account may set its own."""
        if self.actor.name != name:
            self._require_admin("user passwd")
        with self.writing() as connection:
            if self.backend == "postgresql":
                self._pg_account(connection, "SELECT bilan_set_password(%(name)s, %(secret)s)",
                                 name, secret=password_hash)
            elif not connection.execute(t.accounts.update().where(
                    t.accounts.c.name == name).values(
                    password_hash=password_hash,
                    web_sessions=t.accounts.c.web_sessions + 1)).rowcount:
                raise UsageError(_("no account {name!r}").format(name=name))
            self.audit(connection, "account.password", account=name)

    def _pg_account(self, connection: sa.Connection, statement: str, name: str,
                    **params: Any) -> None:
        """Call one of the owner's account functions; its refusal as a message."""
        if connection.execute(sa.select(t.accounts.c.name).where(
                t.accounts.c.name == name)).first() is None and self.actor.sees_all:
            raise UsageError(_("no account {name!r}").format(name=name))
        connection.exec_driver_sql(statement, {"name": name, **params})

    def disable_user(self, name: str) -> None:
        """Disable an account: it can no longer use the store (on PostgreSQL its role loses
        the store's groups). Its dossiers stay, attributed to it."""
        self._require_admin("user disable")
        with self.writing() as connection:
            if self.backend == "postgresql":
                self._pg_account(connection, "SELECT bilan_disable_account(%(name)s)", name)
            elif not connection.execute(t.accounts.update().where(
                    t.accounts.c.name == name).values(disabled=True)).rowcount:
                raise UsageError(_("no account {name!r}").format(name=name))
            self.audit(connection, "account.disable", account=name)

    def users(self) -> list[dict[str, Any]]:
        """The accounts (an administrator sees all, a counsellor their own)."""
        with self.reading() as connection:
            query = sa.select(t.accounts.c.name, t.accounts.c.role, t.accounts.c.disabled,
                              t.accounts.c.created_at,
                              (t.accounts.c.password_hash.is_not(None)).label("password")
                              ).order_by(t.accounts.c.name)
            if not self.actor.sees_all:
                query = query.where(t.accounts.c.name == self.actor.name)
            return [dict(row._mapping) for row in connection.execute(query)]

    def web_sessions(self, name: str) -> int | None:
        """The number an active account's web sessions carry (None: no such active
        account); the owner's, for the web application."""
        with self.reading() as connection:
            return connection.execute(sa.select(t.accounts.c.web_sessions).where(
                t.accounts.c.name == name, t.accounts.c.disabled.is_(False))
            ).scalar_one_or_none()

    def end_web_sessions(self, name: str) -> None:
        """End every web session of an account (a logout: the cookie another device keeps
        stops working too). The owner's, for the web application."""
        if self.actor.role != OWNER:
            raise UsageError(_("only the store's owner acts for another account"))
        with self.writing() as connection:
            connection.execute(t.accounts.update().where(t.accounts.c.name == name).values(
                web_sessions=t.accounts.c.web_sessions + 1))
            self.audit(connection, "account.logout", account=name)

    def password_hash(self, name: str) -> str | None:
        """An account's password hash, for the web application's login."""
        with self.reading() as connection:
            return connection.execute(sa.select(t.accounts.c.password_hash).where(
                t.accounts.c.name == name, t.accounts.c.disabled.is_(False))
            ).scalar_one_or_none()

    # -- dossiers ------------------------------------------------------------------------

    def _dossier_query(self) -> sa.Select[Any]:
        """The records of the dossiers this actor may see, with their sessions' totals
        (one grouped pass over the sessions, joined: not a subquery per dossier)."""
        totals = (sa.select(t.sessions.c.dossier_id,
                            sa.func.sum(t.sessions.c.hours).label("hours"),
                            sa.func.count().label("sessions"))
                  .group_by(t.sessions.c.dossier_id).subquery("totals"))
        query = (sa.select(*RECORD, sa.func.coalesce(totals.c.hours, 0).label("hours"),
                           sa.func.coalesce(totals.c.sessions, 0).label("sessions"))
                 .select_from(t.dossiers.outerjoin(
                     totals, totals.c.dossier_id == t.dossiers.c.id)))
        if not self.actor.sees_all:
            query = query.where(t.dossiers.c.counsellor == self.actor.name)
        return query

    def dossiers(self, status: str | None = None, counsellor: str | None = None
                 ) -> list[DossierInfo]:
        """The dossiers this actor may see, newest first."""
        query = self._dossier_query().order_by(t.dossiers.c.created_at.desc(),
                                               t.dossiers.c.id)
        if status:
            query = query.where(t.dossiers.c.status == status)
        if counsellor:
            query = query.where(t.dossiers.c.counsellor == counsellor)
        with self.reading() as connection:
            return [_info(row) for row in connection.execute(query).all()]

    def _run(self, connection: sa.Connection, name: str, build: Any,
             params: dict[str, Any]) -> _Rows:
        """Run one of the hot statements (a write of an answer, a dossier's record...) on
        the transaction's own DBAPI cursor: built with SQLAlchemy Core and compiled for the
        backend once per store, then sent as the driver would send it. SQLAlchemy's execution
        machinery costs more than these statements on a kept connection
        (``benchmarks/store.py``); their results need no type processing (the callers read
        dates and sums whether they come as text or as objects)."""
        found = self._compiled.get(name)
        if found is None:
            compiled = build().compile(dialect=self.engine.dialect)
            found = self._compiled[name] = (str(compiled), compiled.positiontup,
                                            dict(compiled.params))
        text, order, defaults = found
        values = {**defaults, **params}
        arguments: Any = tuple(values[key] for key in order) if order else values
        raw = connection.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            cursor.execute(text, arguments)
        except Exception as exc:
            dbapi = self.engine.dialect.loaded_dbapi
            if isinstance(exc, dbapi.Error):
                raise sa.exc.DBAPIError.instance(text, arguments, exc, dbapi.Error) from exc
            raise
        return _Rows(cursor)

    def _visible(self, connection: sa.Connection, dossier_id: str, *,
                 lock: bool = False, full: bool = False) -> DossierInfo:
        """A dossier this actor may reach (with its hours and sessions when ``full``),
        locked for the transaction when ``lock`` (PostgreSQL; SQLite's write transactions
        hold the whole store)."""
        restricted = not self.actor.sees_all
        lock = lock and self.backend == "postgresql"

        def build() -> Any:
            if full:  # the totals of this dossier's sessions only: correlated subqueries
                where = t.sessions.c.dossier_id == t.dossiers.c.id
                query = sa.select(
                    *RECORD,
                    sa.select(sa.func.coalesce(sa.func.sum(t.sessions.c.hours), 0))
                    .where(where).scalar_subquery().label("hours"),
                    sa.select(sa.func.count()).where(where).scalar_subquery().label("sessions"))
            else:
                query = sa.select(*RECORD)
            query = query.where(t.dossiers.c.id == sa.bindparam("dossier_id"))
            if restricted:
                query = query.where(t.dossiers.c.counsellor == sa.bindparam("actor"))
            return query.with_for_update() if lock else query

        row = self._run(connection, f"visible:{full}:{restricted}:{lock}", build,
                        {"dossier_id": dossier_id, "actor": self.actor.name}).first()
        if row is None:
            # The same answer whether the dossier does not exist or is another's.
            raise UsageError(_("no dossier {id!r} among yours in {store} ('bilan dossier"
                               " list' shows them)").format(id=dossier_id,
                                                            store=shown(self.url)))
        return _info(row)

    def info(self, dossier_id: str) -> DossierInfo:
        """A dossier's administrative record."""
        with self.reading() as connection:
            return self._visible(connection, dossier_id, full=True)

    def _changed(self, connection: sa.Connection, info: DossierInfo,
                 expected: int | None = None, **values: Any) -> int:
        """Increment a dossier's version (with other changes); :class:`ConcurrentChange` if
        its version is no longer the one read."""
        version = info.version if expected is None else expected
        if values:
            statement = t.dossiers.update().where(
                t.dossiers.c.id == info.id, t.dossiers.c.version == version).values(
                version=version + 1, updated_at=now(), **values)
            done = connection.execute(statement).rowcount
        else:
            done = self._run(connection, "bump", lambda: t.dossiers.update().where(
                t.dossiers.c.id == sa.bindparam("dossier_id"),
                t.dossiers.c.version == sa.bindparam("old")).values(
                version=sa.bindparam("new"), updated_at=sa.bindparam("moment")), {
                "dossier_id": info.id, "old": version, "new": version + 1,
                "moment": now()}).rowcount
        if not done:
            raise ConcurrentChange(_("dossier {id}: changed by someone else since it was read"
                                     " (version {old}, now {new}); nothing was saved, run the"
                                     " command again").format(
                id=info.id, old=version, new=info.version))
        return version + 1

    def _open_only(self, info: DossierInfo, what: str) -> None:
        if info.status != "open":
            raise UsageError(_("dossier {id} is {status}: {what} is no longer possible").format(
                id=info.id, status=_(info.status), what=what))

    def create(self, *, label: str, beneficiary: str, reference_date: date,
               pipeline_path: str | None, pipeline_text: str, state: str,
               counsellor: str | None = None, consents: Sequence[Mapping[str, Any]] = (),
               programme: Mapping[str, Any] | None = None) -> str:
        """A new dossier; its id."""
        if len(label) > 120 or len(beneficiary) > 120:
            raise UsageError(_("a pipeline's id and a beneficiary's id are 120 characters at"
                               " most in the store"))
        owner = counsellor or (self.actor.name if self.actor.role == "counsellor" else None)
        if owner is None:
            raise UsageError(_("name the dossier's counsellor with --counsellor (an account:"
                               " 'bilan user list')"))
        if owner != self.actor.name and not self.actor.sees_all:
            raise UsageError(_("a counsellor creates dossiers in their own name, not"
                               " {name!r}").format(name=owner))
        with self.writing() as connection:
            account = connection.execute(sa.select(t.accounts).where(
                t.accounts.c.name == owner)).first()
            if account is None or account.role != "counsellor" or account.disabled:
                raise UsageError(_("{name!r} is not an active counsellor account ('bilan user"
                                   " list')").format(name=owner))
            dossier_id = secrets.token_hex(5)
            moment = now()
            connection.execute(t.dossiers.insert().values(
                id=dossier_id, counsellor=owner, label=label, beneficiary=beneficiary,
                status="open", version=1, reference_date=reference_date, created_at=moment,
                updated_at=moment, pipeline_path=pipeline_path,
                pipeline=self.cipher.seal(pipeline_text.encode(),
                                          f"dossiers.pipeline:{dossier_id}"),
                state=self.cipher.seal(state.encode(), f"dossiers.state:{dossier_id}")))
            for consent in consents:
                self._insert_consent(connection, dossier_id, consent)
            if programme is not None:
                self._set_programme(connection, dossier_id, programme)
            self.audit(connection, "dossier.create", dossier_id, counsellor=owner,
                       consents=len(consents))
        return dossier_id

    def content(self, dossier_id: str, *, purpose: str = "read") -> tuple[DossierInfo, str, str]:
        """A dossier's record, pipeline text and state (the dossier JSON); the read is
        audited, with its purpose."""
        with self.writing() as connection:
            info = self._visible(connection, dossier_id)
            if info.status == "purged":
                raise UsageError(_("dossier {id}: its content was destroyed on {date}").format(
                    id=dossier_id, date=(info.closed_at or "")[:10]))
            row = self._run(connection, "content", lambda: sa.select(
                t.dossiers.c.pipeline, t.dossiers.c.state).where(
                t.dossiers.c.id == sa.bindparam("dossier_id")), {"dossier_id": dossier_id}).one()
            self.audit(connection, f"dossier.{purpose}", dossier_id)
        pipeline, state = row
        if pipeline is None or state is None:
            raise UsageError(_("dossier {id}: its content was destroyed").format(id=dossier_id))
        return (info, self.cipher.open(pipeline, f"dossiers.pipeline:{dossier_id}").decode(),
                self.cipher.open(state, f"dossiers.state:{dossier_id}").decode())

    def save_state(self, dossier_id: str, state: str, expected: int, *,
                   step: str | None = None, pipeline_text: str | None = None,
                   pipeline_path: str | None = None, action: str = "dossier.step",
                   programme: Mapping[str, Any] | None = None) -> int:
        """Save the dossier after a step (or an update of its pipeline) if nobody changed it
        since version ``expected``; its new version."""
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            self._open_only(info, _("running a step"))
            values: dict[str, Any] = {
                "state": self.cipher.seal(state.encode(), f"dossiers.state:{dossier_id}")}
            if pipeline_text is not None:
                values["pipeline"] = self.cipher.seal(pipeline_text.encode(),
                                                      f"dossiers.pipeline:{dossier_id}")
            if pipeline_path is not None:
                values["pipeline_path"] = pipeline_path
            version = self._changed(connection, info, expected, **values)
            if programme is not None:
                self._set_programme(connection, dossier_id, programme)
            self.audit(connection, action, dossier_id, **({"step": step} if step else {}))
        return version

    # -- sessions ------------------------------------------------------------------------

    def sessions(self, dossier_id: str, connection: sa.Connection | None = None
                 ) -> list[SessionRecord]:
        """A dossier's sessions, in date order."""
        with _maybe(self.reading, connection) as conn:
            self._visible(conn, dossier_id)
            rows = conn.execute(sa.select(t.sessions).where(
                t.sessions.c.dossier_id == dossier_id).order_by(t.sessions.c.held_on,
                                                                 t.sessions.c.id))
            return [SessionRecord(id=r.id, held_on=_day(r.held_on), hours=Decimal(str(r.hours)),
                                  step=r.step, phase=r.phase, modality=r.modality,
                                  recorded_by=r.recorded_by, recorded_at=r.recorded_at)
                    for r in rows]

    def log_session(self, dossier_id: str, *, held_on: date, hours: Decimal, step: str,
                    modality: str, check: Any) -> tuple[SessionRecord, Decimal]:
        """Record a session after ``check(info, state, sessions, consents)`` accepted it (the
        law's rules, applied inside the transaction so concurrent logs cannot both pass);
        return it and the hours logged in all."""
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            self._open_only(info, _("logging a session"))
            state = self._state(connection, dossier_id)
            sessions = self.sessions(dossier_id, connection)
            consents = self.consents(dossier_id, connection)
            phase = check(info, state, sessions, consents)
            moment = now()
            new_id = _key(connection.execute(t.sessions.insert().values(
                dossier_id=dossier_id, held_on=held_on, hours=hours, step=step, phase=phase,
                modality=modality, recorded_by=self.actor.name, recorded_at=moment)))
            self._changed(connection, info)
            self.audit(connection, "session.log", dossier_id, session=new_id,
                       hours=str(hours), step=step, modality=modality)
        record = SessionRecord(new_id, held_on, hours, step, phase, modality, self.actor.name,
                               moment)
        return record, sum((s.hours for s in sessions), Decimal(0)) + hours

    def _state(self, connection: sa.Connection, dossier_id: str) -> str:
        stored = connection.execute(sa.select(t.dossiers.c.state).where(
            t.dossiers.c.id == dossier_id)).scalar_one()
        if stored is None:
            raise UsageError(_("dossier {id}: its content was destroyed").format(id=dossier_id))
        return self.cipher.open(stored, f"dossiers.state:{dossier_id}").decode()

    # -- consents ------------------------------------------------------------------------

    def consents(self, dossier_id: str, connection: sa.Connection | None = None
                 ) -> list[ConsentRecord]:
        """Every consent recorded for a dossier, revoked ones included."""
        with _maybe(self.reading, connection) as conn:
            self._visible(conn, dossier_id)
            rows = conn.execute(sa.select(t.consents).where(
                t.consents.c.dossier_id == dossier_id).order_by(t.consents.c.id))
            return [ConsentRecord(
                id=r.id, kind=r.kind, recipient=r.recipient, given_on=_day(r.given_on),
                until=_day(r.until), recorded_by=r.recorded_by, recorded_at=r.recorded_at,
                revoked_on=_day(r.revoked_on), revoked_by=r.revoked_by) for r in rows]

    def _insert_consent(self, connection: sa.Connection, dossier_id: str,
                        consent: Mapping[str, Any]) -> int:
        return _key(connection.execute(t.consents.insert().values(
            dossier_id=dossier_id, kind=consent["kind"], recipient=consent.get("recipient"),
            given_on=consent["given_on"], until=consent.get("until"),
            recorded_by=self.actor.name, recorded_at=now())))

    def record_consent(self, dossier_id: str, *, kind: str, given_on: date,
                       recipient: str | None = None, until: date | None = None,
                       check: Any = None) -> int:
        """Record a consent the beneficiary gave; ``check(info, state)`` applies the law."""
        if recipient is not None and len(recipient) > 64:
            raise UsageError(_("a recipient's name is 64 characters at most"))
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            self._open_only(info, _("recording a consent"))
            if check is not None:
                check(info, self._state(connection, dossier_id))
            consent_id = self._insert_consent(connection, dossier_id, {
                "kind": kind, "given_on": given_on, "recipient": recipient, "until": until})
            self._changed(connection, info)
            self.audit(connection, "consent.record", dossier_id, consent=consent_id, kind=kind,
                       recipient=recipient, given_on=given_on, until=until)
        return consent_id

    def revoke_consent(self, dossier_id: str, *, kind: str, on: date,
                       recipient: str | None = None) -> list[int]:
        """Revoke the consents of a kind (and recipient) in force; their ids."""
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            if on > date.today():
                raise UsageError(_("refused: {date} is in the future; a withdrawal is recorded"
                                   " once it was made").format(date=on.isoformat()))
            active = [c for c in self.consents(dossier_id, connection)
                      if c.kind == kind and c.revoked_on is None
                      and (recipient is None or c.recipient == recipient)]
            if not active:
                raise UsageError(_("dossier {id}: no {kind!r} consent in force to revoke{for_}")
                                 .format(id=dossier_id, kind=kind,
                                         for_=f" ({recipient})" if recipient else ""))
            if all(c.given_on > on for c in active):
                raise UsageError(_("refused: a consent given on {given} cannot be withdrawn on"
                                   " {date}, before it was given").format(
                    given=min(c.given_on for c in active).isoformat(), date=on.isoformat()))
            active = [c for c in active if c.given_on <= on]  # a later one stays
            ids = [c.id for c in active]
            connection.execute(t.consents.update().where(t.consents.c.id.in_(ids)).values(
                revoked_on=on, revoked_by=self.actor.name, revoked_at=now()))
            values: dict[str, Any] = {}
            if kind == "retention":
                values["keep_until"] = None
            self._changed(connection, info, **values)
            self.audit(connection, "consent.revoke", dossier_id, consents=ids, kind=kind,
                       recipient=recipient, on=on)
        return ids

    # -- questionnaires ------------------------------------------------------------------

    def start_administration(self, dossier_id: str, instrument: str, version: str) -> None:
        """Open (or resume) an instrument's administration for a dossier."""
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            self._open_only(info, _("answering a questionnaire"))
            exists = connection.execute(sa.select(t.administrations.c.version).where(
                t.administrations.c.dossier_id == dossier_id,
                t.administrations.c.instrument == instrument)).scalar_one_or_none()
            if exists is None:
                connection.execute(t.administrations.insert().values(
                    dossier_id=dossier_id, instrument=instrument, version=version,
                    started_at=now()))
                self.audit(connection, "answers.start", dossier_id, instrument=instrument)
            elif exists != version:
                raise UsageError(_("dossier {id}: the answers to {instrument!r} were given to"
                                   " version {old}, not {new}").format(
                    id=dossier_id, instrument=instrument, old=exists, new=version))

    def save_answers(self, dossier_id: str, instrument: str, version: str,
                     answers: Mapping[str, Any], seconds: float | None = None) -> bool:
        """Save answers given in a browser, in one transaction: the administration is opened
        if it was not (as :meth:`start_administration`), then each answer replaces any
        earlier one to its item. A completed administration's answers are final: nothing is
        saved and False is returned. Once this returns True, the answers are on disk."""
        sealed = {item: self.cipher.seal(json.dumps(value).encode(),
                                         f"answers:{dossier_id}:{instrument}:{item}")
                  for item, value in answers.items()}
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            self._open_only(info, _("answering a questionnaire"))
            found = connection.execute(sa.select(
                t.administrations.c.version, t.administrations.c.completed_on).where(
                t.administrations.c.dossier_id == dossier_id,
                t.administrations.c.instrument == instrument)).first()
            if found is None:
                connection.execute(t.administrations.insert().values(
                    dossier_id=dossier_id, instrument=instrument, version=version,
                    started_at=now()))
                self.audit(connection, "answers.start", dossier_id, instrument=instrument)
            elif found.completed_on is not None:
                return False
            elif found.version != version:
                raise UsageError(_("dossier {id}: the answers to {instrument!r} were given to"
                                   " version {old}, not {new}").format(
                    id=dossier_id, instrument=instrument, old=found.version, new=version))
            moment = now()
            for item, value in sealed.items():
                self._run(connection, "upsert_answer", self._upsert_answer, {
                    "dossier_id": dossier_id, "instrument": instrument, "item": item,
                    "value": value, "seconds": seconds, "answered_at": moment})
            if sealed:
                self._changed(connection, info)
        return True

    def record_answer(self, dossier_id: str, instrument: str, item: str, value: Any,
                      seconds: float | None = None) -> None:
        """Save one answer (replacing an earlier one to the same item) in its own
        transaction: once this returns, the answer is on disk."""
        sealed = self.cipher.seal(json.dumps(value).encode(),
                                  f"answers:{dossier_id}:{instrument}:{item}")
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            self._open_only(info, _("answering a questionnaire"))
            self._run(connection, "upsert_answer", self._upsert_answer, {
                "dossier_id": dossier_id, "instrument": instrument, "item": item,
                "value": sealed, "seconds": seconds, "answered_at": now()})
            self._changed(connection, info)

    def _upsert_answer(self) -> Any:
        """``INSERT ... ON CONFLICT DO UPDATE`` of an answer, in the backend's dialect."""
        from sqlalchemy.dialects import postgresql, sqlite

        dialect: Any = postgresql if self.backend == "postgresql" else sqlite
        statement = dialect.insert(t.answers).values(
            {c.name: sa.bindparam(c.name) for c in t.answers.c})
        return statement.on_conflict_do_update(
            index_elements=[t.answers.c.dossier_id, t.answers.c.instrument, t.answers.c.item],
            set_={"value": statement.excluded.value, "seconds": statement.excluded.seconds,
                  "answered_at": statement.excluded.answered_at})

    def forget_answer(self, dossier_id: str, instrument: str, item: str) -> None:
        """Remove one answer (the beneficiary went back to change it)."""
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            self._open_only(info, _("answering a questionnaire"))
            connection.execute(t.answers.delete().where(
                t.answers.c.dossier_id == dossier_id, t.answers.c.instrument == instrument,
                t.answers.c.item == item))
            self._changed(connection, info)

    def complete_administration(self, dossier_id: str, instrument: str, on: date,
                                extra: Mapping[str, Any] | None = None) -> None:
        """Mark an administration complete (and keep the rest of the responses)."""
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            values: dict[str, Any] = {"completed_on": on}
            if extra:
                values["extra"] = self.cipher.seal(
                    json.dumps(extra).encode(), f"administrations:{dossier_id}:{instrument}")
            connection.execute(t.administrations.update().where(
                t.administrations.c.dossier_id == dossier_id,
                t.administrations.c.instrument == instrument).values(**values))
            self._changed(connection, info)
            count = connection.execute(sa.select(sa.func.count()).where(
                t.answers.c.dossier_id == dossier_id,
                t.answers.c.instrument == instrument)).scalar_one()
            self.audit(connection, "answers.complete", dossier_id, instrument=instrument,
                       answers=count)

    def answers(self, dossier_id: str, *, audit: bool = True) -> dict[str, dict[str, Any]]:
        """Every administration of a dossier: ``{instrument: {"version", "completed_on",
        "answers": {item: value}, "timings": {item: seconds}, "extra": {...}}}``."""
        with self.writing() as connection:
            self._visible(connection, dossier_id)
            found: dict[str, dict[str, Any]] = {}
            for row in connection.execute(sa.select(t.administrations).where(
                    t.administrations.c.dossier_id == dossier_id).order_by(
                    t.administrations.c.instrument)):
                extra = (json.loads(self.cipher.open(
                    row.extra, f"administrations:{dossier_id}:{row.instrument}"))
                    if row.extra is not None else {})
                found[row.instrument] = {"version": row.version,
                                         "completed_on": _day(row.completed_on),
                                         "answers": {}, "timings": {}, "extra": extra}
            for row in connection.execute(sa.select(t.answers).where(
                    t.answers.c.dossier_id == dossier_id)):
                entry = found[row.instrument]
                entry["answers"][row.item] = json.loads(self.cipher.open(
                    row.value, f"answers:{dossier_id}:{row.instrument}:{row.item}"))
                if row.seconds is not None:
                    entry["timings"][row.item] = row.seconds
            if audit:
                self.audit(connection, "answers.read", dossier_id,
                           instruments=sorted(found))
        return found

    # -- documents -----------------------------------------------------------------------

    def save_documents(self, dossier_id: str, documents: Sequence[Any],
                       expected: int | None = None) -> int:
        """Keep rendered documents (``OutputFile``), replacing the earlier set, if nobody
        changed the dossier since version ``expected`` (a consent revoked while they were
        rendered, say); the dossier's new version."""
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            if expected is not None and info.version != expected:
                self._changed(connection, info, expected)  # raises ConcurrentChange
            self._open_only(info, _("keeping documents"))
            connection.execute(t.documents.delete().where(t.documents.c.dossier_id == dossier_id))
            moment = now()
            for document in documents:
                connection.execute(t.documents.insert().values(
                    dossier_id=dossier_id, name=document.name, kind=document.kind,
                    audience=document.audience, recipient=document.recipient,
                    content=self.cipher.seal(document.content,
                                             f"documents:{dossier_id}:{document.name}"),
                    created_at=moment))
            version = self._changed(connection, info)
            self.audit(connection, "documents.save", dossier_id,
                       documents=[d.name for d in documents])
            for recipient in sorted({d.recipient for d in documents if d.recipient}):
                self.audit(connection, "dossier.share", dossier_id, recipient=recipient,
                           documents=[d.name for d in documents if d.recipient == recipient])
        return version

    def documents(self, dossier_id: str) -> list[dict[str, Any]]:
        """The rendered documents kept for a dossier (their reading is audited)."""
        with self.writing() as connection:
            self._visible(connection, dossier_id)
            rows = connection.execute(sa.select(t.documents).where(
                t.documents.c.dossier_id == dossier_id).order_by(t.documents.c.name)).all()
            self.audit(connection, "documents.read", dossier_id,
                       documents=[r.name for r in rows])
            return [{"name": r.name, "kind": r.kind, "audience": r.audience,
                     "recipient": r.recipient, "created_at": r.created_at,
                     "content": self.cipher.open(r.content, f"documents:{dossier_id}:{r.name}")}
                    for r in rows]

    # -- the end of a bilan --------------------------------------------------------------

    # ------------------------------------------------------------------------- attempts
    def within_limit(self, key: str, limit: int, window: int) -> bool:
        """Whether fewer than ``limit`` attempts were counted under ``key`` in the current
        window (nothing counted by asking)."""
        import time

        moment = int(time.time())
        with self.reading() as connection:
            count = connection.execute(sa.select(t.attempts.c.count).where(
                t.attempts.c.key == key[:160],
                t.attempts.c.window_start == moment - moment % window)).scalar_one_or_none()
        return (count or 0) < limit

    def attempt(self, key: str, limit: int, window: int) -> bool:
        """Count one attempt under ``key`` (a login's account, a client's address) in the
        current window of ``window`` seconds; whether it is within ``limit``. Counted in the
        store, so the limit holds across the web application's workers (the owner's)."""
        import time

        from sqlalchemy.dialects import postgresql, sqlite

        if self.actor.role != OWNER:
            raise UsageError(_("only the store's owner counts attempts"))
        moment = int(time.time())
        start = moment - moment % window
        dialect: Any = postgresql if self.backend == "postgresql" else sqlite
        statement = dialect.insert(t.attempts).values(key=key[:160], window_start=start,
                                                      count=1)
        statement = statement.on_conflict_do_update(
            index_elements=[t.attempts.c.key, t.attempts.c.window_start],
            set_={"count": t.attempts.c.count + 1}).returning(t.attempts.c.count)
        with self.writing() as connection:
            count = connection.execute(statement).scalar_one()
            if count == 1:  # a new window: forget the windows of a day before it and older
                connection.execute(t.attempts.delete().where(
                    t.attempts.c.window_start < start - 86400))
        return int(count) <= limit

    # ------------------------------------------------------------------------- invitations
    def invite(self, dossier_id: str, instruments: Sequence[str], expires_at: datetime,
               purpose: str = "answers") -> tuple[int, str]:
        """A new invitation to answer ``instruments`` of an open dossier until ``expires_at``
        (``purpose="feedback"``: the provider's satisfaction or follow-up questionnaires, of
        any dossier, closed or purged too): its id, and the token of its link (256 random
        bits). Only the token's SHA-256 is kept: the token is shown once, never stored,
        never audited."""
        if not instruments:
            raise UsageError(_("an invitation opens at least one questionnaire"))
        if purpose not in ("answers", "feedback"):
            raise ValueError(f"unknown invitation purpose {purpose!r}")
        token = secrets.token_urlsafe(32)
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            if purpose == "answers":
                self._open_only(info, _("inviting the beneficiary"))
            result = connection.execute(t.invitations.insert().values(
                dossier_id=dossier_id, token_hash=token_digest(token),
                instruments=json.dumps(list(instruments)), created_by=self.actor.name,
                created_at=now(), expires_at=_moment(expires_at), purpose=purpose))
            key = result.inserted_primary_key
            assert key is not None
            invitation_id = int(key[0])
            self.audit(connection, "invitation.create", dossier_id, invitation=invitation_id,
                       instruments=list(instruments), expires_at=_moment(expires_at))
        return invitation_id, token

    def invitations(self, dossier_id: str) -> list[dict[str, Any]]:
        """A dossier's invitations, newest first, each with its state (``active``,
        ``expired`` or ``revoked``); never a token."""
        with self.reading() as connection:
            self._visible(connection, dossier_id)
            rows = connection.execute(sa.select(t.invitations).where(
                t.invitations.c.dossier_id == dossier_id).order_by(
                t.invitations.c.id.desc())).all()
        moment = now()
        return [{"id": row.id, "instruments": json.loads(row.instruments),
                 "created_by": row.created_by, "created_at": row.created_at,
                 "expires_at": row.expires_at, "revoked_at": row.revoked_at,
                 "last_used_at": row.last_used_at, "purpose": row.purpose,
                 "state": "revoked" if row.revoked_at else (
                     "expired" if row.expires_at <= moment else "active")} for row in rows]

    def revoke_invitation(self, dossier_id: str, invitation_id: int) -> None:
        """Revoke an invitation of a dossier: its link opens nothing from now on."""
        with self.writing() as connection:
            self._visible(connection, dossier_id, lock=True)
            done = connection.execute(t.invitations.update().where(
                t.invitations.c.id == invitation_id,
                t.invitations.c.dossier_id == dossier_id,
                t.invitations.c.revoked_at.is_(None)).values(
                revoked_at=now(), revoked_by=self.actor.name)).rowcount
            if not done:
                raise UsageError(_("dossier {id}: no invitation {number} to revoke ('bilan"
                                   " invite {id} --list')").format(id=dossier_id,
                                                                   number=invitation_id))
            self.audit(connection, "invitation.revoke", dossier_id, invitation=invitation_id)

    def invitation_used(self, dossier_id: str, invitation_id: int) -> None:
        """Record that an invitation's link was opened now (its ``last_used_at``; audited):
        the counsellor sees when a beneficiary came, and an unused link is told apart. At
        most once an hour per link: opening it again and again writes nothing more."""
        moment = now()
        hour_ago = (datetime.fromisoformat(moment) - timedelta(hours=1)).isoformat(
            timespec="microseconds")
        with self.writing() as connection:
            self._visible(connection, dossier_id)
            done = connection.execute(t.invitations.update().where(
                t.invitations.c.id == invitation_id,
                t.invitations.c.dossier_id == dossier_id,
                sa.or_(t.invitations.c.last_used_at.is_(None),
                       t.invitations.c.last_used_at < hour_ago)).values(
                last_used_at=moment)).rowcount
            if done:
                self.audit(connection, "invitation.open", dossier_id,
                           invitation=invitation_id)

    def invitation(self, token: str) -> Invitation | None:
        """The invitation a link's token opens now, or None: unknown, revoked, expired, or
        for a dossier no longer open (the same answer for each, so a link tells nothing).
        The token is looked up by its hash and the hash compared in constant time."""
        return self.invitation_by_digest(token_digest(token))

    def invitation_by_digest(self, wanted: str) -> Invitation | None:
        """:meth:`invitation`, from the token's SHA-256 (what a web session keeps)."""
        import hmac

        with self.reading() as connection:
            if self.backend == "postgresql":  # whichever counsellor's dossier it opens
                row = connection.execute(sa.text(
                    "SELECT id, dossier_id, instruments, expires_at, revoked_at, counsellor,"
                    " status, purpose FROM bilan_invitation(:wanted)"),
                    {"wanted": wanted}).first()
                stored = wanted if row is not None else None
            else:
                row = connection.execute(sa.select(
                    t.invitations.c.id, t.invitations.c.dossier_id,
                    t.invitations.c.instruments, t.invitations.c.expires_at,
                    t.invitations.c.revoked_at, t.dossiers.c.counsellor, t.dossiers.c.status,
                    t.invitations.c.purpose, t.invitations.c.token_hash).join(t.dossiers).where(
                    t.invitations.c.token_hash == wanted)).first()
                stored = row.token_hash if row is not None else None
        if (row is None or stored is None or not hmac.compare_digest(stored, wanted)
                or row.revoked_at is not None or row.expires_at <= now()
                or (row.status != "open" and row.purpose != "feedback")):
            return None
        return Invitation(id=row.id, dossier_id=row.dossier_id,
                          instruments=tuple(json.loads(row.instruments)),
                          expires_at=row.expires_at, counsellor=row.counsellor,
                          purpose=row.purpose)

    def close_dossier(self, dossier_id: str, *, on: date, check: Any = None) -> date | None:
        """Close a dossier: its content is destroyed now unless a retention consent in force
        keeps it (``check(info, keep_until)`` applies the legal ceiling), read under the
        dossier's lock so that a revocation cannot slip in between; the date it is kept
        until, or None when it was destroyed."""
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            self._open_only(info, _("closing it"))
            kept = [c.until for c in self.consents(dossier_id, connection)
                    if c.kind == "retention" and c.until is not None and c.in_force(on)]
            keep_until = max(kept, default=None)
            if keep_until is not None and check is not None:
                check(info, keep_until)
            destroy = keep_until is None or keep_until < on
            self._changed(connection, info, status="closed", closed_at=now(),
                          keep_until=None if destroy else keep_until)
            self.audit(connection, "dossier.close", dossier_id,
                       kept_until=None if destroy else keep_until)
            if destroy:
                self._destroy(connection, dossier_id, "dossier.purge", reason="closed")
        if destroy:
            self._after_purge()
        return None if destroy else keep_until

    def purge_expired(self, today: date) -> list[str]:
        """Destroy the content of closed dossiers whose retention has ended, and of those
        whose retention consent was revoked; their ids."""
        query = sa.select(t.dossiers.c.id).where(
            t.dossiers.c.status == "closed",
            sa.or_(t.dossiers.c.keep_until.is_(None), t.dossiers.c.keep_until < today))
        if not self.actor.sees_all:
            query = query.where(t.dossiers.c.counsellor == self.actor.name)
        purged = []
        with self.writing() as connection:
            for dossier_id in connection.execute(query).scalars().all():
                self._destroy(connection, dossier_id, "dossier.purge", reason="expired")
                purged.append(dossier_id)
        self._after_purge()  # also what an earlier purge could not truncate
        return purged

    def delete_dossier(self, dossier_id: str) -> None:
        """Delete a dossier and everything of it but its audit trail (an administrator's
        right: a counsellor closes a dossier, which destroys its content)."""
        with self.writing() as connection:
            self._visible(connection, dossier_id, lock=True)
            self._require_admin("dossier delete")
            self._destroy(connection, dossier_id, "dossier.delete", reason="deleted")
            for table in (t.signatures, t.sessions, t.consents, t.payments, t.invoices,
                          t.identities, t.invitations, t.programmes, t.records, t.feedback,
                          t.complaints):
                connection.execute(table.delete().where(table.c.dossier_id == dossier_id))
            connection.execute(t.dossiers.delete().where(t.dossiers.c.id == dossier_id))
        self._after_purge()

    def _destroy(self, connection: sa.Connection, dossier_id: str, action: str,
                 reason: str) -> None:
        """Destroy a dossier's content: answers, results, free text, documents."""
        counts = {}
        for table in (t.answers, t.administrations, t.documents):
            counts[table.name] = connection.execute(
                table.delete().where(table.c.dossier_id == dossier_id)).rowcount
        connection.execute(t.dossiers.update().where(t.dossiers.c.id == dossier_id).values(
            status="purged", pipeline=None, state=None, beneficiary=None, keep_until=None,
            label=dossier_id,  # the pipeline's id may name the beneficiary
            pipeline_path=None, updated_at=now(), version=t.dossiers.c.version + 1))
        self.audit(connection, action, dossier_id, reason=reason, **counts)

    def _after_purge(self) -> None:
        """Leave no copy of destroyed content: checkpoint and truncate SQLite's WAL (the
        deleted pages were overwritten, ``secure_delete``), and remove migration backups."""
        if self.backend != "sqlite":
            return
        import time

        from bilan_core.store.engine import StoreUnavailable, busy_timeout_ms

        deadline = time.monotonic() + busy_timeout_ms() / 1000
        while True:
            with translated(self.url), self.engine.connect() as connection:
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
            if busy is None or not busy[0]:
                break
            if time.monotonic() > deadline:
                raise StoreUnavailable(_(
                    "{store}: the content is deleted, but another process reading the store"
                    " keeps its old pages in the WAL file; run 'bilan purge' again when it has"
                    " finished").format(store=shown(self.url)))
            time.sleep(0.05)
        for backup in remove_backups(self.url):
            if self.say is not None:
                self.say(_("removed the migration backup {file}: it held content now"
                           " destroyed").format(file=backup))

    # -- audit and export ----------------------------------------------------------------

    def audit_trail(self, dossier_id: str | None = None) -> list[dict[str, Any]]:
        """The audit trail of a dossier (or all of it, for an administrator)."""
        query = sa.select(t.audit).order_by(t.audit.c.id)
        with self.reading() as connection:
            if dossier_id is not None:
                visible = connection.execute(sa.select(t.dossiers.c.counsellor).where(
                    t.dossiers.c.id == dossier_id)).first()
                if not self.actor.sees_all and (visible is None
                                                or visible.counsellor != self.actor.name):
                    self._visible(connection, dossier_id)  # says "no dossier"
                query = query.where(t.audit.c.dossier_id == dossier_id)
            elif not self.actor.sees_all:
                query = query.where(t.audit.c.actor == self.actor.name)
            return [dict(row._mapping) for row in connection.execute(query)]

    def export(self, dossier_id: str) -> dict[str, Any]:
        """Everything the store holds of a beneficiary's dossier (access and portability)."""
        _info, pipeline, state = self.content(dossier_id, purpose="export")
        answers = self.answers(dossier_id, audit=False)
        documents = self.documents(dossier_id)
        return {
            "format": "bilan-dossier-export", "version": 1,
            "dossier": attrs.asdict(self.info(dossier_id)),
            "pipeline": pipeline,
            "state": json.loads(state),
            "sessions": [attrs.asdict(s) for s in self.sessions(dossier_id)],
            "consents": [attrs.asdict(c) for c in self.consents(dossier_id)],
            "answers": answers,
            "documents": [{**{k: v for k, v in d.items() if k != "content"},
                           "content_base64": _b64(d["content"])} for d in documents],
        }

    # -- keys ----------------------------------------------------------------------------

    def rotate_key(self, new_key: bytes | None) -> int:
        """Re-encrypt every sealed value with ``new_key`` (None: decrypt the store); the
        number of values rewritten. Owner or administrator only, in one transaction."""
        self._require_admin("store rotate-key")
        if self.backend == "postgresql" and self.actor.role != OWNER:
            raise UsageError(_("store rotate-key: on PostgreSQL, the store's owner (the role"
                               " that created it) rotates its key, not an account"))
        new = Cipher(new_key)
        count = 0
        places = [(t.dossiers, ("id",), ("pipeline", "state"), "dossiers.{column}:{id}"),
                  (t.answers, ("dossier_id", "instrument", "item"), ("value",),
                   "answers:{dossier_id}:{instrument}:{item}"),
                  (t.administrations, ("dossier_id", "instrument"), ("extra",),
                   "administrations:{dossier_id}:{instrument}"),
                  (t.documents, ("dossier_id", "name"), ("content",),
                   "documents:{dossier_id}:{name}"),
                  (t.identities, ("dossier_id",), ("content",), "identities:{dossier_id}"),
                  (t.complaints, ("id",), ("subject", "answer"), "complaints.{column}:{id}")]
        with self.writing() as connection:
            for table, keys, columns, context in places:
                for row in connection.execute(sa.select(*[table.c[k] for k in keys],
                                                        *[table.c[c] for c in columns])).all():
                    ids = {k: getattr(row, k) for k in keys}
                    values = {}
                    for column in columns:
                        stored = getattr(row, column)
                        if stored is None:
                            continue
                        where = context.format(column=column, **ids)
                        values[column] = new.seal(self.cipher.open(stored, where), where)
                        count += 1
                    if values:
                        connection.execute(table.update().where(
                            *[table.c[k] == v for k, v in ids.items()]).values(**values))
            connection.execute(t.meta.delete().where(t.meta.c.key == "encryption"))
            if new.fingerprint is not None:
                connection.execute(t.meta.insert().values(key="encryption",
                                                          value=new.fingerprint))
            self.audit(connection, "store.rotate_key", values=count,
                       fingerprint=new.fingerprint)
        self.cipher = new
        self._after_purge()  # the old ciphertexts (or plain values) leave the WAL too
        return count


@contextlib.contextmanager
def _maybe(opener: Any, connection: sa.Connection | None) -> Iterator[sa.Connection]:
    if connection is not None:
        yield connection
    else:
        with opener() as opened:
            yield opened


def _b64(content: bytes) -> str:
    import base64

    return base64.b64encode(content).decode()


def _login() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return f"uid-{os.getuid()}"


def _check_account_name(name: str) -> None:
    import re

    if not re.fullmatch(r"[a-z][a-z0-9_.-]{0,62}", name):
        raise UsageError(_("an account name is 1 to 63 lowercase letters, digits, '.', '_' or"
                           " '-', beginning with a letter (it is also a database role): not"
                           " {name!r}").format(name=name))


__all__ = ["Actor", "ConcurrentChange", "ConsentRecord", "DossierInfo", "SessionRecord",
           "Store", "describe"]
