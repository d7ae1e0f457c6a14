"""Polls in LINE: the card with one button per option, answering and changing a named
answer, toggling a multiple-choice selection, the deadline, old or forged buttons, and the
list of open polls."""

from __future__ import annotations

from datetime import timedelta

from islandos.clock import now
from islandos.line.messages import utf16_len
from islandos.services.polls.creating import close
from tests.polls.conftest import (
    OPTIONS,
    actions,
    answers_of,
    chat_of,
    make_poll,
    tap_option,
    texts,
)


def multicast_bodies(fake_line) -> list[dict]:
    return [call.json for call in fake_line.calls("/v2/bot/message/multicast")]


def test_the_poll_arrives_as_a_card_with_a_button_per_option(db, island, line, worker,
                                                            fake_line, frozen_clock):
    poll_id = make_poll(db, question_en="Where should the party be?",
                        options_en=("Hall", "Gym", "Harbour"))
    worker.run_once()
    bodies = {tuple(sorted(b["to"])): b for b in multicast_bodies(fake_line)}
    ja = bodies[tuple(sorted([island.uid("taro"), island.uid("kame"), island.uid("jiro")]))]
    en = bodies[(island.uid("hanako"),)]
    card = ja["messages"][0]
    assert card["type"] == "flex"
    buttons = actions(ja["messages"])
    assert list(buttons) == list(OPTIONS)
    for n, label in enumerate(OPTIONS, start=1):
        assert buttons[label]["data"] == f"action=poll_answer&poll={poll_id}&o={n}"
        assert buttons[label]["displayText"] == label
    assert "締め切り：2026年11月28日(土) 9:00" in texts(ja["messages"])
    assert "Where should the party be?" in texts(en["messages"])
    assert list(actions(en["messages"])) == ["Hall", "Gym", "Harbour"]
    # Text scales with the reader's font size in LINE.
    assert all(node.get("scaling") for node in card["contents"]["body"]["contents"])
    # Tourists and family are not the audience of an islanders' poll.
    assert island.uid("tourist") not in str(bodies) and island.uid("family") not in str(bodies)


def test_a_named_answer_is_recorded_and_can_be_changed_until_the_deadline(
        db, island, line, frozen_clock):
    poll_id = make_poll(db)
    taro = chat_of(line, island, "taro")
    reply = tap_option(taro, poll_id, 2)
    assert reply[0]["text"] == ("「体育館」で受け付けました。"
                                "締め切りまでは、もう一度押すと変えられます。")
    assert answers_of(db, poll_id) == {island.ids["taro"]: 0b010}
    assert tap_option(taro, poll_id, 2)[0]["text"] == "すでに「体育館」で受け付けています。"
    tap_option(taro, poll_id, 3)
    assert answers_of(db, poll_id) == {island.ids["taro"]: 0b100}
    frozen_clock(days=3)  # the deadline
    reply = tap_option(taro, poll_id, 1)
    assert reply[0]["text"] == "このアンケートは締め切りました。あなたの回答は「港の広場」です。"
    assert answers_of(db, poll_id) == {island.ids["taro"]: 0b100}
    # Someone who never answered is told it closed; nothing is stored for them.
    reply = tap_option(chat_of(line, island, "jiro"), poll_id, 1)
    assert reply[0]["text"] == "このアンケートは締め切りました。"
    assert answers_of(db, poll_id) == {island.ids["taro"]: 0b100}


def test_a_poll_closed_early_takes_no_more_answers(db, island, line, frozen_clock):
    poll_id = make_poll(db)
    tap_option(chat_of(line, island, "taro"), poll_id, 1)
    with db.transaction() as session:
        close(session, poll_id, "admin:1")
    reply = tap_option(chat_of(line, island, "taro"), poll_id, 2)
    assert "締め切りました" in reply[0]["text"] and "公民館" in reply[0]["text"]
    assert answers_of(db, poll_id) == {island.ids["taro"]: 0b001}


def test_multiple_choice_toggles_options_and_sends_the_selection(db, island, line,
                                                                frozen_clock):
    poll_id = make_poll(db, mode="multiple", question_ja="手伝える作業はどれですか。",
                        options_ja=("草刈り", "テント設営", "料理", "片付け"))
    kame = chat_of(line, island, "kame")
    first = kame.tap("poll_pick", poll=poll_id, o=1)
    assert "選択中：草刈り" in texts(first)
    assert "これで送る" in actions(first)
    second = kame.press(first, "料理")
    assert "選択中：草刈り、料理" in texts(second)
    styles = {b["action"]["label"]: b["style"]
              for b in second[0]["contents"]["footer"]["contents"]}
    assert styles["草刈り"] == styles["料理"] == "primary"
    assert styles["テント設営"] == "secondary"
    third = kame.press(second, "草刈り")  # off again
    assert "選択中：料理" in texts(third)
    assert answers_of(db, poll_id) == {}  # nothing is stored before 「これで送る」
    done = kame.press(third, "これで送る")
    assert done[0]["text"].startswith("「料理」で受け付けました。")
    assert answers_of(db, poll_id) == {island.ids["kame"]: 0b0100}
    # The card again starts from the recorded answer: a tap adds to it.
    again = kame.tap("poll_pick", poll=poll_id, o=4)
    assert "選択中：料理、片付け" in texts(again)
    kame.press(again, "これで送る")
    assert answers_of(db, poll_id) == {island.ids["kame"]: 0b1100}
    # Sending nothing is refused politely.
    empty = kame.tap("poll_send", poll=poll_id, sel=0)
    assert "まだ何も選んでいません" in empty[0]["text"]
    assert answers_of(db, poll_id) == {island.ids["kame"]: 0b1100}


