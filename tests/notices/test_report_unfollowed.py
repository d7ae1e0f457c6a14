"""The confirmation page counts as accepted only those LINE was actually asked to reach."""

from __future__ import annotations

from islandos.models.notices import Notice
from islandos.services.notices.reports import delivery_report
from tests.notices.conftest import send
from tests.support.webhook import unfollow_event


def test_someone_who_unfollowed_before_the_send_is_not_counted_as_accepted(
        db, island, line, worker, fake_line):
    notice_id = send(db, audience_kind="islanders", priority="important")
    line.post(unfollow_event(island.uid("jiro")))  # between the office's send and the worker
    worker.run_once()
    reached = [u for call in fake_line.calls("/v2/bot/message/multicast") for u in call.json["to"]]
    assert sorted(reached) == sorted([island.uid("taro"), island.uid("hanako")])
    with db.transaction() as session:
        report = delivery_report(session, session.get(Notice, notice_id), "ja")
    south = next(line for line in report.lines if line.district_id == island.south)
    assert (south.recipients, south.accepted, south.not_sent) == (1, 0, 1)
    assert report.total.accepted == 2  # taro and hanako in the north
