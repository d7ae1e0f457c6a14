"""asking: the shared ask/answer core; notice_deliveries move into it

Revision ID: 0007_asking
Revises: 0006_vocabulary

Every notice with deliveries gets an ask (subject "notice", its id); each delivery becomes a
recipient with the same id, and each confirmation an answer with the one option
"confirmed". No table is rebuilt (no batch mode), so SQLite's ON DELETE CASCADE never fires;
PRAGMA foreign_key_check runs at the end anyway. The downgrade moves the notices' asks back
into notice_deliveries; asks of other subjects have no place there and are dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0007_asking"
down_revision: str | None = "0006_vocabulary"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = islandos.db.UTCDateTime(timezone=True)
CONFIRMING = ("important", "emergency")  # priorities whose notices carry 「確認しました」

notices = sa.table("notices", sa.column("id", sa.Integer), sa.column("priority", sa.String),
                   sa.column("sent_at", UTC), sa.column("created_at", UTC))
deliveries = sa.table(
    "notice_deliveries", sa.column("id", sa.Integer), sa.column("notice_id", sa.Integer),
    sa.column("person_id", sa.Integer), sa.column("district_id", sa.Integer),
    sa.column("language", sa.String), sa.column("is_family", sa.Boolean),
    sa.column("outbox_id", sa.Integer), sa.column("confirmed_at", UTC),
    sa.column("reminded_at", UTC), sa.column("created_at", UTC))
asks = sa.table(
    "asks", sa.column("id", sa.Integer), sa.column("subject_kind", sa.String),
    sa.column("subject_id", sa.Integer), sa.column("options", sa.JSON),
    sa.column("mode", sa.String), sa.column("anonymous", sa.Boolean),
    sa.column("max_guests", sa.Integer), sa.column("created_at", UTC))
recipients = sa.table(
    "ask_recipients", sa.column("id", sa.Integer), sa.column("ask_id", sa.Integer),
    sa.column("person_id", sa.Integer), sa.column("district_id", sa.Integer),
    sa.column("language", sa.String), sa.column("is_family", sa.Boolean),
    sa.column("outbox_id", sa.Integer), sa.column("answered", sa.Boolean),
    sa.column("reminded_at", UTC), sa.column("created_at", UTC))
answers = sa.table(
    "answers", sa.column("id", sa.Integer), sa.column("ask_id", sa.Integer),
    sa.column("recipient_id", sa.Integer), sa.column("district_id", sa.Integer),
    sa.column("choices", sa.Integer),
    sa.column("guests", sa.Integer), sa.column("status", sa.String),
    sa.column("answered_at", UTC))


def upgrade() -> None:
    op.create_table(
        "asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject_kind", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("capacity_option", sa.String(length=32), nullable=True),
        sa.Column("max_guests", sa.Integer(), nullable=False),
        sa.Column("closes_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint("mode IN ('single', 'multiple')", name=op.f("ck_asks_mode")),
        sa.CheckConstraint("capacity IS NULL OR capacity >= 1", name=op.f("ck_asks_capacity")),
        sa.CheckConstraint("max_guests >= 0", name=op.f("ck_asks_max_guests")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_asks")),
        sa.UniqueConstraint("subject_kind", "subject_id",
                            name=op.f("uq_asks_subject_kind_subject_id")),
    )
    op.create_table(
        "anonymous_answers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("ask_id", sa.Integer(), nullable=False),
        sa.Column("choices", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["ask_id"], ["asks.id"],
                                name=op.f("fk_anonymous_answers_ask_id_asks"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_anonymous_answers")),
    )
    op.create_index(op.f("ix_anonymous_answers_ask_id"), "anonymous_answers", ["ask_id"])
    op.create_table(
        "ask_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ask_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("is_family", sa.Boolean(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("reminded_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["ask_id"], ["asks.id"],
                                name=op.f("fk_ask_recipients_ask_id_asks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox_messages.id"],
                                name=op.f("fk_ask_recipients_outbox_id_outbox_messages"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_ask_recipients_person_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ask_recipients")),
        sa.UniqueConstraint("ask_id", "person_id", name=op.f("uq_ask_recipients_ask_id_person_id")),
    )
    op.create_index(op.f("ix_ask_recipients_outbox_id"), "ask_recipients", ["outbox_id"])
    op.create_index("ix_ask_recipients_tally", "ask_recipients",
                    ["ask_id", "district_id", "outbox_id", "answered", "person_id"])
    op.create_index(op.f("ix_ask_recipients_person_id"), "ask_recipients", ["person_id"])
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ask_id", sa.Integer(), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("choices", sa.Integer(), nullable=False),
        sa.Column("guests", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("waitlist_seq", sa.Integer(), nullable=True),
        sa.Column("proxy_person_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=80), nullable=True),
        sa.Column("answered_at", UTC, nullable=False),
        sa.CheckConstraint("status IN ('counted', 'waitlisted')", name=op.f("ck_answers_status")),
        sa.CheckConstraint("choices > 0", name=op.f("ck_answers_choices")),
        sa.CheckConstraint("guests >= 0", name=op.f("ck_answers_guests")),
        sa.ForeignKeyConstraint(["ask_id"], ["asks.id"], name=op.f("fk_answers_ask_id_asks"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proxy_person_id"], ["people.id"],
                                name=op.f("fk_answers_proxy_person_id_people"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recipient_id"], ["ask_recipients.id"],
                                name=op.f("fk_answers_recipient_id_ask_recipients"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answers")),
        sa.UniqueConstraint("recipient_id", name=op.f("uq_answers_recipient_id")),
    )
    op.create_index("ix_answers_waitlist", "answers", ["ask_id", "status", "waitlist_seq"])
    op.create_index("ix_answers_tally", "answers",
                    ["ask_id", "district_id", "status", "choices", "guests"])
    # the tally's "left out" part starts from the few people who unfollowed
    op.create_index(op.f("ix_people_unfollowed_at"), "people", ["unfollowed_at"])
    _move_deliveries_into_asks()
    op.drop_index(op.f("ix_notice_deliveries_outbox_id"), table_name="notice_deliveries")
    op.drop_index(op.f("ix_notice_deliveries_person_id"), table_name="notice_deliveries")
    op.drop_table("notice_deliveries")
    _check_foreign_keys()


def _move_deliveries_into_asks() -> None:
    delivered = sa.exists().where(deliveries.c.notice_id == notices.c.id)
    for options, confirming in ((["confirmed"], True), ([], False)):
        priority = notices.c.priority.in_(CONFIRMING)
        op.execute(asks.insert().from_select(
            ["subject_kind", "subject_id", "options", "mode", "anonymous", "max_guests",
             "created_at"],
            sa.select(sa.literal("notice", sa.String), notices.c.id,
                      sa.literal(options, sa.JSON), sa.literal("single", sa.String),
                      sa.false(), sa.literal(0, sa.Integer),
                      sa.func.coalesce(notices.c.sent_at, notices.c.created_at))
            .where(delivered, priority if confirming else ~priority)))
    of_notice = sa.and_(asks.c.subject_kind == "notice",
                        asks.c.subject_id == deliveries.c.notice_id)
    op.execute(recipients.insert().from_select(
        ["id", "ask_id", "person_id", "district_id", "language", "is_family", "outbox_id",
         "answered", "reminded_at", "created_at"],
        sa.select(deliveries.c.id, asks.c.id, deliveries.c.person_id, deliveries.c.district_id,
                  deliveries.c.language, deliveries.c.is_family, deliveries.c.outbox_id,
                  deliveries.c.confirmed_at.is_not(None), deliveries.c.reminded_at,
                  deliveries.c.created_at)
        .select_from(deliveries.join(asks, of_notice))))
    op.execute(answers.insert().from_select(
        ["ask_id", "recipient_id", "district_id", "choices", "guests", "status", "answered_at"],
        sa.select(recipients.c.ask_id, recipients.c.id, recipients.c.district_id,
                  sa.literal(1, sa.Integer),
                  sa.literal(0, sa.Integer), sa.literal("counted", sa.String),
                  deliveries.c.confirmed_at)
        .select_from(deliveries.join(recipients, recipients.c.id == deliveries.c.id)
                     .join(notices, notices.c.id == deliveries.c.notice_id))
        .where(deliveries.c.confirmed_at.is_not(None), notices.c.priority.in_(CONFIRMING))
        .order_by(deliveries.c.confirmed_at, deliveries.c.id)))
    _reset_sequence("ask_recipients")


def downgrade() -> None:
    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("district_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("is_family", sa.Boolean(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", UTC, nullable=True),
        sa.Column("reminded_at", UTC, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"],
                                name=op.f("fk_notice_deliveries_notice_id_notices"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox_messages.id"],
                                name=op.f("fk_notice_deliveries_outbox_id_outbox_messages"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_notice_deliveries_person_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_deliveries")),
        sa.UniqueConstraint("notice_id", "person_id",
                            name=op.f("uq_notice_deliveries_notice_id_person_id")),
    )
    op.create_index(op.f("ix_notice_deliveries_person_id"), "notice_deliveries", ["person_id"])
    op.create_index(op.f("ix_notice_deliveries_outbox_id"), "notice_deliveries", ["outbox_id"])
    of_notice = sa.and_(asks.c.id == recipients.c.ask_id, asks.c.subject_kind == "notice")
    op.execute(deliveries.insert().from_select(
        ["id", "notice_id", "person_id", "district_id", "language", "is_family", "outbox_id",
         "confirmed_at", "reminded_at", "created_at"],
        sa.select(recipients.c.id, asks.c.subject_id, recipients.c.person_id,
                  recipients.c.district_id, recipients.c.language, recipients.c.is_family,
                  recipients.c.outbox_id, answers.c.answered_at, recipients.c.reminded_at,
                  recipients.c.created_at)
        .select_from(recipients.join(asks, of_notice)
                     .outerjoin(answers, answers.c.recipient_id == recipients.c.id))))
    _reset_sequence("notice_deliveries")
    op.drop_index(op.f("ix_people_unfollowed_at"), table_name="people")
    op.drop_index("ix_answers_tally", table_name="answers")
    op.drop_index("ix_answers_waitlist", table_name="answers")
    op.drop_table("answers")
    op.drop_index(op.f("ix_ask_recipients_person_id"), table_name="ask_recipients")
    op.drop_index(op.f("ix_ask_recipients_outbox_id"), table_name="ask_recipients")
    op.drop_index("ix_ask_recipients_tally", table_name="ask_recipients")
    op.drop_table("ask_recipients")
    op.drop_index(op.f("ix_anonymous_answers_ask_id"), table_name="anonymous_answers")
    op.drop_table("anonymous_answers")
    op.drop_table("asks")
    _check_foreign_keys()


def _reset_sequence(table: str) -> None:
    """Rows were inserted with their ids: PostgreSQL's sequence must continue after them."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 1), "
            f"(SELECT MAX(id) IS NOT NULL FROM {table}))"))


def _check_foreign_keys() -> None:
    if op.get_bind().dialect.name == "sqlite":
        broken = op.get_bind().execute(sa.text("PRAGMA foreign_key_check")).fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
