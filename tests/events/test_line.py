"""In LINE: the invitation, 参加 with how many people, 「変更する」, the deadline, the list of
upcoming events, the waitlist with promotion, proxies, and buttons that must change nothing."""

from __future__ import annotations

from sqlalchemy import select

from islandos.line.events import postback_data
from islandos.models.asking import AnswerStatus
from islandos.models.audit import AuditEntry
from islandos.models.people import District
from islandos.services.events.editing import cancel_event
from tests.events.conftest import (
    Chat,
    actions,
    answers,
    attending,
    chat_of,
    make_event,
    texts,
)
from tests.support.factories import make_person
from tests.support.webhook import line_user_id, postback_event


def invitation(fake_line, worker, user_id: str) -> list[dict]:
    """The invitation a user got by multicast (the worker sends the outbox)."""
    worker.run_once()
    for call in fake_line.calls("/v2/bot/message/multicast"):
        if user_id in call.json["to"]:
            return call.json["messages"]
    raise AssertionError("no invitation reached " + user_id)


def test_the_invitation_reaches_the_audience_with_three_buttons_that_show_what_was_tapped(
        db, island, line, fake_line, worker):
    make_event(db)
    card = invitation(fake_line, worker, island.uid("taro"))
    buttons = actions(card)
    assert list(buttons) == ["参加", "不参加", "未定"]
    assert all(b["type"] == "postback" and b["displayText"] == label
               for label, b in buttons.items())
    assert "東の浜" in texts(card) and "回答の締め切り" in texts(card)
    english = invitation(fake_line, worker, island.uid("hanako"))
    assert list(actions(english)) == ["Attend", "Not attending", "Maybe"]
    reached = {uid for call in fake_line.calls("/v2/bot/message/multicast")
               for uid in call.json["to"]}
    assert island.uid("tourist") not in reached and island.uid("family") not in reached


def test_attending_without_guests_is_recorded_and_confirmed_with_date_place_and_change(
        db, island, line, fake_line, worker):
    event_id = make_event(db)
    taro = chat_of(line, island, "taro")
    reply = taro.press(invitation(fake_line, worker, island.uid("taro")), "参加")
    assert "回答：参加" in texts(reply) and "東の浜" in texts(reply) and "日時：" in texts(reply)
    assert "変更する" in actions(reply)
    assert answers(db, event_id)[island.ids["taro"]].choice == "yes"
    card = taro.press(reply, "変更する")
    assert "いまの回答：参加" in texts(card)
    reply = taro.press(card, "不参加")
    assert answers(db, event_id)[island.ids["taro"]].choice == "no"
    assert len(answers(db, event_id)) == 1


def test_with_guests_attending_asks_how_many_and_six_or_more_takes_full_width_digits(
        db, island, line, fake_line, worker):
    event_id = make_event(db, max_guests=9)
    taro = chat_of(line, island, "taro")
    question = taro.press(invitation(fake_line, worker, island.uid("taro")), "参加")
    assert list(actions(question)) == ["1人", "2人", "3人", "4人", "5人", "6人以上"]
    assert answers(db, event_id) == {}
    reply = taro.press(question, "3人")
    assert "参加（3人）" in texts(reply)
    assert answers(db, event_id)[island.ids["taro"]].people == 3
    asked = taro.press(question, "6人以上")
    assert "数字" in texts(asked)
    assert "もう一度「参加」を押して" in texts(taro.say("たくさん"))
    assert "ヘルプ" not in texts(taro.press(question, "6人以上"))
    reply = taro.say("８")
    assert "参加（8人）" in texts(reply)
    assert answers(db, event_id)[island.ids["taro"]].people == 8
    too_many = taro.press(question, "6人以上") and taro.say("11")
    assert "人数が多すぎます" in texts(too_many)
    assert answers(db, event_id)[island.ids["taro"]].people == 8


def test_after_the_deadline_a_tap_is_told_it_closed_with_the_recorded_answer(
        db, island, line, fake_line, worker, frozen_clock):
    event_id = make_event(db)
    jiro = chat_of(line, island, "jiro")
    card = invitation(fake_line, worker, island.uid("jiro"))
    jiro.press(card, "未定")
    frozen_clock(days=3, minutes=1)
    reply = jiro.press(card, "参加")
    assert "締め切りました" in texts(reply) and "未定" in texts(reply)
    assert answers(db, event_id)[island.ids["jiro"]].choice == "maybe"
    listed = jiro.say("イベント")
    assert "回答は締め切りました。" in texts(listed) and "参加" not in actions(listed)


def test_the_event_list_shows_upcoming_events_with_answers_also_to_late_registrants(
        db, island, line, fake_line, worker):
    cleanup = make_event(db, title="海岸清掃")
    make_event(db, title="区の総会", audience_kind="districts", district_ids=(island.south,))
    taro = chat_of(line, island, "taro")
    taro.press(invitation(fake_line, worker, island.uid("taro")), "参加")
    for words in ("イベント", "行事", "予定", "events"):
        listed = taro.say(words)
        assert listed[0]["contents"]["type"] == "carousel"
        assert "海岸清掃" in texts(listed) and "区の総会" not in texts(listed)
        assert "いまの回答：参加" in texts(listed)
    # An islander who registers after the invitation finds it without a push.
    with db.transaction() as session:
        late = make_person(session, "islander", "ja", session.get(District, island.south),
                           full_name="新 入子")
        late_id, late_uid = late.id, late.line_user_id
    newcomer = Chat(line, late_uid)
    listed = newcomer.say("行事")
    assert "海岸清掃" in texts(listed) and "区の総会" in texts(listed)
    assert "いまの回答：未回答" in texts(listed)
    newcomer.tap("ev_answer", event=cleanup, a="yes")
    assert answers(db, cleanup)[late_id].choice == "yes"


