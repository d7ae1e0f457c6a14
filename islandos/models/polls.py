"""Polls (意思表示): a question the office puts to an audience, with 2–10 options. Who was
asked and what they answered are an ask of the shared core (islandos.models.asking, subject
"poll"); this table keeps what the core does not: the wording, the audience and the state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base, vocabulary
from islandos.models.asking import AskMode, AudienceKind


class Poll(Base):
    """One poll. Its ask's option keys are "1".."n", in the order of `options_ja`."""

    __tablename__ = "polls"
    __table_args__ = (
        CheckConstraint("tourist_days IS NULL OR tourist_days >= 1", name="tourist_days"),
        Index("ix_polls_open", "closed_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_ja: Mapped[str] = mapped_column(String(400))
    question_en: Mapped[str | None] = mapped_column(String(400))
    options_ja: Mapped[list[str]] = mapped_column(JSON)
    options_en: Mapped[list[str] | None] = mapped_column(JSON)  # all or none
    mode: Mapped[AskMode] = mapped_column(vocabulary(AskMode, "mode"), default=AskMode.SINGLE)
    anonymous: Mapped[bool] = mapped_column(default=False)
    audience_kind: Mapped[AudienceKind] = mapped_column(vocabulary(AudienceKind, "audience_kind"))
    audience_district_ids: Mapped[list[int] | None] = mapped_column(JSON)
    tourist_days: Mapped[int | None]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]  # closed early by the office (None: runs to closes_at)
    recipient_count: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    def question_for(self, language: str) -> str:
        return self.question_en if language == "en" and self.question_en else self.question_ja

    def options_for(self, language: str) -> list[str]:
        if language == "en" and self.options_en:
            return list(self.options_en)
        return list(self.options_ja)

    @property
    def ends_at(self) -> datetime:
        """When answers stop: the deadline, or the moment the office closed it."""
        return self.closed_at if self.closed_at is not None else self.closes_at

    def is_open(self, moment: datetime) -> bool:
        return moment < self.ends_at
