"""People: one LINE user is one person; districts; family links."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from islandos.clock import now
from islandos.db import Base, vocabulary


class Role(StrEnum):
    UNKNOWN = "unknown"
    ISLANDER = "islander"
    TOURIST = "tourist"
    FAMILY = "family"


class Status(StrEnum):
    ACTIVE = "active"
    UNFOLLOWED = "unfollowed"
    DELETED = "deleted"


class District(Base):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_ja: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=0)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_ja


class Person(Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str | None] = mapped_column(String(33), unique=True)
    role: Mapped[Role] = mapped_column(vocabulary(Role, "role"), default=Role.UNKNOWN, index=True)
    status: Mapped[Status] = mapped_column(vocabulary(Status, "status"), default=Status.ACTIVE,
                                           index=True)
    language: Mapped[str] = mapped_column(String(8), default="ja")
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL"), index=True
    )
    full_name: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(40))
    consented_at: Mapped[datetime | None]
    registered_at: Mapped[datetime | None]
    dialog_state: Mapped[str | None] = mapped_column(String(40))
    dialog_data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    followed_at: Mapped[datetime | None]
    unfollowed_at: Mapped[datetime | None] = mapped_column(index=True)  # few are set
    # The newest webhook event of theirs, copied daily by the retention run (an idle tourist's
    # data is deleted after RETAIN_IDLE_TOURISTS_DAYS).
    last_seen_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    district: Mapped[District | None] = relationship(lazy="joined")

    @property
    def can_receive(self) -> bool:
        """Only people who follow the account and have a LINE id get pushes."""
        return self.status == Status.ACTIVE and self.line_user_id is not None


class FamilyLink(Base):
    """A family member off-island linked to an islander (many to many)."""

    __tablename__ = "family_links"
    __table_args__ = (UniqueConstraint("family_person_id", "islander_person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    islander_person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=now)
