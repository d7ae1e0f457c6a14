"""Fixtures: a database per run (SQLite, or PostgreSQL), the app, a fake LINE API, the clock.

The clock: a test that needs a fixed time asks for `frozen_clock` (2026-11-25 09:00 in Tokyo);
it is set before every other fixture of that test, so the data those fixtures make is dated
in the frozen time too. `--clock-offset=365d` and `--clock-at=2027-06-01T15:30:00Z` move
Python's own clock for every test (tests/support/clock.py): the suite must pass under both.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

import islandos.models  # noqa: F401
from islandos import clock, create_app
from islandos.db import Base, Database
from islandos.extensions import IslandState, islandos_state
from islandos.line.worker import Worker
from tests.fakes.line_api import FakeLineApi
from tests.support.clock import AT_HELP, MOVED_CLOCK, OFFSET_HELP, MovedClock, real_now
from tests.support.databases import (
    postgres_schema,
    sqlite_url,
    wants_postgres_suite,
    xdist_worker,
)
from tests.support.webhook import body_of, sign

CHANNEL_SECRET = "test-channel-secret"
ACCESS_TOKEN = "test-access-token"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("islandos", "IslandOS")
    group.addoption("--clock-offset", metavar="365d", default=None, help=OFFSET_HELP)
    group.addoption("--clock-at", metavar="ISO-TIME", default=None, help=AT_HELP)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[MOVED_CLOCK] = MovedClock.from_config(config)


def pytest_report_header(config: pytest.Config) -> str | None:
    moved = config.stash[MOVED_CLOCK]
    return moved.describe() if moved.moved else None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """Setup, call and teardown of each test inside the moved clock, when an option asks."""
    moved = item.config.stash[MOVED_CLOCK]
    if not moved.moved:
        return (yield)
    with time_machine.travel(moved.start(real_now()), tick=True):
        return (yield)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """The suite's database: SQLite by default, PostgreSQL when ISLANDOS_TEST_DATABASE=postgres."""
    if wants_postgres_suite():
        with postgres_schema() as url:
            yield url
    else:
        with tempfile.TemporaryDirectory(prefix=f"islandos-{xdist_worker()}") as directory:
            yield sqlite_url(Path(directory))


@pytest.fixture(scope="session")
def schema(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    Base.metadata.create_all(database.engine)
    yield database
    database.dispose()


def _empty_tables(database: Database) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    with database.engine.begin() as connection:
        if database.is_postgres:
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture(scope="session")
def fake_line_server() -> Iterator[FakeLineApi]:
    with FakeLineApi(channel_access_token=ACCESS_TOKEN) as fake:
        yield fake


@pytest.fixture
def fake_line(fake_line_server: FakeLineApi) -> FakeLineApi:
    fake_line_server.reset()
    return fake_line_server


@pytest.fixture(autouse=True)
def _clock_first(request: pytest.FixtureRequest) -> Iterator[None]:
    """Freeze the clock before any other fixture of a test that asks for `frozen_clock`, so
    fixtures listed before it (an island, an account) are not dated with the real time; and
    let the clock run again after every test, whatever the test did to it."""
    if "frozen_clock" in request.fixturenames:
        request.getfixturevalue("frozen_clock")
    yield
    clock.set_now(None)


@pytest.fixture
def frozen_clock() -> Iterator[Callable[..., datetime]]:
    """Freeze the clock (2026-11-25 09:00 JST by default); call it to move the time.

    `frozen_clock(moment)` sets it, `frozen_clock(hours=2)` moves it on; both return the new
    time. Every fixture of the test sees the frozen time (see `_clock_first`)."""
    clock.set_now(datetime(2026, 11, 25, 0, 0, tzinfo=UTC))

    def move(moment: datetime | None = None, **delta: float) -> datetime:
        from datetime import timedelta
        if moment is not None:
            clock.set_now(moment)
        else:
            clock.advance(timedelta(**delta))
        return clock.now()

    yield move
    clock.set_now(None)


def app_overrides(database_url: str, fake_line: FakeLineApi, **extra: Any) -> dict[str, Any]:
    return {
        "env": "testing",
        "database_url": database_url,
        "secret_key": "test-secret-key-" + "x" * 32,
        "line_channel_secret": CHANNEL_SECRET,
        "line_channel_access_token": ACCESS_TOKEN,
        "line_api_base_url": fake_line.base_url,
        "line_data_api_base_url": fake_line.data_base_url,
        "public_base_url": "https://island.example.jp",
        "line_reply_timeout_seconds": 1.0,
        "line_timeout_seconds": 1.0,
        "reply_log_delay_seconds": 0,  # mark replies sent at once; batching has its own test
        **extra,
    }


@pytest.fixture
def app(schema: Database, database_url: str, fake_line: FakeLineApi) -> Iterator[Flask]:
    application = create_app(app_overrides(database_url, fake_line))
    yield application
    islandos_state(application).db.dispose()
    _empty_tables(schema)


@pytest.fixture
def state(app: Flask) -> IslandState:
    return islandos_state(app)


@pytest.fixture
def db(state: IslandState) -> Database:
    return state.db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def worker(state: IslandState) -> Worker:
    return Worker(state.db, state.transport, state.jobs, worker_id="test-worker",
                  settings=state.settings)


class WebhookPoster:
    """Posts webhook bodies to /callback the way LINE does: signed, with fresh reply tokens."""

    def __init__(self, client: FlaskClient, fake_line: FakeLineApi) -> None:
        self.client = client
        self.fake_line = fake_line
        self.answered_at = 0.0

    def reply_token(self) -> str:
        return self.fake_line.issue_reply_token()

    def post(self, *events: dict[str, Any], signature: str | None = None,
             body: bytes | None = None) -> TestResponse:
        raw = body if body is not None else body_of(*events)
        headers = {"X-Line-Signature": signature if signature is not None
                   else sign(CHANNEL_SECRET, raw), "Content-Type": "application/json"}
        response = self.client.post("/callback", data=raw, headers=headers)
        self.answered_at = time.monotonic()  # when LINE had its answer, before the replies
        response.close()  # as a WSGI server does once the answer is sent: the replies go out
        return response

    def replies(self) -> list[list[dict[str, Any]]]:
        """The messages of every accepted reply so far."""
        return [call.json["messages"] for call in self.fake_line.calls("/v2/bot/message/reply")
                if call.json]

    def last_reply(self) -> list[dict[str, Any]]:
        replies = self.replies()
        assert replies, "the bot sent no reply"
        return replies[-1]


@pytest.fixture
def line(client: FlaskClient, fake_line: FakeLineApi) -> WebhookPoster:
    return WebhookPoster(client, fake_line)
