"""disaster mode and safety check: disaster_modes, safety_events, safety_locations; a
shelter's capacity and open flag on spots

Revision ID: 0015_disaster
Revises: 0014_privacy
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = '0015_disaster'
down_revision: str | None = '0014_privacy'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('disaster_modes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('typhoon', 'heavy_rain', 'tsunami', 'earthquake', 'ferry', 'other', name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('started_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=80), nullable=False),
    sa.Column('ended_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ended_by', sa.String(length=80), nullable=True),
    sa.Column('check_status', sa.Enum('none', 'awaiting', 'sent', 'closed', name='check_status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('check_tourists', sa.Boolean(), nullable=False),
    sa.Column('check_requested_by', sa.String(length=80), nullable=True),
    sa.Column('check_confirmed_by', sa.String(length=80), nullable=True),
    sa.Column('check_sent_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ask_id', sa.Integer(), nullable=True),
    sa.Column('exported_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reduced_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['ask_id'], ['asks.id'], name=op.f('fk_disaster_modes_ask_id_asks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disaster_modes')),
    sa.UniqueConstraint('active', name=op.f('uq_disaster_modes_active'))
    )
    op.create_table('safety_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('choice', sa.String(length=16), nullable=True),
    sa.Column('answered_by', sa.Enum('self', 'family', 'staff', name='answered_by', native_enum=False, create_constraint=True, length=8), nullable=False),
    sa.Column('proxy_person_id', sa.Integer(), nullable=True),
    sa.Column('entered_by', sa.String(length=80), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mode_id'], ['disaster_modes.id'], name=op.f('fk_safety_events_mode_id_disaster_modes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_safety_events_person_id_people'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['proxy_person_id'], ['people.id'], name=op.f('fk_safety_events_proxy_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_events'))
    )
    with op.batch_alter_table('safety_events', schema=None) as batch_op:
        batch_op.create_index('ix_safety_events_person', ['mode_id', 'person_id', 'id'], unique=False)

    op.create_table('safety_locations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mode_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=False),
    sa.Column('longitude', sa.Float(), nullable=False),
    sa.Column('sent_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['mode_id'], ['disaster_modes.id'], name=op.f('fk_safety_locations_mode_id_disaster_modes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_safety_locations_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safety_locations')),
    sa.UniqueConstraint('mode_id', 'person_id', name=op.f('uq_safety_locations_mode_id_person_id'))
    )
    with op.batch_alter_table('spots', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shelter_capacity', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('shelter_open', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('spots', schema=None) as batch_op:
        batch_op.drop_column('shelter_open')
        batch_op.drop_column('shelter_capacity')

    op.drop_table('safety_locations')
    with op.batch_alter_table('safety_events', schema=None) as batch_op:
        batch_op.drop_index('ix_safety_events_person')

    op.drop_table('safety_events')
    op.drop_table('disaster_modes')
