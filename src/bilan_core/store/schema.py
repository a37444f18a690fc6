"""The store's tables, in SQLAlchemy Core: one schema for SQLite and PostgreSQL.

The tables are described here for the queries; the migrations under ``migrations/versions``
create them, each as it was when written. ``tests/test_store_schema.py`` checks that a store
migrated to the newest revision has exactly these tables and columns.

Content and administration are kept apart. Columns of type :data:`Secret` hold the bilan's
content (answers, results, free text, rendered documents): they are encrypted when the store
has a key, and destroyed when a dossier is closed without a retention consent or purged. The
other columns are administrative (who, when, how many hours, which consent) and never hold
results or free text.
"""

from __future__ import annotations

import sqlalchemy as sa

#: Naming convention of the constraints SQLAlchemy names (the migrations name their own).
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

#: Encrypted (or plain, tagged) bytes: see :mod:`bilan_core.store.crypto`.
Secret = sa.LargeBinary
#: A moment, in UTC, written as ISO 8601 text with microseconds: ordered, the same on both
#: engines and exact (SQLite has no time type).
Moment = sa.String(32)

ROLES = ("counsellor", "admin")
STATUSES = ("open", "closed", "purged")
MODALITIES = ("presentiel", "distance")
CONSENT_KINDS = ("bilan", "sharing", "retention")

