"""A reply that timed out is tried once more with its token: the welcome arrives, never twice."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from islandos.models import OutboxMessage
from islandos.models.webhook_events import ReplyState, WebhookEvent
from tests.support.webhook import follow_event, line_user_id, text_event

REPLY = "/v2/bot/message/reply"
NEWCOMER = line_user_id(7)
SLOW = 1.5  # LINE's answer comes after this; the app's reply timeout in tests is 1 s


def reply_requests(fake_line):
    return [r for r in fake_line.requests if r.path == REPLY]


def welcomes_delivered(fake_line) -> list[str]:
    """The welcome cards LINE took (and so showed the user), whatever it answered."""
    return [r.json["messages"][0].get("altText", "") for r in reply_requests(fake_line)
            if r.accepted]


def the_event(db) -> WebhookEvent:
    with db.transaction() as session:
        return session.scalars(select(WebhookEvent)).one()


def pushes_waiting(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


def test_a_welcome_lost_to_a_timeout_is_sent_on_the_second_try(line, db, fake_line, worker):
    token = line.reply_token()
    # LINE is slow and had not taken the first request when the app stopped waiting.
    fake_line.script(REPLY, 503, delay=SLOW)
    assert line.post(follow_event(NEWCOMER, token)).status_code == 200

    tried = reply_requests(fake_line)
    assert len(tried) == 2
    assert tried[0].json == tried[1].json  # the same token, the same messages
    assert tried[1].json["replyToken"] == token
    assert len(welcomes_delivered(fake_line)) == 1
    assert "ようこそ" in welcomes_delivered(fake_line)[0]
    assert the_event(db).reply_state == ReplyState.SENT
    assert pushes_waiting(db) == 0


def test_a_welcome_that_went_through_before_the_timeout_is_not_sent_twice(
        line, db, fake_line, worker):
    # LINE took the first reply but answered too late: the retry is refused, as LINE does.
    fake_line.script(REPLY, 200, {}, delay=SLOW, accept=True)
    assert line.post(follow_event(NEWCOMER, line.reply_token())).status_code == 200

    assert [r.status for r in reply_requests(fake_line)][1:] == [400]
    assert reply_requests(fake_line)[1].accepted is False
    assert len(welcomes_delivered(fake_line)) == 1
    event = the_event(db)
    # "Invalid reply token" cannot tell delivered from expired: unknown, never a push.
    assert event.reply_state == ReplyState.UNKNOWN
    assert "Invalid reply token" in (event.reply_error or "")
    assert pushes_waiting(db) == 0
    worker.run_once()
    assert fake_line.calls("/v2/bot/message/push") == []


def test_line_failing_on_its_side_gets_one_more_try(line, db, fake_line):
    fake_line.script(REPLY, 500)  # answered at once, nothing taken
    assert line.post(text_event(NEWCOMER, "ヘルプ", line.reply_token())).status_code == 200
    assert [r.status for r in reply_requests(fake_line)] == [500, 200]
    assert the_event(db).reply_state == ReplyState.SENT


def test_only_one_retry_however_slow_line_stays(line, db, fake_line):
    fake_line.script(REPLY, 503, delay=SLOW, times=3)
    assert line.post(text_event(NEWCOMER, "ヘルプ", line.reply_token())).status_code == 200
    assert len(reply_requests(fake_line)) == 2
    assert welcomes_delivered(fake_line) == []
    assert the_event(db).reply_state == ReplyState.UNKNOWN
    assert pushes_waiting(db) == 0


def test_no_retry_once_the_token_has_had_its_minute(line, db, fake_line, frozen_clock):
    fake_line.script(REPLY, 503, delay=SLOW)

    def a_minute_passes_while_line_thinks() -> None:
        deadline = time.monotonic() + 5
        while not reply_requests(fake_line) and time.monotonic() < deadline:
            time.sleep(0.01)
        frozen_clock(minutes=1)

    mover = threading.Thread(target=a_minute_passes_while_line_thinks)
    mover.start()
    assert line.post(text_event(NEWCOMER, "ヘルプ", line.reply_token())).status_code == 200
    mover.join()
    assert len(reply_requests(fake_line)) == 1
    assert the_event(db).reply_state == ReplyState.UNKNOWN
    assert pushes_waiting(db) == 0


def test_a_rate_limited_reply_is_not_hammered(line, db, fake_line):
    fake_line.script(REPLY, 429, headers={"Retry-After": "30"})
    assert line.post(text_event(NEWCOMER, "ヘルプ", line.reply_token())).status_code == 200
    assert len(reply_requests(fake_line)) == 1  # LINE asked for 30 s; a reply cannot wait
    assert the_event(db).reply_state == ReplyState.UNKNOWN


def test_an_expired_token_answered_at_once_still_becomes_a_push(line, db, fake_line):
    token = line.reply_token()
    fake_line.expire_reply_token(token)
    assert line.post(text_event(NEWCOMER, "ヘルプ", token)).status_code == 200
    assert len(reply_requests(fake_line)) == 1  # a clear refusal is not retried
    assert the_event(db).reply_state == ReplyState.PUSHED
    assert pushes_waiting(db) == 1
