"""Scheduled notices build their picture's URL from PUBLIC_BASE_URL as it is when they go,
not as it was when they were scheduled; jobs scheduled by older versions still work."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from islandos import scheduler
from islandos.clock import now
from islandos.line.worker import Worker
from islandos.models.jobs import Job
from islandos.services.notices.images import store_image
from tests.notices.conftest import multicasts, send
from tests.notices.test_validation import png


def picture_urls(fake_line) -> set[str]:
    return {m["originalContentUrl"] for body in multicasts(fake_line)
            for m in body["messages"] if m["type"] == "image"}


def with_picture(db) -> int:
    with db.transaction() as session:
        return store_image(session, png((400, 300))).id


def test_a_scheduled_notice_uses_the_address_of_when_it_goes(db, state, island, fake_line,
                                                             frozen_clock):
    notice_id = send(db, image_id=with_picture(db), send_at=now() + timedelta(hours=1))
    with db.transaction() as session:
        payload = session.scalars(select(Job.payload).where(Job.kind == "notice.send")).one()
    assert payload == {"notice_id": notice_id}  # no copy of the address in the job
    moved = replace(state.settings, public_base_url="https://new.island.example.jp")
    frozen_clock(hours=1)
    Worker(state.db, state.transport, state.jobs, worker_id="moved", settings=moved).run_once()
    [url] = picture_urls(fake_line)
    assert url.startswith("https://new.island.example.jp/media/notices/")


def test_a_job_scheduled_with_an_address_in_its_payload_still_goes(db, state, island,
                                                                   fake_line, frozen_clock):
    notice_id = send(db, image_id=with_picture(db), send_at=now() + timedelta(hours=1))
    with db.transaction() as session:  # as versions before this one scheduled it
        scheduler.schedule(session, "notice.send", now() + timedelta(hours=1),
                           {"notice_id": notice_id, "base_url": "https://old.example.jp"},
                           unique_key=f"notice.send:{notice_id}")
    frozen_clock(hours=1)
    Worker(state.db, state.transport, state.jobs, worker_id="no-settings").run_once()
    [url] = picture_urls(fake_line)
    assert url.startswith("https://old.example.jp/media/notices/")
