"""How notices look in LINE: bands for 重要 / 緊急, the lock-screen text, 「確認しました」 only
for those the notice reached, text that follows the user's font size, and what someone
waiting for approval is told."""

from __future__ import annotations

from typing import Any

from islandos.clock import now
from islandos.demo.map import seed_map
from islandos.line.events import postback_data
from islandos.line.messages import SCALABLE
from islandos.models.people import Person, Role
from islandos.models.registration import IslanderRequest
from islandos.services.notices.messages import EMERGENCY_COLOUR, IMPORTANT_COLOUR
from tests.notices.conftest import multicasts, send
from tests.registration.conftest import actions, texts
from tests.support.webhook import postback_event, text_event

NEWCOMER = "U" + "e" * 32


def band_of(bubble: dict[str, Any]) -> tuple[str, list[str]]:
    """The colour of a bubble's header band and the words on it."""
    header = bubble["header"]
    return header["backgroundColor"], [part["text"] for part in header["contents"]]


def test_important_and_emergency_notices_carry_a_coloured_band_and_say_so_on_the_lock_screen(
        db, island, worker, fake_line):
    send(db, audience_kind="islanders", priority="important", title="断水",
         body_ja="明日9時から断水します。")
    send(db, audience_kind="islanders", priority="emergency", title="避難指示",
         body_ja="高台へ避難してください。")
    send(db, audience_kind="islanders", title="回覧", body_ja="回覧板です。")
    worker.run_once()
    sent = {body["messages"][0].get("altText", body["messages"][0].get("text")): body
            for body in multicasts(fake_line) if island.uid("taro") in body["to"]}
    important = sent["【重要】断水\n明日9時から断水します。"]["messages"][0]
    emergency = sent["【緊急】避難指示\n高台へ避難してください。"]["messages"][0]
    assert band_of(important["contents"]) == (IMPORTANT_COLOUR, ["重要"])
    assert band_of(emergency["contents"]) == (EMERGENCY_COLOUR, ["緊急"])
    assert "【回覧】\n回覧板です。" in sent  # a normal notice stays a plain text
    english = next(body["messages"][0] for body in multicasts(fake_line)
                   if body["to"] == [island.uid("hanako")] and "Emergency" in
                   body["messages"][0].get("altText", ""))
    assert english["altText"].startswith("【Emergency】避難指示")
    family = next(body["messages"][0] for body in multicasts(fake_line)
                  if body["to"] == [island.uid("family")])
    assert family["altText"].startswith("【緊急】避難指示")
    assert band_of(family["contents"]) == (EMERGENCY_COLOUR, ["緊急", "ご家族の方へ"])


def test_the_archive_shows_the_band_too(db, island, line):
    send(db, audience_kind="islanders", priority="emergency", title="避難指示")
    send(db, audience_kind="islanders", title="回覧")
    line.post(text_event(island.uid("taro"), "過去のお知らせ", line.reply_token()))
    plain, urgent = line.last_reply()[0]["contents"]["contents"]
    assert band_of(urgent) == (EMERGENCY_COLOUR, ["緊急"])
    assert "header" not in plain


def test_a_notice_sent_before_someone_registered_has_no_confirm_button_for_them(
        db, island, line, frozen_clock):
    old = send(db, audience_kind="islanders", priority="important", title="先月の断水")
    frozen_clock(days=30)
    with db.transaction() as session:
        session.add(Person(line_user_id=NEWCOMER, role=Role.ISLANDER, language="ja",
                           district_id=island.north, registered_at=now()))
    show = postback_data("notice_show", notice=old)
    line.post(postback_event(NEWCOMER, show, line.reply_token()))
    late = line.last_reply()
    assert late[0]["altText"].startswith("【重要】先月の断水")
    assert "確認しました" not in actions(late)
    # Someone it reached still gets the button, and it works.
    line.post(postback_event(island.uid("taro"), show, line.reply_token()))
    button = actions(line.last_reply())["確認しました"]
    line.post(postback_event(island.uid("taro"), button["data"], line.reply_token()))
    assert line.last_reply()[0]["text"] == "確認ありがとうございます。"


def flex_components(message: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in SCALABLE:
                found.append(node)
            for key in ("contents", "header", "hero", "body", "footer"):
                if key in node:
                    walk(node[key])
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message["contents"])
    return found


def test_every_flex_text_and_button_follows_the_users_font_size(db, island, line, worker,
                                                                fake_line):
    with db.transaction() as session:
        seed_map(session)  # spots, so the map answers with cards
    send(db, audience_kind="islanders", priority="emergency", title="避難指示")
    worker.run_once()
    for words in ("過去のお知らせ", "設定", "データを削除", "マップ", "入島協力金", "島のルール"):
        line.post(text_event(island.uid("taro"), words, line.reply_token()))
    line.post(postback_event(island.uid("taro"), postback_data("map.cat", c="sight"),
                             line.reply_token()))
    sent = [message for call in fake_line.requests if "/message/" in call.path and call.json
            for message in call.json.get("messages", []) if message["type"] == "flex"]
    assert {"【緊急】避難指示", "過去のお知らせ", "設定", "データを削除しますか？"} <= {
        message["altText"].split("\n")[0] for message in sent}
    assert any(message["contents"].get("type") == "carousel" and "footer" in
               message["contents"]["contents"][0] for message in sent)  # map cards
    unscaled = [(message["altText"], part) for message in sent
                for part in flex_components(message) if part.get("scaling") is not True]
    assert not unscaled


def test_someone_waiting_for_approval_is_told_what_comes_after_it(db, island, line):
    with db.transaction() as session:
        waiting = Person(line_user_id=NEWCOMER, role=Role.UNKNOWN, language="ja",
                         full_name="新 人")
        session.add(waiting)
        session.flush()
        session.add(IslanderRequest(person_id=waiting.id))
    line.post(text_event(NEWCOMER, "お知らせ", line.reply_token()))
    said = texts(line.last_reply())
    assert "島民登録の申請は、いま役場で確認中です。" in said
    assert "承認されると、島民向けのお知らせや行事がこのトークに届きます。" in said
    assert "お知らせはまだありません" not in said
    # Notices to everyone are there to read meanwhile, after the same words.
    send(db, audience_kind="everyone", title="港の工事")
    line.post(text_event(NEWCOMER, "お知らせ", line.reply_token()))
    first, archive = line.last_reply()
    assert "確認中" in first["text"] and "港の工事" in texts([archive])
