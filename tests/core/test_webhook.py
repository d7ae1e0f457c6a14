"""POST /callback: signatures, limits, dedupe, standby, replies and their failures."""

from __future__ import annotations

import json

from sqlalchemy import func, select, text

from islandos.models import OutboxMessage, Person, ReplyState, WebhookEvent
from tests.fakes.line_api import FakeLineApi
from tests.support.webhook import (
    body_of,
    follow_event,
    group_event,
    line_user_id,
    sign,
    sticker_event,
    text_event,
)

USER = line_user_id(1)


def count(db, model) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_missing_signature_is_refused_and_nothing_is_stored(line, db):
    response = line.post(text_event(USER, "hello", line.reply_token()), signature="")
    assert response.status_code == 400
    assert count(db, WebhookEvent) == 0
    assert count(db, Person) == 0


def test_wrong_signature_is_refused_and_nothing_is_stored(line, db):
    event = text_event(USER, "hello", line.reply_token())
    response = line.post(event, signature=sign("another-secret", body_of(event)))
    assert response.status_code == 400
    assert b"Invalid signature" in response.data
    assert count(db, WebhookEvent) == 0


def test_console_verify_with_no_events_gets_200(line, db):
    response = line.post()
    assert response.status_code == 200
    assert count(db, WebhookEvent) == 0


def test_malformed_json_with_a_valid_signature_gets_400(line):
    response = line.post(body=b"{not json")
    assert response.status_code == 400
    assert line.post(body=b'{"destination": "x"}').status_code == 400


def test_body_over_the_limit_gets_413(line, db):
    padding = "x" * 1_100_000
    response = line.post(text_event(USER, padding[:10]), body=json.dumps(
        {"events": [], "padding": padding}).encode())
    assert response.status_code == 413
    assert count(db, WebhookEvent) == 0


def test_text_is_stored_once_and_answered_once_even_when_redelivered(line, db, fake_line):
    event = text_event(USER, "こんにちは", line.reply_token())
    assert line.post(event).status_code == 200
    redelivered = {**event, "deliveryContext": {"isRedelivery": True}}
    assert line.post(redelivered).status_code == 200
    assert count(db, WebhookEvent) == 1
    assert count(db, Person) == 1
    assert len(fake_line.calls("/v2/bot/message/reply")) == 1
    with db.transaction() as session:
        row = session.scalars(select(WebhookEvent)).one()
        assert row.reply_state == ReplyState.SENT


def test_unknown_text_gets_a_short_help_in_japanese(line):
    line.post(text_event(USER, "ほげほげ", line.reply_token()))
    reply = line.last_reply()
    assert reply[0]["type"] == "text"
    assert "よくわかりませんでした" in reply[0]["text"]


def test_standby_events_are_recorded_but_not_answered(line, db, fake_line):
    event = {**text_event(USER, "help", line.reply_token()), "mode": "standby"}
    assert line.post(event).status_code == 200
    assert count(db, WebhookEvent) == 1
    assert fake_line.calls("/v2/bot/message/reply") == []


def test_unknown_event_types_are_ignored(line, db, fake_line):
    event = {**follow_event(USER), "type": "somethingNew"}
    assert line.post(event).status_code == 200
    assert count(db, WebhookEvent) == 1
    assert fake_line.calls("/v2/bot/message/reply") == []


def test_sticker_gets_a_polite_answer(line):
    line.post(sticker_event(USER, line.reply_token()))
    assert "ありがとうございます" in line.last_reply()[0]["text"]


def test_group_join_says_the_bot_works_in_one_to_one_chats(line):
    line.post(group_event("join", "C" + "a" * 32, line.reply_token()))
    assert "1対1" in line.last_reply()[0]["text"]


def test_an_expired_reply_token_becomes_a_push_through_the_outbox(line, db, fake_line, worker):
    token = line.reply_token()
    fake_line.expire_reply_token(token)
    assert line.post(text_event(USER, "ほげ", token)).status_code == 200
    with db.transaction() as session:
        assert session.scalars(select(WebhookEvent)).one().reply_state == ReplyState.PUSHED
        push = session.scalars(select(OutboxMessage)).one()
        assert push.recipients == [USER]
    worker.run_once()
    pushes = fake_line.calls("/v2/bot/message/push")
    assert len(pushes) == 1
    assert pushes[0].json["to"] == USER


def test_a_reply_that_may_have_gone_through_is_not_sent_again(line, db, fake_line):
    fake_line.script("/v2/bot/message/reply", 200, {}, delay=1.5, accept=True)
    assert line.post(text_event(USER, "ほげ", line.reply_token())).status_code == 200
    with db.transaction() as session:
        assert session.scalars(select(WebhookEvent)).one().reply_state == ReplyState.UNKNOWN
        assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_line_failing_does_not_fail_the_webhook(line, db, fake_line):
    fake_line.script("/v2/bot/message/reply", 500)
    assert line.post(text_event(USER, "ほげ", line.reply_token())).status_code == 200
    assert count(db, WebhookEvent) == 1


def test_a_database_failure_answers_500_so_line_redelivers(line, db):
    """The table the event goes to is missing (a real error from the database): 500, and
    LINE's redelivery, once the database is whole again, is stored and answered."""
    event = text_event(USER, "ほげ", line.reply_token())
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE webhook_events RENAME TO webhook_events_away"))
    try:
        response = line.post(event)
    finally:
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE webhook_events_away RENAME TO webhook_events"))
    assert response.status_code == 500
    assert count(db, WebhookEvent) == 0
    redelivered = {**event, "deliveryContext": {"isRedelivery": True}}
    assert line.post(redelivered).status_code == 200
    assert count(db, WebhookEvent) == 1


