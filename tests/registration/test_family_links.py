"""Family links in Settings: a family member or an islander removes one link; the family
code is renewed. Names and phone numbers never reach the other side."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from sqlalchemy import select

from islandos.models import AuditEntry, FamilyLink, Role
from islandos.services.family import family_of
from tests.registration.conftest import Chat, actions, family_code, person_of, texts
from tests.support.factories import make_district, make_islander
from tests.support.webhook import line_user_id

NAMES = ("比嘉 花子", "宮城 次郎", "090-1111-2222", "090-3333-4444")


def islander(chat: Chat, db: Any, *, name: str, phone: str, language: str = "ja",
             district: tuple[str, str, str] | None = None) -> str:
    """An islander (optionally in a new district) who asks for their family code."""
    with db.transaction() as session:
        where = make_district(session, *district) if district else None
        make_islander(session, line_user_id=chat.user_id, full_name=name, phone=phone,
                      language=language, district=where)
    return family_code(chat, language)


def family(chat: Chat, language: str, *codes: str) -> None:
    """A relative off-island who links to each code."""
    if language == "en":
        chat.press(chat.press(chat.follow(), "English"), "Islander's family")
    else:
        chat.press(chat.press(chat.follow(), "日本語"), "島の外の家族です")
    for number, code in enumerate(codes):
        if number:  # another islander (e.g. the other parent): from Settings
            chat.press(chat.say("設定"), "Add a family member" if language == "en"
                       else "家族を追加する")
        said = texts(chat.say(code))
        assert "You are now linked" in said or "ご家族（" in said


def card(reply: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """The carousel bubble whose title is `title`."""
    for message in reply:
        contents = message.get("contents", {})
        for bubble in contents.get("contents", []) if contents.get("type") == "carousel" else []:
            if bubble["body"]["contents"][0]["text"] == title:
                return bubble
    raise AssertionError(f"no card {title!r} in {texts(reply)}")


def press_in(chat: Chat, bubble: dict[str, Any], label: str) -> list[dict[str, Any]]:
    action = actions([bubble])[label]
    values = dict(parse_qsl(action["data"]))
    return chat.tap(values.pop("action"), **values)


def pushes_to(fake_line: Any, user_id: str) -> list[str]:
    return [message["text"] for call in fake_line.calls("/v2/bot/message/push")
            if call.json["to"] == user_id for message in call.json["messages"]]


def audit_of(db: Any, action: str) -> list[AuditEntry]:
    with db.transaction() as session:
        entries = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        for entry in entries:
            session.expunge(entry)
        return entries


def family_ids(db: Any, *islander_ids: int) -> list[int]:
    with db.transaction() as session:
        return [p.id for p in family_of(session, islander_ids)]


def test_a_family_member_removes_one_of_two_islanders_in_japanese(
        chat, other_chat, line, db, worker, fake_line, frozen_clock):
    third = Chat(line, line_user_id(3))
    code_a = islander(chat, db, name=NAMES[0], phone=NAMES[2], language="en",
                      district=("minato", "港集落", "Minato"))
    code_b = islander(third, db, name=NAMES[1], phone=NAMES[3],
                      district=("nishi", "西集落", "Nishi"))
    family(other_chat, "ja", code_a, code_b)
    worker.run_once()
    father, mother, relative = (person_of(db, c.user_id) for c in (chat, third, other_chat))
    assert family_ids(db, father.id) == [relative.id]

    reply = other_chat.press(other_chat.say("設定"), "家族とのつながり")
    shown = texts(reply)
    assert "港集落の方" in shown and "西集落の方" in shown
    assert "2026年11月25日(水)から" in shown
    assert not any(secret in shown for secret in NAMES)  # the office's data stays there
    confirm = press_in(other_chat, card(reply, "港集落の方"), "解除する")
    assert "つながりを解除しますか？" in texts(confirm) and "港集落の方" in texts(confirm)
    assert "つながりを解除しました" in texts(other_chat.press(confirm, "解除する"))

    with db.transaction() as session:
        left = session.scalars(select(FamilyLink)).all()
        assert [(x.family_person_id, x.islander_person_id) for x in left] == [
            (relative.id, mother.id)]
    assert person_of(db, other_chat.user_id).role == Role.FAMILY  # may add a code again
    (entry,) = audit_of(db, "family.unlinked")
    assert entry.actor == f"line:person:{relative.id}"
    assert not any(s in json.dumps(entry.before, ensure_ascii=False) for s in NAMES)
    worker.run_once()
    told = pushes_to(fake_line, chat.user_id)
    assert told[-1] == ("One family link has been removed. That family member will no "
                        "longer get notices for islanders.")
    assert pushes_to(fake_line, third.user_id)[-1].startswith("ご家族の方が")  # only the link
    # The next emergency notice to the father no longer has a copy for the relative.
    assert family_ids(db, father.id) == []
    assert family_ids(db, mother.id) == [relative.id]
    left_reply = other_chat.say("家族とのつながり")
    assert "西集落の方" in texts(left_reply) and "港集落の方" not in texts(left_reply)


def test_an_islander_removes_a_family_member_in_english(
        chat, other_chat, line, db, worker, fake_line):
    fourth = Chat(line, line_user_id(4))
    code = islander(chat, db, name=NAMES[0], phone=NAMES[2], language="en")
    family(other_chat, "ja", code)
    family(fourth, "en", code)
    relative, cousin = person_of(db, other_chat.user_id), person_of(db, fourth.user_id)
    reply = chat.press(chat.say("settings"), "Family links")
    assert "Family member 1" in texts(reply) and "Family member 2" in texts(reply)
    assert "Linked since" in texts(reply)
    confirm = press_in(chat, card(reply, "Family member 1"), "Remove")
    assert "Remove this link?" in texts(confirm)
    assert "The link has been removed." in texts(chat.press(confirm, "Remove"))

    islander_id = person_of(db, chat.user_id).id
    assert family_ids(db, islander_id) == [cousin.id]
    (entry,) = audit_of(db, "family.unlinked")
    assert (entry.actor, entry.note) == (f"line:person:{islander_id}", "by islander")
    before = dict(entry.before or {})
    assert isinstance(before.pop("link_id"), int)  # ids only, nothing personal
    assert before == {"family_person_id": relative.id, "islander_person_id": islander_id}
    worker.run_once()
    told = pushes_to(fake_line, other_chat.user_id)
    assert told == ["島にいるご家族とのつながりが1件、解除されました。"
                    "その方についてのお知らせは、もう届きません。"]
    assert pushes_to(fake_line, fourth.user_id) == []


def test_cancel_someone_elses_link_and_people_without_links(chat, other_chat, line, db):
    code = islander(chat, db, name=NAMES[0], phone=NAMES[2])
    family(other_chat, "ja", code)
    reply = other_chat.say("家族とのつながり")
    confirm = press_in(other_chat, card(reply, "島の方"), "解除する")
    assert "何も変わっていません" in texts(other_chat.press(confirm, "やめる"))
    with db.transaction() as session:
        link_id = session.scalars(select(FamilyLink.id)).one()
    stranger = Chat(line, line_user_id(5))
    family(stranger, "en", islander(Chat(line, line_user_id(8)), db, name=NAMES[1],
                                    phone=NAMES[3]))
    assert "That link was not found" in texts(stranger.tap("fam.unlink", link=link_id))
    assert "That link was not found" in texts(stranger.tap("fam.unlink_confirm", link=link_id))
    islander_id = person_of(db, chat.user_id).id
    assert family_ids(db, islander_id) == [person_of(db, other_chat.user_id).id]
    confirm = press_in(other_chat, card(other_chat.say("家族とのつながり"), "島の方"), "解除する")
    assert "つながりを解除しました" in texts(other_chat.press(confirm, "解除する"))
    # A second tap on the same old button changes nothing and says so.
    assert "見つかりません" in texts(other_chat.tap("fam.unlink_confirm", link=link_id))
    reply = other_chat.say("家族とのつながり")
    assert "つながっている島民の方はいません" in texts(reply) and "家族を追加する" in actions(reply)
    assert family_ids(db, islander_id) == []
    tourist = Chat(line, line_user_id(6))
    tourist.press(tourist.press(tourist.follow(), "English"), "I'm visiting")
    assert "only for islanders" in texts(tourist.say("family links"))
    assert "only for registered islanders" in texts(tourist.tap("fam.renew_confirm"))


def test_an_islander_renews_the_family_code_in_japanese(chat, other_chat, line, db):
    old = islander(chat, db, name=NAMES[0], phone=NAMES[2])
    family(other_chat, "ja", old)
    confirm = chat.press(chat.say("家族コード"), "家族コードを新しくする")
    assert "今の家族コードは、すぐに使えなくなります。" in texts(confirm)
    reply = chat.press(confirm, "新しくする")
    assert "前のコードは、もう使えません" in texts(reply)
    new = reply[-1]["text"]
    assert new != old and chat.say("家族コード")[-1]["text"] == new
    late = Chat(line, line_user_id(7))
    family(late, "ja")
    assert "コードが見つかりません" in texts(late.say(old))  # the old code stops at once
    assert "とつながりました" in texts(late.say(new))
    islander_id = person_of(db, chat.user_id).id
    assert sorted(family_ids(db, islander_id)) == sorted(  # the existing link stays
        [person_of(db, other_chat.user_id).id, person_of(db, late.user_id).id])
    (entry,) = audit_of(db, "family.code_renewed")
    assert entry.actor == f"line:person:{islander_id}" and entry.target == f"person:{islander_id}"
    assert old not in json.dumps([entry.before, entry.after, entry.note])
    assert new not in json.dumps([entry.before, entry.after, entry.note])


def test_an_islander_renews_the_family_code_from_settings_in_english(chat, db):
    old = islander(chat, db, name=NAMES[0], phone=NAMES[2], language="en")
    reply = chat.press(chat.say("settings"), "Family links")
    assert "No family members are linked to you." in texts(reply)
    confirm = press_in(chat, card(reply, "Family code"), "Renew family code")
    assert "Renew your family code?" in texts(confirm)
    assert "Cancelled. Nothing has changed." in texts(chat.press(confirm, "Cancel"))
    assert chat.say("family code")[-1]["text"] == old
    reply = chat.press(chat.say("new family code"), "Renew")
    assert "Your family code has been renewed." in texts(reply)
    assert reply[-1]["text"] != old
