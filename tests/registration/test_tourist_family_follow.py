"""Tourists, family links both ways, unfollow and refollow."""

from __future__ import annotations

from sqlalchemy import select

from islandos.models import AuditEntry, FamilyLink, OutboxMessage, OutboxStatus, Role, Status
from islandos.services import registration as reg
from islandos.services.family import islanders_of
from tests.registration.conftest import Chat, actions, family_code, person_of, texts
from tests.support.factories import make_islander
from tests.support.webhook import line_user_id


def test_tourist_in_japanese_is_asked_nothing_personal(chat, db):
    reply = chat.press(chat.press(chat.follow(), "日本語"), "観光客です")
    assert "お知らせ、観光マップや入島協力金" in texts(reply) and "島のきまり" in texts(reply)
    person = person_of(db, chat.user_id)
    assert (person.role, person.full_name, person.phone, person.district_id) == (
        Role.TOURIST, None, None, None)


def test_tourist_in_english(chat, db):
    reply = chat.press(chat.press(chat.follow(), "English"), "I'm visiting")
    assert "Welcome! In this chat you can use: Notices, Visitor map and Entry fee." \
        in texts(reply)
    assert person_of(db, chat.user_id).language == "en"


def test_a_tourist_who_moves_to_the_island_keeps_one_record(chat, db):
    chat.press(chat.press(chat.follow(), "日本語"), "観光客です")
    first = person_of(db, chat.user_id)
    with db.transaction() as session:
        code = reg.create_invite_codes(session, count=1, district_id=None, actor="t")[0].code
    chat.press(chat.say("登録"), "島民です")
    chat.press(chat.say(code), "同意して進む")
    chat.press(chat.say("宮城 さくら"), "電話番号なしで進む")
    person = person_of(db, chat.user_id)
    assert person.id == first.id and person.role == Role.ISLANDER
    with db.transaction() as session:
        changes = [(e.before or {}).get("role") for e in session.scalars(
            select(AuditEntry).where(AuditEntry.target == f"person:{person.id}")
            .order_by(AuditEntry.id))]
        assert Role.TOURIST in changes  # the history is in the audit trail


def islander_with_family_code(chat: Chat, db) -> str:
    with db.transaction() as session:
        make_islander(session, line_user_id=chat.user_id, full_name="比嘉 花子")
    return family_code(chat)


def test_family_links_both_ways(chat, other_chat, line, db):
    code = islander_with_family_code(chat, db)
    reply = other_chat.press(other_chat.press(other_chat.follow(), "English"), "Islander's family")
    assert "family code" in texts(reply)
    reply = other_chat.say(code)
    assert "You are now linked to your family" in texts(reply)
    assert "比嘉" not in texts(reply)  # an islander's name never goes to another user
    islander, family = person_of(db, chat.user_id), person_of(db, other_chat.user_id)
    assert family.role == Role.FAMILY
    with db.transaction() as session:
        assert [p.id for p in reg.family_of(session, [islander.id])] == [family.id]
        assert [p.id for p in islanders_of(session, family.id)] == [islander.id]
        push = session.scalars(select(OutboxMessage)).one()  # the islander is told
        assert push.recipients == [chat.user_id]
        assert "家族コードで登録しました" in push.messages[0]["text"]
    # A second islander (e.g. the other parent) links to the same family member.
    third = Chat(line, line_user_id(3))
    second_code = islander_with_family_code(third, db)
    other_chat.press(other_chat.say("settings"), "Add a family member")
    assert "linked" in texts(other_chat.say(second_code))
    stored = texts(other_chat.press(other_chat.say("settings"), "What is stored"))
    assert "Linked islanders: Someone on the island; Someone on the island" in stored
    assert "We do not keep your name or phone number." in stored
    second = person_of(db, third.user_id)
    with db.transaction() as session:
        found = list(reg.family_of(session, [islander.id, second.id]))
        assert [p.id for p in found] == [family.id]  # each family member once
        assert session.scalar(select(FamilyLink).where(
            FamilyLink.islander_person_id == second.id)) is not None
    assert "つながっているご家族：1人" in texts(chat.press(chat.say("設定"), "登録内容を見る"))


def test_an_islander_may_have_several_family_members(chat, other_chat, line, db):
    code = islander_with_family_code(chat, db)
    for user in (other_chat, Chat(line, line_user_id(4))):
        user.press(user.press(user.follow(), "日本語"), "島の外の家族です")
        assert "とつながりました" in texts(user.say(code))
    islander = person_of(db, chat.user_id)
    with db.transaction() as session:
        assert len(list(reg.family_of(session, [islander.id]))) == 2
    assert chat.say("家族コード")[-1]["text"] == code  # the same code, kept


def test_wrong_family_codes_and_own_code(chat, other_chat, db):
    code = islander_with_family_code(chat, db)
    assert "家族として登録できません" in texts(chat.tap("reg.role", role="family"))
    assert code not in texts(chat.say(code))  # not a dialogue step: nothing is linked
    other_chat.press(other_chat.press(other_chat.follow(), "日本語"), "島の外の家族です")
    reply = other_chat.say("AAAA0000")
    assert "コードが見つかりません" in texts(reply) and "やめる" in actions(reply)
    assert person_of(db, other_chat.user_id).role == Role.UNKNOWN


def test_family_code_is_only_for_islanders(chat, db):
    chat.press(chat.press(chat.follow(), "English"), "I'm visiting")
    assert "only for registered islanders" in texts(chat.say("family code"))


def test_unfollow_stops_sends_and_refollow_restores_without_asking(chat, db, worker, fake_line):
    islander_with_family_code(chat, db)
    chat.unfollow()
    person = person_of(db, chat.user_id)
    assert person.status == Status.UNFOLLOWED and not person.can_receive
    with db.transaction() as session:
        from islandos.line import messages
        from islandos.line.outbox import enqueue_push
        enqueue_push(session, chat.user_id, [messages.text("お知らせ")])
    worker.run_once()
    assert fake_line.calls("/v2/bot/message/push") == []
    with db.transaction() as session:
        assert session.scalars(select(OutboxMessage)).one().status == OutboxStatus.DROPPED
    reply = chat.follow(unblocked=True)
    assert "おかえりなさい" in texts(reply) and "島民ですか" not in texts(reply)
    person = person_of(db, chat.user_id)
    assert (person.status, person.role, person.full_name) == (Status.ACTIVE, Role.ISLANDER,
                                                             "比嘉 花子")


def test_refollow_before_registering_starts_the_welcome_again(chat):
    chat.follow()
    chat.unfollow()
    assert "日本語" in actions(chat.follow(unblocked=True))


def test_wrong_family_codes_are_throttled_too(other_chat, db, frozen_clock):
    other_chat.press(other_chat.press(other_chat.follow(), "English"), "Islander's family")
    for _ in range(5):
        assert "That code was not found" in texts(other_chat.say("BADCODE1"))
    assert "Too many wrong codes" in texts(other_chat.say("BADCODE1"))
    frozen_clock(minutes=16)
    assert "That code was not found" in texts(other_chat.say("BADCODE1"))
