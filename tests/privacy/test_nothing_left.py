"""「データを削除」 leaves nothing behind: on a populated island, after a person who used every
feature deletes their data (or the office does), no column of any table holds their LINE
user id, name or phone, and no row points at them any more. The tables come from
Base.metadata, so a table added later is searched too."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from islandos.db import Base
from islandos.demo import seed_demo
from islandos.extensions import islandos_state
from islandos.models import AdminUser, OutboxMessage, Person, RecordedMessage, WebhookEvent
from islandos.models.admin import AdminRole
from islandos.services import registration as reg
from islandos.services.notices.drafts import NoticeInput
from islandos.services.notices.sending import create_and_submit
from tests.fees.conftest import checkout_session_of
from tests.registration.conftest import Chat, actions, person_of, texts
from tests.support.webhook import line_user_id, postback_event

NAME, PHONE = "波照間 潮音", "098-765-4321"
USER = line_user_id(4242)


def _as_text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "ignore")
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def where_found(db, needles: list[str]) -> list[str]:
    """Every table.column whose value holds one of `needles` (as text; JSON decoded)."""
    found = []
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(table.select()).mappings():
                for column, value in row.items():
                    text = _as_text(value)
                    found += [f"{table.name}.{column} holds {needle!r}" for needle in needles
                              if needle in text]
    return found


def pointing_at(db, person_id: int) -> list[str]:
    """Every column with a foreign key to people.id that still points at the person."""
    found = []
    with db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "people" for fk in column.foreign_keys):
                    hits = connection.execute(select(column).where(column == person_id)).all()
                    found += [f"{table.name}.{column.name}"] * bool(hits)
    return found


def live_on_the_island(app, db, line, visitor, stripe_api, stripe_webhook, worker,
                       other_chat) -> int:
    """The demo island, and one islander who uses every feature. Returns their person id."""
    state = islandos_state(app)
    with db.transaction() as session:
        seed_demo(session, state.registry.seeders)
        [code] = reg.create_invite_codes(session, count=1, district_id=None, actor="test")
        invite = code.code
    chat = Chat(line, USER)
    # Asks the office first (refused), types a wrong code, then registers with an invite code.
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.tap("reg.approval"), "同意して進む")
    chat.press(chat.press(chat.say(NAME), "電話番号なしで進む"), "港集落")
    with db.transaction() as session:
        [request] = reg.pending_requests(session)
        reg.refuse_islander(session, request.id, "admin:1", reason="unknown")
    chat.press(chat.say("登録"), "島民です")
    assert "見つかりません" in texts(chat.say("ZZZZ9999"))
    chat.press(chat.say(invite), "同意して進む")
    chat.say(NAME)
    assert "登録が終わりました" in texts(chat.press(chat.say(PHONE), "港集落"))
    person = person_of(db, USER)
    assert (person.full_name, person.phone) == (NAME, PHONE)
    # Family: a relative links with the family code.
    family_code = chat.say("家族コード")[-1]["text"]
    other_chat.press(other_chat.press(other_chat.follow(), "日本語"), "島の外の家族です")
    assert "つながりました" in texts(other_chat.say(family_code))
    # A notice to confirm, sent by the worker, confirmed in LINE.
    with db.transaction() as session:
        notice = create_and_submit(session, NoticeInput(
            title="断水のお知らせ", body_ja="明日9時から断水します。", audience_kind="islanders",
            priority="important"), "admin:1", "https://island.example.jp")
        notice_id = notice.id
    worker.run_once()
    assert "確認ありがとうございます" in texts(chat.tap("notice_confirm", notice=notice_id))
    # The map (the rules are shown once and remembered) and the entry contribution.
    chat.say("マップ")
    button = actions(chat.say("入島協力金"))["支払いへ進む"]
    session_id = checkout_session_of(
        visitor.pay(f"/fee?{urlsplit(button['uri']).query}", count_adult=1), stripe_api)
    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))
    worker.run_once()  # the pass is pushed to the chat
    # They are also an office account linked to their LINE, and the simulator recorded them.
    with db.transaction() as session:
        session.execute(update(AdminUser).where(AdminUser.role == AdminRole.ADMIN)
                        .values(line_person_id=person.id))
        session.add(RecordedMessage(line_user_id=USER, via="user",
                                    payload={"text": f"{NAME} {PHONE}"}))
    assert where_found(db, [USER, NAME, PHONE])  # the search finds what is there
    assert set(pointing_at(db, person.id)) >= {"fee_payments.person_id", "family_links."
                                               "islander_person_id", "ask_recipients.person_id"}
    return person.id


@pytest.mark.parametrize("who", ["the person in LINE", "the office"])
def test_after_deletion_no_table_holds_the_person(who, app, db, line, visitor, stripe_api,
                                                  stripe_webhook, worker, other_chat,
                                                  admin_client, fake_line):
    person_id = live_on_the_island(app, db, line, visitor, stripe_api, stripe_webhook, worker,
                                   other_chat)
    if who == "the office":
        office = admin_client(role="admin")
        response = office.submit(f"/admin/people/{person_id}/delete", {"confirm": "y"})
        assert response.status_code == 302
    else:
        chat = Chat(line, USER)
        assert "データを削除しますか" in texts(chat.say("データを削除"))
        assert "削除しました" in texts(chat.tap("set.delete_confirm"))
    for _ in range(3):  # the rich menu unlink job; the office's goodbye push
        worker.run_once()
    if who == "the office":
        pushes = [call.json for call in fake_line.calls("/v2/bot/message/push")]
        assert pushes[-1]["to"] == USER and "削除しました" in json.dumps(
            pushes[-1]["messages"], ensure_ascii=False)

    assert where_found(db, [USER, NAME, PHONE, "0987654321"]) == []
    assert pointing_at(db, person_id) == []
    with db.transaction() as session:
        # What stays is anonymous and still counts: the event records (for dedupe), the sent
        # rows with their counts, the person's row with role and district.
        assert session.scalar(select(WebhookEvent.id).limit(1)) is not None
        assert all(count >= 1 for count in session.scalars(select(
            OutboxMessage.recipient_count).where(OutboxMessage.status == "accepted")))
        person = session.get(Person, person_id)
        assert person is not None and person.status == "deleted" and person.district_id
