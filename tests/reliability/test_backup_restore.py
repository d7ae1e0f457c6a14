"""`islandos db backup` while the app runs, `islandos db restore` into a fresh database."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from islandos import create_app
from islandos.backups import code_head
from islandos.cli import main
from islandos.cli.db import upgrade_database
from islandos.extensions import islandos_state
from islandos.line.worker import Worker
from islandos.models import Person
from islandos.models.people import Role
from tests.conftest import CHANNEL_SECRET, app_overrides
from tests.support.databases import postgres_base_url, postgres_schema
from tests.support.webhook import body_of, follow_event, line_user_id, sign

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@contextmanager
def fresh_postgres_database(schema_url: str) -> Iterator[str]:
    """A new database on the test server, reached with the same search_path as `schema_url`."""
    admin = create_engine(postgres_base_url(), isolation_level="AUTOCOMMIT")
    name = f"islandos_restore_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(schema_url).set(database=name)
    schema = url.query["options"].removeprefix("-csearch_path=")
    engine = create_engine(url)
    with engine.begin() as connection:  # as on the source: the app's tables live in this schema
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def databases(request, tmp_path) -> Iterator[tuple[str, str]]:
    """(live, fresh): two empty databases of the same kind, both migrated as `release:` does."""
    if request.param == "postgres":
        with postgres_schema() as live, fresh_postgres_database(live) as fresh:
            upgrade_database(live)
            upgrade_database(fresh)
            yield live, fresh
    else:
        live, fresh = (f"sqlite:///{tmp_path / name}" for name in ("live.sqlite3", "new.sqlite3"))
        upgrade_database(live)
        upgrade_database(fresh)
        yield live, fresh


@pytest.fixture
def apps(databases, fake_line) -> Iterator[tuple[Flask, Flask]]:
    live_url, fresh_url = databases
    live = create_app(app_overrides(live_url, fake_line))
    fresh = create_app(app_overrides(fresh_url, fake_line))
    yield live, fresh
    for app in (live, fresh):
        islandos_state(app).db.dispose()


def cli(app: Flask, *args: str, input: str | None = None):
    return app.test_cli_runner().invoke(main, list(args), input=input)


def row_counts(app: Flask) -> dict[str, int]:
    engine = islandos_state(app).db.engine
    with engine.connect() as connection:
        names = sorted(inspect(connection).get_table_names())
        return {name: connection.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
                for name in names}


def newcomer(n: int) -> str:
    return line_user_id(10_000 + n)


class Newcomers(threading.Thread):
    """New friends following the account one after another, through the signed webhook."""

    def __init__(self, app: Flask, fake_line) -> None:
        super().__init__(name="newcomers", daemon=True)
        self.client = app.test_client()
        self.fake_line = fake_line
        self.stop = threading.Event()
        self.done = 0
        self.failures: list[int] = []

    def run(self) -> None:
        while not self.stop.is_set():
            raw = body_of(follow_event(newcomer(self.done + 1), self.fake_line.issue_reply_token()))
            response = self.client.post("/callback", data=raw, headers={
                "X-Line-Signature": sign(CHANNEL_SECRET, raw),
                "Content-Type": "application/json"})
            response.close()
            if response.status_code != 200:
                self.failures.append(response.status_code)
                return
            self.done += 1

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while self.done < count and time.monotonic() < deadline and self.is_alive():
            time.sleep(0.01)
        assert self.done >= count, f"only {self.done} follows ({self.failures})"


def followed_newcomers(app: Flask, of: int) -> list[str]:
    """Which of the first `of` newcomers the database knows, in the order they followed."""
    everyone = [newcomer(n) for n in range(1, of + 1)]
    with islandos_state(app).db.transaction() as session:
        known = set(session.scalars(
            select(Person.line_user_id).where(Person.line_user_id.in_(everyone))))
    return [user for user in everyone if user in known]


def test_a_backup_made_under_writes_restores_with_nothing_missing(
        apps, fake_line, tmp_path):
    live, fresh = apps
    seeded = cli(live, "demo")
    assert seeded.exit_code == 0, seeded.output
    demo = row_counts(live)
    assert demo["people"] > 0 and demo["notices"] > 0

    writer = Newcomers(live, fake_line)
    writer.start()
    try:
        writer.wait_for(5)
        before = row_counts(live)
        made = cli(live, "db", "backup", str(tmp_path / "island.backup"))
        after = row_counts(live)
        writer.wait_for(writer.done + 5)  # and the app kept answering after the backup
    finally:
        writer.stop.set()
        writer.join(30)
    assert made.exit_code == 0, made.output
    assert "backup written" in made.output and code_head() in made.output
    assert writer.failures == []

    restored = cli(fresh, "db", "restore", str(tmp_path / "island.backup"), "--yes")
    assert restored.exit_code == 0, restored.output
    counts = row_counts(fresh)

    # The demo island's tables the newcomers never touch: exactly as they were.
    moving = {name for name in demo if before[name] != after[name] or demo[name] != after[name]}
    assert moving  # the backup really was taken while rows were being written
    assert {k: v for k, v in counts.items() if k not in moving} == \
        {k: v for k, v in demo.items() if k not in moving}
    # The tables being written: one moment between the start and the end of the backup ...
    for name in moving:
        assert before[name] <= counts[name] <= after[name], name
    # ... and a consistent one: the first k newcomers, every one with their event, no gap.
    people = followed_newcomers(fresh, of=writer.done)
    assert people == [newcomer(n) for n in range(1, len(people) + 1)]
    assert counts["people"] - demo["people"] == len(people)
    assert counts["webhook_events"] - demo["webhook_events"] == len(people)

    # The app works on the restored island: a demo islander comes back and is recognised.
    with islandos_state(fresh).db.transaction() as session:
        islander = session.scalars(select(Person.line_user_id).where(
            Person.role == Role.ISLANDER, Person.line_user_id.is_not(None))).first()
    assert islander is not None
    raw = body_of(follow_event(islander, fake_line.issue_reply_token()))
    answer = fresh.test_client().post("/callback", data=raw, headers={
        "X-Line-Signature": sign(CHANNEL_SECRET, raw), "Content-Type": "application/json"})
    answer.close()
    assert answer.status_code == 200
    assert "おかえりなさい" in fake_line.calls("/v2/bot/message/reply")[-1].json[
        "messages"][0]["text"]
    state = islandos_state(fresh)
    Worker(state.db, state.transport, state.jobs, worker_id="restored").run_once()
    assert fresh.test_client().get("/healthz").status_code == 200
    assert cli(fresh, "db", "current").exit_code == 0


def test_restore_asks_first_and_answering_no_changes_nothing(apps, tmp_path):
    live, fresh = apps
    cli(live, "demo")
    assert cli(live, "db", "backup", str(tmp_path / "island.backup")).exit_code == 0
    empty = row_counts(fresh)
    answer = cli(fresh, "db", "restore", str(tmp_path / "island.backup"), input="n\n")
    assert answer.exit_code == 1
    assert "Replace everything in" in answer.output and "Aborted" in answer.output
    assert row_counts(fresh) == empty
    answer = cli(fresh, "db", "restore", str(tmp_path / "island.backup"), input="y\n")
    assert answer.exit_code == 0, answer.output
    assert row_counts(fresh) == row_counts(live)


def test_a_backup_from_a_newer_islandos_is_refused(apps, tmp_path):
    live, fresh = apps
    cli(live, "demo")
    with islandos_state(live).db.transaction() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    assert cli(live, "db", "backup", str(tmp_path / "future.backup")).exit_code == 0
    untouched = row_counts(fresh)
    answer = cli(fresh, "db", "restore", str(tmp_path / "future.backup"), "--yes")
    assert answer.exit_code == 1
    assert "newer than this IslandOS knows" in answer.output
    assert "9999_from_the_future" in answer.output
    assert row_counts(fresh) == untouched
    with islandos_state(fresh).db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            == code_head()


def test_bad_paths_get_a_clear_answer_and_nothing_is_overwritten(apps, tmp_path):
    live, fresh = apps
    existing = tmp_path / "yesterday.backup"
    existing.write_bytes(b"yesterday's backup")
    answer = cli(live, "db", "backup", str(existing))
    assert answer.exit_code == 1 and "already exists" in answer.output
    assert existing.read_bytes() == b"yesterday's backup"
    assert list(tmp_path.glob("*.partial")) == []

    answer = cli(live, "db", "backup", str(tmp_path / "no-such-folder" / "x.backup"))
    assert answer.exit_code == 1 and "does not exist" in answer.output

    untouched = row_counts(fresh)
    answer = cli(fresh, "db", "restore", str(existing), "--yes")
    assert answer.exit_code == 1 and "neither a SQLite backup nor a pg_dump" in answer.output
    answer = cli(fresh, "db", "restore", str(tmp_path / "missing.backup"), "--yes")
    assert answer.exit_code == 1 and "is not a file" in answer.output
    assert row_counts(fresh) == untouched


def test_a_sqlite_backup_is_one_self_contained_file(tmp_path, fake_line):
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    upgrade_database(url)
    app = create_app(app_overrides(url, fake_line))
    try:
        cli(app, "demo")
        assert cli(app, "db", "backup", str(tmp_path / "copy.sqlite3")).exit_code == 0
    finally:
        islandos_state(app).db.dispose()
    assert sorted(p.name for p in tmp_path.glob("copy*")) == ["copy.sqlite3"]
    with sqlite3.connect(tmp_path / "copy.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert connection.execute("SELECT count(*) FROM people").fetchone()[0] > 0
