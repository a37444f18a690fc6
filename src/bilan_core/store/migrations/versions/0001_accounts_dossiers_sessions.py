"""Accounts, dossiers, sessions, consents and the append-only audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bilan_core.store import access

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

MOMENT = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "store_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("name", sa.String(63), primary_key=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("created_by", sa.String(63), nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.CheckConstraint("role IN ('counsellor', 'admin')", name="role"),
    )
    op.create_table(
        "dossiers",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("counsellor", sa.String(63), sa.ForeignKey("accounts.name"),
                  nullable=False),
        sa.Column("label", sa.String(120), nullable=False),
        sa.Column("beneficiary", sa.String(120)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("reference_date", sa.Date, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("updated_at", MOMENT, nullable=False),
        sa.Column("closed_at", MOMENT),
        sa.Column("keep_until", sa.Date),
        sa.Column("pipeline_path", sa.Text),
        sa.Column("pipeline", sa.LargeBinary),
        sa.Column("state", sa.LargeBinary),
        sa.CheckConstraint("status IN ('open', 'closed', 'purged')", name="status"),
    )
    op.create_index("ix_dossiers_counsellor", "dossiers", ["counsellor"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("held_on", sa.Date, nullable=False),
        sa.Column("hours", sa.Numeric(5, 2), nullable=False),
        sa.Column("step", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(32), nullable=False),
        sa.Column("modality", sa.String(16), nullable=False),
        sa.Column("recorded_by", sa.String(63), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
        sa.CheckConstraint("hours > 0", name="hours"),
        sa.CheckConstraint("modality IN ('presentiel', 'distance')", name="modality"),
    )
    op.create_index("ix_sessions_dossier_id", "sessions", ["dossier_id"])
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(64)),
        sa.Column("given_on", sa.Date, nullable=False),
        sa.Column("until", sa.Date),
        sa.Column("recorded_by", sa.String(63), nullable=False),
        sa.Column("recorded_at", MOMENT, nullable=False),
        sa.Column("revoked_on", sa.Date),
        sa.Column("revoked_by", sa.String(63)),
        sa.Column("revoked_at", MOMENT),
        sa.CheckConstraint("kind IN ('bilan', 'sharing', 'retention')", name="kind"),
    )
    op.create_index("ix_consents_dossier_id", "consents", ["dossier_id"])
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", MOMENT, nullable=False),
        sa.Column("actor", sa.String(63), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("dossier_id", sa.String(40)),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_dossier_id", "audit", ["dossier_id"])
    access.append_only(op.get_bind(), "audit")
    access.secure(op.get_bind(), ("accounts", "dossiers", "sessions", "consents", "audit",
                                  "store_meta"))


def downgrade() -> None:
    # By design, not a stub: a store is never migrated backwards (its content may have been
    # purged since, and a downgrade would drop rows). SQLite stores are backed up before each
    # upgrade; PostgreSQL stores are the provider's to back up (docs/store.md).
    raise NotImplementedError("the store is never downgraded: restore the backup instead")
