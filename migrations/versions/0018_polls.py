"""polls: a question with options, its audience and deadline

Revision ID: 0018_polls
Revises: 0017_adminshell

The vocabularies (mode, audience_kind) are written out here: the schema as it was at this
revision.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = '0018_polls'
down_revision: str | None = '0017_adminshell'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_ja', sa.String(length=400), nullable=False),
    sa.Column('question_en', sa.String(length=400), nullable=True),
    sa.Column('options_ja', sa.JSON(), nullable=False),
    sa.Column('options_en', sa.JSON(), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('audience_kind', sa.String(length=16), nullable=False),
    sa.Column('audience_district_ids', sa.JSON(), nullable=True),
    sa.Column('tourist_days', sa.Integer(), nullable=True),
    sa.Column('closes_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('tourist_days IS NULL OR tourist_days >= 1', name=op.f('ck_polls_tourist_days')),
    sa.CheckConstraint("mode IN ('single', 'multiple')", name=op.f('ck_polls_mode')),
    sa.CheckConstraint("audience_kind IN ('everyone', 'islanders', 'districts', 'tourists', 'family')", name=op.f('ck_polls_audience_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index('ix_polls_open', ['closed_at', 'closes_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_index('ix_polls_open')

    op.drop_table('polls')