meta = sa.Table(
    "store_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

accounts = sa.Table(
    "accounts", metadata,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("created_by", sa.String(63), nullable=False),
    sa.Column("password_hash", sa.Text),  # argon2, for the web application
    # The account's web sessions are valid while they carry this number (bumped by a
    # logout and by a new password).
    sa.Column("web_sessions", sa.Integer, nullable=False, server_default="0"),
)

dossiers = sa.Table(
    "dossiers", metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("counsellor", sa.String(63), sa.ForeignKey("accounts.name"), nullable=False),
    sa.Column("label", sa.String(120), nullable=False),  # the pipeline's id
    sa.Column("beneficiary", sa.String(120)),  # pseudonymous id; cleared by a purge
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("reference_date", sa.Date, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
    sa.Column("closed_at", Moment),
    sa.Column("keep_until", sa.Date),  # content kept until then (retention consent)
    sa.Column("pipeline_path", sa.Text),  # where the pipeline's referenced files are
    sa.Column("pipeline", Secret),  # the pipeline file's text: notes are free text
    sa.Column("state", Secret),  # the dossier after the last step run (JSON)
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("hours", sa.Numeric(5, 2), nullable=False),
    sa.Column("step", sa.String(64), nullable=False),
    sa.Column("phase", sa.String(32), nullable=False),
    sa.Column("modality", sa.String(16), nullable=False),
    sa.Column("recorded_by", sa.String(63), nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
)

consents = sa.Table(
    "consents", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(64)),
    sa.Column("given_on", sa.Date, nullable=False),
    sa.Column("until", sa.Date),
    sa.Column("recorded_by", sa.String(63), nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
    sa.Column("revoked_on", sa.Date),
    sa.Column("revoked_by", sa.String(63)),
    sa.Column("revoked_at", Moment),
)

administrations = sa.Table(
    "administrations", metadata,
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("instrument", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("started_at", Moment, nullable=False),
    sa.Column("completed_on", sa.Date),
    sa.Column("extra", Secret),  # the rest of the responses (CV experience...), JSON
)

answers = sa.Table(
    "answers", metadata,
    sa.Column("dossier_id", sa.String(40), primary_key=True),
    sa.Column("instrument", sa.String(64), primary_key=True),
    sa.Column("item", sa.String(64), primary_key=True),
    sa.Column("value", Secret, nullable=False),
    sa.Column("seconds", sa.Float),  # time spent on the item, for the validity flags
    sa.Column("answered_at", Moment, nullable=False),
    sa.ForeignKeyConstraint(["dossier_id", "instrument"],
                            ["administrations.dossier_id", "administrations.instrument"],
                            ondelete="CASCADE", name="fk_answers_administrations"),
)

documents = sa.Table(
    "documents", metadata,
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("audience", sa.String(32)),
    sa.Column("recipient", sa.String(64)),
    sa.Column("content", Secret, nullable=False),
    sa.Column("created_at", Moment, nullable=False),
)

audit = sa.Table(
    "audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", Moment, nullable=False),
    sa.Column("actor", sa.String(63), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("dossier_id", sa.String(40), index=True),  # no foreign key: it outlives them
    sa.Column("detail", sa.Text, nullable=False),  # JSON; never results or free text
)

invitations = sa.Table(
    "invitations", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # SHA-256, hex
    sa.Column("instruments", sa.Text, nullable=False),  # JSON list of instrument ids
    sa.Column("created_by", sa.String(63), nullable=False),
    sa.Column("created_at", Moment, nullable=False),
    sa.Column("expires_at", Moment, nullable=False),
    sa.Column("revoked_at", Moment),
    sa.Column("revoked_by", sa.String(63)),
    sa.Column("last_used_at", Moment),
    # "answers" (the bilan's questionnaires: an open dossier's) or "feedback" (satisfaction
    # and follow-up: the provider's evidence, open after the dossier is closed)
    sa.Column("purpose", sa.String(16), nullable=False, server_default="answers"),
)

#: Attempts the web application counts (links, logins) per key and window, across its
#: workers; the owner's only (no account's role has any right on it).
attempts = sa.Table(
    "attempts", metadata,
    sa.Column("key", sa.String(160), primary_key=True),
    sa.Column("window_start", sa.Integer, primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

# -- the provider's evidence: administrative, kept apart from the bilan's content --------------
# A purge destroys the bilan's content (answers, results, free text, documents); these rows
# outlive it, as the evidence a funder or an auditor may ask for (docs/evidence.md).

#: The provider's legal details (one row): legal name, SIRET, NDA, address, legal
#: representative, Qualiopi certificate. Business facts, public: not sealed.
provider = sa.Table(
    "provider", metadata,
    sa.Column("id", sa.Integer, primary_key=True),  # always 1
    sa.Column("details", sa.Text, nullable=False),  # JSON
    sa.Column("updated_by", sa.String(63), nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)

#: The beneficiary's identity, for the documents that name them (agreements, attendance
#: sheets, certificates); the pipeline stays pseudonymous. Sealed.
identities = sa.Table(
    "identities", metadata,
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("content", Secret, nullable=False),  # JSON
    sa.Column("updated_by", sa.String(63), nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)

#: The invoices the provider issues for a dossier; the BPF's revenue comes from them.
invoices = sa.Table(
    "invoices", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("number", sa.String(40), nullable=False, unique=True),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("payer", sa.String(24), nullable=False),  # a kind: cpf, opco, employer...
    sa.Column("payer_name", sa.String(120)),
    sa.Column("amount", sa.Numeric(10, 2), nullable=False),  # euros, all taxes included
    sa.Column("recorded_by", sa.String(63), nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
)

#: What was paid of an invoice, when.
payments = sa.Table(
    "payments", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("invoice_id", sa.Integer, sa.ForeignKey("invoices.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("dossier_id", sa.String(40),  # the invoice's: row-level security follows it
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("paid_on", sa.Date, nullable=False),
    sa.Column("amount", sa.Numeric(10, 2), nullable=False),
    sa.Column("recorded_by", sa.String(63), nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
)

#: What the bilan was planned to be, kept for the evidence once its content is destroyed: the
#: programme's steps (ids, titles, phases, hours), the planned hours, the beneficiary's status
#: and the funders named by the pipeline. JSON; no result and no free text.
programmes = sa.Table(
    "programmes", metadata,
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("updated_at", Moment, nullable=False),
)

#: Who signed a session, when, how, and the SHA-256 of the session's record then: a session
#: changed after its signature no longer matches. ``evidence`` keeps, for a session at a
#: distance, what the CPF accepts as proof of attendance (connection times, activity).
signatures = sa.Table(
    "signatures", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("role", sa.String(16), nullable=False),  # beneficiary, counsellor
    sa.Column("signer", sa.String(120), nullable=False),  # the account, or the typed name
    sa.Column("via", sa.String(16), nullable=False),  # screen, link
    sa.Column("invitation_id", sa.Integer),
    sa.Column("record_hash", sa.String(64), nullable=False),
    sa.Column("evidence", sa.Text),  # JSON
    sa.Column("signed_at", Moment, nullable=False),
    sa.UniqueConstraint("session_id", "role", name="uq_signatures_session_role"),
)

#: Dated facts of the evidence: the information document given, an agreement sent or signed,
#: the CPF entry and exit declared, the reason of a partial completion, a feedback
#: questionnaire sent. ``detail`` is JSON of codes and dates, never free text.
records = sa.Table(
    "evidence_records", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(63), nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
)

#: Answers to the provider's satisfaction and follow-up questionnaires (instruments whose
#: purpose is "feedback"): evidence, kept apart from the bilan's answers and not destroyed
#: with them. Values are the scale's points, never free text.
feedback = sa.Table(
    "feedback", metadata,
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("instrument", sa.String(64), primary_key=True),
    sa.Column("item", sa.String(64), primary_key=True),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("value", sa.Integer, nullable=False),
    sa.Column("answered_at", Moment, nullable=False),
)

#: The complaints register (received, handled, answer, date). The subject and the answer are
#: free text: sealed. A complaint may name no dossier (an administrator's only).
complaints = sa.Table(
    "complaints", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_id", sa.String(40),
              sa.ForeignKey("dossiers.id", ondelete="CASCADE"), index=True),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("subject", Secret, nullable=False),
    sa.Column("handled_on", sa.Date),
    sa.Column("answer", Secret),
    sa.Column("answered_on", sa.Date),
    sa.Column("recorded_by", sa.String(63), nullable=False),
    sa.Column("recorded_at", Moment, nullable=False),
)

#: Tables whose rows belong to one dossier (row-level security follows the dossier's).
DOSSIER_TABLES = ("sessions", "consents", "administrations", "answers", "documents",
                  "invitations", "identities", "invoices", "payments", "programmes",
                  "signatures", "evidence_records", "feedback", "complaints")
