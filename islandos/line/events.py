"""Webhook events as plain values, read from LINE's JSON (see line-openapi/webhook.yml)."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from islandos.clock import now
from islandos.line.messages import MAX_POSTBACK_DATA, MessageLimitError

# LINE redelivers an event it could not deliver for a while: an event that old still counts.
OLDEST_PLAUSIBLE = timedelta(days=30)
NEWEST_PLAUSIBLE = timedelta(days=1)  # clocks disagree; an event from next week is not LINE's
MAX_JSON_DEPTH = 64  # LINE's deepest payloads nest about six levels
MAX_ID = 2**63 - 1  # the largest id a database column holds

_USER_ID = re.compile(r"U[0-9a-f]{32}")
PLAIN_EVENT_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_CHAT_ID = re.compile(r"[CR][0-9a-f]{32}")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_DIGITS = re.compile(r"[0-9]{1,19}")
# A lone surrogate can only come from a \uD800-\uDFFF escape or from UTF-8-encoded surrogates
# (json.loads decodes bytes with "surrogatepass"); only bodies carrying one are searched.
_SURROGATE_HINT = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")


class MalformedEvent(ValueError):
    """An event LINE would never send: recorded as rejected, with this short reason, and skipped.

    The reason names a field, never its value (which may be personal data)."""


class InvalidPostback(ValueError):
    """Postback data no button of ours carries (a forged or garbled id): nothing changes."""


@dataclass(frozen=True)
class Postback:
    """Postback data, parsed in this one place: `action=rsvp&event=12&answer=yes`."""

    action: str
    values: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)  # date picker: date, time, datetime

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def id(self, key: str) -> int:
        """Like int(), for a value the action cannot do without: raises InvalidPostback when
        it is absent too."""
        value = self.int(key)
        if value is None:
            raise InvalidPostback(f"{self.action[:40]!r}: {key} is missing")
        return value

    def int(self, key: str) -> int | None:
        """The id or number under `key`; None when absent. Raises InvalidPostback when it is
        not a decimal number a database id can hold (letters, signs, over 64 bits)."""
        raw = self.values.get(key)
        if raw is None:
            return None
        if _DIGITS.fullmatch(raw) is None or int(raw) > MAX_ID:
            raise InvalidPostback(f"{self.action[:40]!r}: {key} is not an id")
        return int(raw)

    @classmethod
    def parse(cls, data: str, params: dict[str, Any] | None = None) -> Postback:
        values = dict(parse_qsl(data, keep_blank_values=True))
        return cls(action=values.pop("action", ""), values=values,
                   params={k: str(v) for k, v in (params or {}).items()})


def postback_data(action: str, **values: str | int) -> str:
    """The data string for a postback action; its length is checked against LINE's limit."""
    data = urlencode({"action": action, **{k: str(v) for k, v in values.items()}})
    if len(data) > MAX_POSTBACK_DATA:
        raise MessageLimitError(f"postback data is {len(data)} characters; LINE allows 300")
    return data


