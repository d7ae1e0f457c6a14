"""map: spots, texts, photos, closures, rules seen

Revision ID: 0008_map
Revises: 0006_vocabulary
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0008_map"
down_revision: str | None = "0006_vocabulary"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('spot_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_photos')),
    sa.UniqueConstraint('token', name=op.f('uq_spot_photos_token'))
    )
    op.create_table('spots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=60), nullable=False),
    sa.Column('category', sa.String(length=16), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('access', sa.String(length=16), nullable=False),
    sa.Column('public_shape', sa.String(length=8), nullable=False),
    sa.Column('area', sa.JSON(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('photo_id', sa.Integer(), nullable=True),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("access IN ('open', 'caution', 'no_entry')", name=op.f('ck_spots_access')),
    sa.CheckConstraint("category IN ('sight', 'beach', 'food', 'toilet', 'port', 'rental', 'shelter', 'sacred')", name=op.f('ck_spots_category')),
    sa.CheckConstraint("public_shape IN ('point', 'area', 'hidden')", name=op.f('ck_spots_public_shape')),
    sa.CheckConstraint('latitude BETWEEN -90 AND 90', name=op.f('ck_spots_latitude')),
    sa.CheckConstraint('longitude BETWEEN -180 AND 180', name=op.f('ck_spots_longitude')),
    sa.ForeignKeyConstraint(['photo_id'], ['spot_photos.id'], name=op.f('fk_spots_photo_id_spot_photos'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spots')),
    sa.UniqueConstraint('slug', name=op.f('uq_spots_slug'))
    )
    op.create_index('ix_spots_position', 'spots', ['latitude', 'longitude'])

    op.create_table('closures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spot_id', sa.Integer(), nullable=True),
    sa.Column('area', sa.JSON(), nullable=True),
    sa.Column('name_ja', sa.String(length=120), nullable=True),
    sa.Column('name_en', sa.String(length=120), nullable=True),
    sa.Column('reason_ja', sa.String(length=200), nullable=False),
    sa.Column('reason_en', sa.String(length=200), nullable=True),
    sa.Column('starts_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_closures_period')),
    sa.CheckConstraint('spot_id IS NOT NULL OR area IS NOT NULL', name=op.f('ck_closures_what')),
    sa.ForeignKeyConstraint(['spot_id'], ['spots.id'], name=op.f('fk_closures_spot_id_spots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closures'))
    )
    op.create_index('ix_closures_period', 'closures', ['starts_at', 'ends_at'])
    op.create_index(op.f('ix_closures_spot_id'), 'closures', ['spot_id'])

    op.create_table('map_rules_seen',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_map_rules_seen_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_map_rules_seen'))
    )
    op.create_table('spot_texts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('spot_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('hours', sa.String(length=200), nullable=True),
    sa.Column('rules', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['spot_id'], ['spots.id'], name=op.f('fk_spot_texts_spot_id_spots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_spot_texts')),
    sa.UniqueConstraint('spot_id', 'language', name=op.f('uq_spot_texts_spot_id_language'))
    )


def downgrade() -> None:
    op.drop_table('spot_texts')
    op.drop_table('map_rules_seen')
    op.drop_index(op.f('ix_closures_spot_id'), table_name='closures')
    op.drop_index('ix_closures_period', table_name='closures')
    op.drop_table('closures')
    op.drop_index('ix_spots_position', table_name='spots')
    op.drop_table('spots')
    op.drop_table('spot_photos')
