"""Asking an audience (the core under notices, events, polls and safety checks): the ask,
who was asked (a snapshot), and their answers, named or anonymous."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base


class AudienceKind(StrEnum):
    """Whom something goes to (moved here from models/notices.py: every ask has one)."""

    EVERYONE = "everyone"
    ISLANDERS = "islanders"
    DISTRICTS = "districts"
    TOURISTS = "tourists"  # registered in the last N days
    FAMILY = "family"


class AskMode(StrEnum):
    SINGLE = "single"  # one option (「確認しました」, 参加/不参加/未定, a single-choice poll)
    MULTIPLE = "multiple"  # one or more options


class AnswerStatus(StrEnum):
    COUNTED = "counted"
    WAITLISTED = "waitlisted"  # chose the option with a capacity when it was full


def _check_in(column: str, vocabulary: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in vocabulary)})"


class Ask(Base):
    """A question put to an audience by a feature's subject (notice 12, event 3, poll 5).

    Options are short keys ("confirmed"; "yes", "no", "maybe"); an answer stores the chosen
    ones as a bitmask of their positions, so a tally groups by one integer column. An ask
    without options only records whom it reached (a notice that needs no answer).
    """

    __tablename__ = "asks"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id"),
        CheckConstraint(_check_in("mode", AskMode), name="mode"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity"),
        CheckConstraint("max_guests >= 0", name="max_guests"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(32))  # "notice", "event", "poll", ...
    subject_id: Mapped[int]
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    mode: Mapped[AskMode] = mapped_column(String(16), default=AskMode.SINGLE)
    anonymous: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int | None]  # people (guests included) the capacity option may take
    capacity_option: Mapped[str | None] = mapped_column(String(32))  # e.g. "yes"
    max_guests: Mapped[int] = mapped_column(default=0)  # per answer
    closes_at: Mapped[datetime | None]  # answers may change until then
    created_at: Mapped[datetime] = mapped_column(default=now)


class AskRecipient(Base):
    """One person asked: the district and language at the time, family copy or not, the
    outbox batch that carried it (None: answered without a message, e.g. entered by staff).

    `answered` is the only mark an anonymous answer leaves here (no time: it must not be
    matched with the answer). Erasing a person sets person_id NULL; the row and its counts
    stay.
    """

    __tablename__ = "ask_recipients"
    __table_args__ = (
        UniqueConstraint("ask_id", "person_id"),
        # covers the tally's "asked" part: no row of the table is read
        Index("ix_ask_recipients_tally", "ask_id", "district_id", "outbox_id", "answered",
              "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True)
    district_id: Mapped[int | None]  # no foreign key: the snapshot outlives a district
    language: Mapped[str] = mapped_column(String(8))
    is_family: Mapped[bool] = mapped_column(default=False)  # a family copy of an emergency
    outbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbox_messages.id", ondelete="SET NULL"), index=True)
    answered: Mapped[bool] = mapped_column(default=False)
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)


class Answer(Base):
    """The current named answer of one recipient (one per person per ask); a change
    overwrites it. Given by the person, by a linked family member (proxy_person_id) or
    entered by staff (entered_by, an admin actor)."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("recipient_id"),
        CheckConstraint(_check_in("status", AnswerStatus), name="status"),
        CheckConstraint("choices > 0", name="choices"),
        CheckConstraint("guests >= 0", name="guests"),
        Index("ix_answers_waitlist", "ask_id", "status", "waitlist_seq"),
        # covers the tally's "answers" part
        Index("ix_answers_tally", "ask_id", "district_id", "status", "choices", "guests"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("ask_recipients.id", ondelete="CASCADE"))
    district_id: Mapped[int | None]  # the recipient's (a copy, so the tally reads one index)
    choices: Mapped[int]  # bitmask of option positions
    guests: Mapped[int] = mapped_column(default=0)
    status: Mapped[AnswerStatus] = mapped_column(String(16), default=AnswerStatus.COUNTED)
    # Place in the waitlist (lowest first); a number, not a time: two taps in the same
    # instant, or a party that rejoins, still get a definite order.
    waitlist_seq: Mapped[int | None]
    proxy_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
    entered_by: Mapped[str | None] = mapped_column(String(80))
    answered_at: Mapped[datetime] = mapped_column(default=now)


class AnonymousAnswer(Base):
    """An anonymous answer: a random id, the ask and the choices, nothing else (no person,
    no recipient, no time), so nobody can tell whose it is."""

    __tablename__ = "anonymous_answers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    ask_id: Mapped[int] = mapped_column(ForeignKey("asks.id", ondelete="CASCADE"), index=True)
    choices: Mapped[int]
