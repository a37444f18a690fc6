"""The provider's evidence, kept apart from the bilan's content: the provider's legal
details, each beneficiary's identity (sealed), the invoices issued for a dossier and their
payments, the programme as planned, the sessions' signatures, the dated facts of the evidence
(documents given, CPF declarations), the feedback questionnaires' answers and the complaints
register. A purge of a dossier's content leaves them; deleting the dossier removes them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bilan_core.store import access

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MOMENT = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "provider",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("updated_by", sa.String(63), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    )
    op.create_table(
        "identities",
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("updated_by", sa.String(63), nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("payer", sa.String(24), nullable=False),
        sa.Column("payer_name", sa.String(120)),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("recorded_by", sa.String(63), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
    )
    op.create_table(
        "payments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("invoice_id", sa.Integer,
                  sa.ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("paid_on", sa.Date, nullable=False),
        sa.Column("amount", sa.Numeric(10, 2), nullable=False),
        sa.Column("recorded_by", sa.String(63), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
    )
    op.create_table(
        "programmes",
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
    )
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("signer", sa.String(120), nullable=False),
        sa.Column("via", sa.String(16), nullable=False),
        sa.Column("invitation_id", sa.Integer),
        sa.Column("record_hash", sa.String(64), nullable=False),
        sa.Column("evidence", sa.Text),
        sa.Column("signed_at", MOMENT, nullable=False),
        sa.UniqueConstraint("session_id", "role", name="uq_signatures_session_role"),
    )
    op.create_table(
        "evidence_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("on_date", sa.Date, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(63), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
    )
    op.create_table(
        "feedback",
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("instrument", sa.String(64), primary_key=True),
        sa.Column("item", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("value", sa.Integer, nullable=False),
        sa.Column("answered_at", MOMENT, nullable=False),
    )
    op.create_table(
        "complaints",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), index=True),
        sa.Column("received_on", sa.Date, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("subject", sa.LargeBinary, nullable=False),
        sa.Column("handled_on", sa.Date),
        sa.Column("answer", sa.LargeBinary),
        sa.Column("answered_on", sa.Date),
        sa.Column("recorded_by", sa.String(63), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
    )
    # A feedback questionnaire's link (satisfaction, follow-up) still opens once the dossier
    # is closed or its content purged.
    op.add_column("invitations", sa.Column("purpose", sa.String(16), nullable=False,
                                           server_default="answers"))
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION bilan_invitation(text)")
        access.invitation_functions(connection, purpose=True)
    access.secure(connection, ("provider", "identities", "invoices", "payments", "programmes",
                               "signatures", "evidence_records", "feedback", "complaints"))


def downgrade() -> None:
    # By design, not a stub: a store is never migrated backwards (its content may have been
    # purged since, and a downgrade would drop rows). SQLite stores are backed up before each
    # upgrade; PostgreSQL stores are the provider's to back up (docs/store.md).
    raise NotImplementedError("the store is never downgraded: restore the backup instead")
