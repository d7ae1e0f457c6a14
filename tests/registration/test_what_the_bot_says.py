"""What the bot says is true for this app and this person: feature words come from the
registered features, family members see the islander as the islander agreed, the same
sentence about which notices reach family everywhere, and destructive buttons are never
the primary choice."""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from islandos import create_app
from islandos.extensions import islandos_state
from islandos.features import default_features
from islandos.i18n import N_
from islandos.line.messages import WARNING_BUTTON_COLOR
from islandos.models import OutboxMessage, Role
from islandos.registry import Feature, Offer
from islandos.services import registration as reg
from islandos.services.family_reach import family_reach
from tests.conftest import WebhookPoster, app_overrides
from tests.registration.conftest import Chat, actions, family_code, person_of, texts
from tests.support.factories import make_district, make_islander
from tests.support.webhook import line_user_id

EVENTS = Feature(name="events", offers=(
    Offer(N_("行事"), roles=frozenset({Role.ISLANDER}), erases=N_("行事への回答")),))


@pytest.fixture
def make_line(app: Flask, database_url: str, fake_line: Any) -> Iterator[Any]:
    """A LINE conversation with an app built from the given features (the `app` fixture
    empties the tables afterwards)."""
    made: list[Flask] = []

    def make(features: list[Feature]) -> WebhookPoster:
        other = create_app(app_overrides(database_url, fake_line), features=features)
        made.append(other)
        return WebhookPoster(other.test_client(), fake_line)

    yield make
    for other in made:
        islandos_state(other).db.dispose()


def register_islander(chat: Chat, code: str, language: str = "ja") -> list[dict[str, Any]]:
    if language == "en":
        chat.press(chat.press(chat.follow(), "English"), "I live here")
        chat.press(chat.say(code), "Agree and continue")
        return chat.press(chat.say("Hanako Higa"), "Skip (no phone)")
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.say(code), "同意して進む")
    return chat.press(chat.say("比嘉 花子"), "電話番号なしで進む")


def invite(db: Any) -> str:
    with db.transaction() as session:
        district = make_district(session, "higashi", "東集落", "Higashi")
        return reg.create_invite_codes(session, count=1, district_id=district.id,
                                       actor="test")[0].code


def test_an_app_without_notices_never_promises_notices(make_line, db):
    line = make_line([f for f in default_features() if f.name in ("registration", "office")])
    chat = Chat(line, line_user_id(1))
    welcome = texts(chat.follow())
    assert "島OSへようこそ。" in welcome and "お知らせ" not in welcome
    done = texts(register_islander(Chat(line, line_user_id(2)), invite(db)))
    assert "登録が終わりました。" in done
    assert "お知らせ" not in done and "行事" not in done
    asked = texts(Chat(line, line_user_id(2)).say("データを削除"))
    assert "消えるもの：\n・お預かりしたお名前\n" in asked
    assert "お知らせ" not in asked and "行事" not in asked


def test_the_words_follow_the_features_an_app_has(make_line, db):
    without_events = [f for f in default_features() if f.name != "events"]
    line = make_line([*without_events, EVENTS])
    chat = Chat(line, line_user_id(1))
    assert "このLINEで、お知らせ、観光マップ、入島協力金や行事をご利用いただけます。" \
        in texts(chat.follow())
    done = texts(register_islander(chat, invite(db)))
    assert "登録が終わりました。下のメニューから、お知らせや行事を見られます。" in done
    asked = texts(chat.say("データを削除"))
    assert ("消えるもの：\n・お預かりしたお名前\n・お知らせを受け取った記録と「確認しました」\n"
            "・アンケートへの名前つきの回答\n"
            "・入島協力金のお支払いとこのLINEとのつながり\n・安否確認への回答と送った位置\n"
            "・行事への回答\n") in asked


def test_the_default_app_names_only_what_it_has_in_english_too(chat, db):
    done = texts(register_islander(chat, invite(db), "en"))
    assert "You're registered! Open Notices and Events from the menu below." in done
    assert "map" not in done.lower() and "fee" not in done.lower()  # tourists' features
    asked = texts(chat.say("delete my data"))
    assert "What is deleted:\n・The name you gave\n・The record of notices you received and " \
        "confirmed\n" in asked
    assert "your answers to events" in asked


def test_the_approval_message_names_what_islanders_are_offered(chat, db, admin_client):
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.tap("reg.approval"), "同意して進む")
    chat.press(chat.say("内間 太郎"), "電話番号なしで進む")
    with db.transaction() as session:
        [request] = reg.pending_requests(session)
        request_id = request.id
    office = admin_client(role="admin")
    office.submit(f"/admin/requests/{request_id}/approve", page="/admin/requests")
    with db.transaction() as session:
        told = session.scalars(select(OutboxMessage)).all()[-1].messages[0]["text"]
    assert told == "島民として登録されました。下のメニューから、お知らせや行事を見られます。"


