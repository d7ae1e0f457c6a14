"""admin_sessions: dashboard sessions kept in the database, so that ending one ends it

Revision ID: 0009_admin_sessions
Revises: 0008_map
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0009_admin_sessions"
down_revision: str | None = "0008_map"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=8), nullable=False),
        sa.Column("user_agent", sa.String(length=80), nullable=False),
        sa.Column("created_at", islandos.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", islandos.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", islandos.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["admin_id"], ["admin_users.id"],
                                name=op.f("fk_admin_sessions_admin_id_admin_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_admin_sessions_token_hash")),
    )
    with op.batch_alter_table("admin_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_sessions_admin_id"), ["admin_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("admin_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_sessions_admin_id"))
    op.drop_table("admin_sessions")
