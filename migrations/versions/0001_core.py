"""core: people, webhook events, outbox, jobs, audit

Revision ID: 0001_core
Revises: 
Create Date: 2026-11-25 03:06:29.506223
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = '0001_core'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target', sa.String(length=80), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor'), ['actor'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_target'), ['target'], unique=False)

    op.create_table('districts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_ja', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_districts')),
    sa.UniqueConstraint('code', name=op.f('uq_districts_code'))
    )
    op.create_table('jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('unique_key', sa.String(length=128), nullable=True),
    sa.Column('run_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('finished_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    sa.UniqueConstraint('unique_key', name=op.f('uq_jobs_unique_key'))
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index('ix_jobs_due', ['status', 'run_at'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('messages', sa.JSON(), nullable=False),
    sa.Column('retry_key', sa.String(length=36), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('order_key', sa.String(length=64), nullable=True),
    sa.Column('not_after', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('first_attempt_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('line_request_id', sa.String(length=64), nullable=True),
    sa.Column('source', sa.String(length=64), nullable=True),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    sa.UniqueConstraint('retry_key', name=op.f('uq_outbox_messages_retry_key'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_messages_due', ['status', 'priority', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_order_key'), ['order_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_messages_source'), ['source'], unique=False)

    op.create_table('recorded_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.String(length=33), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recorded_messages'))
    )
    with op.batch_alter_table('recorded_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recorded_messages_line_user_id'), ['line_user_id'], unique=False)

    op.create_table('sending_pauses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('paused_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resume_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sending_pauses'))
    )
    op.create_table('webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webhook_event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=32), nullable=False),
    sa.Column('line_user_id', sa.String(length=33), nullable=True),
    sa.Column('mode', sa.String(length=16), nullable=False),
    sa.Column('is_redelivery', sa.Boolean(), nullable=False),
    sa.Column('occurred_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reply_state', sa.String(length=16), nullable=False),
    sa.Column('reply_error', sa.String(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('webhook_event_id', name=op.f('uq_webhook_events_webhook_event_id'))
    )
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webhook_events_line_user_id'), ['line_user_id'], unique=False)

    op.create_table('worker_heartbeats',
    sa.Column('worker_id', sa.String(length=80), nullable=False),
    sa.Column('seen_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('worker_id', name=op.f('pk_worker_heartbeats'))
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('line_user_id', sa.String(length=33), nullable=True),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('full_name', sa.String(length=120), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('consented_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('registered_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('dialog_state', sa.String(length=40), nullable=True),
    sa.Column('dialog_data', sa.JSON(), nullable=True),
    sa.Column('followed_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('unfollowed_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_people_district_id_districts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('line_user_id', name=op.f('uq_people_line_user_id'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_role'), ['role'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_status'), ['status'], unique=False)

    op.create_table('family_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('family_person_id', sa.Integer(), nullable=False),
    sa.Column('islander_person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['family_person_id'], ['people.id'], name=op.f('fk_family_links_family_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['islander_person_id'], ['people.id'], name=op.f('fk_family_links_islander_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_family_links')),
    sa.UniqueConstraint('family_person_id', 'islander_person_id', name=op.f('uq_family_links_family_person_id_islander_person_id'))
    )
    with op.batch_alter_table('family_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_family_links_family_person_id'), ['family_person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_family_links_islander_person_id'), ['islander_person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('family_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_family_links_islander_person_id'))
        batch_op.drop_index(batch_op.f('ix_family_links_family_person_id'))

    op.drop_table('family_links')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_status'))
        batch_op.drop_index(batch_op.f('ix_people_role'))
        batch_op.drop_index(batch_op.f('ix_people_district_id'))

    op.drop_table('people')
    op.drop_table('worker_heartbeats')
    with op.batch_alter_table('webhook_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webhook_events_line_user_id'))

    op.drop_table('webhook_events')
    op.drop_table('sending_pauses')
    with op.batch_alter_table('recorded_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recorded_messages_line_user_id'))

    op.drop_table('recorded_messages')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_source'))
        batch_op.drop_index(batch_op.f('ix_outbox_messages_order_key'))
        batch_op.drop_index('ix_outbox_messages_due')

    op.drop_table('outbox_messages')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index('ix_jobs_due')

    op.drop_table('jobs')
    op.drop_table('districts')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_target'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