def test_old_forged_or_malformed_buttons_get_a_clear_reply_and_change_nothing(
        db, island, line, frozen_clock):
    poll_id = make_poll(db)
    south_only = make_poll(db, audience_kind="districts", district_ids=(island.south,))
    taro = chat_of(line, island, "taro")
    cases = [
        (taro.tap("poll_answer", poll=9999, o=1), "このアンケートは見つかりませんでした。"),
        (taro.tap("poll_answer", poll=south_only, o=1), "このアンケートは見つかりませんでした。"),
        (taro.tap("poll_answer", poll=poll_id, o=7), "その選択肢はありません。"),
        (taro.tap("poll_answer", poll=poll_id, o=0), "その選択肢はありません。"),
        (taro.tap("poll_send", poll=poll_id, sel=1 << 9), "その選択肢はありません。"),
        (taro.tap("poll_send", poll=poll_id, sel=0b011), "その選択肢はありません。"),  # two
        (taro.tap("poll_pick", poll=poll_id, o=1), "その選択肢はありません。"),  # single
        (taro.tap("poll_answer", poll="12abc", o=1), "このボタンは使えません。"),
        (taro.tap("poll_answer", o=1), "このボタンは使えません。"),
        (taro.tap("poll_answer", poll=poll_id, o="-1"), "このボタンは使えません。"),
    ]
    for reply, expected in cases:
        assert reply[0]["text"].startswith(expected), reply
    assert answers_of(db, poll_id) == {} and answers_of(db, south_only) == {}


def test_someone_who_joined_after_the_poll_was_sent_can_answer_it(db, island, line,
                                                                  frozen_clock):
    from tests.support.factories import make_person
    poll_id = make_poll(db)
    with db.transaction() as session:
        newcomer = make_person(session, "islander", "ja")
    reply = chat_of_uid(line, newcomer.line_user_id).say("アンケート")
    assert "敬老会の会場はどこがよいですか。" in texts(reply)
    tap_option(chat_of_uid(line, newcomer.line_user_id), poll_id, 1)
    assert answers_of(db, poll_id) == {newcomer.id: 0b001}


def chat_of_uid(line, user_id):
    from tests.registration.conftest import Chat
    return Chat(line, user_id)


def test_the_keywords_list_open_polls_with_the_recorded_answer(db, island, line, frozen_clock):
    first = make_poll(db, question_ja="一つ目の質問", closes_at=now() + timedelta(days=1))
    make_poll(db, question_ja="二つ目の質問", closes_at=now() + timedelta(days=2))
    closed = make_poll(db, question_ja="締め切った質問")
    with db.transaction() as session:
        close(session, closed, "admin:1")
    make_poll(db, question_ja="南だけの質問", audience_kind="districts",
              district_ids=(island.south,))
    taro = chat_of(line, island, "taro")
    tap_option(taro, first, 1)
    for word in ("アンケート", "投票", "polls", "ＰＯＬＬＳ"):
        reply = taro.say(word)
        assert reply[0]["type"] == "flex", word
        bubbles = reply[0]["contents"]["contents"]
        questions = [b["body"]["contents"][1]["text"] for b in bubbles]
        assert questions == ["一つ目の質問", "二つ目の質問"], word
    assert "あなたの回答：公民館" in texts([bubbles[0]])
    assert "あなたの回答" not in texts([bubbles[1]])
    # The tourist is asked nothing.
    assert chat_of(line, island, "tourist").say("polls")[0]["text"] == "There are no open polls."


def test_many_open_polls_come_in_pages_of_eleven_with_more(db, island, line, frozen_clock):
    for n in range(13):
        make_poll(db, question_ja=f"質問{n + 1:02d}", closes_at=now() + timedelta(hours=n + 1))
    taro = chat_of(line, island, "taro")
    reply = taro.say("アンケート")
    bubbles = reply[0]["contents"]["contents"]
    assert len(bubbles) == 12
    assert bubbles[10]["body"]["contents"][1]["text"] == "質問11"
    more = taro.press(reply, "もっと見る")
    questions = [b["body"]["contents"][1]["text"] for b in more[0]["contents"]["contents"]]
    assert questions == ["質問12", "質問13"]


def test_an_option_of_twenty_units_as_line_counts_them_fits_a_button(
        db, island, line, fake_line, worker, frozen_clock):
    twenty = "島" * 18 + "😀"  # an emoji outside the BMP counts 2: 20 units, 19 characters
    assert utf16_len(twenty) == 20
    poll_id = make_poll(db, options_ja=(twenty, "いいえ"), mode="multiple")
    worker.run_once()
    assert len(multicast_bodies(fake_line)) == 2  # ja and en: the fake LINE API took both
    reply = chat_of(line, island, "taro").tap("poll_pick", poll=poll_id, o=1)
    assert twenty in actions(reply)
