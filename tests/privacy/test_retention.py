"""Retention: each period with the settable clock, the daily run by the worker, the goodbye
to idle tourists, and `islandos privacy prune --dry-run`, which changes nothing."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from islandos.cli import main
from islandos.clock import TOKYO, now
from islandos.db import Base
from islandos.extensions import islandos_state
from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.models import (
    AuditEntry,
    CodeAttempt,
    IslanderRequest,
    Job,
    OutboxMessage,
    Person,
    Role,
    WebhookEvent,
)
from islandos.services import audit
from islandos.services import registration as reg
from islandos.services.retention import prune
from tests.registration.conftest import Chat, person_of, texts
from tests.support.factories import make_person
from tests.support.webhook import line_user_id


def run_prune(app, **kwargs) -> dict[str, int]:
    state = islandos_state(app)
    with state.db.transaction() as session:
        return prune(session, state.settings, state.registry.erasers, **kwargs).as_dict()


def count(db, model) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def snapshot(db) -> dict[str, list[str]]:
    """Every row of every table, as text (to tell that nothing changed)."""
    with db.engine.connect() as connection:
        return {table.name: sorted(json.dumps(dict(row), default=str, sort_keys=True)
                                   for row in connection.execute(table.select()).mappings())
                for table in Base.metadata.sorted_tables}


def tourist_chat(db, line, n: int) -> Chat:
    with db.transaction() as session:
        make_person(session, role=Role.TOURIST, line_user_id=line_user_id(n))
    return Chat(line, line_user_id(n))


def test_event_records_go_after_30_days_and_a_redelivery_before_that_is_still_ignored(
        app, db, line, frozen_clock):
    chat = tourist_chat(db, line, 1)
    chat.say("マップ")
    frozen_clock(days=29)
    assert run_prune(app)["webhook_events"] == 0 and count(db, WebhookEvent) == 1
    frozen_clock(days=2)
    assert run_prune(app)["webhook_events"] == 1 and count(db, WebhookEvent) == 0


def test_sent_recipient_lists_go_after_30_days_and_the_counts_stay(app, db, worker, frozen_clock):
    with db.transaction() as session:
        enqueue_push(session, line_user_id(2), [messages.text("こんにちは")])
        make_person(session, role=Role.TOURIST, line_user_id=line_user_id(2))
    worker.run_once()
    frozen_clock(days=29)
    run_prune(app)
    with db.transaction() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert row.status == "accepted" and row.recipients == [line_user_id(2)]
    frozen_clock(days=2)
    assert run_prune(app)["outbox_recipient_lists"] == 1
    with db.transaction() as session:
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.recipients, row.recipient_count, row.order_key) == ([], 1, None)


def test_wrong_code_attempts_go_after_a_day(app, db, line, frozen_clock):
    chat = Chat(line, line_user_id(3))
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    assert "見つかりません" in texts(chat.say("ZZZZ9999"))
    frozen_clock(hours=23)
    assert run_prune(app)["code_attempts"] == 0 and count(db, CodeAttempt) == 1
    frozen_clock(hours=2)
    assert run_prune(app)["code_attempts"] == 1 and count(db, CodeAttempt) == 0


def ask_to_be_an_islander(line, n: int, name: str) -> Chat:
    chat = Chat(line, line_user_id(n))
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.tap("reg.approval"), "同意して進む")
    assert "役場に登録をお願いしました" in texts(chat.press(chat.say(name), "電話番号なしで進む"))
    return chat


def test_refused_and_abandoned_requests_go_after_90_days(app, db, line, frozen_clock):
    refused = ask_to_be_an_islander(line, 4, "安里 次郎")
    abandoned = ask_to_be_an_islander(line, 5, "宮城 三郎")
    with db.transaction() as session:
        first = min(r.id for r in reg.pending_requests(session))
        reg.refuse_islander(session, first, "admin:1")
    frozen_clock(days=89)
    assert run_prune(app)["closed_requests"] == 0 and count(db, IslanderRequest) == 2
    frozen_clock(days=2)
    assert run_prune(app)["closed_requests"] == 2 and count(db, IslanderRequest) == 0
    assert person_of(db, abandoned.user_id).full_name is None  # the name they gave goes too
    assert person_of(db, refused.user_id).status == "active"  # they may still use the bot


def test_tourists_idle_for_180_days_are_deleted_with_a_goodbye(app, db, line, worker,
                                                               fake_line, frozen_clock):
    gone, back = tourist_chat(db, line, 6), tourist_chat(db, line, 7)
    gone.say("マップ")
    back.say("マップ")
    frozen_clock(days=100)
    back.say("マップ")  # came back: 180 days count from here
    frozen_clock(days=50)
    run_prune(app)  # the event records of both are gone by now; when they were seen stays
    assert count(db, WebhookEvent) == 0
    frozen_clock(days=29)  # day 179
    assert run_prune(app)["idle_people"] == 0
    frozen_clock(days=2)  # day 181
    assert run_prune(app)["idle_people"] == 1
    assert person_of(db, back.user_id).status == "active"
    with db.transaction() as session:
        deleted = session.scalars(select(Person).where(Person.status == "deleted")).one()
        assert deleted.line_user_id is None
    worker.run_once()
    [push] = [call.json for call in fake_line.calls("/v2/bot/message/push")]
    assert push["to"] == gone.user_id
    assert "しばらくご利用がなかったため" in push["messages"][0]["text"]
    with db.transaction() as session:  # the goodbye keeps its count, not whom it went to
        row = session.scalars(select(OutboxMessage)).one()
        assert (row.recipients, row.recipient_count) == ([], 1)
    back_id = person_of(db, back.user_id).id
    frozen_clock(days=100)  # day 281: the one who came back on day 100 is idle now
    assert run_prune(app)["idle_people"] == 1
    with db.transaction() as session:
        assert session.get(Person, back_id).status == "deleted"


def test_islanders_are_never_deleted_for_being_quiet(app, db, frozen_clock):
    with db.transaction() as session:
        make_person(session, role=Role.ISLANDER, full_name="島 太郎")
    frozen_clock(days=2000)
    assert run_prune(app)["idle_people"] == 0


def test_audit_entries_go_after_five_years(app, db, frozen_clock):
    with db.transaction() as session:
        audit.record(session, "admin:1", "person.role_changed", "person:1")
    frozen_clock(days=1826)
    assert run_prune(app)["audit_entries"] == 0
    frozen_clock(days=2)
    assert run_prune(app)["audit_entries"] == 1
    with db.transaction() as session:  # only the run's own entry is left
        assert list(session.scalars(select(AuditEntry.action))) == ["privacy.pruned"]


def test_the_office_sets_the_periods(app, db, frozen_clock, database_url, fake_line):
    from islandos import create_app
    from tests.conftest import app_overrides

    with db.transaction() as session:
        audit.record(session, "admin:1", "person.role_changed", "person:1")
    frozen_clock(days=11)
    shorter = create_app(app_overrides(database_url, fake_line, retain_audit_days=10,
                                       warm_up=False))
    assert run_prune(app)["audit_entries"] == 0
    assert run_prune(shorter)["audit_entries"] == 1
    islandos_state(shorter).db.dispose()


def old_things_everywhere(app, db, line, worker, frozen_clock) -> None:
    """One of everything the retention run removes, all old enough."""
    tourist_chat(db, line, 8).say("マップ")
    ask_to_be_an_islander(line, 9, "安里 次郎")
    guesser = Chat(line, line_user_id(10))
    guesser.press(guesser.press(guesser.follow(), "日本語"), "島民です")
    assert "見つかりません" in texts(guesser.say("ZZZZ9999"))
    with db.transaction() as session:
        audit.record(session, "admin:1", "person.role_changed", "person:1")
    with db.transaction() as session:
        enqueue_push(session, line_user_id(8), [messages.text("こんにちは")])
    worker.run_once()
    frozen_clock(days=2000)


def test_the_dry_run_counts_and_changes_nothing(app, db, line, worker, frozen_clock):
    old_things_everywhere(app, db, line, worker, frozen_clock)
    before = snapshot(db)
    counted = run_prune(app, dry_run=True)
    assert all(counted[key] >= 1 for key in counted), counted
    assert snapshot(db) == before
    result = app.test_cli_runner().invoke(main, ["privacy", "prune", "--dry-run"])
    assert result.exit_code == 0, result.output
    events = counted["webhook_events"]
    assert f"LINE event records: {events} would go" in result.output
    idle = counted["idle_people"]
    assert f"idle tourists (data deleted, goodbye sent): {idle} would go" in result.output
    assert snapshot(db) == before
    result = app.test_cli_runner().invoke(main, ["privacy", "prune"])
    assert f"LINE event records: {events} removed" in result.output
    assert run_prune(app, dry_run=True)["webhook_events"] == 0


def test_the_worker_prunes_once_a_day(app, db, line, worker, frozen_clock):
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Job).where(
            Job.kind == "privacy.prune")) == 0
    worker.run_once()  # the daily task arms the job for 03:00 in Tokyo
    with db.transaction() as session:
        armed = session.scalars(select(Job).where(Job.kind == "privacy.prune")).one()
        assert armed.run_at.astimezone(TOKYO).hour == 3 and armed.run_at > now()
    old_things_everywhere(app, db, line, worker, frozen_clock)  # ends 2000 days later
    assert count(db, WebhookEvent) > 0
    worker.run_once()  # the job is due: it runs, and the task arms the next one
    assert count(db, WebhookEvent) == 0 and count(db, CodeAttempt) == 0
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "privacy.pruned")).one()
        assert entry.actor == "retention" and entry.after["idle_people"] == 3
        assert entry.at.astimezone(TOKYO).hour == 9  # the clock's time: the job was due
        pending = session.scalars(select(Job).where(Job.kind == "privacy.prune",
                                                    Job.status == "pending")).one()
        assert pending.run_at.astimezone(TOKYO).hour == 3 and pending.run_at > now()


def test_an_unlink_job_that_gave_up_forgets_the_line_user_id(app, db, line, frozen_clock):
    tourist_chat(db, line, 11).say("マップ")
    with db.transaction() as session:
        session.add(Job(kind="richmenu.unlink", status="failed", run_at=now(),
                        payload={"line_user_id": line_user_id(11), "person_id": 1}))
    frozen_clock(days=31)
    run_prune(app)
    with db.transaction() as session:
        assert session.scalars(select(Job.payload).where(Job.kind == "richmenu.unlink")) \
            .one() == {}