def test_more_than_eleven_events_end_with_more(db, island, line):
    for n in range(13):
        make_event(db, title=f"行事{n:02d}")
    taro = Chat(line, island.uid("taro"))
    first = taro.say("イベント")
    bubbles = first[0]["contents"]["contents"]
    assert len(bubbles) == 12 and "もっと見る" in actions(first)
    second = taro.press(first, "もっと見る")
    assert len(second[0]["contents"]["contents"]) == 2


def test_capacity_counts_people_waitlists_with_place_and_promotes_whole_parties_in_order(
        db, island, line, fake_line, worker):
    event_id = make_event(db, capacity=4, max_guests=3)
    taro, hanako = chat_of(line, island, "taro"), chat_of(line, island, "hanako")
    jiro, saburo = chat_of(line, island, "jiro"), chat_of(line, island, "saburo")
    taro.tap("ev_answer", event=event_id, a="yes", n=3)
    reply = jiro.tap("ev_answer", event=event_id, a="yes", n=2)
    assert "キャンセル待ち1番目" in texts(reply)
    reply = saburo.tap("ev_answer", event=event_id, a="yes", n=1)
    assert "キャンセル待ち2番目" in texts(reply)
    # The 4th seat is free and saburo's party of one would fit, but jiro is first in line.
    assert attending(db, event_id) == 3
    assert answers(db, event_id)[island.ids["saburo"]].status == AnswerStatus.WAITLISTED
    assert "waiting list no. 3" in texts(hanako.tap("ev_answer", event=event_id, a="yes", n=2))
    stored = answers(db, event_id)
    assert stored[island.ids["hanako"]].status == AnswerStatus.WAITLISTED
    worker.run_once()
    before = len(fake_line.calls("/v2/bot/message/multicast"))
    taro.tap("ev_answer", event=event_id, a="no")  # 4 free: jiro (2), saburo (1); hanako's 2 wait
    stored = answers(db, event_id)
    assert stored[island.ids["jiro"]].status == AnswerStatus.COUNTED
    assert stored[island.ids["saburo"]].status == AnswerStatus.COUNTED
    assert stored[island.ids["hanako"]].status == AnswerStatus.WAITLISTED
    assert attending(db, event_id) == 3
    worker.run_once()
    told = [uid for call in fake_line.calls("/v2/bot/message/multicast")[before:]
            for uid in call.json["to"]]
    assert sorted(told) == sorted([island.uid("jiro"), island.uid("saburo")])


def test_a_family_member_answers_for_their_islander_shown_as_such(db, island, line):
    event_id = make_event(db)
    family = chat_of(line, island, "family")
    listed = family.say("イベント")
    assert "島 太郎さんの分（ご家族として）" in texts(listed)
    reply = family.press(listed, "参加")
    assert "島 太郎さんの分として受け付けました" in texts(reply)
    stored = answers(db, event_id)[island.ids["taro"]]
    assert stored.choice == "yes" and stored.proxy_person_id == island.ids["family"]
    assert island.ids["family"] not in answers(db, event_id)
    with db.transaction() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "ask.answered")
                                ).one()
        assert entry.actor == f"person:{island.ids['family']}"
    own_view = Chat(line, island.uid("taro")).say("イベント")
    assert "いまの回答：参加（ご家族が回答）" in texts(own_view)


def test_forged_old_or_malformed_postbacks_get_a_clear_reply_and_change_nothing(
        db, island, line, fake_line):
    event_id = make_event(db)
    south_only = make_event(db, title="南の集まり", audience_kind="districts",
                            district_ids=(island.south,))
    taro = chat_of(line, island, "taro")
    assert "見つかりません" in texts(taro.tap("ev_answer", event=999, a="yes"))
    assert "見つかりません" in texts(taro.tap("ev_answer", event=south_only, a="yes"))
    assert "見つかりません" in texts(taro.tap("ev_answer", event=event_id, a="perhaps"))
    assert "使えません" in texts(taro.tap("ev_answer", event="12x", a="yes"))
    assert "使えません" in texts(taro.tap("ev_answer", a="yes"))
    assert "答えられます" in texts(taro.tap("ev_answer", event=event_id, a="yes",
                                            **{"for": island.ids["jiro"]}))
    tourist = Chat(line, island.uid("tourist"))
    assert "found" in texts(tourist.tap("ev_answer", event=event_id, a="yes"))
    assert answers(db, event_id) == {} and answers(db, south_only) == {}


def test_a_redelivered_postback_records_one_answer(db, island, line, fake_line):
    event_id = make_event(db, capacity=1)
    event = postback_event(island.uid("jiro"), postback_data("ev_answer", event=event_id,
                                                             a="yes"), line.reply_token())
    line.post(event)
    line.post({**event, "deliveryContext": {"isRedelivery": True}})
    assert len(answers(db, event_id)) == 1 and attending(db, event_id) == 1


def test_someone_not_registered_is_told_what_the_list_is_for(db, island, line):
    reply = Chat(line, line_user_id(99)).say("イベント")
    assert reply  # a new user gets an answer, never silence


def test_a_cancelled_event_says_so(db, island, line, fake_line, worker):
    event_id = make_event(db)
    with db.transaction() as session:
        cancel_event(session, event_id, "admin:1")
    reply = Chat(line, island.uid("taro")).tap("ev_answer", event=event_id, a="yes")
    assert "中止" in texts(reply)
    assert answers(db, event_id) == {}
