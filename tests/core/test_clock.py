"""The test clock: the options move Python's clock for every test and its fixtures, and a
test that freezes the clock has it frozen before its other fixtures run."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import pytest

from islandos import clock
from tests.support.clock import MOVED_CLOCK, MovedClock, parse_moment, parse_offset, real_now


@pytest.fixture
def seen_by_a_fixture() -> datetime:
    return clock.now()


def test_every_test_and_its_fixtures_run_at_the_time_the_options_ask_for(
        request: pytest.FixtureRequest, seen_by_a_fixture: datetime) -> None:
    # Without an option this is the machine's time; with --clock-offset=365d a year on; with
    # --clock-at=2027-06-01T15:30:00Z that moment, a few instants later.
    expected = request.config.stash[MOVED_CLOCK].start(real_now())
    seen = {"fixture": seen_by_a_fixture, "islandos.clock": clock.now(),
            "datetime.now": datetime.now(UTC),
            "time.time": datetime.fromtimestamp(time.time(), UTC)}
    assert {name: abs(moment - expected) < timedelta(minutes=1)
            for name, moment in seen.items()} == dict.fromkeys(seen, True), (expected, seen)


def test_the_clock_options_are_read_as_written() -> None:
    assert parse_offset("365d") == timedelta(days=365)
    assert parse_offset("-12h") == timedelta(hours=-12)
    assert parse_offset("1d12h30m") == timedelta(days=1, hours=12, minutes=30)
    assert parse_moment("2027-06-01T15:30:00Z") == datetime(2027, 6, 1, 15, 30, tzinfo=UTC)
    assert parse_moment("2027-06-02T00:30:00+09:00") == datetime(2027, 6, 1, 15, 30, tzinfo=UTC)
    for wrong in ("365", "1y", "d", "12h-1m", ""):
        with pytest.raises(ValueError, match="365d"):
            parse_offset(wrong)
    with pytest.raises(ValueError, match="offset"):
        parse_moment("2027-06-01T15:30:00")
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_moment("June 1st")
    with pytest.raises(ValueError, match="not both"):
        MovedClock(timedelta(days=1), datetime(2027, 6, 1, tzinfo=UTC))


def test_each_test_starts_where_the_option_says() -> None:
    real = datetime(2026, 11, 29, 1, 2, tzinfo=UTC)
    assert MovedClock().start(real) == real
    assert MovedClock(offset=timedelta(days=365)).start(real) == real + timedelta(days=365)
    at = datetime(2027, 6, 1, 15, 30, tzinfo=UTC)
    assert MovedClock(at=at).start(real) == at


@pytest.fixture
def dated_by_a_fixture(db) -> date:
    """Like an island fixture: made before frozen_clock in the test's argument list."""
    return clock.to_tokyo(clock.now()).date()


def test_fixtures_named_before_frozen_clock_are_dated_in_the_frozen_time(
        dated_by_a_fixture: date, frozen_clock) -> None:
    assert dated_by_a_fixture == date(2026, 11, 25)
    assert frozen_clock(hours=1) == datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def test_a_test_without_frozen_clock_finds_the_clock_running() -> None:
    first = clock.now()
    time.sleep(0.01)
    assert clock.now() > first
