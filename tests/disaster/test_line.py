"""The safety check in LINE: 「無事です」, 「助けが必要」 with its question and the location,
a changed answer, family members answering and told at once, 「○○さんの安否」, 避難所, and
forged or stale buttons that change nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from islandos.models.asking import Answer
from islandos.models.disaster import SafetyEvent, SafetyLocation
from islandos.models.map import Spot, SpotCategory, SpotText
from islandos.services.disaster.answers import status_of
from tests.disaster.conftest import (
    MULTICAST,
    actions,
    chat,
    drain,
    end,
    mode_row,
    pushed_to,
    send_location,
    start,
    texts,
)


def _status(db, mode_id: int, person_id: int):
    with db.transaction() as session:
        return status_of(session, mode_row(db, mode_id), person_id)


def test_the_check_reaches_islanders_and_their_family_with_two_big_buttons(
        db, island, worker, fake_line):
    start(db)
    drain(worker)
    bodies = [call.json for call in fake_line.calls(MULTICAST) if call.accepted]
    reached = sorted(uid for body in bodies for uid in body["to"])
    assert reached == sorted([island.uid("taro"), island.uid("hanako"), island.uid("jiro"),
                              island.uid("family")])
    japanese = next(body for body in bodies if island.uid("taro") in body["to"])
    assert {"無事です", "助けが必要"} <= set(actions(japanese["messages"]))
    english = next(body for body in bodies if island.uid("hanako") in body["to"])
    assert {"I'm safe", "I need help"} <= set(actions(english["messages"]))
    family = next(body for body in bodies if island.uid("family") in body["to"])
    assert "家族の安否を見る" in actions(family["messages"])
    assert "無事です" not in actions(family["messages"])


def test_safe_is_recorded_and_every_linked_family_member_is_told_at_once(
        db, island, worker, fake_line, line):
    mode_id = start(db)
    drain(worker)
    reply = chat(line, island, "taro").tap("safety", m=mode_id, c="safe")
    assert "役場に伝えました" in texts(reply)
    assert "ご家族にもLINEで知らせました" in texts(reply)
    assert _status(db, mode_id, island.ids["taro"]).choice == "safe"
    drain(worker)
    assert pushed_to(fake_line, island.uid("family")) == ["【安否】島 太郎さん：無事です"]


def test_help_asks_one_question_and_the_location_and_the_latest_answer_counts(
        db, island, worker, line, frozen_clock):
    mode_id = start(db)
    taro = chat(line, island, "taro")
    first = taro.tap("safety", m=mode_id, c="safe")
    assert "役場に伝えました" in texts(first)
    frozen_clock(hours=4)  # safe at 9:00, needs help at 13:00
    question = taro.press(taro.tap("safety", m=mode_id, c="help"), "動けない")
    assert "動けない" in texts(question)
    assert actions(question)["位置情報を送る"]["type"] == "location"
    reply = send_location(line, island.uid("taro"), 26.21, 127.98)
    assert "位置情報を役場に伝えました" in texts(reply)
    status = _status(db, mode_id, island.ids["taro"])
    assert status.choice == "stuck"
    with db.transaction() as session:
        history = list(session.scalars(select(SafetyEvent.choice).where(
            SafetyEvent.person_id == island.ids["taro"]).order_by(SafetyEvent.id)))
        location = session.scalars(select(SafetyLocation)).one()
        answers = session.scalar(select(func.count(Answer.id)))
    assert history == ["safe", "help", "stuck", None]  # every answer kept, in order
    assert (location.latitude, location.longitude) == (26.21, 127.98)
    assert answers == 1  # one row per person per check: the latest


def test_the_help_question_offers_all_four_choices(db, island, line):
    mode_id = start(db)
    reply = chat(line, island, "hanako").tap("safety", m=mode_id, c="help")
    assert {"Injured / unwell", "House in danger", "Can't move", "Other",
            "Send location"} <= set(actions(reply))


def test_a_family_member_answers_for_their_islander_marked_as_such(
        db, island, worker, fake_line, line):
    mode_id = start(db)
    family = chat(line, island, "family")
    view = family.say("島 次郎さんの安否")
    assert "島 次郎さん" in texts(view)
    assert "まだ答えていません" in texts(view)
    reply = family.press(view, "無事を確認した")
    assert "家族が無事を確認しました" in texts(reply)
    status = _status(db, mode_id, island.ids["jiro"])
    assert (status.choice, status.by_family) == ("safe", True)
    assert "家族が無事を確認しました" in texts(family.tap("safety.family", m=mode_id))


def test_a_family_member_may_only_answer_safe_and_only_for_their_own(db, island, line):
    mode_id = start(db)
    family = chat(line, island, "family")
    not_theirs = family.tap("safety.proxy", m=mode_id, p=island.ids["hanako"])
    assert "ご家族として登録された方" in texts(not_theirs)
    assert _status(db, mode_id, island.ids["hanako"]).choice is None
    for_themselves = family.tap("safety", m=mode_id, c="help")  # a forged button
    assert "家族の安否を見る" in texts(for_themselves)
    assert _status(db, mode_id, island.ids["family"]).choice is None


def test_forged_and_stale_buttons_get_a_clear_reply_and_change_nothing(
        db, island, worker, line):
    mode_id = start(db)
    taro = chat(line, island, "taro")
    assert "見つかりませんでした" in texts(taro.tap("safety", m=mode_id + 99, c="safe"))
    assert "使えません" in texts(taro.tap("safety", m=mode_id, c="dance"))
    assert texts(taro.tap("safety", m="abc", c="safe"))  # malformed: still a reply
    assert _status(db, mode_id, island.ids["taro"]).choice is None
    end(db)
    stale = taro.tap("safety", m=mode_id, c="safe")
    assert "この安否確認は終わりました" in texts(stale)
    assert _status(db, mode_id, island.ids["taro"]).choice is None
    with db.transaction() as session:
        assert session.scalar(select(func.count(SafetyEvent.id))) == 0


def test_the_disaster_menu_words_work_and_say_so_when_no_check_runs(db, island, line):
    taro = chat(line, island, "taro")
    assert "いまは安否確認をしていません" in texts(taro.say("安否を知らせる"))
    mode_id = start(db)
    assert "無事です" in actions(taro.say("安否を知らせる"))
    told = taro.say("家族へ連絡")
    assert "ご家族にすぐLINEで届きます" in texts(told)
    assert "島 太郎さん" in texts(chat(line, island, "family").say("家族へ連絡"))
    assert mode_id


def test_shelters_lists_the_open_ones_nearest_first(db, island, line):
    with db.transaction() as session:
        for slug, name, lat, lng, is_open, capacity in (
                ("school", "小学校体育館", 26.2100, 127.9850, True, 120),
                ("hall", "公民館", 26.2061, 127.9851, True, 40),
                ("port", "港の待合所", 26.2062, 127.9852, False, 30)):
            spot = Spot(slug=slug, category=SpotCategory.SHELTER, latitude=lat,
                        longitude=lng, shelter_open=is_open, shelter_capacity=capacity)
            spot.texts.append(SpotText(language="ja", name=name))
            session.add(spot)
    taro = chat(line, island, "taro")
    listed = taro.say("避難所")
    assert "小学校体育館" in texts(listed) and "公民館" in texts(listed)
    assert "港の待合所" not in texts(listed)  # not open
    assert "定員 120人" in texts(listed)
    near = send_location(line, island.uid("taro"), 26.2060, 127.9850)
    shown = texts(near)
    assert shown.index("公民館") < shown.index("小学校体育館")
    assert "徒歩" in shown


def test_family_cannot_mark_safe_someone_who_asked_for_help(db, island, line):
    mode_id = start(db)
    chat(line, island, "taro").tap("safety", m=mode_id, c="stuck")
    family = chat(line, island, "family")
    view = family.say("島 太郎さんの安否")
    assert "助けが必要（動けない）" in texts(view)
    assert "無事を確認した" not in actions(view)
    forged = family.tap("safety.proxy", m=mode_id, p=island.ids["taro"])
    assert "役場に電話で" in texts(forged)
    assert _status(db, mode_id, island.ids["taro"]).choice == "stuck"
