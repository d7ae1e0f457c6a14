"""registration: invite codes, family codes, islander requests, code attempts, rich menus

Revision ID: 0002_registration
Revises: 0001_core
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0002_registration"
down_revision: str | None = "0001_core"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rich_menu_deployments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('version', sa.String(length=64), nullable=False),
    sa.Column('line_rich_menu_id', sa.String(length=64), nullable=False),
    sa.Column('deployed_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rich_menu_deployments')),
    sa.UniqueConstraint('line_rich_menu_id', name=op.f('uq_rich_menu_deployments_line_rich_menu_id')),
    sa.UniqueConstraint('name', 'language', name=op.f('uq_rich_menu_deployments_name_language'))
    )
    op.create_table('code_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_code_attempts_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_attempts'))
    )
    with op.batch_alter_table('code_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_code_attempts_person_at', ['person_id', 'at'], unique=False)

    op.create_table('family_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('islander_person_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['islander_person_id'], ['people.id'], name=op.f('fk_family_codes_islander_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_family_codes_code')),
    sa.UniqueConstraint('islander_person_id', name=op.f('uq_family_codes_islander_person_id'))
    )
    op.create_table('invite_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('used_by_person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_invite_codes_district_id_districts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['used_by_person_id'], ['people.id'], name=op.f('fk_invite_codes_used_by_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invite_codes')),
    sa.UniqueConstraint('code', name=op.f('uq_invite_codes_code'))
    )
    with op.batch_alter_table('invite_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invite_codes_used_by_person_id'), ['used_by_person_id'], unique=False)

    op.create_table('islander_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_islander_requests_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_islander_requests'))
    )
    with op.batch_alter_table('islander_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_islander_requests_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_islander_requests_status'), ['status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('islander_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_islander_requests_status'))
        batch_op.drop_index(batch_op.f('ix_islander_requests_person_id'))

    op.drop_table('islander_requests')
    with op.batch_alter_table('invite_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invite_codes_used_by_person_id'))

    op.drop_table('invite_codes')
    op.drop_table('family_codes')
    with op.batch_alter_table('code_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_code_attempts_person_at')

    op.drop_table('code_attempts')
    op.drop_table('rich_menu_deployments')
