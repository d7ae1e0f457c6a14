"""Malformed events never poison a delivery: the good ones of a body are stored and answered,
the malformed one is recorded as rejected with a short reason and never retried."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest

from islandos import clock
from tests.support.faults import rejected_reasons, replies_per_token, stored_events
from tests.support.line_spec import event_types, well_formed, wrongly_typed_events
from tests.support.webhook import (
    body_of,
    follow_event,
    line_user_id,
    location_event,
    postback_event,
    text_event,
)

A, B, C = line_user_id(1), line_user_id(2), line_user_id(3)
PHONE = "090-1234-5678"


def redelivered(*events: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**event, "deliveryContext": {"isRedelivery": True}} for event in events]


def test_a_malformed_event_does_not_poison_its_body(line, db, fake_line, caplog):
    a, c = follow_event(A, line.reply_token()), follow_event(C, line.reply_token())
    poison = {**follow_event(B, line.reply_token()), "source": "x"}

    assert line.post(a, poison, c).status_code == 200
    assert replies_per_token(fake_line) == {a["replyToken"]: 1, c["replyToken"]: 1}
    assert rejected_reasons(db) == ["source is not an object"]
    assert [(row.event_type, row.line_user_id) for row in stored_events(db)] == [
        ("follow", A), ("follow", None), ("follow", C)]

    # Should LINE deliver the body again, nothing is answered twice and nothing is retried.
    assert line.post(*redelivered(a, poison, c)).status_code == 200
    assert replies_per_token(fake_line) == {a["replyToken"]: 1, c["replyToken"]: 1}
    assert len(stored_events(db)) == 3
    rejected = [r for r in caplog.records if "rejected" in r.getMessage()]
    assert len(rejected) == 1 and rejected[0].exc_info is None


def test_the_log_names_the_field_never_the_content(line, db, caplog):
    caplog.set_level(logging.DEBUG)
    event = text_event(A, f"電話は{PHONE}です", line.reply_token())
    event["timestamp"] = "yesterday"

    assert line.post(event).status_code == 200
    assert rejected_reasons(db) == ["timestamp is not a number of milliseconds"]
    assert PHONE not in caplog.text and A not in caplog.text
    assert not any(record.exc_info for record in caplog.records)


def _with(event: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    event = json.loads(json.dumps(event))
    *parents, last = path.split(".")
    holder = event
    for step in parents:
        holder = holder[int(step)] if isinstance(holder, list) else holder[step]
    holder[last] = value
    return event


MENTION = {"mentionees": [{"index": 0, "length": 4, "type": "user", "isSelf": True}]}


@pytest.mark.parametrize(("build", "path", "value", "reason"), [
    ("text", "source", "x", "source is not an object"),
    ("text", "source", None, "source is not an object"),
    ("text", "message", ["text"], "message is not an object"),
    ("text", "message.mention", "@bot", "message.mention is not an object"),
    ("text", "message.mention", {"mentionees": {"0": {}}},
     "message.mention.mentionees is not a list"),
    ("text", "message.mention", {"mentionees": ["x"]},
     "message.mention.mentionees holds a non-object"),
    ("text", "message.text", 12, "message.text is not a string"),
    ("text", "deliveryContext", True, "deliveryContext is not an object"),
    ("text", "deliveryContext.isRedelivery", "no", "deliveryContext.isRedelivery is not a boolean"),
    ("text", "replyToken", 5, "replyToken is not a string"),
    ("text", "mode", {"a": 1}, "mode is not a string"),
    ("follow", "follow", "unblocked", "follow is not an object"),
    ("postback", "postback", "action=x", "postback is not an object"),
    ("postback", "postback.params", "2026-11-25", "postback.params is not an object"),
    ("postback", "postback.params", {"date": 20261125}, "postback.params holds a non-string"),
    ("postback", "postback.data", ["a"], "postback.data is not a string"),
    ("text", "source.userId", "U" + "f" * 1999, "source.userId is not a LINE user id"),
    ("text", "source.userId", "U1234", "source.userId is not a LINE user id"),
    ("text", "source.userId", "u" + "0" * 32, "source.userId is not a LINE user id"),
    ("text", "source.userId", 12345, "source.userId is not a string"),
    ("text", "source", {"type": "user"}, "source.userId is missing"),
    ("text", "source", {"type": "group", "groupId": "G1"},
     "source.groupId or roomId is not a LINE chat id"),
    ("text", "webhookEventId", "01J\nINFO forged log line", "webhookEventId is not an id"),
    ("text", "webhookEventId", "x" * 65, "webhookEventId is not an id"),
    ("text", "postback", None, "postback is not an object"),
    ("text", "timestamp", 1.7e12, "timestamp is not a number of milliseconds"),
    ("text", "timestamp", True, "timestamp is not a number of milliseconds"),
    ("text", "timestamp", 0, "timestamp is not a plausible time"),
    ("text", "timestamp", 10**30, "timestamp is not a plausible time"),
    ("text", "timestamp", -(10**30), "timestamp is not a plausible time"),
    ("location", "message.latitude", "26.1", "message.latitude is not a coordinate"),
    ("location", "message.longitude", 1e999, "message.longitude is not a coordinate"),
    ("text", "message.text", "\ud800", "lone surrogate in a string"),
    ("text", "unknownField", {"deep": ["\udfff"]}, "lone surrogate in a string"),
])
def test_a_known_field_of_the_wrong_type_is_rejected_with_its_reason(
        line, db, fake_line, build, path, value, reason):
    builders = {
        "text": lambda: {**text_event(A, "こんにちは", line.reply_token()), "message": {
            "type": "text", "id": "1", "text": "@bot こんにちは", "mention": MENTION}},
        "follow": lambda: follow_event(A, line.reply_token()),
        "postback": lambda: postback_event(A, "action=set.show", line.reply_token(),
                                           params={"date": "2026-11-25"}),
        "location": lambda: location_event(A, 26.16, 127.82, line.reply_token()),
    }
    good = follow_event(C, line.reply_token())

    assert line.post(_with(builders[build](), path, value), good).status_code == 200
    assert rejected_reasons(db) == [reason]
    assert replies_per_token(fake_line) == {good["replyToken"]: 1}


def test_surrogates_written_as_raw_utf8_bytes_are_rejected_too(line, db, fake_line):
    good = follow_event(C, line.reply_token())
    marker = "SURROGATE-HERE"
    body = body_of(text_event(A, marker, line.reply_token()), good)
    body = body.replace(marker.encode(), b"\xed\xa0\x80")  # UTF-8 of U+D800, as a broken client

    assert line.post(body=body).status_code == 200
    assert rejected_reasons(db) == ["lone surrogate in a string"]
    assert replies_per_token(fake_line) == {good["replyToken"]: 1}


def test_a_surrogate_pair_written_as_escapes_is_an_ordinary_emoji(line, db, fake_line):
    event = text_event(A, "EMOJI", line.reply_token())
    body = body_of(event).replace(b"EMOJI", b"\\ud83c\\udf34")  # 🌴 as JSON escapes

    assert line.post(body=body).status_code == 200
    assert rejected_reasons(db) == []
    assert replies_per_token(fake_line) == {event["replyToken"]: 1}


def test_an_event_redelivered_days_later_is_still_handled(line, db, fake_line, frozen_clock):
    event = follow_event(A, line.reply_token())
    frozen_clock(days=6)  # LINE kept failing to reach us for almost a week

    assert line.post(*redelivered(event)).status_code == 200
    assert rejected_reasons(db) == []
    assert replies_per_token(fake_line) == {event["replyToken"]: 1}


def test_an_event_from_the_far_past_or_the_future_is_rejected(line, db, frozen_clock):
    old = follow_event(A, line.reply_token())
    frozen_clock(days=45)
    future = {**follow_event(B, line.reply_token()),
              "timestamp": int((clock.now() + timedelta(days=3)).timestamp() * 1000)}

    assert line.post(old, future).status_code == 200
    assert rejected_reasons(db) == ["timestamp is not a plausible time"] * 2


def test_unknown_event_types_message_types_and_fields_are_accepted_and_ignored(
        line, db, fake_line):
    new_event = {**follow_event(A), "type": "somethingLineAddsLater", "newThing": {"a": [1]}}
    new_message = {**text_event(B, "", line.reply_token()),
                   "message": {"type": "hologram", "id": "9", "frames": 3}}
    text = {**text_event(C, "ヘルプ", line.reply_token()), "newTopLevel": 1}
    text["source"]["newSourceField"] = ["x"]
    text["message"]["newMessageField"] = {"x": None}

    assert line.post(new_event, new_message, text).status_code == 200
    rows = stored_events(db)
    assert [row.event_type for row in rows] == ["somethingLineAddsLater", "message", "message"]
    assert rejected_reasons(db) == []
    assert replies_per_token(fake_line)[text["replyToken"]] == 1


def test_an_event_that_is_not_an_object_is_rejected(line, db, fake_line):
    good = follow_event(C, line.reply_token())
    assert line.post(body=body_of(good).replace(b'"events": [', b'"events": [7, null, "x", ')
                     ).status_code == 200
    assert rejected_reasons(db) == ["event is not an object"] * 3
    assert replies_per_token(fake_line) == {good["replyToken"]: 1}


def _nested(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"x": value}
    return value


@pytest.mark.parametrize("depth", [70, 5_000])
def test_json_nested_deeper_than_any_line_payload_gets_400(line, db, depth):
    event = {**follow_event(A, line.reply_token()), "unknown": _nested(depth)}
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]},
                      check_circular=False) if depth < 900 else \
        '{"destination": "x", "events": [{"type": "follow", "unknown": ' + \
        "[" * depth + "]" * depth + "}]}"

    response = line.post(body=body.encode())
    assert response.status_code == 400
    assert stored_events(db) == []


def test_json_as_deep_as_a_line_payload_can_be_is_fine(line, db, fake_line):
    event = {**follow_event(A, line.reply_token()), "unknown": _nested(50)}
    assert line.post(event).status_code == 200
    assert replies_per_token(fake_line) == {event["replyToken"]: 1}


def test_wrongly_typed_events_from_lines_spec_never_get_500(line, db, fake_line, caplog):
    """Every field of every event type in webhook.yml, given a value of another type: each
    body still answers 200, every event gets a row, and the good follow in it is answered."""
    generated = list(wrongly_typed_events(line.reply_token, variants=1))
    assert len(generated) >= 200
    follows = []
    for start in range(0, len(generated), 25):
        chunk = [event for _label, event in generated[start:start + 25]]
        follows.append(follow_event(line_user_id(10_000 + start), line.reply_token()))
        response = line.post(*chunk, follows[-1])
        assert response.status_code == 200, generated[start:start + 25]
    assert len(stored_events(db)) == len(generated) + len(follows)
    answered = replies_per_token(fake_line)
    assert all(answered[follow["replyToken"]] == 1 for follow in follows)
    assert not any(record.exc_info for record in caplog.records)
    # Fields we read were rejected; the spec's many fields we never read were let through.
    reasons = set(rejected_reasons(db))
    assert {"source is not an object", "timestamp is not a number of milliseconds",
            "message.mention.mentionees is not a list", "postback.params is not an object",
            "follow is not an object", "deliveryContext is not an object"} <= reasons
    assert len(rejected_reasons(db)) < len(generated)


def test_a_well_formed_event_of_every_type_in_the_spec_is_accepted(line, db):
    events = [well_formed(event_type, line.reply_token, message_type)
              for event_type, message_type in event_types()]
    assert line.post(*events).status_code == 200
    assert rejected_reasons(db) == []
    assert len(stored_events(db)) == len(events)
