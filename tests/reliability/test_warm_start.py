"""Warm start: a fresh process loads at start-up what its first webhook event would load lazily.

Asserted on state, never on wall time: after the warm-up, the first events compile no new
SQL, parse no catalog and check no reply against LINE's models for the first time.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from islandos import create_app
from islandos.extensions import islandos_state
from islandos.i18n import translator
from islandos.line import messages
from islandos.models import Person, WebhookEvent
from islandos.warmup import warm_up
from tests.conftest import CHANNEL_SECRET, _empty_tables, app_overrides
from tests.support.webhook import body_of, follow_event, line_user_id, sign, text_event

NEWCOMER = line_user_id(42)


def compiled_statements(app: Flask) -> int:
    return len(islandos_state(app).db.engine._compiled_cache or {})


def post(app: Flask, fake_line, *events) -> None:
    raw = body_of(*events)
    response = app.test_client().post("/callback", data=raw, headers={
        "X-Line-Signature": sign(CHANNEL_SECRET, raw), "Content-Type": "application/json"})
    response.close()
    assert response.status_code == 200


def first_events(app: Flask, fake_line) -> None:
    """What a new friend does first: follow, ask for help, say hello."""
    post(app, fake_line, follow_event(NEWCOMER, fake_line.issue_reply_token()))
    post(app, fake_line, text_event(NEWCOMER, "ヘルプ", fake_line.issue_reply_token()))
    post(app, fake_line, text_event(NEWCOMER, "こんにちは", fake_line.issue_reply_token()))


@pytest.fixture
def fresh_process() -> Iterator[None]:
    """Forget the process-wide caches, as a newly started web process has none."""
    translator.cache_clear()
    messages._check_against_line_models.cache_clear()
    yield


@pytest.fixture
def fresh_app(fresh_process, schema, database_url, fake_line) -> Iterator[Flask]:
    application = create_app(app_overrides(database_url, fake_line))  # testing: not warmed
    yield application
    islandos_state(application).db.dispose()
    _empty_tables(schema)


def test_after_the_warm_up_the_first_events_load_nothing_new(fresh_app, fake_line):
    took = warm_up(fresh_app)
    assert set(took) == {"translations", "webhook", "routes", "templates"}
    assert translator.cache_info().currsize == 2  # ja and en catalogs parsed
    compiled = compiled_statements(fresh_app)
    assert compiled > 0
    models_checked = messages._check_against_line_models.cache_info()
    assert models_checked.currsize > 0
    templates = len(fresh_app.jinja_env.cache or {})
    assert templates >= 10

    first_events(fresh_app, fake_line)

    assert len(fake_line.calls("/v2/bot/message/reply")) == 3  # the events were answered
    assert compiled_statements(fresh_app) == compiled  # no SQL compiled for the first time
    assert translator.cache_info().misses == 2  # only the warm-up's
    after = messages._check_against_line_models.cache_info()
    assert after.misses == models_checked.misses  # every reply was a known one
    assert fresh_app.test_client().get("/admin/login").status_code == 200
    assert len(fresh_app.jinja_env.cache or {}) == templates  # no template compiled late


def test_without_the_warm_up_the_first_events_do_that_work(fresh_app, fake_line):
    before = compiled_statements(fresh_app)
    first_events(fresh_app, fake_line)
    assert compiled_statements(fresh_app) > before
    assert translator.cache_info().misses >= 1
    assert messages._check_against_line_models.cache_info().misses >= 1


def test_the_warm_up_leaves_nothing_behind_and_sends_nothing(fresh_app, fake_line):
    warm_up(fresh_app)
    with islandos_state(fresh_app).db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
        assert session.scalar(select(func.count()).select_from(Person)) == 0
    assert fake_line.requests == []


def test_a_forked_worker_does_not_share_the_warm_up_connection(fresh_app):
    """gunicorn --preload builds the app before forking its workers."""
    warm_up(fresh_app)
    engine = islandos_state(fresh_app).db.engine
    assert engine.pool.checkedin() >= 1  # type: ignore[attr-defined]
    pid = os.fork()
    if pid == 0:  # the worker: starts with no connection of its parent's
        os._exit(0 if engine.pool.checkedin() == 0 else 1)  # type: ignore[attr-defined]
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert engine.pool.checkedin() >= 1  # type: ignore[attr-defined]  # the parent keeps its own


def production_app(database_url: str, fake_line, **extra) -> Flask:
    try:
        return create_app(app_overrides(database_url, fake_line, env="production", **extra))
    finally:
        gc.unfreeze()  # a production app freezes what exists; not in a test process


def test_a_production_app_is_warm_when_created(fresh_process, schema, database_url, fake_line):
    app = production_app(database_url, fake_line)
    try:
        assert compiled_statements(app) > 0
        assert translator.cache_info().currsize == 2
    finally:
        islandos_state(app).db.dispose()
    cold = production_app(database_url, fake_line, warm_up=False)  # ISLANDOS_WARM_UP=0
    try:
        assert compiled_statements(cold) == 0
    finally:
        islandos_state(cold).db.dispose()


def test_a_process_that_cannot_warm_up_still_starts(tmp_path, fake_line, caplog):
    url = f"sqlite:///{tmp_path / 'not-migrated-yet.sqlite3'}"  # before `islandos db upgrade`
    with caplog.at_level(logging.WARNING, logger="islandos.warmup"):
        app = production_app(url, fake_line)
    try:
        assert "warm-up step webhook skipped" in caplog.text
        assert app.test_client().get("/admin/login").status_code == 200
    finally:
        islandos_state(app).db.dispose()
    engine = create_engine(url)
    with engine.connect() as connection:  # and it created nothing there
        assert connection.execute(text(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'")).scalar() == 0
    engine.dispose()
