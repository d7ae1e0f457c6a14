"""What port staff enter beside passes: the ferry's passenger count per day (for payment rates)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, String
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base


class FerryCount(Base):
    """How many passengers the ferries brought on one day (entered by staff)."""

    __tablename__ = "ferry_counts"
    __table_args__ = (CheckConstraint("passengers >= 0 AND passengers <= 10000",
                                      name="passengers"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    passengers: Mapped[int]
    recorded_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)
