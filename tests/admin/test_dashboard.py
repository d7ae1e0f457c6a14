"""The dashboard home: what the office sees at a glance."""

from __future__ import annotations

import re
from datetime import timedelta

from islandos.clock import now
from islandos.line import messages
from islandos.line.outbox import enqueue_multicast, enqueue_push
from islandos.models.outbox import OutboxStatus
from islandos.models.people import Role, Status
from islandos.models.system import WorkerHeartbeat
from tests.admin.test_people import make_request
from tests.support.factories import make_islander, make_person, make_tourist


def tile(page: str, label: str) -> int:
    found = re.search(r'<span class="num">(\d+)</span>' + re.escape(label) + "<", page)
    assert found, f"no tile {label}"
    return int(found.group(1))


def fact(page: str, label: str) -> str:
    found = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page)
    assert found, f"no fact {label}"
    return found.group(1)


def test_the_home_counts_people_requests_and_sending(admin_client, db, frozen_clock):
    with db.transaction() as session:
        for _ in range(3):
            make_islander(session)
        make_islander(session, status=Status.UNFOLLOWED)  # blocked: not counted
        make_tourist(session)
        make_person(session, role=Role.FAMILY)
        enqueue_push(session, "U" + "1" * 32, [messages.text("a")])
        enqueue_multicast(session, ["U" + "2" * 32, "U" + "3" * 32], [messages.text("b")])
        failed = enqueue_push(session, "U" + "4" * 32, [messages.text("c")])
        failed.status = OutboxStatus.FAILED
        session.add(WorkerHeartbeat(worker_id="w1", seen_at=now() - timedelta(minutes=5)))
    make_request(db)  # an unknown user asks to be an islander
    page = admin_client().get("/admin/").get_data(as_text=True)
    assert tile(page, "島民") == 3
    assert tile(page, "観光客") == 1
    assert tile(page, "家族") == 1
    assert tile(page, "未登録") == 1
    assert tile(page, "承認待ちの申請") == 1
    assert fact(page, "送信待ち") == "2"
    assert fact(page, "失敗") == "1"
    assert "5分前から応答がありません" in page


def test_a_fresh_island_shows_zeros_and_no_worker_yet(admin_client):
    page = admin_client().get("/admin/").get_data(as_text=True)
    assert tile(page, "島民") == 0
    assert tile(page, "承認待ちの申請") == 0
    assert fact(page, "送信待ち") == "0"
    assert "まだ動いていません" in page