def test_a_mistyped_phone_number_still_offers_to_go_on_without_one(chat, db):
    chat.press(chat.press(chat.follow(), "日本語"), "島民です")
    chat.press(chat.say(invite(db)), "同意して進む")
    chat.say("比嘉 花子")
    mistyped = chat.say("090-12")
    assert {"電話番号なしで進む", "やめる"} <= set(actions(mistyped))
    assert "登録が終わりました" in texts(chat.press(mistyped, "電話番号なしで進む"))
    assert person_of(db, chat.user_id).phone is None


def islander(db: Any, chat: Chat, name: str = "比嘉 花子") -> None:
    with db.transaction() as session:
        district = make_district(session, "higashi", "東集落", "Higashi")
        make_islander(session, line_user_id=chat.user_id, full_name=name, district=district)


def link(relative: Chat, code: str) -> str:
    relative.press(relative.press(relative.follow(), "日本語"), "島の外の家族です")
    return texts(relative.say(code))


def test_family_see_the_islander_by_the_name_they_agreed_to_show(chat, other_chat, db):
    islander(db, chat)
    asked = chat.say("家族コード")
    assert "ご家族に、あなたをどう表示しますか？" in texts(asked)
    assert "登録したお名前：比嘉 花子" in texts(asked)  # the choice shows what family would see
    assert "text" not in asked[-1]  # no code before the islander chose
    code = family_code(chat, shown="登録したお名前")
    linked = link(other_chat, code)
    assert "ご家族（比嘉 花子（東集落））とつながりました。" in linked
    links = texts(other_chat.say("家族とのつながり"))
    assert "比嘉 花子（東集落）" in links
    # The islander changes it to a name of their own; family see that from then on.
    reply = chat.press(chat.say("家族とのつながり"), "ご家族への表示")
    reply = chat.press(reply, "呼び名を送る")
    assert "呼び名を送ってください" in texts(reply)
    assert "ご家族には「比嘉のおばあ（東集落）」と表示します。" in texts(chat.say("比嘉のおばあ"))
    assert "比嘉のおばあ（東集落）" in texts(other_chat.say("家族とのつながり"))
    assert "比嘉 花子" not in texts(other_chat.say("家族とのつながり"))
    # Or no name at all: the district only.
    chat.press(chat.press(chat.say("家族とのつながり"), "ご家族への表示"),
               "表示しない（集落だけ）")
    assert "東集落の方" in texts(other_chat.say("家族とのつながり"))


def test_family_settings_say_truthfully_what_is_kept(chat, other_chat, db):
    islander(db, chat)
    link(other_chat, family_code(chat))
    stored = texts(other_chat.press(other_chat.say("設定"), "登録内容を見る"))
    assert "つながっている島民：東集落の方" in stored
    assert "お名前や電話番号はお預かりしていません。" in stored
    assert "お名前と電話番号は役場だけが見られます" not in stored
    assert "電話番号：" not in stored


def test_link_message_family_settings_and_compose_form_say_the_same(
        chat, other_chat, db, admin_client):
    sentence = family_reach("ja")
    assert sentence == "島民あてのお知らせのうち、ご家族に届くのは「緊急」のお知らせだけです。"
    islander(db, chat)
    code = family_code(chat)
    assert sentence in texts(chat.say("家族コード"))
    assert sentence in link(other_chat, code)
    assert sentence in texts(other_chat.press(other_chat.say("設定"), "登録内容を見る"))
    assert "大切なお知らせ" not in link(Chat(other_chat.line, line_user_id(3)), code)
    page = admin_client(role="editor").get("/admin/notices/new").get_data(as_text=True)
    assert html.escape(sentence, quote=False) in page or sentence in html.unescape(page)


def footer(reply: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    """The buttons of the last card: label, style and colour."""
    card = reply[-1]["contents"]
    if card.get("type") == "carousel":
        card = card["contents"][0]
    return [(b["action"]["label"], b["style"], b.get("color"))
            for b in card["footer"]["contents"]]


def test_destructive_buttons_are_the_secondary_warning_coloured_choice(chat, other_chat, db):
    islander(db, chat)
    link(other_chat, family_code(chat))
    assert footer(chat.say("データを削除")) == [
        ("やめる", "primary", None), ("削除する", "secondary", WARNING_BUTTON_COLOR)]
    links = other_chat.say("家族とのつながり")
    assert footer(links) == [("解除する", "secondary", WARNING_BUTTON_COLOR)]
    confirm = other_chat.press(links, "解除する")
    assert footer(confirm) == [
        ("やめる", "primary", None), ("解除する", "secondary", WARNING_BUTTON_COLOR)]
    settings = footer(chat.say("設定"))
    assert ("データを削除", "secondary", WARNING_BUTTON_COLOR) in settings
    assert settings[0][1] == "primary" and settings[0][0] != "データを削除"
