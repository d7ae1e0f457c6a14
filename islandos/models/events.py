"""Events (行事): an island event with a time, a place, an answer deadline and an audience;
who answers what lives in the asking core (an Ask with the options yes/no/maybe)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base, vocabulary
from islandos.models.asking import AudienceKind


class EventStatus(StrEnum):
    OPEN = "open"  # invited (again after a 延期); answers may change until the deadline
    CANCELLED = "cancelled"


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at >= starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity"),
        CheckConstraint("max_guests >= 0", name="max_guests"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    title_en: Mapped[str | None] = mapped_column(String(100))
    description_ja: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    spot_id: Mapped[int | None] = mapped_column(ForeignKey("spots.id", ondelete="SET NULL"))
    answer_deadline: Mapped[datetime]
    capacity: Mapped[int | None]  # people, guests included
    max_guests: Mapped[int] = mapped_column(default=0)  # 0: no guests
    audience_kind: Mapped[AudienceKind] = mapped_column(vocabulary(AudienceKind, "audience_kind"))
    audience_district_ids: Mapped[list[int] | None] = mapped_column(JSON)
    # Reminders: days before the start, at HH:MM Japan time, to those attending and
    # (optionally) to those who have not answered.
    remind_days_before: Mapped[int | None] = mapped_column(default=1)  # None: no reminder
    remind_time: Mapped[str] = mapped_column(String(5), default="18:00")
    remind_not_answered: Mapped[bool] = mapped_column(default=False)
    status: Mapped[EventStatus] = mapped_column(vocabulary(EventStatus, "status"),
                                                default=EventStatus.OPEN)
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
    cancelled_at: Mapped[datetime | None]

    def title_for(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title

    def description_for(self, language: str) -> str:
        return (self.description_en if language == "en" and self.description_en
                else self.description_ja)
