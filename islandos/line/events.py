"""Webhook events as plain values, read from LINE's JSON (see line-openapi/webhook.yml)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from islandos.line.messages import MAX_POSTBACK_DATA, MessageLimitError


class MalformedEvent(ValueError):
    """An event LINE would never send; it is logged and skipped."""


@dataclass(frozen=True)
class Postback:
    """Postback data, parsed in this one place: `action=rsvp&event=12&answer=yes`."""

    action: str
    values: dict[str, str]
    params: dict[str, str] = field(default_factory=dict)  # date picker: date, time, datetime

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.values.get(key, default)

    def int(self, key: str) -> int | None:
        raw = self.values.get(key)
        return int(raw) if raw is not None and raw.isdigit() else None

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
    def from_json(cls, raw: dict[str, Any]) -> LineEvent:
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise MalformedEvent("event without a type")
        source = raw.get("source") or {}
        message = raw.get("message") or {}
        postback = raw.get("postback")
        mention = message.get("mention") or {}
        try:
            timestamp = datetime.fromtimestamp(int(raw.get("timestamp", 0)) / 1000, tz=UTC)
        except (TypeError, ValueError, OverflowError) as exc:
            raise MalformedEvent("bad timestamp") from exc
        event_id = raw.get("webhookEventId") or _fallback_id(raw)
        return cls(
            webhook_event_id=str(event_id)[:64],
            type=raw["type"],
            mode=str(raw.get("mode", "active")),
            timestamp=timestamp,
            is_redelivery=bool((raw.get("deliveryContext") or {}).get("isRedelivery")),
            source_type=source.get("type"),
            user_id=source.get("userId"),
            group_id=source.get("groupId") or source.get("roomId"),
            reply_token=raw.get("replyToken"),
            message_type=message.get("type"),
            text=message.get("text") if message.get("type") == "text" else None,
            mentions_bot=any(m.get("isSelf") for m in mention.get("mentionees", [])),
            latitude=_float(message.get("latitude")),
            longitude=_float(message.get("longitude")),
            postback=Postback.parse(str(postback.get("data", "")), postback.get("params"))
            if isinstance(postback, dict) else None,
            is_unblocked=bool((raw.get("follow") or {}).get("isUnblocked")),
            raw=raw,
        )


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _fallback_id(raw: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(raw, sort_keys=True).encode()).hexdigest()
    return "sha256-" + digest[:57]
