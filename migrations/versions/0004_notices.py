"""notices: notices, deliveries, confirmations

Revision ID: 0004_notices
Revises: 0003_admin
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0004_notices"
down_revision: str | None = "0003_admin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notice_images',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_images')),
    sa.UniqueConstraint('token', name=op.f('uq_notice_images_token'))
    )
    op.create_table('notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body_ja', sa.Text(), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=True),
    sa.Column('body_en', sa.Text(), nullable=True),
    sa.Column('image_id', sa.Integer(), nullable=True),
    sa.Column('audience_kind', sa.String(length=16), nullable=False),
    sa.Column('audience_district_ids', sa.JSON(), nullable=True),
    sa.Column('tourist_days', sa.Integer(), nullable=True),
    sa.Column('audience_since', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('send_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('repeat_weekdays', sa.String(length=7), nullable=True),
    sa.Column('repeat_until', sa.Date(), nullable=True),
    sa.Column('not_after', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminder_hours', sa.Integer(), nullable=False),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('correction_of_id', sa.Integer(), nullable=True),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['correction_of_id'], ['notices.id'], name=op.f('fk_notices_correction_of_id_notices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['image_id'], ['notice_images.id'], name=op.f('fk_notices_image_id_notice_images'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['series_id'], ['notices.id'], name=op.f('fk_notices_series_id_notices'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notices')),
    sa.UniqueConstraint('series_id', 'send_at', name=op.f('uq_notices_series_id_send_at'))
    )
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index('ix_notices_archive', ['status', 'sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notices_series_id'), ['series_id'], unique=False)

    op.create_table('notice_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('is_family', sa.Boolean(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], name=op.f('fk_notice_deliveries_notice_id_notices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox_messages.id'], name=op.f('fk_notice_deliveries_outbox_id_outbox_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notice_deliveries_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_deliveries')),
    sa.UniqueConstraint('notice_id', 'person_id', name=op.f('uq_notice_deliveries_notice_id_person_id'))
    )
    with op.batch_alter_table('notice_deliveries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_deliveries_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_deliveries_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_table('notice_deliveries')
    op.drop_table('notices')
    op.drop_table('notice_images')
