"""Scheduled jobs the worker runs when they fall due (send at a time, reminders)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base, vocabulary


class JobStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_due", "status", "run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Scheduling the same thing twice (same key) keeps one job.
    unique_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    run_at: Mapped[datetime]
    status: Mapped[JobStatus] = mapped_column(vocabulary(JobStatus, "status"),
                                              default=JobStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
