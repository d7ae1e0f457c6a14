"""What the recording transport "sent" in development, and what simulator personas sent."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base


class RecordedMessage(Base):
    __tablename__ = "recorded_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(33), index=True)
    # reply | push | multicast | richmenu; "user": what a simulator persona sent
    via: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=now)
