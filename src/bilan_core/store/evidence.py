"""The provider's evidence in the store: administrative records kept apart from the bilan's
content (docs/evidence.md).

The provider's legal details, each beneficiary's identity (sealed), the invoices and their
payments, the programme as planned, the sessions' signatures, dated facts (documents given,
CPF declarations, a partial completion's reason), the feedback questionnaires' answers and the
complaints register. A purge of a dossier's content leaves all of it; every call checks, as
the rest of the store does, that the account may see the dossier.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from bilan_core.errors import UsageError
from bilan_core.i18n import _
from bilan_core.store import schema as t

if TYPE_CHECKING:
    import contextlib
    from collections.abc import Callable

    from bilan_core.store.core import Actor, ConsentRecord, DossierInfo, SessionRecord
    from bilan_core.store.crypto import Cipher

SIGNER_ROLES = ("beneficiary", "counsellor")
SIGNING_WAYS = ("screen", "link")
#: The dated facts of the evidence, and whether a dossier holds at most one of each.
RECORD_KINDS = {
    "information": True,  # the information document given before the start
    "agreement_sent": False,  # an agreement sent for signature (detail: variant)
    "agreement_signed": False,  # an agreement signed (detail: variant)
    "cpf_entry": True,  # the entry declared on the CPF provider portal
    "cpf_exit": True,  # the exit declared
    "interruption": True,  # why the bilan ended before its planned hours (detail: reason)
    "feedback_sent": False,  # a feedback questionnaire's link issued (detail: instrument)
    "funding": False,  # who funds the bilan, as declared (detail: funder, funder_name)
}
#: Why a bilan ended before its planned hours, as the CDC asks for the completion rate.
INTERRUPTIONS = ("force_majeure", "abandonment", "provider")
CHANNELS = ("oral", "email", "letter", "web", "other")


def session_digest(dossier_id: str, session: SessionRecord) -> str:
    """The SHA-256 of a session's record as signed: its date, hours, step, phase and
    modality. A later change to any of them no longer matches."""
    record = {"dossier": dossier_id, "session": session.id,
              "held_on": session.held_on.isoformat(),
              "hours": f"{Decimal(str(session.hours)):.2f}", "step": session.step,
              "phase": session.phase, "modality": session.modality}
    text = json.dumps(record, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _paris_day(day: date) -> tuple[str, str]:
    """The UTC moments (ISO text, as the store writes them) where a day in Paris starts and
    ends."""
    from zoneinfo import ZoneInfo

    paris = ZoneInfo("Europe/Paris")
    start = datetime.combine(day, datetime.min.time(), paris).astimezone(timezone.utc)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(),
                           paris).astimezone(timezone.utc)
    return start.isoformat(timespec="microseconds"), end.isoformat(timespec="microseconds")


def _day(value: Any) -> Any:
    from bilan_core.store.core import _day as day

    return day(value)


def _key(result: Any) -> int:
    from bilan_core.store.core import _key as key

    return key(result)


def _now() -> str:
    from bilan_core.store.core import now

    return now()


class EvidenceStore:
    """The store's calls for the provider's evidence (mixed into
    :class:`~bilan_core.store.core.Store`)."""

    if TYPE_CHECKING:  # what the store provides
        actor: Actor
        cipher: Cipher
        backend: str
        _visible: Callable[..., DossierInfo]
        writing: Callable[[], contextlib.AbstractContextManager[sa.Connection]]
        reading: Callable[[], contextlib.AbstractContextManager[sa.Connection]]
        audit: Callable[..., None]
        _require_admin: Callable[[str], None]
        sessions: Callable[..., list[SessionRecord]]
        consents: Callable[..., list[ConsentRecord]]

    # -- the provider and the beneficiary's identity -------------------------------------

    def set_provider(self, details: Mapping[str, str]) -> dict[str, str]:
        """Set the provider's legal details (the keys given replace theirs; an empty value
        removes one); what they are now. An administrator's right."""
        self._require_admin("provider set")
        with self.writing() as connection:
            row = connection.execute(sa.select(t.provider.c.details).where(
                t.provider.c.id == 1)).first()
            current = json.loads(row.details) if row is not None else {}
            current.update(details)
            current = {k: v for k, v in current.items() if v}
            values = {"details": json.dumps(current, sort_keys=True, ensure_ascii=False),
                      "updated_by": self.actor.name, "updated_at": _now()}
            if row is None:
                connection.execute(t.provider.insert().values(id=1, **values))
            else:
                connection.execute(t.provider.update().where(t.provider.c.id == 1).values(
                    **values))
            self.audit(connection, "provider.set", keys=sorted(details))
        return current

    def provider_details(self) -> dict[str, str]:
        """The provider's legal details (empty until ``bilan provider set``)."""
        with self.reading() as connection:
            row = connection.execute(sa.select(t.provider.c.details).where(
                t.provider.c.id == 1)).first()
        return dict(json.loads(row.details)) if row is not None else {}

    def set_identity(self, dossier_id: str, identity: Mapping[str, str]) -> dict[str, str]:
        """Set the beneficiary's identity for a dossier (the keys given replace theirs; an
        empty value removes one), sealed; what it is now. Audited without the values."""
        with self.writing() as connection:
            self._visible(connection, dossier_id, lock=True)
            current = self._identity(connection, dossier_id)
            current.update(identity)
            current = {k: v for k, v in current.items() if v}
            sealed = self.cipher.seal(json.dumps(current, sort_keys=True,
                                                 ensure_ascii=False).encode(),
                                      f"identities:{dossier_id}")
            values = {"content": sealed, "updated_by": self.actor.name, "updated_at": _now()}
            done = connection.execute(t.identities.update().where(
                t.identities.c.dossier_id == dossier_id).values(**values)).rowcount
            if not done:
                connection.execute(t.identities.insert().values(dossier_id=dossier_id,
                                                                **values))
            self.audit(connection, "identity.set", dossier_id, keys=sorted(identity))
        return current

    def identity(self, dossier_id: str) -> dict[str, str]:
        """The beneficiary's identity recorded for a dossier (empty when none); audited."""
        with self.writing() as connection:
            self._visible(connection, dossier_id)
            found = self._identity(connection, dossier_id)
            self.audit(connection, "identity.read", dossier_id)
        return found

    def _identity(self, connection: sa.Connection, dossier_id: str) -> dict[str, str]:
        stored = connection.execute(sa.select(t.identities.c.content).where(
            t.identities.c.dossier_id == dossier_id)).scalar_one_or_none()
        if stored is None:
            return {}
        return dict(json.loads(self.cipher.open(stored, f"identities:{dossier_id}")))

    def add_invoice(self, dossier_id: str, *, number: str, issued_on: date, payer: str,
                    amount: Decimal, payer_name: str | None = None) -> int:
        """Record an invoice the provider issued for a dossier; its id."""
        with self.writing() as connection:
            self._visible(connection, dossier_id, lock=True)
            taken = UsageError(_("invoice {number!r} is already recorded").format(
                number=number))
            if connection.execute(sa.select(t.invoices.c.id).where(
                    t.invoices.c.number == number)).first() is not None:
                raise taken
            try:
                invoice_id = _key(connection.execute(t.invoices.insert().values(
                    dossier_id=dossier_id, number=number, issued_on=issued_on, payer=payer,
                    payer_name=payer_name, amount=amount, recorded_by=self.actor.name,
                    recorded_at=_now())))
            except sa.exc.IntegrityError:  # taken in a dossier this account cannot see
                raise taken from None
            self.audit(connection, "invoice.add", dossier_id, invoice=number, payer=payer,
                       amount=str(amount))
        return invoice_id

    def pay_invoice(self, number: str, *, paid_on: date, amount: Decimal) -> Decimal:
        """Record a payment of an invoice (by its number); what remains to be paid."""
        with self.writing() as connection:
            row = connection.execute(sa.select(t.invoices).where(
                t.invoices.c.number == number)).first()
            if row is not None:  # an invoice of a dossier the account may not see: none
                try:
                    self._visible(connection, row.dossier_id, lock=True)
                except UsageError:
                    row = None
            if row is None:
                raise UsageError(_("no invoice {number!r} ('bilan invoice list')").format(
                    number=number))
            paid = connection.execute(sa.select(sa.func.coalesce(
                sa.func.sum(t.payments.c.amount), 0)).where(
                t.payments.c.invoice_id == row.id)).scalar_one()
            due = Decimal(str(row.amount)) - Decimal(str(paid))
            if amount > due:
                raise UsageError(_("invoice {number}: {amount} € paid, but only {due} € remain"
                                   " due").format(number=number, amount=amount, due=due))
            if paid_on < _day(row.issued_on):
                raise UsageError(_("invoice {number}: paid on {date}, before it was issued on"
                                   " {issued}").format(number=number, date=paid_on.isoformat(),
                                                      issued=_day(row.issued_on).isoformat()))
            connection.execute(t.payments.insert().values(
                invoice_id=row.id, dossier_id=row.dossier_id, paid_on=paid_on, amount=amount,
                recorded_by=self.actor.name, recorded_at=_now()))
            self.audit(connection, "invoice.pay", row.dossier_id, invoice=number,
                       amount=str(amount))
        return due - amount

    def invoices(self, dossier_id: str | None = None) -> list[dict[str, Any]]:
        """The invoices of a dossier (None: of every dossier the account sees), each with its
        payments and what remains due, by date."""
        with self.reading() as connection:
            query = sa.select(t.invoices).order_by(t.invoices.c.issued_on, t.invoices.c.id)
            if dossier_id is not None:
                self._visible(connection, dossier_id)
                query = query.where(t.invoices.c.dossier_id == dossier_id)
            elif not self.actor.sees_all and self.backend != "postgresql":
                query = query.join(t.dossiers).where(
                    t.dossiers.c.counsellor == self.actor.name)
            rows = connection.execute(query).all()
            paid = connection.execute(sa.select(t.payments).order_by(
                t.payments.c.paid_on, t.payments.c.id)).all()
        by_invoice: dict[int, list[dict[str, Any]]] = {}
        for payment in paid:
            by_invoice.setdefault(payment.invoice_id, []).append(
                {"paid_on": _day(payment.paid_on).isoformat(),
                 "amount": f"{Decimal(str(payment.amount)):.2f}"})
        found = []
        for row in rows:
            payments = by_invoice.get(row.id, [])
            amount = Decimal(str(row.amount))
            due = amount - sum((Decimal(p["amount"]) for p in payments), Decimal(0))
            found.append({"number": row.number, "dossier": row.dossier_id,
                          "issued_on": _day(row.issued_on).isoformat(), "payer": row.payer,
                          "payer_name": row.payer_name, "amount": f"{amount:.2f}",
                          "payments": payments, "due": f"{due:.2f}"})
        return found

    # -- the programme as planned ---------------------------------------------------------

    def _set_programme(self, connection: sa.Connection, dossier_id: str,
                       programme: Mapping[str, Any]) -> None:
        """Keep what the bilan was planned to be (in the transaction that creates or updates
        the dossier): the evidence reads it once the content is destroyed."""
        text = json.dumps(programme, sort_keys=True, ensure_ascii=False, default=str)
        done = connection.execute(t.programmes.update().where(
            t.programmes.c.dossier_id == dossier_id).values(content=text,
                                                           updated_at=_now())).rowcount
        if not done:
            connection.execute(t.programmes.insert().values(dossier_id=dossier_id, content=text,
                                                            updated_at=_now()))

    def programme(self, dossier_id: str,
                  connection: sa.Connection | None = None) -> dict[str, Any]:
        """The programme kept for a dossier (empty for a dossier created before it was)."""
        from bilan_core.store.core import _maybe

        with _maybe(self.reading, connection) as conn:
            self._visible(conn, dossier_id)
            text = conn.execute(sa.select(t.programmes.c.content).where(
                t.programmes.c.dossier_id == dossier_id)).scalar_one_or_none()
        return dict(json.loads(text)) if text else {}

    # -- signatures ------------------------------------------------------------------------

    def sign_session(self, dossier_id: str, session_id: int, *, role: str, signer: str,
                     via: str, invitation_id: int | None = None) -> dict[str, Any]:
        """Sign a session as its beneficiary or its counsellor: who (the account, or the
        name the beneficiary typed), how (on the counsellor's ``screen``, or from the
        beneficiary's own ``link``), when, and the SHA-256 of the session's record. For a
        session at a distance, the evidence of attendance the CPF accepts is kept with it:
        the link's openings and the answers given that day. A session is signed once per
        role."""
        if role not in SIGNER_ROLES or via not in SIGNING_WAYS:
            raise ValueError(f"role {role!r} or way {via!r} unknown")
        signer = " ".join(signer.split())
        if not signer or len(signer) > 120:
            raise UsageError(_("a signature needs the signer's name (120 characters at most)"))
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            sessions = {s.id: s for s in self.sessions(dossier_id, connection)}
            session = sessions.get(session_id)
            if session is None:
                raise UsageError(_("dossier {id}: no session {session} ('bilan session list'"
                                   " shows them)").format(id=dossier_id, session=session_id))
            if role == "counsellor" and self.actor.name != info.counsellor:
                raise UsageError(_("only the dossier's counsellor ({name}) signs its sessions"
                                   " as counsellor").format(name=info.counsellor))
            if role == "beneficiary" and (via == "link") != (session.modality == "distance"):
                raise UsageError(
                    _("session {session} was held at a distance: the beneficiary signs it"
                      " from their own link").format(session=session_id)
                    if session.modality == "distance" else
                    _("session {session} was held in person: the beneficiary signs it on the"
                      " counsellor's screen").format(session=session_id))
            taken = connection.execute(sa.select(t.signatures.c.signed_at).where(
                t.signatures.c.session_id == session_id,
                t.signatures.c.role == role)).first()
            if taken is not None:
                raise UsageError(_("session {session} of {date} is already signed by its"
                                   " {role}").format(session=session_id,
                                                     date=session.held_on.isoformat(),
                                                     role=_(role)))
            moment = _now()
            evidence = None
            if session.modality == "distance":
                evidence = self._attendance_evidence(connection, dossier_id, session.held_on,
                                                     moment if via == "link" else None)
            connection.execute(t.signatures.insert().values(
                session_id=session_id, dossier_id=dossier_id, role=role, signer=signer,
                via=via, invitation_id=invitation_id,
                record_hash=session_digest(dossier_id, session),
                evidence=None if evidence is None else json.dumps(evidence, sort_keys=True),
                signed_at=moment))
            self.audit(connection, "session.sign", dossier_id, session=session_id, role=role,
                       via=via)
        return {"session": session_id, "role": role, "signer": signer, "via": via,
                "signed_at": moment, "evidence": evidence}

    def _attendance_evidence(self, connection: sa.Connection, dossier_id: str,
                             day: date, signed_at: str | None) -> dict[str, Any]:
        """What shows a session at a distance took place: the moments the beneficiary's
        link was opened that day, the answers given that day (how many, to which
        questionnaire) and the moment of a signature from the link (UTC)."""
        start, end = _paris_day(day)
        opened = connection.execute(sa.select(t.audit.c.at).where(
            t.audit.c.dossier_id == dossier_id, t.audit.c.action == "invitation.open",
            t.audit.c.at >= start, t.audit.c.at < end).order_by(t.audit.c.at)).scalars().all()
        answered = connection.execute(sa.select(
            t.answers.c.instrument, sa.func.count(), sa.func.min(t.answers.c.answered_at),
            sa.func.max(t.answers.c.answered_at)).where(
            t.answers.c.dossier_id == dossier_id, t.answers.c.answered_at >= start,
            t.answers.c.answered_at < end).group_by(
            t.answers.c.instrument).order_by(t.answers.c.instrument)).all()
        same_day = signed_at is not None and start <= signed_at < end
        moments = sorted([*opened, *(r[2] for r in answered), *(r[3] for r in answered),
                          *([signed_at] if same_day and signed_at else [])])
        return {"connections": list(opened),
                "first_connection": moments[0] if moments else None,
                "last_connection": moments[-1] if moments else None,
                "answers": {r[0]: int(r[1]) for r in answered}}

    def signatures(self, dossier_id: str,
                   connection: sa.Connection | None = None) -> list[dict[str, Any]]:
        """A dossier's signatures, each with ``valid``: whether the session's record is
        still the one signed."""
        from bilan_core.store.core import _maybe

        with _maybe(self.reading, connection) as conn:
            sessions = {s.id: s for s in self.sessions(dossier_id, conn)}
            rows = conn.execute(sa.select(t.signatures).where(
                t.signatures.c.dossier_id == dossier_id).order_by(t.signatures.c.id)).all()
        found = []
        for row in rows:
            session = sessions.get(row.session_id)
            valid = (session is not None
                     and session_digest(dossier_id, session) == row.record_hash)
            found.append({"session": row.session_id, "role": row.role, "signer": row.signer,
                          "via": row.via, "invitation": row.invitation_id,
                          "signed_at": row.signed_at, "record_hash": row.record_hash,
                          "evidence": json.loads(row.evidence) if row.evidence else None,
                          "valid": valid})
        return found

    # -- dated facts -----------------------------------------------------------------------

    def record_evidence(self, dossier_id: str, kind: str, on: date,
                        detail: Mapping[str, Any] | None = None) -> int:
        """Record a dated fact of the evidence (:data:`RECORD_KINDS`); its id. A kind held
        once per dossier is refused a second time."""
        if kind not in RECORD_KINDS:
            raise ValueError(f"unknown evidence record {kind!r}")
        with self.writing() as connection:
            info = self._visible(connection, dossier_id, lock=True)
            if RECORD_KINDS[kind]:
                there = connection.execute(sa.select(t.records.c.on_date).where(
                    t.records.c.dossier_id == dossier_id,
                    t.records.c.kind == kind)).scalar_one_or_none()
                if there is not None:
                    raise UsageError(_("dossier {id}: {kind} is already recorded, on"
                                       " {date}").format(id=dossier_id, kind=kind,
                                                         date=_day(there).isoformat()))
            if on < info.reference_date - timedelta(days=366):
                raise UsageError(_("{date} is more than a year before the dossier's reference"
                                   " date").format(date=on.isoformat()))
            record_id = _key(connection.execute(t.records.insert().values(
                dossier_id=dossier_id, kind=kind, on_date=on,
                detail=json.dumps(dict(detail or {}), sort_keys=True),
                recorded_by=self.actor.name, recorded_at=_now())))
            self.audit(connection, f"evidence.{kind}", dossier_id, on=on.isoformat(),
                       **dict(detail or {}))
        return record_id

    def evidence_records(self, dossier_id: str,
                         connection: sa.Connection | None = None) -> list[dict[str, Any]]:
        """A dossier's dated facts, in order."""
        from bilan_core.store.core import _maybe

        with _maybe(self.reading, connection) as conn:
            self._visible(conn, dossier_id)
            rows = conn.execute(sa.select(t.records).where(
                t.records.c.dossier_id == dossier_id).order_by(t.records.c.on_date,
                                                                t.records.c.id)).all()
        return [{"id": r.id, "kind": r.kind, "on": _day(r.on_date),
                 "detail": json.loads(r.detail), "recorded_by": r.recorded_by,
                 "recorded_at": r.recorded_at} for r in rows]

    # -- feedback questionnaires -----------------------------------------------------------

    def save_feedback(self, dossier_id: str, instrument: str, version: str,
                      answers: Mapping[str, int]) -> None:
        """Save answers to a feedback questionnaire (satisfaction, follow-up): evidence,
        apart from the bilan's answers, possible after the dossier is closed or purged."""
        with self.writing() as connection:
            self._visible(connection, dossier_id, lock=True)
            moment = _now()
            for item, value in answers.items():
                where = (t.feedback.c.dossier_id == dossier_id,
                         t.feedback.c.instrument == instrument, t.feedback.c.item == item)
                done = connection.execute(t.feedback.update().where(*where).values(
                    value=int(value), version=version, answered_at=moment)).rowcount
                if not done:
                    connection.execute(t.feedback.insert().values(
                        dossier_id=dossier_id, instrument=instrument, item=item,
                        version=version, value=int(value), answered_at=moment))
            if answers:
                self.audit(connection, "feedback.answer", dossier_id, instrument=instrument,
                           items=len(answers))

    def feedback_answers(self, dossier_id: str | None = None
                         ) -> dict[str, dict[str, dict[str, int]]]:
        """Feedback answers by dossier, instrument and item (every dossier the account
        sees when ``dossier_id`` is None)."""
        with self.reading() as connection:
            query = sa.select(t.feedback)
            if dossier_id is not None:
                self._visible(connection, dossier_id)
                query = query.where(t.feedback.c.dossier_id == dossier_id)
            elif not self.actor.sees_all and self.backend != "postgresql":
                query = query.join(t.dossiers).where(
                    t.dossiers.c.counsellor == self.actor.name)
            rows = connection.execute(query).all()
        found: dict[str, dict[str, dict[str, int]]] = {}
        for row in rows:
            found.setdefault(row.dossier_id, {}).setdefault(row.instrument, {})[row.item] = (
                int(row.value))
        return found

    # -- complaints ------------------------------------------------------------------------

    def add_complaint(self, *, received_on: date, channel: str, subject: str,
                      dossier_id: str | None = None) -> int:
        """Enter a complaint in the register (about a dossier, or about none: an
        administrator's); its number. The subject is sealed."""
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}")
        with self.writing() as connection:
            if dossier_id is not None:
                self._visible(connection, dossier_id, lock=True)
            else:
                self._require_admin("complaint add (without --dossier)")
            complaint_id = _key(connection.execute(t.complaints.insert().values(
                dossier_id=dossier_id, received_on=received_on, channel=channel,
                subject=b"", recorded_by=self.actor.name, recorded_at=_now())))
            connection.execute(t.complaints.update().where(
                t.complaints.c.id == complaint_id).values(subject=self.cipher.seal(
                    subject.encode(), f"complaints.subject:{complaint_id}")))
            self.audit(connection, "complaint.add", dossier_id, complaint=complaint_id,
                       channel=channel)
        return complaint_id

    def handle_complaint(self, complaint_id: int, *, handled_on: date,
                         answer: str | None = None, answered_on: date | None = None) -> None:
        """Record that a complaint was handled, and the answer given (sealed) and when."""
        with self.writing() as connection:
            row = self._complaint(connection, complaint_id)
            if handled_on < _day(row.received_on) or (
                    answered_on is not None and answered_on < _day(row.received_on)):
                raise UsageError(_("complaint {n}: handled or answered before it was received"
                                   " on {date}").format(n=complaint_id,
                                                        date=_day(row.received_on).isoformat()))
            values: dict[str, Any] = {"handled_on": handled_on}
            if answer is not None:
                values["answer"] = self.cipher.seal(answer.encode(),
                                                    f"complaints.answer:{complaint_id}")
                values["answered_on"] = answered_on or handled_on
            connection.execute(t.complaints.update().where(
                t.complaints.c.id == complaint_id).values(**values))
            self.audit(connection, "complaint.handle", row.dossier_id, complaint=complaint_id)

    def _complaint(self, connection: sa.Connection, complaint_id: int) -> Any:
        row = connection.execute(sa.select(t.complaints).where(
            t.complaints.c.id == complaint_id)).first()
        if row is not None and row.dossier_id is not None:
            try:
                self._visible(connection, row.dossier_id)
            except UsageError:
                row = None
        elif row is not None and not self.actor.sees_all:
            row = None
        if row is None:
            raise UsageError(_("no complaint {n} ('bilan complaint list')").format(
                n=complaint_id))
        return row

    def complaints(self, dossier_id: str | None = None) -> list[dict[str, Any]]:
        """The complaints register (a dossier's, or all the account sees), oldest first,
        with the subjects and answers opened; audited."""
        with self.writing() as connection:
            query = sa.select(t.complaints).order_by(t.complaints.c.received_on,
                                                     t.complaints.c.id)
            if dossier_id is not None:
                self._visible(connection, dossier_id)
                query = query.where(t.complaints.c.dossier_id == dossier_id)
            elif not self.actor.sees_all:
                query = query.join(t.dossiers).where(
                    t.dossiers.c.counsellor == self.actor.name)
            rows = connection.execute(query).all()
            self.audit(connection, "complaint.read", dossier_id, count=len(rows))
        return [{"id": r.id, "dossier": r.dossier_id, "received_on": _day(r.received_on),
                 "channel": r.channel,
                 "subject": self.cipher.open(r.subject, f"complaints.subject:{r.id}").decode(),
                 "handled_on": _day(r.handled_on),
                 "answer": (self.cipher.open(r.answer, f"complaints.answer:{r.id}").decode()
                            if r.answer is not None else None),
                 "answered_on": _day(r.answered_on)} for r in rows]

    # -- everything of a dossier's evidence ------------------------------------------------

    def evidence_of(self, dossier_ids: Sequence[str]) -> list[dict[str, Any]]:
        """Everything administrative the evidence needs of these dossiers, read in one
        transaction and audited as ``evidence.read``: the record, the programme, the
        identity, the sessions and their signatures, the consents, the dated facts, the
        invoices and the feedback answers. Nothing of the bilan's content."""
        found: list[dict[str, Any]] = []
        with self.writing() as connection:
            for dossier_id in dossier_ids:
                info = self._visible(connection, dossier_id, full=True)
                found.append({
                    "info": info,
                    "programme": self.programme(dossier_id, connection),
                    "identity": self._identity(connection, dossier_id),
                    "sessions": self.sessions(dossier_id, connection),
                    "signatures": self.signatures(dossier_id, connection),
                    "consents": self.consents(dossier_id, connection),
                    "records": self.evidence_records(dossier_id, connection),
                })
                self.audit(connection, "evidence.read", dossier_id)
        invoices: dict[str, list[dict[str, Any]]] = {}
        for invoice in self.invoices():
            invoices.setdefault(invoice["dossier"], []).append(invoice)
        feedback = self.feedback_answers()
        for entry in found:
            info = entry["info"]
            entry["invoices"] = invoices.get(info.id, [])
            entry["feedback"] = feedback.get(info.id, {})
        return found
