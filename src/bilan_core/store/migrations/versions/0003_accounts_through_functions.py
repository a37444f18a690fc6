"""Accounts changed only through the owner's functions (PostgreSQL); sessions immutable,
consents changed only to be revoked, the audit trail's time set by the server.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

from bilan_core.store import access

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    access.account_functions(connection)
    access.guard_records(connection)


def downgrade() -> None:
    # By design, not a stub: a store is never migrated backwards (its content may have been
    # purged since, and a downgrade would drop rows). SQLite stores are backed up before each
    # upgrade; PostgreSQL stores are the provider's to back up (docs/store.md).
    raise NotImplementedError("the store is never downgraded: restore the backup instead")
