"""Invitations: links a beneficiary opens to answer a dossier's questionnaires; attempts the
web application counts (rate limits across its workers); the owner holds every account's
role, to act for it in the web application (PostgreSQL).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from bilan_core.store import access

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

MOMENT = sa.String(32)


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", sa.String(40),
                  sa.ForeignKey("dossiers.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("instruments", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(63), nullable=False),
        sa.Column("created_at", MOMENT, nullable=False),
        sa.Column("expires_at", MOMENT, nullable=False),
        sa.Column("revoked_at", MOMENT),
        sa.Column("revoked_by", sa.String(63)),
        sa.Column("last_used_at", MOMENT),
    )
    op.create_table(  # the web application's attempts, counted across its workers
        "attempts",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("window_start", sa.Integer, primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    # The web sessions of an account end when this changes (logout, a new password).
    op.add_column("accounts", sa.Column("web_sessions", sa.Integer, nullable=False,
                                        server_default="0"))
    connection = op.get_bind()
    access.secure(connection, ("invitations",))
    access.invitation_functions(connection)
    # The owner acts for accounts (the web application): it holds their roles.
    access.account_functions(connection)
    access.owner_holds_accounts(connection)


def downgrade() -> None:
    # By design, not a stub: a store is never migrated backwards (its content may have been
    # purged since, and a downgrade would drop rows). SQLite stores are backed up before each
    # upgrade; PostgreSQL stores are the provider's to back up (docs/store.md).
    raise NotImplementedError("the store is never downgraded: restore the backup instead")
