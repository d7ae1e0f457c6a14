"""fees staff: ferry passenger counts per day (payment rates)

Revision ID: 0012_fees_staff
Revises: 0011_fees
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = '0012_fees_staff'
down_revision: str | None = '0011_fees'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('ferry_counts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('passengers', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('updated_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('passengers >= 0 AND passengers <= 10000', name=op.f('ck_ferry_counts_passengers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ferry_counts')),
    sa.UniqueConstraint('day', name=op.f('uq_ferry_counts_day'))
    )


def downgrade() -> None:
    op.drop_table('ferry_counts')
