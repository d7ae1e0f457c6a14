"""Moving Python's own clock for a whole test run, to prove no test depends on today's date.

`pytest --clock-offset=365d` (units d, h, m; e.g. `-12h`, `1d12h`) or
`pytest --clock-at=2027-06-01T15:30:00Z` runs every test, its fixtures included, inside
`time_machine.travel(destination, tick=True)`: `time.time`, `datetime.now` and `date.today`
start at the destination and keep running, while sleeps and monotonic clocks are untouched,
so timeouts still work. The destination is taken afresh for each test (the real time plus the
offset, or the fixed moment), so every test sees the same kind of moment whatever ran before.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

OFFSET_HELP = ("run every test, fixtures included, with Python's clock moved by this much "
               "(units d, h, m: 365d, -12h, 1d12h)")
AT_HELP = ("run every test, fixtures included, with Python's clock starting at this moment "
           "(ISO 8601 with its offset: 2027-06-01T15:30:00Z is 00:30 in Tokyo)")

_PIECE = re.compile(r"(\d+)([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_offset(value: str) -> timedelta:
    """'365d', '-12h', '1d12h', '+90m' as a timedelta; anything else is a ValueError."""
    sign, rest = (-1, value[1:]) if value.startswith("-") else (1, value.removeprefix("+"))
    pieces = _PIECE.findall(rest)
    if not rest or "".join(number + unit for number, unit in pieces) != rest:
        raise ValueError(f"--clock-offset={value!r}: write it like 365d, -12h or 1d12h")
    delta = sum((timedelta(**{_UNITS[unit]: int(number)}) for number, unit in pieces),
                timedelta())
    return sign * delta


def parse_moment(value: str) -> datetime:
    """An ISO 8601 moment with its offset ('Z' for UTC), as an aware UTC datetime."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"--clock-at={value!r} is not an ISO 8601 time such as "
                         "2027-06-01T15:30:00Z") from None
    if moment.tzinfo is None:
        raise ValueError(f"--clock-at={value!r} needs its offset, e.g. Z or +09:00")
    return moment.astimezone(UTC)


class MovedClock:
    """What the options asked for: where each test's clock starts, given the real time."""

    def __init__(self, offset: timedelta | None = None, at: datetime | None = None) -> None:
        if offset is not None and at is not None:
            raise ValueError("give --clock-offset or --clock-at, not both")
        self.offset, self.at = offset, at

    @classmethod
    def from_config(cls, config: pytest.Config) -> MovedClock:
        offset, at = config.getoption("clock_offset"), config.getoption("clock_at")
        try:
            return cls(parse_offset(offset) if offset else None,
                       parse_moment(at) if at else None)
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None

    @property
    def moved(self) -> bool:
        return self.offset is not None or self.at is not None

    def start(self, real_now: datetime) -> datetime:
        """Where a test that starts at `real_now` (real time) finds the clock."""
        if self.at is not None:
            return self.at
        return real_now + (self.offset or timedelta())

    def describe(self) -> str:
        if self.at is not None:
            return f"clock: every test starts at {self.at.isoformat()} (time-machine, ticking)"
        if self.offset is not None:
            return f"clock: moved by {self.offset} (time-machine, ticking)"
        return "clock: the machine's"


MOVED_CLOCK = pytest.StashKey[MovedClock]()


def real_now() -> datetime:
    """The machine's time, whatever time-machine makes the rest of Python see."""
    from time_machine import escape_hatch

    if escape_hatch.is_travelling():
        return datetime.fromtimestamp(escape_hatch.time.time(), UTC)
    return datetime.now(UTC)
