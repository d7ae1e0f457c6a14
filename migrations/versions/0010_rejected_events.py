"""webhook_events.rejected_reason: malformed events are recorded as rejected, not retried

Revision ID: 0010_rejected_events
Revises: 0009_admin_sessions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_rejected_events"
down_revision: str | None = "0009_admin_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rejected_reason", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_column("rejected_reason")
