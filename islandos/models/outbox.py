"""Outgoing pushes and multicasts, written with the change that caused them."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base, IntVocabulary, vocabulary


class Priority(IntEnum):
    """Higher goes first."""

    NORMAL = 0
    IMPORTANT = 5
    EMERGENCY = 10


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    ACCEPTED = "accepted"  # LINE accepted the request; it reports nothing per recipient
    FAILED = "failed"
    UNKNOWN = "unknown"  # retry key too old to prove acceptance; never resent blindly
    DROPPED = "dropped"  # its not-after time passed before it could go


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "status", "priority", "next_attempt_at"),
        CheckConstraint(f"priority IN ({', '.join(str(int(p)) for p in Priority)})",
                        name="priority"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # push | multicast
    recipients: Mapped[list[str]] = mapped_column(JSON)
    recipient_count: Mapped[int]
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    retry_key: Mapped[str] = mapped_column(String(36), unique=True)
    priority: Mapped[Priority] = mapped_column(IntVocabulary(Priority), default=Priority.NORMAL)
    # Rows with the same order key go out one after another in id order (e.g. one user's pushes).
    order_key: Mapped[str | None] = mapped_column(String(64), index=True)
    not_after: Mapped[datetime | None]
    status: Mapped[OutboxStatus] = mapped_column(vocabulary(OutboxStatus, "status"),
                                                 default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=now)
    lease_until: Mapped[datetime | None]
    first_attempt_at: Mapped[datetime | None]
    accepted_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    line_request_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(String(64), index=True)  # e.g. "notice:12"
    created_at: Mapped[datetime] = mapped_column(default=now)
