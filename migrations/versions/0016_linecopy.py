"""linecopy: how an islander agreed to be shown to their family (family_codes)

Revision ID: 0016_linecopy
Revises: 0015_disaster

`name_for_family` is the name the islander chose to show to family members linked by their
code (their registered name, a name they typed, or none); `name_chosen_at` says they chose.
Deleting a person's data deletes their family code, and so both.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0016_linecopy"
down_revision: str | None = "0015_disaster"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("family_codes") as batch:
        batch.add_column(sa.Column("name_for_family", sa.String(60), nullable=True))
        batch.add_column(sa.Column("name_chosen_at", islandos.db.UTCDateTime(timezone=True),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("family_codes") as batch:
        batch.drop_column("name_chosen_at")
        batch.drop_column("name_for_family")
