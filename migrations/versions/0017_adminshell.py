"""adminshell: an invite code can be revoked (when and by whom)

Revision ID: 0017_adminshell
Revises: 0016_linecopy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0017_adminshell"
down_revision: str | None = "0016_linecopy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invite_codes") as batch:
        batch.add_column(sa.Column("revoked_at", islandos.db.UTCDateTime(timezone=True),
                                     nullable=True))
        batch.add_column(sa.Column("revoked_by", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invite_codes") as batch:
        batch.drop_column("revoked_by")
        batch.drop_column("revoked_at")
