"""LINE webhook payloads built from webhook.yml, signed for real."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import time
from typing import Any

from islandos import clock

_counter = itertools.count(1)


def line_user_id(n: int) -> str:
    return "U" + f"{n:032x}"


def new_event_id() -> str:
    # LINE's webhookEventId is a ULID; any unique string of that shape does.
    return f"01J{time.time_ns():020d}{next(_counter):06d}"[:26]


def sign(channel_secret: str, body: bytes) -> str:
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _base(event_type: str, user_id: str, reply_token: str | None, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": event_type,
        "mode": "active",
        "timestamp": int(clock.now().timestamp() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": new_event_id(),
        "deliveryContext": {"isRedelivery": False},
    }
    if reply_token:
        event["replyToken"] = reply_token
    event.update(extra)
    return event


def text_event(user_id: str, text: str, reply_token: str | None = None) -> dict[str, Any]:
    return _base("message", user_id, reply_token, message={
        "type": "text", "id": str(next(_counter)), "quoteToken": "q", "text": text})


def follow_event(user_id: str, reply_token: str | None = None,
                 unblocked: bool = False) -> dict[str, Any]:
    return _base("follow", user_id, reply_token, follow={"isUnblocked": unblocked})


def unfollow_event(user_id: str) -> dict[str, Any]:
    return _base("unfollow", user_id, None)


def postback_event(user_id: str, data: str, reply_token: str | None = None,
                   params: dict[str, str] | None = None) -> dict[str, Any]:
    postback: dict[str, Any] = {"data": data}
    if params:
        postback["params"] = params
    return _base("postback", user_id, reply_token, postback=postback)


def location_event(user_id: str, latitude: float, longitude: float,
                   reply_token: str | None = None) -> dict[str, Any]:
    return _base("message", user_id, reply_token, message={
        "type": "location", "id": str(next(_counter)), "title": "pin",
        "address": "Okinawa", "latitude": latitude, "longitude": longitude})


def sticker_event(user_id: str, reply_token: str | None = None) -> dict[str, Any]:
    return _base("message", user_id, reply_token, message={
        "type": "sticker", "id": str(next(_counter)), "packageId": "446", "stickerId": "1988",
        "stickerResourceType": "STATIC", "quoteToken": "q"})


def group_event(event_type: str, group_id: str, reply_token: str | None = None,
                **extra: Any) -> dict[str, Any]:
    event = _base(event_type, "", reply_token, **extra)
    event["source"] = {"type": "group", "groupId": group_id, "userId": line_user_id(999)}
    if event_type == "join":
        event["source"].pop("userId")
    return event


def body_of(*events: dict[str, Any], destination: str = "U" + "0" * 32) -> bytes:
    return json.dumps({"destination": destination, "events": list(events)}).encode()
