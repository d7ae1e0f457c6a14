"""Flow 1: follow → language → 「島民ですか？」 → islander by invite code or by approval."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from islandos.clock import now
from islandos.models import AuditEntry, InviteCode, IslanderRequest, Job, OutboxMessage, Role
from islandos.services import registration as reg
from tests.registration.conftest import actions, person_of, texts


def make_codes(db, count=1, district_id=None, expires_at=None) -> list[str]:
    with db.transaction() as session:
        return [c.code for c in reg.create_invite_codes(
            session, count=count, district_id=district_id, actor="test", expires_at=expires_at)]


def test_follow_greets_in_both_languages_with_a_language_choice(chat):
    reply = chat.follow()
    assert len(reply) == 1 and reply[0]["type"] == "flex"
    assert "ようこそ" in texts(reply) and "Welcome" in texts(reply)
    assert {"日本語", "English"} <= set(actions(reply))


def test_islander_with_invite_code_in_japanese(chat, db, districts):
    code = make_codes(db)[0]
    reply = chat.press(chat.follow(), "日本語")
    assert "島民ですか？観光客ですか？家族ですか？" in texts(reply)
    reply = chat.press(reply, "島民です")
    assert "招待コード" in texts(reply)
    reply = chat.say(code.lower()[:4] + "-" + code.lower()[4:])  # typed loosely
    assert "コードを確認しました" in texts(reply)
    assert "お名前・電話番号" in texts(reply)  # the consent text says what is stored and why
    # ...and that the phone number goes on the office's (printable) call list (APPI)
    assert "電話番号は職員用の連絡リスト（印刷することがあります）に載せます" in texts(reply)
    with db.transaction() as session:  # nothing stored before consent and the last step
        assert session.scalar(select(InviteCode.used_at)) is None
    reply = chat.press(reply, "同意して進む")
    assert "お名前" in texts(reply)
    reply = chat.say("比嘉　花子")
    assert "電話番号" in texts(reply)
    reply = chat.say("０９８－１２３－４５６７")
    assert {"港集落", "西集落", "東集落"} <= set(actions(reply))
    reply = chat.press(reply, "西集落")
    assert "登録が終わりました" in texts(reply)

    person = person_of(db, chat.user_id)
    assert (person.role, person.full_name, person.phone) == (Role.ISLANDER, "比嘉 花子",
                                                             "098-123-4567")
    assert person.district_id == districts["nishi"]
    assert person.consented_at is not None and person.registered_at is not None
    assert person.dialog_state is None and person.dialog_data is None
    with db.transaction() as session:
        invite = session.scalars(select(InviteCode)).one()
        assert invite.used_by_person_id == person.id and invite.used_at is not None
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "person.registered_islander")).one()
        assert entry.after["role"] == Role.ISLANDER
        assert "比嘉" not in str(entry.before) + str(entry.after) + str(entry.note)
        job = session.scalars(select(Job).where(Job.kind == "richmenu.link")).one()
        assert job.payload == {"person_id": person.id}


def test_islander_in_english_with_a_district_code_and_no_phone(chat, db, districts):
    code = make_codes(db, district_id=districts["minato"])[0]
    reply = chat.press(chat.follow(), "English")
    assert "Do you live on the island" in texts(reply)
    reply = chat.press(reply, "I live here")
    assert "invite code" in texts(reply)
    reply = chat.press(chat.say(code), "Agree and continue")
    assert "full name" in texts(reply)
    reply = chat.press(chat.say("Hanako Higa"), "Skip (no phone)")
    assert "You're registered" in texts(reply)  # the code fixed the district: no question
    person = person_of(db, chat.user_id)
    assert (person.role, person.language, person.phone) == (Role.ISLANDER, "en", None)
    assert person.district_id == districts["minato"]


def test_a_wrong_name_or_phone_gets_a_clear_answer_and_the_same_question(chat, db):
    code = make_codes(db)[0]
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.say(code), "同意して進む")
    assert "お名前を入力してください" in texts(chat.say("12345"))
    chat.say("内間 太郎")
    assert "電話番号の形がちがう" in texts(chat.say("でんわ"))
    assert "登録が終わりました" in texts(chat.say("09012345678"))


def test_cancelling_half_way_stores_nothing(chat, db):
    code = make_codes(db)[0]
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.say(code), "同意して進む")
    reply = chat.press(chat.say("比嘉 花子"), "やめる")
    assert "登録をやめました" in texts(reply)
    person = person_of(db, chat.user_id)
    assert (person.role, person.full_name, person.phone) == (Role.UNKNOWN, None, None)
    assert person.dialog_state is None and person.dialog_data is None
    with db.transaction() as session:
        assert session.scalar(select(InviteCode.used_at)) is None


def test_approval_request_then_approved_in_english(chat, db, districts):
    chat.press(chat.press(chat.follow(), "English"), "I live here")
    reply = chat.tap("reg.approval")
    reply = chat.press(reply, "Agree and continue")
    chat.say("Taro Uchima")
    reply = chat.press(chat.say("098-000-1111"), "Higashi")
    assert "Your request has gone to the island office" in texts(reply)
    person = person_of(db, chat.user_id)
    assert person.role == Role.UNKNOWN and person.full_name == "Taro Uchima"
    with db.transaction() as session:
        [request] = reg.pending_requests(session)
        assert request.person.id == person.id
        approved = reg.approve_islander(session, request.id, "admin:1")
        assert approved.role == Role.ISLANDER
        push = session.scalars(select(OutboxMessage)).one()
        assert push.recipients == [chat.user_id]
        assert "registered as an islander" in push.messages[0]["text"]
        assert session.scalar(select(AuditEntry).where(
            AuditEntry.action == "islander_request.approved")).actor == "admin:1"
        try:
            reg.approve_islander(session, request.id, "admin:1")
        except reg.RequestAlreadyDecided as error:
            assert "already been decided" in error.text("en")
        else:
            raise AssertionError("deciding twice must fail")
    assert "already registered" in texts(chat.say("register"))


def test_approval_request_refused_in_japanese_removes_the_name(chat, db):
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.tap("reg.approval"), "同意して進む")
    reply = chat.press(chat.say("安里 次郎"), "電話番号なしで進む")
    assert "役場に登録をお願いしました" in texts(reply)  # no districts yet: no district question
    reply = chat.say("登録")
    assert "確認中" in texts(reply)  # asking twice does not make a second request
    with db.transaction() as session:
        [request] = reg.pending_requests(session)
        person = reg.refuse_islander(session, request.id, "admin:2", reason="not known")
        assert person.role == Role.UNKNOWN and person.full_name is None and person.phone is None
        assert session.get(IslanderRequest, request.id).status == "refused"
        push = session.scalars(select(OutboxMessage)).one()
        assert "承認されませんでした" in push.messages[0]["text"]
        assert reg.pending_requests(session) == []


def test_used_expired_and_wrong_invite_codes_get_clear_answers(chat, other_chat, db, frozen_clock):
    used = make_codes(db, 1)[0]
    expired = make_codes(db, 1, expires_at=now() + timedelta(hours=1))[0]
    with db.transaction() as session:
        session.scalars(select(InviteCode).where(InviteCode.code == used)).one().used_at = now()
    frozen_clock(hours=2)
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    reply = chat.say("ZZZZ9999")
    assert "コードが見つかりません" in texts(reply)
    assert {"役場にお願いする", "やめる"} <= set(actions(reply))  # a way on, or out
    assert "もう使われています" in texts(chat.say(used))
    assert "有効期限が切れています" in texts(chat.say(expired))
    other_chat.press(other_chat.press(other_chat.follow(), "English"), "I live here")
    assert "already been used" in texts(other_chat.say(used))
    assert "That code was not found" in texts(other_chat.say("nope"))


def test_more_than_five_wrong_codes_in_fifteen_minutes_are_throttled(chat, db, frozen_clock):
    good = make_codes(db)[0]
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    for _ in range(5):
        assert "コードが見つかりません" in texts(chat.say("WRONG000"))
        frozen_clock(minutes=1)
    reply = chat.say(good)  # even the right code waits: guessing must not pay
    assert "まちがいが続いたため" in texts(reply)
    assert "9:15 以降" in texts(reply)  # first wrong code at 9:00 JST + 15 minutes
    frozen_clock(minutes=11)
    assert "コードを確認しました" in texts(chat.say(good))


def test_throttle_message_in_english(chat, db, frozen_clock):
    chat.press(chat.press(chat.follow(), "English"), "I live here")
    for _ in range(5):
        chat.say("WRONG000")
    assert "Too many wrong codes. Please try again after" in texts(chat.say("WRONG000"))


def test_create_invite_codes_checks_the_district(db):
    with db.transaction() as session:
        try:
            reg.create_invite_codes(session, count=1, district_id=999, actor="cli")
        except reg.UnknownDistrict:
            pass
        else:
            raise AssertionError("an unknown district must be refused")
        codes = reg.create_invite_codes(session, count=20, district_id=None, actor="cli")
        assert len({c.code for c in codes}) == 20
        assert all(len(c.code) == 8 and c.code.isalnum() for c in codes)