def test_fake_line_sees_a_bearer_token(line, fake_line: FakeLineApi):
    line.post(text_event(USER, "ほげ", line.reply_token()))
    call = fake_line.calls("/v2/bot/message/reply")[0]
    assert call.headers["authorization"] == "Bearer test-access-token"


def test_line_gets_its_answer_before_the_reply_is_sent(client, line, fake_line):
    event = text_event(USER, "ほげ", line.reply_token())
    body = body_of(event)
    from tests.conftest import CHANNEL_SECRET
    response = client.post("/callback", data=body,
                           headers={"X-Line-Signature": sign(CHANNEL_SECRET, body)})
    assert response.status_code == 200
    assert fake_line.calls("/v2/bot/message/reply") == []  # a slow LINE API cannot hold us
    response.close()
    assert len(fake_line.calls("/v2/bot/message/reply")) == 1


def test_each_event_has_its_own_transaction_and_reply(line, db, fake_line):
    first = text_event(USER, "ほげ", line.reply_token())
    second = text_event(line_user_id(2), "help", line.reply_token())
    assert line.post(first, second).status_code == 200
    assert count(db, WebhookEvent) == 2
    replied_to = {c.json["replyToken"] for c in fake_line.calls("/v2/bot/message/reply")}
    assert replied_to == {first["replyToken"], second["replyToken"]}


def test_a_failing_handler_rolls_back_its_changes_and_apologises(app, line, db, fake_line):
    from islandos.extensions import islandos_state
    from islandos.models import District

    def broken(context):
        context.session.add(District(code="half-done", name_ja="途中", name_en="half"))
        context.session.flush()
        raise RuntimeError("bug")

    islandos_state(app).router.text("壊れた")(broken)
    event = text_event(USER, "壊れた", line.reply_token())
    assert line.post(event).status_code == 200
    assert "申し訳ありません" in line.last_reply()[0]["text"]
    assert count(db, District) == 0
    assert count(db, WebhookEvent) == 1
    assert line.post(event).status_code == 200  # a redelivery changes nothing
    assert len(fake_line.calls("/v2/bot/message/reply")) == 1


def test_confirmed_replies_are_marked_sent_in_batches(app, line, db):
    from islandos.extensions import islandos_state
    from islandos.line.reply_log import SentReplies
    inbox = islandos_state(app).inbox
    inbox.sent_replies = SentReplies(db, delay=60)  # long enough that only flush() writes
    for n in range(3):
        line.post(text_event(line_user_id(10 + n), "ほげ", line.reply_token()))
    with db.transaction() as session:
        states = session.scalars(select(WebhookEvent.reply_state)).all()
    assert states == [ReplyState.PENDING] * 3
    inbox.sent_replies.flush()
    with db.transaction() as session:
        states = session.scalars(select(WebhookEvent.reply_state)).all()
    assert states == [ReplyState.SENT] * 3


def test_the_last_flush_waits_for_the_batch_the_background_writer_is_writing(app, line, db):
    """At exit the process flushes what is left; the background writer (a daemon thread,
    stopped when the process ends) may be writing a batch just then. The last flush must
    wait for that batch, not find nothing pending and return."""
    import threading
    import time

    from sqlalchemy import update

    from islandos.extensions import islandos_state
    from islandos.line.reply_log import SentReplies
    islandos_state(app).inbox.sent_replies = SentReplies(db, delay=3600)  # marks: not now
    line.post(text_event(USER, "ほげ", line.reply_token()))
    with db.transaction() as session:
        row_id = session.scalars(select(WebhookEvent.id)).one()
    replies = SentReplies(db, delay=3600, max_batch=1)  # each mark wakes the writer at once
    locked, release = threading.Event(), threading.Event()

    def hold_the_rows() -> None:
        with db.transaction() as session:  # SQLite: the write lock; PostgreSQL: the row lock
            session.execute(update(WebhookEvent).values(reply_error=None))
            locked.set()
            release.wait(10)

    blocker = threading.Thread(target=hold_the_rows)
    blocker.start()
    assert locked.wait(10)
    replies.mark(row_id)  # the background writer takes it and waits for the lock
    time.sleep(0.2)
    last = threading.Thread(target=replies.flush)
    last.start()
    time.sleep(0.2)
    waited = last.is_alive()
    release.set()
    blocker.join(10)
    last.join(10)
    with db.transaction() as session:
        state = session.scalar(select(WebhookEvent.reply_state).where(WebhookEvent.id == row_id))
    assert waited and state == ReplyState.SENT


def test_an_event_from_someone_known_reads_and_writes_in_one_statement_on_postgresql(
        app, line, db, fake_line):
    """Storing the event and reading its sender: one statement (one round trip) on
    PostgreSQL; two in-process statements on SQLite. Redeliveries and first contacts still
    behave as before."""
    from sqlalchemy import event

    from islandos.extensions import islandos_state
    from islandos.line.reply_log import SentReplies
    islandos_state(app).inbox.sent_replies = SentReplies(db, delay=60)  # marks: not now
    assert line.post(text_event(USER, "こんにちは", line.reply_token())).status_code == 200
    assert count(db, Person) == 1  # first contact: created
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(" ".join(statement.split()))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        known = text_event(USER, "ヘルプ", line.reply_token())
        assert line.post(known).status_code == 200
        during_event = list(statements)
        assert line.post({**known, "deliveryContext": {"isRedelivery": True}}).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)

    if db.is_postgres:
        assert len(during_event) == 1
        assert during_event[0].startswith('WITH "new" AS (INSERT INTO webhook_events')
    else:
        assert [s.split()[0] for s in during_event] == ["INSERT", "SELECT"]
    assert count(db, Person) == 1 and count(db, WebhookEvent) == 2
    assert len(fake_line.calls("/v2/bot/message/reply")) == 2  # the redelivery: no reply
