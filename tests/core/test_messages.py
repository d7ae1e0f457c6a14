"""Message builders count as LINE counts and refuse what LINE would refuse."""

from __future__ import annotations

import pytest

from islandos.line import messages
from islandos.line.events import Postback, postback_data
from islandos.line.messages import MessageLimitError, check_messages, utf16_len


def test_length_is_counted_in_utf16_code_units():
    assert utf16_len("島") == 1
    assert utf16_len("😀") == 2
    assert utf16_len("a😀b") == 4


def test_text_at_the_limit_passes_and_one_unit_over_is_refused():
    assert messages.text("😀" * 2500)["text"]
    with pytest.raises(MessageLimitError, match="5001"):
        messages.text("😀" * 2500 + "a")


def test_truncate_never_splits_an_emoji():
    cut = messages.truncate("😀" * 10, 5)
    assert cut == "😀😀…"
    assert utf16_len(cut) <= 5


def test_quick_replies_stop_at_13():
    actions = [messages.message_action(f"項目{i}") for i in range(14)]
    assert len(messages.text("t", actions[:13])["quickReply"]["items"]) == 13
    with pytest.raises(MessageLimitError, match="14"):
        messages.text("t", actions)


def test_carousel_stops_at_12_bubbles():
    bubble = messages.bubble("題", ["本文"])
    assert len(messages.carousel([bubble] * 12)["contents"]) == 12
    with pytest.raises(MessageLimitError):
        messages.carousel([bubble] * 13)


def test_alt_text_is_cut_to_1500_units():
    message = messages.flex("あ" * 2000, messages.bubble("題"))
    assert utf16_len(message["altText"]) == 1500


def test_flex_over_50kb_is_refused():
    huge = messages.bubble("題", ["あ" * 2000] * 10)
    with pytest.raises(MessageLimitError, match="bytes"):
        messages.flex("alt", huge)


def test_requests_hold_one_to_five_messages():
    one = messages.text("a")
    assert check_messages([one] * 5)
    with pytest.raises(MessageLimitError):
        check_messages([one] * 6)
    with pytest.raises(MessageLimitError):
        check_messages([])


def test_subtypes_are_checked_by_line_bot_sdk_models():
    with pytest.raises(MessageLimitError):
        check_messages([{"type": "flex", "altText": "x", "contents": {"type": "nope"}}])
    with pytest.raises(MessageLimitError):
        check_messages([{"type": "sparkles"}])


def test_labels_and_postback_data_respect_line_limits():
    with pytest.raises(MessageLimitError):
        messages.postback_action("あ" * 21, "action=x")
    with pytest.raises(MessageLimitError):
        postback_data("rsvp", note="x" * 300)


def test_postback_data_round_trips_through_the_one_parser():
    data = postback_data("rsvp", event=12, answer="yes")
    parsed = Postback.parse(data, {"date": "2026-12-01"})
    assert parsed.action == "rsvp"
    assert parsed.int("event") == 12
    assert parsed.get("answer") == "yes"
    assert parsed.params == {"date": "2026-12-01"}
    assert Postback.parse("garbage").action == ""


def test_images_must_be_https():
    with pytest.raises(MessageLimitError):
        messages.image("http://example.com/a.jpg")
    assert messages.image("https://example.com/a.jpg")["previewImageUrl"]


def test_flex_text_follows_the_users_font_size_unless_a_component_says_otherwise():
    card = messages.bubble("断水", ["明日9時から"], [messages.message_action("ヘルプ")])
    card["body"]["contents"].append({"type": "text", "text": "小さな注記", "scaling": False})
    card["body"]["contents"].append({"type": "text", "text": "枠に合わせる",
                                     "adjustMode": "shrink-to-fit"})
    sent = messages.flex("断水", card)["contents"]
    title, line, note, fitted = sent["body"]["contents"]
    assert title["scaling"] is True and line["scaling"] is True
    assert sent["footer"]["contents"][0]["scaling"] is True
    assert note["scaling"] is False and "scaling" not in fitted
    assert "scaling" not in card["body"]["contents"][0]  # the caller's dict is not changed
    messages.check_messages([messages.flex("断水", card)])  # LINE's own models accept it
