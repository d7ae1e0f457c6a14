"""「設定」: language, district, what is stored; 「データを削除」: what goes and what stays."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from islandos.extensions import islandos_state
from islandos.models import (
    AuditEntry,
    CodeAttempt,
    FamilyCode,
    FamilyLink,
    InviteCode,
    Job,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    Status,
)
from islandos.services import registration as reg
from tests.registration.conftest import Chat, actions, family_code, person_of, texts
from tests.support.factories import make_islander
from tests.support.webhook import line_user_id


def islander(db, chat: Chat, district_id: int | None = None, language: str = "ja") -> Person:
    with db.transaction() as session:
        person = make_islander(session, line_user_id=chat.user_id, full_name="比嘉 花子",
                               phone="098-123-4567", language=language)
        person.district_id = district_id
        return person


def test_settings_change_language_and_the_menu_follows(chat, db):
    islander(db, chat)
    reply = chat.say("設定")
    assert {"ことば / Language", "集落を変える", "家族コード", "登録内容を見る",
            "データを削除"} <= set(actions(reply))
    reply = chat.press(chat.press(reply, "ことば / Language"), "English")
    assert "I will use English from now on." in texts(reply)
    person = person_of(db, chat.user_id)
    assert person.language == "en" and person.role == Role.ISLANDER
    with db.transaction() as session:
        assert session.scalar(select(Job.kind).where(Job.unique_key == f"richmenu.link:person:"
                                                     f"{person.id}")) == "richmenu.link"
    assert "Settings" in texts(chat.say("settings"))


def test_settings_change_district(chat, db, districts):
    islander(db, chat, districts["minato"])
    reply = chat.press(chat.press(chat.say("設定"), "集落を変える"), "東集落")
    assert "集落を「東集落」に変えました" in texts(reply)
    assert person_of(db, chat.user_id).district_id == districts["higashi"]
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "person.district_changed")).one()
        assert (entry.before["district_id"], entry.after["district_id"]) == (
            districts["minato"], districts["higashi"])


def test_what_is_stored_is_shown_to_the_person_only(chat, db, districts):
    islander(db, chat, districts["nishi"])
    reply = chat.press(chat.say("設定"), "登録内容を見る")
    shown = texts(reply)
    assert "種類：島民" in shown and "集落：西集落" in shown
    assert "お名前：比嘉 花子" in shown and "電話番号：098-123-4567" in shown


def test_tourists_get_a_register_button_in_settings_in_english(chat, db):
    chat.press(chat.press(chat.follow(), "English"), "I'm visiting")
    reply = chat.say("settings")
    assert "Register" in actions(reply) and "Change district" not in actions(reply)
    assert "Do you live on the island" in texts(chat.press(reply, "Register"))


def test_delete_my_data_after_a_confirm_step(chat, other_chat, db, worker, fake_line,
                                             monkeypatch, districts):
    person = islander(db, chat, districts["nishi"])
    code = family_code(chat)
    other_chat.press(other_chat.press(other_chat.follow(), "日本語"), "島の外の家族です")
    other_chat.say("WRONG999")
    other_chat.say(code)
    with db.transaction() as session:
        reg.create_invite_codes(session, count=1, district_id=None, actor="t")
        assert session.scalar(select(func.count()).select_from(FamilyLink)) == 1

    reply = chat.say("データを削除")
    assert "データを削除しますか" in texts(reply)
    assert "やめる" in actions(reply)
    assert "削除をやめました" in texts(chat.press(reply, "やめる"))
    assert person_of(db, chat.user_id).full_name == "比嘉 花子"

    reply = chat.press(chat.say("データを削除"), "削除する")
    assert "データを削除しました" in texts(reply)
    with db.transaction() as session:
        gone = session.get(Person, person.id)
        assert gone is not None  # the row stays, anonymous
        assert (gone.full_name, gone.phone, gone.line_user_id, gone.consented_at) == (
            None, None, None, None)
        assert gone.status == Status.DELETED and not gone.can_receive
        assert (gone.role, gone.district_id) == (Role.ISLANDER, districts["nishi"])  # counts
        assert session.scalar(select(func.count()).select_from(FamilyLink)) == 0
        assert session.scalar(select(func.count()).select_from(FamilyCode)) == 0
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "person.personal_data_deleted")).one()
        assert "比嘉" not in str(entry.after) and chat.user_id not in str(entry.after)
        assert list(reg.family_of(session, [person.id])) == []
    assert person_of(db, other_chat.user_id).role == Role.FAMILY  # the relative stays
    worker.run_once()  # the worker removes the menu; the job forgets the LINE user id
    assert any(call.path.endswith(f"/v2/bot/user/{chat.user_id}/richmenu")
               for call in fake_line.requests if call.method == "DELETE")
    with db.transaction() as session:
        job = session.scalars(select(Job).where(Job.kind == "richmenu.unlink")).one()
        assert job.status == "done" and job.payload == {}
    # Talking again starts afresh, as a new unknown person.
    assert "島民ですか" in texts(chat.say("登録"))
    assert person_of(db, chat.user_id).id != person.id


def test_admin_deletion_tells_the_user_and_drops_waiting_pushes(app, db, chat, worker,
                                                               fake_line):
    person = islander(db, chat, language="en")
    with db.transaction() as session:
        from islandos.line import messages
        from islandos.line.outbox import enqueue_push
        waiting = enqueue_push(session, chat.user_id, [messages.text("old notice")]).id
        session.add(CodeAttempt(person_id=person.id, kind="invite"))
        erasers = islandos_state(app).registry.erasers
        reg.delete_personal_data(session, person.id, "admin:1", erasers)
        reg.delete_personal_data(session, person.id, "admin:1", erasers)  # twice is harmless
        assert session.get(OutboxMessage, waiting).status == OutboxStatus.DROPPED
        assert session.scalar(select(func.count()).select_from(CodeAttempt)) == 0
    worker.run_once()
    pushes = fake_line.calls("/v2/bot/message/push")
    assert len(pushes) == 1 and pushes[0].json["to"] == chat.user_id
    assert "Your data has been deleted" in pushes[0].json["messages"][0]["text"]


def test_a_used_invite_code_still_counts_after_deletion(chat, db):
    with db.transaction() as session:
        code = reg.create_invite_codes(session, count=1, district_id=None, actor="t")[0].code
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.say(code), "同意して進む")
    chat.press(chat.say("比嘉 花子"), "電話番号なしで進む")
    chat.press(chat.say("データを削除"), "削除する")
    with db.transaction() as session:
        used = session.scalars(select(InviteCode)).one()
        assert used.used_at is not None  # the code stays used; its person is anonymous now


def test_change_role_and_district_services_audit_and_refuse_bad_values(db, districts):
    with db.transaction() as session:
        person = make_islander(session, line_user_id=line_user_id(9))
        reg.change_role(session, person.id, Role.TOURIST, "admin:1")
        reg.change_district(session, person.id, districts["minato"], "admin:1")
        assert (person.role, person.district_id) == (Role.TOURIST, districts["minato"])
        with pytest.raises(reg.UnknownRole):
            reg.change_role(session, person.id, "mayor", "admin:1")
        with pytest.raises(reg.UnknownDistrict):
            reg.change_district(session, person.id, 12345, "admin:1")
        with pytest.raises(reg.PersonNotFound):
            reg.change_role(session, 12345, Role.ISLANDER, "admin:1")
        actions_ = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions_ == ["person.role_changed", "person.district_changed"]
