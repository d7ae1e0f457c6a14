"""events: island events (行事) whose attendance is asked through the asking core

Revision ID: 0019_events
Revises: 0018_polls
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0019_events"
down_revision: str | None = "0018_polls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = islandos.db.UTCDateTime(timezone=True)
AUDIENCES = ("everyone", "islanders", "districts", "tourists", "family")
STATUSES = ("open", "cancelled")


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("title_en", sa.String(length=100), nullable=True),
        sa.Column("description_ja", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=True),
        sa.Column("starts_at", UTC, nullable=False),
        sa.Column("ends_at", UTC, nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("spot_id", sa.Integer(), nullable=True),
        sa.Column("answer_deadline", UTC, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("max_guests", sa.Integer(), nullable=False),
        sa.Column("audience_kind", sa.String(length=16), nullable=False),
        sa.Column("audience_district_ids", sa.JSON(), nullable=True),
        sa.Column("remind_days_before", sa.Integer(), nullable=True),
        sa.Column("remind_time", sa.String(length=5), nullable=False),
        sa.Column("remind_not_answered", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("cancelled_at", UTC, nullable=True),
        sa.CheckConstraint("ends_at >= starts_at", name=op.f("ck_events_ends_after_start")),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 1", name=op.f("ck_events_capacity")),
        sa.CheckConstraint("max_guests >= 0", name=op.f("ck_events_max_guests")),
        sa.CheckConstraint(_in("audience_kind", AUDIENCES), name=op.f("ck_events_audience_kind")),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_events_status")),
        sa.ForeignKeyConstraint(["spot_id"], ["spots.id"], name=op.f("fk_events_spot_id_spots"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index(op.f("ix_events_starts_at"), "events", ["starts_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_events_starts_at"), table_name="events")
    op.drop_table("events")
