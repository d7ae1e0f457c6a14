"""Disaster mode (typhoon, heavy rain, tsunami warning, cancelled ferry) and its safety check
(安否確認): the mode, every answer given (the history), and where those needing help are."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base, vocabulary


class DisasterKind(StrEnum):
    TYPHOON = "typhoon"
    HEAVY_RAIN = "heavy_rain"
    TSUNAMI = "tsunami"
    EARTHQUAKE = "earthquake"
    FERRY = "ferry"  # the ferry is cancelled: the island is cut off
    OTHER = "other"


class CheckStatus(StrEnum):
    NONE = "none"  # the mode runs without a safety check
    AWAITING = "awaiting"  # asked for; a second admin has to confirm
    SENT = "sent"
    CLOSED = "closed"  # the mode ended


class SafetyChoice(StrEnum):
    """The options of a safety check's ask, in bit order (never reorder)."""

    SAFE = "safe"
    HELP = "help"  # 助けが必要, what kind not told yet
    INJURY = "injury"  # けが・体調
    HOUSE = "house"  # 家が危ない
    STUCK = "stuck"  # 動けない
    OTHER = "other"  # その他


class AnsweredBy(StrEnum):
    SELF = "self"
    FAMILY = "family"
    STAFF = "staff"


class DisasterMode(Base):
    """One period of disaster mode. `active` is True while it runs and NULL after: a unique
    column, so the database itself refuses a second mode at the same time."""

    __tablename__ = "disaster_modes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DisasterKind] = mapped_column(vocabulary(DisasterKind, "kind"))
    active: Mapped[bool | None] = mapped_column(unique=True)
    started_at: Mapped[datetime] = mapped_column(default=now)
    started_by: Mapped[str] = mapped_column(String(80))
    ended_at: Mapped[datetime | None]
    ended_by: Mapped[str | None] = mapped_column(String(80))
    check_status: Mapped[CheckStatus] = mapped_column(
        vocabulary(CheckStatus, "check_status"), default=CheckStatus.NONE)
    check_tourists: Mapped[bool] = mapped_column(default=False)
    check_requested_by: Mapped[str | None] = mapped_column(String(80))
    check_confirmed_by: Mapped[str | None] = mapped_column(String(80))
    check_sent_at: Mapped[datetime | None]
    ask_id: Mapped[int | None] = mapped_column(ForeignKey("asks.id", ondelete="SET NULL"))
    exported_at: Mapped[datetime | None]  # the record (CSV) was downloaded
    reduced_at: Mapped[datetime | None]  # locations and health answers were reduced
    # After the reduction: per district, how many chose each option (no person).
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SafetyEvent(Base):
    """Every answer given in a safety check, in order (the office's history; the current
    answer is the ask's Answer row). Also a location sent by someone needing help."""

    __tablename__ = "safety_events"
    __table_args__ = (Index("ix_safety_events_person", "mode_id", "person_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mode_id: Mapped[int] = mapped_column(ForeignKey("disaster_modes.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    district_id: Mapped[int | None]
    choice: Mapped[str | None] = mapped_column(String(16))  # a SafetyChoice; None: location
    answered_by: Mapped[AnsweredBy] = mapped_column(vocabulary(AnsweredBy, "answered_by",
                                                               length=8))
    proxy_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"))
    entered_by: Mapped[str | None] = mapped_column(String(80))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(default=now)


class SafetyLocation(Base):
    """The last location a person sent during a mode (one per person per mode)."""

    __tablename__ = "safety_locations"
    __table_args__ = (UniqueConstraint("mode_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mode_id: Mapped[int] = mapped_column(ForeignKey("disaster_modes.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    sent_at: Mapped[datetime] = mapped_column(default=now)
