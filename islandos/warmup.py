"""Start-up warm-up: load now what the first request after a deploy would load lazily.

Measured before: the first webhook event of a fresh web process was several times slower than
the next ones. What it paid for, and what is done here instead, once per process:

- SQLAlchemy: mapper configuration and the compiled SQL of the webhook's path (compiled
  statements are cached per engine): sample events are stored and answered in a transaction
  that is rolled back (`Inbox.rehearse`).
- the handlers' gettext catalogs (parsed from .po files on first use) and Babel's locale data
  (dates in Japanese and English);
- line-bot-sdk's models checking each reply (the answers of the samples are remembered);
- Flask's URL matcher and Jinja's environment and compiled templates (admin and public pages).

Nothing here reaches LINE or leaves a row behind. A step that fails is logged and skipped:
a process that cannot warm up (e.g. before `islandos db upgrade`) still starts.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy import Engine
from sqlalchemy.orm import configure_mappers

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.i18n import LANGUAGES, format_datetime, translator

log = logging.getLogger(__name__)

SAMPLE_TEXTS = ("ヘルプ", "こんにちは")


ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _event_id() -> str:
    """An id in the shape of LINE's webhookEventId (a ULID), unique to this process's run."""
    return "".join(ULID_ALPHABET[b % 32] for b in uuid.uuid4().bytes + uuid.uuid4().bytes)[:26]


def sample_events() -> list[dict[str, Any]]:
    """A new friend follows, then writes: the commonest first events after a deploy."""
    user = "U" + uuid.uuid4().hex  # a LINE-shaped id no one has; rolled back anyway
    stamp = int(now().timestamp() * 1000)

    def event(kind: str, **extra: Any) -> dict[str, Any]:
        return {"type": kind, "mode": "active", "timestamp": stamp,
                "source": {"type": "user", "userId": user},
                "webhookEventId": _event_id(),
                "deliveryContext": {"isRedelivery": False},
                "replyToken": "warm-up", **extra}

    events = [event("follow", follow={"isUnblocked": False})]
    for n, words in enumerate(SAMPLE_TEXTS, start=1):
        events.append(event("message", message={
            "type": "text", "id": str(n), "quoteToken": "warm-up", "text": words}))
    return events


def _translations(app: Flask) -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    for language in LANGUAGES:
        translator(language)
        format_datetime(moment, language)


def _webhook(app: Flask) -> None:
    configure_mappers()
    state = islandos_state(app)
    _no_shared_connections_after_fork(state.db.engine)
    state.inbox.rehearse(sample_events())


def _no_shared_connections_after_fork(engine: Engine) -> None:
    """The rehearsal leaves a connection in the pool. Under `gunicorn --preload` the app is
    built before the fork, and two processes must never use one connection: a child starts
    with an empty pool (leaving the parent's connections to the parent)."""
    ref = weakref.ref(engine)

    def in_child() -> None:
        found = ref()
        if found is not None:
            found.dispose(close=False)

    os.register_at_fork(after_in_child=in_child)


def _routes(app: Flask) -> None:
    adapter = app.url_map.bind("localhost")
    adapter.match("/callback", method="POST")


def _templates(app: Flask) -> None:
    environment = app.jinja_env
    for name in environment.list_templates(extensions=["html"]):
        environment.get_template(name)


STEPS: tuple[tuple[str, Callable[[Flask], None]], ...] = (
    ("translations", _translations),
    ("webhook", _webhook),
    ("routes", _routes),
    ("templates", _templates),
)


def warm_up(app: Flask) -> dict[str, float]:
    """Run every step; returns how long each took (ms), failed steps left out."""
    took: dict[str, float] = {}
    for name, step in STEPS:
        started = time.perf_counter()
        try:
            step(app)
        except Exception as exc:  # warming up is an optimisation: never a reason not to start
            log.warning("warm-up step %s skipped: %s", name, exc.__class__.__name__)
            continue
        took[name] = round((time.perf_counter() - started) * 1000, 1)
    log.info("warmed up in %.0f ms %s", sum(took.values()), took)
    return took
