"""Notices (お知らせ): what the office sends. To whom it went and who confirmed it are an
ask of the shared core (islandos.models.asking, subject "notice")."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base, vocabulary
from islandos.models.asking import AudienceKind

__all__ = ["AudienceKind", "Notice", "NoticeImage", "NoticePriority", "NoticeStatus"]


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"  # waiting for its time (or, for a weekly series, its next weekday)
    SENDING = "sending"
    SENT = "sent"  # handed to the outbox in the same transaction as this status
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # its not-after time passed before it could go (e.g. no worker ran)


class NoticePriority(StrEnum):
    NORMAL = "normal"
    IMPORTANT = "important"
    EMERGENCY = "emergency"

    @property
    def needs_confirmation(self) -> bool:
        """Recipients are asked to confirm they read it (and reminded if they do not)."""
        return self is not NoticePriority.NORMAL


class NoticeImage(Base):
    """An uploaded picture, resized to a JPEG and kept in the database (survives a redeploy)."""

    __tablename__ = "notice_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # unguessable, in the URL
    content_type: Mapped[str] = mapped_column(String(32))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=now)


class Notice(Base):
    __tablename__ = "notices"
    __table_args__ = (
        # A weekly series creates one notice per occurrence, never two for the same time.
        UniqueConstraint("series_id", "send_at"),
        Index("ix_notices_archive", "status", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body_ja: Mapped[str] = mapped_column(Text)
    title_en: Mapped[str | None] = mapped_column(String(200))
    body_en: Mapped[str | None] = mapped_column(Text)
    image_id: Mapped[int | None] = mapped_column(
        ForeignKey("notice_images.id", ondelete="SET NULL"))
    audience_kind: Mapped[AudienceKind] = mapped_column(vocabulary(AudienceKind, "audience_kind"))
    audience_district_ids: Mapped[list[int] | None] = mapped_column(JSON)
    tourist_days: Mapped[int | None]
    # Tourists registered at or after this moment were the audience (sent_at - tourist_days).
    audience_since: Mapped[datetime | None]
    priority: Mapped[NoticePriority] = mapped_column(vocabulary(NoticePriority, "priority"),
                                                     default=NoticePriority.NORMAL)
    status: Mapped[NoticeStatus] = mapped_column(vocabulary(NoticeStatus, "status"),
                                                 default=NoticeStatus.DRAFT)
    send_at: Mapped[datetime | None]
    repeat_weekdays: Mapped[str | None] = mapped_column(String(7))  # "024" = Mon, Wed, Fri
    repeat_until: Mapped[date | None] = mapped_column(Date)
    not_after: Mapped[datetime | None]
    reminder_hours: Mapped[int] = mapped_column(default=24)  # 0: no reminder
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("notices.id", ondelete="SET NULL"), index=True)
    correction_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("notices.id", ondelete="SET NULL"))
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    sent_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    @property
    def is_series(self) -> bool:
        return bool(self.repeat_weekdays)

    @property
    def needs_confirmation(self) -> bool:
        return self.priority.needs_confirmation

    def title_for(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en and self.body_en else self.title

    def body_for(self, language: str) -> str:
        return self.body_en if language == "en" and self.title_en and self.body_en else self.body_ja
