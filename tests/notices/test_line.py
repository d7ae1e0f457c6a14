"""In LINE: 「確認しました」 counts once; 「過去のお知らせ」 shows only the person's audiences."""

from __future__ import annotations

from islandos.clock import now
from islandos.line.events import postback_data
from islandos.models.people import Person, Role
from islandos.services.notices.changes import withdraw
from tests.notices.conftest import BASE_URL, deliveries, send
from tests.support.webhook import postback_event, text_event


def confirm_tap(line, user_id: str, notice_id: int) -> dict:
    return postback_event(user_id, postback_data("notice_confirm", notice=notice_id),
                          line.reply_token())


def test_confirming_counts_once_and_a_second_tap_gets_a_polite_answer(db, island, line):
    notice_id = send(db, audience_kind="islanders", priority="important")
    line.post(confirm_tap(line, island.uid("taro"), notice_id))
    assert line.last_reply()[0]["text"] == "確認ありがとうございます。"
    first = {d.person_id: d.confirmed_at for d in deliveries(db, notice_id)}
    line.post(confirm_tap(line, island.uid("taro"), notice_id))
    assert line.last_reply()[0]["text"] == "すでに確認済みです。ありがとうございます。"
    assert {d.person_id: d.confirmed_at for d in deliveries(db, notice_id)} == first
    assert sum(1 for d in deliveries(db, notice_id) if d.confirmed_at) == 1


def test_a_redelivered_confirm_event_changes_state_once(db, island, line, fake_line):
    notice_id = send(db, audience_kind="islanders", priority="important")
    event = confirm_tap(line, island.uid("jiro"), notice_id)
    line.post(event)
    line.post({**event, "deliveryContext": {"isRedelivery": True}})
    assert len(fake_line.calls("/v2/bot/message/reply")) == 1
    assert sum(1 for d in deliveries(db, notice_id) if d.confirmed_at) == 1


def test_english_speakers_are_thanked_in_english(db, island, line):
    notice_id = send(db, audience_kind="islanders", priority="important")
    line.post(confirm_tap(line, island.uid("hanako"), notice_id))
    assert line.last_reply()[0]["text"] == "Thank you for confirming."


def test_confirming_a_withdrawn_notice_is_answered_politely_and_not_counted(db, island, line):
    notice_id = send(db, audience_kind="islanders", priority="important")
    with db.transaction() as session:
        withdraw(session, notice_id, "admin:1", BASE_URL)
    line.post(confirm_tap(line, island.uid("taro"), notice_id))
    assert "取り消されました" in line.last_reply()[0]["text"]
    assert not any(d.confirmed_at for d in deliveries(db, notice_id))


def test_someone_who_did_not_get_it_cannot_confirm_it(db, island, line):
    notice_id = send(db, audience_kind="districts", district_ids=(island.south,),
                     priority="important")
    line.post(confirm_tap(line, island.uid("tourist"), notice_id))
    assert line.last_reply()[0]["text"] == "This notice could not be found."


def archive_titles(reply: list[dict]) -> list[str]:
    bubbles = reply[0]["contents"]["contents"]
    return [b["body"]["contents"][1]["text"] for b in bubbles]


def test_past_notices_show_the_persons_audiences_latest_first_never_others(
        db, island, line, frozen_clock):
    send(db, audience_kind="islanders", title="島民のみ")
    frozen_clock(minutes=1)
    send(db, audience_kind="tourists", title="観光客のみ", title_en="Tourists only",
         body_en="For visitors.")
    frozen_clock(minutes=1)
    send(db, audience_kind="everyone", title="全員へ")
    frozen_clock(minutes=1)
    send(db, audience_kind="districts", district_ids=(island.south,), title="南集落へ")
    line.post(text_event(island.uid("taro"), "過去のお知らせ", line.reply_token()))
    assert archive_titles(line.last_reply()) == ["全員へ", "島民のみ"]
    line.post(text_event(island.uid("jiro"), "過去のお知らせ", line.reply_token()))
    assert archive_titles(line.last_reply()) == ["南集落へ", "全員へ", "島民のみ"]
    line.post(text_event(island.uid("tourist"), "Past notices", line.reply_token()))
    assert archive_titles(line.last_reply()) == ["全員へ", "Tourists only"]
    assert line.last_reply()[0]["altText"] == "Past notices"


def test_late_joiners_see_notices_sent_before_they_registered(db, island, line, frozen_clock):
    send(db, audience_kind="islanders", title="先月の回覧")
    frozen_clock(days=30)
    with db.transaction() as session:
        newcomer = Person(line_user_id="U" + "e" * 32, role=Role.ISLANDER, language="ja",
                          district_id=island.north, registered_at=now())
        session.add(newcomer)
    line.post(text_event("U" + "e" * 32, "過去のお知らせ", line.reply_token()))
    assert archive_titles(line.last_reply()) == ["先月の回覧"]


def test_a_withdrawn_notice_leaves_the_archive(db, island, line):
    notice_id = send(db, audience_kind="islanders", title="間違い")
    with db.transaction() as session:
        withdraw(session, notice_id, "admin:1", BASE_URL)
    line.post(text_event(island.uid("taro"), "過去のお知らせ", line.reply_token()))
    assert line.last_reply()[0]["text"] == "お知らせはまだありません。"


def test_the_archive_pages_with_a_more_postback(db, island, line, frozen_clock):
    for n in range(12):
        send(db, audience_kind="islanders", title=f"お知らせ{n}")
        frozen_clock(minutes=1)
    line.post(text_event(island.uid("taro"), "過去のお知らせ", line.reply_token()))
    first = line.last_reply()[0]["contents"]["contents"]
    assert len(first) == 10
    assert [b["body"]["contents"][1]["text"] for b in first[:9]] == [
        f"お知らせ{n}" for n in range(11, 2, -1)]
    more = first[-1]["footer"]["contents"][0]["action"]
    assert more["data"] == "action=notice_more&page=1"
    line.post(postback_event(island.uid("taro"), more["data"], line.reply_token()))
    assert archive_titles(line.last_reply()) == ["お知らせ2", "お知らせ1", "お知らせ0"]


def test_reading_a_whole_notice_follows_the_audience_rule(db, island, line):
    secret = send(db, audience_kind="islanders", title="島民のみ", body_ja="島民向けの本文")
    data = postback_data("notice_show", notice=secret)
    line.post(postback_event(island.uid("taro"), data, line.reply_token()))
    assert line.last_reply()[0]["text"] == "【島民のみ】\n島民向けの本文"
    line.post(postback_event(island.uid("tourist"), data, line.reply_token()))
    assert line.last_reply()[0]["text"] == "This notice could not be found."


def test_past_notices_are_offered_in_the_help(island, line):
    line.post(text_event(island.uid("taro"), "ヘルプ", line.reply_token()))
    labels = [item["action"]["label"] for item in line.last_reply()[0]["quickReply"]["items"]]
    assert "過去のお知らせ" in labels


def test_no_notices_yet(island, line):
    line.post(text_event(island.uid("family"), "過去のお知らせ", line.reply_token()))
    assert line.last_reply()[0]["text"] == "お知らせはまだありません。"


