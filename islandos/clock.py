"""The current time in UTC; tests move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

TOKYO = ZoneInfo("Asia/Tokyo")

_frozen: datetime | None = None


def now() -> datetime:
    """Now, as an aware UTC datetime (or the time a test has set)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock at `moment` (aware), or let it run again with None."""
    global _frozen
    if moment is not None and moment.tzinfo is None:
        raise ValueError("set_now needs an aware datetime")
    _frozen = moment.astimezone(UTC) if moment is not None else None


def advance(delta: timedelta) -> datetime:
    """Move a frozen clock forward."""
    set_now(now() + delta)
    return now()


def as_utc(moment: datetime) -> datetime:
    """Read a datetime from the database: naive values there are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def to_tokyo(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(TOKYO)
