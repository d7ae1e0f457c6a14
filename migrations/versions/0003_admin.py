"""admin: admin accounts, LINE link codes

Revision ID: 0003_admin
Revises: 0002_registration
"""

from collections.abc import Sequence

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import islandos.db  # noqa: F401

revision: str = "0003_admin"
down_revision: str | None = "0002_registration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
