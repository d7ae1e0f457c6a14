"""fees: fee table, payments, passes, check-ins, refunds, Stripe events

Revision ID: 0011_fees
Revises: 0010_rejected_events
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = '0011_fees'
down_revision: str | None = '0010_rejected_events'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('fee_categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('name_ja', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('price_jpy', sa.Integer(), nullable=False),
    sa.Column('exempt', sa.Boolean(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_until', sa.Date(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('NOT exempt OR price_jpy = 0', name=op.f('ck_fee_categories_exempt_free')),
    sa.CheckConstraint('effective_until IS NULL OR effective_until >= effective_from', name=op.f('ck_fee_categories_period')),
    sa.CheckConstraint('price_jpy >= 0 AND price_jpy <= 100000', name=op.f('ck_fee_categories_price')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_categories')),
    sa.UniqueConstraint('code', 'effective_from', name=op.f('uq_fee_categories_code_effective_from'))
    )
    op.create_table('stripe_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('object_id', sa.String(length=255), nullable=True),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('amount_refunded', sa.Integer(), nullable=True),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('received_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_stripe_events_event_id'))
    )
    op.create_index(op.f('ix_stripe_events_payment_intent_id'), 'stripe_events', ['payment_intent_id'])
    op.create_table('fee_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('form_nonce', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('arrival_date', sa.Date(), nullable=False),
    sa.Column('total_jpy', sa.Integer(), nullable=False),
    sa.Column('refunded_jpy', sa.Integer(), nullable=False),
    sa.Column('checkout_session_id', sa.String(length=255), nullable=True),
    sa.Column('checkout_url', sa.Text(), nullable=True),
    sa.Column('payment_intent_id', sa.String(length=255), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by', sa.String(length=80), nullable=True),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('stripe', 'cash', 'none')", name=op.f('ck_fee_payments_method')),
    sa.CheckConstraint("source IN ('port', 'ferry', 'inn', 'line', 'web')", name=op.f('ck_fee_payments_source')),
    sa.CheckConstraint("status IN ('pending', 'paid', 'partially_refunded', 'refunded', 'failed', 'expired')", name=op.f('ck_fee_payments_status')),
    sa.CheckConstraint('refunded_jpy >= 0 AND refunded_jpy <= total_jpy', name=op.f('ck_fee_payments_refunded')),
    sa.CheckConstraint('total_jpy >= 0', name=op.f('ck_fee_payments_total')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_fee_payments_person_id_people'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_payments')),
    sa.UniqueConstraint('checkout_session_id', name=op.f('uq_fee_payments_checkout_session_id')),
    sa.UniqueConstraint('form_nonce', name=op.f('uq_fee_payments_form_nonce')),
    sa.UniqueConstraint('reference', name=op.f('uq_fee_payments_reference'))
    )
    op.create_index('ix_fee_payments_arrival', 'fee_payments', ['arrival_date', 'status'])
    op.create_index(op.f('ix_fee_payments_created_at'), 'fee_payments', ['created_at'])
    op.create_index(op.f('ix_fee_payments_paid_at'), 'fee_payments', ['paid_at'])
    op.create_index(op.f('ix_fee_payments_payment_intent_id'), 'fee_payments', ['payment_intent_id'])
    op.create_index(op.f('ix_fee_payments_person_id'), 'fee_payments', ['person_id'])
    op.create_table('fee_passes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('arrival_date', sa.Date(), nullable=False),
    sa.Column('token', sa.Text(), nullable=False),
    sa.Column('revoked_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('issued_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('pushed_at', islandos.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['payment_id'], ['fee_payments.id'], name=op.f('fk_fee_passes_payment_id_fee_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_passes')),
    sa.UniqueConstraint('code', name=op.f('uq_fee_passes_code')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_fee_passes_payment_id'))
    )
    op.create_index(op.f('ix_fee_passes_arrival_date'), 'fee_passes', ['arrival_date'])
    op.create_table('fee_payment_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('category_code', sa.String(length=24), nullable=False),
    sa.Column('name_ja', sa.String(length=60), nullable=False),
    sa.Column('name_en', sa.String(length=60), nullable=False),
    sa.Column('exempt', sa.Boolean(), nullable=False),
    sa.Column('unit_jpy', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('refunded_quantity', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.CheckConstraint('quantity >= 1 AND quantity <= 50', name=op.f('ck_fee_payment_lines_quantity')),
    sa.CheckConstraint('refunded_quantity >= 0 AND refunded_quantity <= quantity', name=op.f('ck_fee_payment_lines_refunded_quantity')),
    sa.CheckConstraint('unit_jpy >= 0', name=op.f('ck_fee_payment_lines_unit')),
    sa.ForeignKeyConstraint(['payment_id'], ['fee_payments.id'], name=op.f('fk_fee_payment_lines_payment_id_fee_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_payment_lines')),
    sa.UniqueConstraint('payment_id', 'category_code', name=op.f('uq_fee_payment_lines_payment_id_category_code'))
    )
    op.create_table('fee_refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('stripe_refund_id', sa.String(length=255), nullable=True),
    sa.Column('amount_jpy', sa.Integer(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('created_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_jpy > 0', name=op.f('ck_fee_refunds_amount')),
    sa.ForeignKeyConstraint(['payment_id'], ['fee_payments.id'], name=op.f('fk_fee_refunds_payment_id_fee_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_refunds')),
    sa.UniqueConstraint('stripe_refund_id', name=op.f('uq_fee_refunds_stripe_refund_id'))
    )
    op.create_index(op.f('ix_fee_refunds_payment_id'), 'fee_refunds', ['payment_id'])
    op.create_table('fee_check_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pass_id', sa.Integer(), nullable=False),
    sa.Column('checked_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('staff', sa.String(length=80), nullable=False),
    sa.Column('device', sa.String(length=64), nullable=True),
    sa.Column('offline', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', islandos.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['pass_id'], ['fee_passes.id'], name=op.f('fk_fee_check_ins_pass_id_fee_passes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fee_check_ins'))
    )
    op.create_index(op.f('ix_fee_check_ins_pass_id'), 'fee_check_ins', ['pass_id'])



def downgrade() -> None:
    op.drop_index(op.f('ix_fee_check_ins_pass_id'), table_name='fee_check_ins')
    op.drop_table('fee_check_ins')
    op.drop_index(op.f('ix_fee_refunds_payment_id'), table_name='fee_refunds')
    op.drop_table('fee_refunds')
    op.drop_table('fee_payment_lines')
    op.drop_index(op.f('ix_fee_passes_arrival_date'), table_name='fee_passes')
    op.drop_table('fee_passes')
    op.drop_index(op.f('ix_fee_payments_person_id'), table_name='fee_payments')
    op.drop_index(op.f('ix_fee_payments_payment_intent_id'), table_name='fee_payments')
    op.drop_index(op.f('ix_fee_payments_paid_at'), table_name='fee_payments')
    op.drop_index(op.f('ix_fee_payments_created_at'), table_name='fee_payments')
    op.drop_index('ix_fee_payments_arrival', table_name='fee_payments')
    op.drop_table('fee_payments')
    op.drop_index(op.f('ix_stripe_events_payment_intent_id'), table_name='stripe_events')
    op.drop_table('stripe_events')
    op.drop_table('fee_categories')
