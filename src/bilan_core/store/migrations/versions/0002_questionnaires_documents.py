"""Questionnaires answered over time (administrations and answers) and rendered documents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bilan_core.store import access

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MOMENT = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "administrations",
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("instrument", sa.String(64), primary_key=True),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("started_at", MOMENT, nullable=False),
        sa.Column("completed_on", sa.Date),
        sa.Column("extra", sa.LargeBinary),
    )
    op.create_table(
        "answers",
        sa.Column("dossier_id", sa.String(40), primary_key=True),
        sa.Column("instrument", sa.String(64), primary_key=True),
        sa.Column("item", sa.String(64), primary_key=True),
        sa.Column("value", sa.LargeBinary, nullable=False),
        sa.Column("seconds", sa.Float),
        sa.Column("answered_at", MOMENT, nullable=False),
        sa.ForeignKeyConstraint(["dossier_id", "instrument"],
                                ["administrations.dossier_id", "administrations.instrument"],
                                ondelete="CASCADE", name="fk_answers_administrations"),
    )
    op.create_table(
        "documents",
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("audience", sa.String(32)),
        sa.Column("recipient", sa.String(64)),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
    )
    access.secure(op.get_bind(), ("administrations", "answers", "documents"))


def downgrade() -> None:
    # By design, not a stub: a store is never migrated backwards (its content may have been
    # purged since, and a downgrade would drop rows). SQLite stores are backed up before each
    # upgrade; PostgreSQL stores are the provider's to back up (docs/store.md).
    raise NotImplementedError("the store is never downgraded: restore the backup instead")
