"""privacy: when a person was last active, for the idle-tourist retention

Revision ID: 0014_privacy
Revises: 0013_session_stage

The daily retention run copies each person's newest webhook event time here before the
event records are pruned, so "no activity for 180 days" outlives the 30-day event records.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0014_privacy"
down_revision: str | None = "0013_session_stage"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("last_seen_at", islandos.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("last_seen_at")
