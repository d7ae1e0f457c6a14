"""Concurrent taps through the webhook: many people tap 参加 at once (some twice, some
events redelivered), and there is still one answer each, the capacity is never exceeded and
the waitlist is numbered without gaps or repeats. Run on PostgreSQL with
ISLANDOS_TEST_DATABASE=postgres (row lock on the ask); on SQLite one writer at a time."""

from __future__ import annotations

import threading

from islandos.line.events import postback_data
from islandos.models.asking import AnswerStatus
from tests.conftest import WebhookPoster
from tests.events.conftest import answers, attending, make_event
from tests.support.factories import make_district, make_person
from tests.support.webhook import postback_event


def test_concurrent_and_redelivered_taps_store_one_answer_each_and_fill_exactly(
        app, db, fake_line):
    with db.transaction() as session:
        district = make_district(session)
        people = [make_person(session, "islander", "ja", district) for _ in range(16)]
        users = [(p.id, p.line_user_id) for p in people]
    event_id = make_event(db, capacity=10, max_guests=1)
    events = []
    for n, (_pid, uid) in enumerate(users):
        body = postback_event(uid, postback_data("ev_answer", event=event_id, a="yes",
                                                 n=1 + n % 2), fake_line.issue_reply_token())
        events.append(body)
        if n % 4 == 0:  # LINE redelivers some events...
            events.append({**body, "deliveryContext": {"isRedelivery": True}})
        if n % 5 == 0:  # ...and some people tap twice
            events.append(postback_event(uid, postback_data(
                "ev_answer", event=event_id, a="yes", n=1 + n % 2),
                fake_line.issue_reply_token()))
    start = threading.Barrier(len(events))
    statuses: list[int] = []

    def post(body: dict) -> None:
        poster = WebhookPoster(app.test_client(), fake_line)
        start.wait()
        statuses.append(poster.post(body).status_code)

    threads = [threading.Thread(target=post, args=(body,)) for body in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [200] * len(events)
    stored = answers(db, event_id)
    assert sorted(stored) == sorted(pid for pid, _ in users)  # one answer per person
    assert attending(db, event_id) <= 10
    waiting = sorted(a.waitlist_seq for a in stored.values()
                     if a.status == AnswerStatus.WAITLISTED)
    assert waiting == list(range(waiting[0], waiting[0] + len(waiting))) if waiting else True
    # Nobody waits whose party would fit in the seats left, with nobody ahead of them.
    left = 10 - attending(db, event_id)
    first = min((a for a in stored.values() if a.status == AnswerStatus.WAITLISTED),
                key=lambda a: a.waitlist_seq or 0, default=None)
    assert first is None or first.people > left