@dataclass(frozen=True)
class LineEvent:
    webhook_event_id: str
    type: str
    mode: str
    timestamp: datetime
    is_redelivery: bool
    source_type: str | None
    user_id: str | None
    group_id: str | None
    reply_token: str | None
    message_type: str | None = None
    text: str | None = None
    mentions_bot: bool = False
    latitude: float | None = None
    longitude: float | None = None
    postback: Postback | None = None
    is_unblocked: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_one_to_one(self) -> bool:
        return self.source_type == "user"

    @property
    def can_reply(self) -> bool:
        return self.mode == "active" and bool(self.reply_token)

    @classmethod
    def from_json(cls, raw: Any, check_strings: bool = True) -> LineEvent:
        """Read one event, checking the shape of every field we use (a few isinstance checks).

        Unknown event types, message types and fields are accepted and ignored: LINE adds them
        without notice. A known field of the wrong type, a userId not of LINE's shape, an
        implausible timestamp or a lone surrogate raise MalformedEvent. `check_strings=False`
        skips the search for lone surrogates, for a body that cannot contain one
        (see body_may_hold_surrogates)."""
        if not isinstance(raw, dict):
            raise MalformedEvent("event is not an object")
        event_type = raw.get("type")
        if not isinstance(event_type, str):
            raise MalformedEvent("type is not a string")
        if check_strings and has_lone_surrogate(raw):
            raise MalformedEvent("lone surrogate in a string")
        source = _object(raw, "source")
        message = _object(raw, "message")
        mention = _object(message, "mention", "message.mention")
        postback = _object(raw, "postback")
        source_type = _string(source, "type", "source.type")
        user_id = _string(source, "userId", "source.userId")
        if user_id is not None and _USER_ID.fullmatch(user_id) is None:
            raise MalformedEvent("source.userId is not a LINE user id")
        if source_type == "user" and user_id is None:
            raise MalformedEvent("source.userId is missing")
        group_id = _string(source, "groupId", "source.groupId") \
            or _string(source, "roomId", "source.roomId")
        if group_id is not None and _CHAT_ID.fullmatch(group_id) is None:
            raise MalformedEvent("source.groupId or roomId is not a LINE chat id")
        event_id = _string(raw, "webhookEventId", "webhookEventId") or fallback_event_id(raw)
        if PLAIN_EVENT_ID.fullmatch(event_id) is None:  # LINE's are ULIDs; the id gets logged
            raise MalformedEvent("webhookEventId is not an id")
        mode = _string(raw, "mode", "mode") or "active"
        message_type = _string(message, "type", "message.type")
        text = _string(message, "text", "message.text") if message_type == "text" else None
        latitude = longitude = None
        if message_type == "location":
            latitude = _coordinate(message, "latitude", 90)
            longitude = _coordinate(message, "longitude", 180)
        return cls(
            webhook_event_id=event_id,
            type=event_type[:32],
            mode=mode[:16],
            timestamp=_timestamp(raw.get("timestamp")),
            is_redelivery=_flag(_object(raw, "deliveryContext"), "isRedelivery",
                                "deliveryContext.isRedelivery"),
            source_type=source_type,
            user_id=user_id,
            group_id=group_id,
            reply_token=_string(raw, "replyToken", "replyToken"),
            message_type=message_type,
            text=text,
            mentions_bot=_mentions_bot(mention),
            latitude=latitude,
            longitude=longitude,
            postback=_postback(postback) if "postback" in raw else None,
            is_unblocked=_flag(_object(raw, "follow"), "isUnblocked", "follow.isUnblocked"),
            raw=raw,
        )


def body_may_hold_surrogates(body: bytes) -> bool:
    """Whether a raw webhook body could decode to a string with a lone surrogate."""
    return _SURROGATE_HINT.search(body) is not None


def has_lone_surrogate(value: Any) -> bool:
    """Whether a decoded JSON value holds a lone surrogate in any string or key."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _LONE_SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether decoded JSON nests objects and arrays deeper than `limit` (no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item \
            if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children
                     if isinstance(child, dict | list))
    return False


def _object(parent: dict[str, Any], key: str, name: str | None = None) -> dict[str, Any]:
    value = parent.get(key)
    if isinstance(value, dict):
        return value
    if value is None and key not in parent:
        return {}
    raise MalformedEvent(f"{name or key} is not an object")


def _string(parent: dict[str, Any], key: str, name: str) -> str | None:
    value = parent.get(key)
    if value is None and key not in parent:
        return None
    if not isinstance(value, str):
        raise MalformedEvent(f"{name} is not a string")
    return value


def _flag(parent: dict[str, Any], key: str, name: str) -> bool:
    value = parent.get(key, False)
    if not isinstance(value, bool):
        raise MalformedEvent(f"{name} is not a boolean")
    return value


def _timestamp(value: Any) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedEvent("timestamp is not a number of milliseconds")
    moment = now()
    try:
        timestamp = datetime.fromtimestamp(value / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError) as exc:
        raise MalformedEvent("timestamp is not a plausible time") from exc
    if not moment - OLDEST_PLAUSIBLE <= timestamp <= moment + NEWEST_PLAUSIBLE:
        raise MalformedEvent("timestamp is not a plausible time")
    return timestamp


def _coordinate(message: dict[str, Any], key: str, bound: float) -> float:
    value = message.get(key)
    if not isinstance(value, int | float) or isinstance(value, bool) \
            or not math.isfinite(value) or abs(value) > bound:
        raise MalformedEvent(f"message.{key} is not a coordinate")
    return float(value)


def _mentions_bot(mention: dict[str, Any]) -> bool:
    mentionees = mention.get("mentionees", [])
    if not isinstance(mentionees, list):
        raise MalformedEvent("message.mention.mentionees is not a list")
    found = False
    for mentionee in mentionees:
        if not isinstance(mentionee, dict):
            raise MalformedEvent("message.mention.mentionees holds a non-object")
        found = _flag(mentionee, "isSelf", "mentionee.isSelf") or found
    return found


def _postback(postback: dict[str, Any]) -> Postback:
    data = _string(postback, "data", "postback.data") or ""
    params = _object(postback, "params", "postback.params")
    if not all(isinstance(v, str) for v in params.values()):
        raise MalformedEvent("postback.params holds a non-string")
    return Postback.parse(data, params)


def fallback_event_id(raw: Any) -> str:
    """An id for an event without a usable webhookEventId: the same for the same content."""
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    return "sha256-" + digest[:57]
