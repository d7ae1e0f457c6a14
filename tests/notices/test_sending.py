"""Sending a notice: audiences, languages, priorities, family copies, batches, the audit."""

from __future__ import annotations

from sqlalchemy import insert, select

from islandos.models.audit import AuditEntry
from islandos.models.notices import Notice
from islandos.models.outbox import OutboxMessage, Priority
from islandos.models.people import Person, Role
from islandos.services.notices.drafts import NoticeError
from islandos.services.notices.sending import send_notice
from tests.notices.conftest import deliveries, multicasts, notice, reached, send


def test_a_notice_to_islanders_reaches_every_following_islander_and_no_tourist(
        db, island, worker, fake_line):
    notice_id = send(db, audience_kind="islanders")
    worker.run_once()
    assert sorted(reached(fake_line)) == sorted(
        [island.uid("taro"), island.uid("hanako"), island.uid("jiro")])
    assert island.uid("tourist") not in reached(fake_line)
    assert island.uid("gone") not in reached(fake_line)
    assert notice(db, notice_id).status == "sent"
    assert notice(db, notice_id).recipient_count == 3


def test_each_recipient_gets_their_language_and_english_falls_back_to_japanese(
        db, island, worker, fake_line):
    send(db, audience_kind="islanders", title_en="Water outage",
         body_en="No water from 9 tomorrow.")
    worker.run_once()
    by_language = {tuple(body["to"]): body["messages"][0]["text"] for body in multicasts(fake_line)}
    assert by_language[(island.uid("hanako"),)] == "【Water outage】\nNo water from 9 tomorrow."
    japanese = by_language[(island.uid("taro"), island.uid("jiro"))]
    assert japanese == "【断水のお知らせ】\n明日9時から断水します。"

    fake_line.reset()
    send(db, audience_kind="islanders", title="回覧板", body_ja="回覧板です。")
    worker.run_once()
    assert all(body["messages"][0]["text"] == "【回覧板】\n回覧板です。"
               for body in multicasts(fake_line))
    assert len(multicasts(fake_line)) == 2  # still one batch per language


def test_a_district_notice_reaches_only_that_district(db, island, worker, fake_line):
    notice_id = send(db, audience_kind="districts", district_ids=(island.south,))
    worker.run_once()
    assert reached(fake_line) == [island.uid("jiro")]
    assert [d.district_id for d in deliveries(db, notice_id)] == [island.south]


def test_everyone_reaches_every_follower_of_any_role_once(db, island, worker, fake_line):
    send(db, audience_kind="everyone")
    worker.run_once()
    expected = {island.uid(n) for n in ("taro", "hanako", "jiro", "tourist", "family", "stranger")}
    assert sorted(reached(fake_line)) == sorted(expected)


def test_tourists_means_registered_as_tourists_in_the_last_n_days(
        db, island, worker, fake_line, frozen_clock):
    from datetime import timedelta

    from islandos.clock import now
    with db.transaction() as session:
        old = session.get(Person, island.ids["tourist"])
        assert old is not None
        old.registered_at = now() - timedelta(days=10)
        fresh = Person(line_user_id="U" + "f" * 32, role=Role.TOURIST, language="ja",
                       registered_at=now() - timedelta(days=2))
        session.add(fresh)
    send(db, audience_kind="tourists", tourist_days=7)
    worker.run_once()
    assert reached(fake_line) == ["U" + "f" * 32]


def test_family_audience_reaches_family_only(db, island, worker, fake_line):
    send(db, audience_kind="family")
    worker.run_once()
    assert reached(fake_line) == [island.uid("family")]


def test_normal_is_plain_text_and_important_carries_a_confirm_button(db, island, worker, fake_line):
    send(db, audience_kind="districts", district_ids=(island.south,))
    important = send(db, audience_kind="districts", district_ids=(island.south,),
                     priority="important")
    worker.run_once()
    important_body, normal_body = multicasts(fake_line)  # the important one goes first
    assert normal_body["messages"][0]["type"] == "text"
    card = important_body["messages"][0]
    assert card["type"] == "flex"
    assert card["altText"].startswith("【重要】断水のお知らせ")
    button = card["contents"]["footer"]["contents"][0]["action"]
    assert button["label"] == "確認しました"
    assert button["data"] == f"action=notice_confirm&notice={important}"
    with db.transaction() as session:
        priorities = list(session.scalars(
            select(OutboxMessage.priority).order_by(OutboxMessage.id)))
    assert priorities == [Priority.NORMAL, Priority.IMPORTANT]


def test_emergency_reaches_family_once_even_when_linked_to_several_recipients(
        db, island, worker, fake_line):
    notice_id = send(db, audience_kind="islanders", priority="emergency",
                     title="避難指示", body_ja="高台へ避難してください。")
    worker.run_once()
    assert reached(fake_line).count(island.uid("family")) == 1
    family_batch = next(b for b in multicasts(fake_line) if b["to"] == [island.uid("family")])
    band = family_batch["messages"][0]["contents"]["header"]["contents"]
    assert [part["text"] for part in band] == ["緊急", "ご家族の方へ"]
    rows = deliveries(db, notice_id)
    assert [r.person_id for r in rows if r.is_family] == [island.ids["family"]]
    assert notice(db, notice_id).recipient_count == 4
    with db.transaction() as session:
        assert {m.priority for m in session.scalars(select(OutboxMessage))} == {Priority.EMERGENCY}


def test_an_important_notice_to_islanders_does_not_go_to_family(db, island, worker, fake_line):
    send(db, audience_kind="islanders", priority="important")
    worker.run_once()
    assert island.uid("family") not in reached(fake_line)


def test_a_large_audience_goes_in_batches_of_at_most_500_per_language(db, worker, fake_line):
    with db.transaction() as session:
        session.execute(insert(Person), [
            {"line_user_id": "U" + f"{n:032x}", "role": Role.ISLANDER,
             "language": "en" if n % 3 == 0 else "ja", "status": "active"}
            for n in range(1, 1202)])
    notice_id = send(db, audience_kind="islanders", title_en="Hi", body_en="Hello")
    worker.run_once()
    bodies = multicasts(fake_line)
    assert all(len(b["to"]) <= 500 for b in bodies)
    english = [b for b in bodies if b["messages"][0]["text"].startswith("【Hi】")]
    assert len(english) == 1 and len(bodies) - len(english) == 2  # 400 en, 801 ja
    assert len(reached(fake_line)) == len(set(reached(fake_line))) == 1201
    assert len(deliveries(db, notice_id)) == 1201


def test_every_send_is_in_the_audit_log(db, island):
    notice_id = send(db, audience_kind="islanders")
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "notice.sent")).one()
    assert entry.actor == "admin:1"
    assert entry.target == f"notice:{notice_id}"
    assert entry.after == {"audience": "islanders", "priority": "normal", "recipients": 3,
                           "family": 0}


def test_sending_twice_sends_once(db, island, worker, fake_line):
    notice_id = send(db, audience_kind="islanders")
    with db.transaction() as session:
        try:
            send_notice(session, notice_id, "admin:1", "https://island.example.jp")
            raise AssertionError("a sent notice was sent again")
        except NoticeError:
            pass
    worker.run_once()
    assert len(reached(fake_line)) == 3
    with db.transaction() as session:
        assert session.get(Notice, notice_id).status == "sent"
