"""LINE webhook events we have processed, so a redelivery changes nothing twice."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base, vocabulary


class ReplyState(StrEnum):
    NONE = "none"
    PENDING = "pending"
    SENT = "sent"
    PUSHED = "pushed"  # LINE refused the reply; the messages went to the outbox as a push
    UNKNOWN = "unknown"  # the reply may or may not have reached LINE; never resent


class WebhookEvent(Base):
    __tablename__ = "webhook_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(32))
    line_user_id: Mapped[str | None] = mapped_column(String(33), index=True)
    mode: Mapped[str] = mapped_column(String(16), default="active")
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=now)
    reply_state: Mapped[ReplyState] = mapped_column(vocabulary(ReplyState, "reply_state"),
                                                    default=ReplyState.NONE)
    reply_error: Mapped[str | None] = mapped_column(String(300))
    # Set for an event LINE would never send (a field of the wrong type): why, never the value.
    # Such an event is not handled, and its body still gets 200, so LINE does not resend it.
    rejected_reason: Mapped[str | None] = mapped_column(String(80))
