"""notices: notices, deliveries, confirmations

Revision ID: 0004_notices
Revises: 0003_admin
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import islandos.db  # noqa: F401

revision: str = "0004_notices"
down_revision: str | None = "0003_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
