"""A visitor uses the map in LINE: categories, spots, closures, a location, the rules."""

from __future__ import annotations

from islandos.models.map import Spot
from islandos.services.map.editing import SpotInput, SpotTexts, save_spot
from tests.map.conftest import PORT, RITUAL_PATHS, UTAKI, visitor
from tests.registration.conftest import actions, texts
from tests.support.webhook import location_event


def bubbles(reply: list[dict]) -> list[dict]:
    flex = [message for message in reply if message["type"] == "flex"]
    assert flex, f"no Flex message in {reply}"
    contents = flex[-1]["contents"]
    return contents["contents"] if contents["type"] == "carousel" else [contents]


def test_map_shows_the_rules_the_first_time_then_categories(db, line, island_map):
    chat = visitor(db, line)
    first = chat.say("マップ")
    assert "島のルール" in texts(first) and "持ち帰らないでください" in texts(first)
    assert {"トイレ", "港", "避難所", "現在地を送る", "入れない場所"} <= set(actions(first))
    assert actions(first)["現在地を送る"]["type"] == "location"
    again = chat.say("map")
    assert "持ち帰らないでください" not in texts(again)
    assert "トイレ" in actions(again)


def test_a_category_lists_its_spots_with_hours_and_buttons(db, line, island_map):
    chat = visitor(db, line)
    reply = chat.press(chat.say("マップ"), "トイレ")
    cards = bubbles(reply)
    assert len(cards) == 2
    assert "港のトイレ" in texts(reply) and "本日は開いています" in texts(reply)
    assert "時間：7:00〜18:00" in texts(reply)
    buttons = actions(cards[0])
    assert buttons["詳しく"]["uri"] == "https://island.example.jp/spots/port-toilet?lang=ja"
    location = chat.press(cards[0:1], "地図で見る")
    assert location[0]["type"] == "location" and location[0]["title"] == "港のトイレ"


def test_no_entry_places_are_never_destinations(db, line, island_map):
    chat = visitor(db, line)
    everything = "\n".join(texts(chat.tap("map.cat", c=category)) for category in
                           ("sight", "beach", "food", "toilet", "port", "rental", "shelter"))
    assert "御嶽" not in everything and "拝所" not in everything
    assert "その種類の場所は見つかりませんでした" in texts(chat.tap("map.cat", c="sacred"))
    with db.transaction() as session:
        utaki = session.query(Spot).filter_by(slug="fuu-utaki").one().id
    assert "見つかりませんでした" in texts(chat.tap("map.loc", s=utaki))
    card = chat.press(chat.say("マップ"), "入れない場所")
    assert "フウ御嶽" in texts(card) and "アガリ拝所" in texts(card)
    assert "地図で見る" not in actions(card)


def test_a_spot_closed_for_a_ritual_says_so_on_that_day_only(db, line, island_map,
                                                             frozen_clock):
    chat = visitor(db, line)
    with db.transaction() as session:
        save_spot(session, SpotInput(
            slug="agari-view", category="sight", latitude=26.2076, longitude=127.9901,
            texts={"ja": SpotTexts("アガリの見晴らし台")}), "test")
    # The demo closes the paths around the prayer site today and tomorrow.
    assert "本日は閉まっています" in texts(chat.tap("map.cat", c="sight"))
    frozen_clock(**{"days": 2})
    reply = chat.tap("map.cat", c="sight")
    assert "アガリの見晴らし台" in texts(reply)
    assert "本日は閉まっています" not in texts(reply)


def test_a_location_gets_the_five_nearest_open_spots_with_walking_time(db, line, island_map):
    chat = visitor(db, line)
    reply = chat._post(location_event(chat.user_id, *PORT, line.reply_token()))
    cards = bubbles(reply)
    assert len(cards) == 5
    assert "南風港" in texts(cards[0:1])
    minutes = [line_ for line_ in texts(reply).splitlines() if line_.startswith("徒歩")]
    assert len(minutes) == 5 and "約1分" in minutes[0]
    assert not any("⚠" in message.get("text", "") for message in reply)


def test_near_a_no_entry_place_or_inside_a_closed_area_a_warning_comes_first(
        db, line, island_map):
    chat = visitor(db, line)
    near_grove = chat._post(location_event(chat.user_id, *UTAKI, line.reply_token()))
    assert near_grove[0]["type"] == "text" and "フウ御嶽" in near_grove[0]["text"]
    assert "入らないでください" in near_grove[0]["text"]
    on_the_paths = chat._post(location_event(chat.user_id, *RITUAL_PATHS, line.reply_token()))
    assert any("閉鎖中" in message.get("text", "") for message in on_the_paths)


def test_english_speakers_get_english_and_japanese_where_no_translation_exists(
        db, line, island_map):
    chat = visitor(db, line, language="en")
    with db.transaction() as session:
        save_spot(session, SpotInput(
            slug="new-toilet", category="toilet", latitude=26.2030, longitude=127.9810,
            texts={"ja": SpotTexts("新しいトイレ", "公園の中です。")}), "test")
    reply = chat.tap("map.cat", c="toilet")
    assert "Port toilets" in texts(reply)
    assert "新しいトイレ" in texts(reply) and "公園の中です。" in texts(reply)
    rules = chat.say("island rules")
    assert "Do not take" in texts(rules) or "do not take" in texts(rules).lower()


def test_more_than_eleven_spots_page_with_more(db, line, island_map):
    chat = visitor(db, line)
    with db.transaction() as session:
        for n in range(14):
            save_spot(session, SpotInput(
                slug=f"view-{n}", category="sight", latitude=26.20 + n / 1000,
                longitude=127.98, texts={"ja": SpotTexts(f"見晴らし{n}")}), "test")
    first = chat.tap("map.cat", c="sight")
    assert len(bubbles(first)) == 12 and "もっと見る" in actions(bubbles(first)[-1])
    second = chat.press(bubbles(first)[-1:], "もっと見る")
    first_names = {card["body"]["contents"][1]["text"] for card in bubbles(first)[:-1]}
    second_names = {card["body"]["contents"][1]["text"] for card in bubbles(second)}
    assert not first_names & second_names
    assert len(first_names | second_names) == 4 + 14  # the demo's sights and the new ones


def test_the_rules_are_forgotten_with_the_persons_data(app, db, line, island_map):
    from islandos.extensions import islandos_state
    from islandos.models.map import RulesSeen
    from islandos.services.privacy import delete_personal_data
    chat = visitor(db, line)
    chat.say("マップ")
    with db.transaction() as session:
        person_id = session.query(RulesSeen).one().person_id
        delete_personal_data(session, person_id, "test", islandos_state(app).registry.erasers,
                             notify=False)
        assert session.query(RulesSeen).count() == 0
