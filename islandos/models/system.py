"""Small shared state of the deployment: sending paused and why, worker heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base


class SendingPause(Base):
    """One row while sending is paused (quota used up, token rejected)."""

    __tablename__ = "sending_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))  # monthly_limit | unauthorized | forbidden
    detail: Mapped[str | None] = mapped_column(Text)
    paused_at: Mapped[datetime] = mapped_column(default=now)
    resume_at: Mapped[datetime | None]


class WorkerHeartbeat(Base):
    __tablename__ = "worker_heartbeats"

    worker_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(default=now)


class Lease(Base):
    """A named piece of work one process at a time may do (a rich-menu deploy), held until
    it is released or expires (a holder that died leaves it to expire)."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]
