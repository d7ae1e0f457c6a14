"""Builders for LINE messages that enforce LINE's limits before anything is sent."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import orjson
from linebot.v3.messaging import Message as SdkMessage

Message = dict[str, Any]

MAX_MESSAGES_PER_REQUEST = 5
MAX_MULTICAST_RECIPIENTS = 500
MAX_TEXT = 5000
MAX_ALT_TEXT = 1500
MAX_QUICK_REPLY_ITEMS = 13
MAX_CAROUSEL_BUBBLES = 12
MAX_FLEX_BYTES = 50_000
MAX_ACTION_LABEL = 20
MAX_POSTBACK_DATA = 300
MAX_DISPLAY_TEXT = 300
# A destructive choice (delete my data, remove a family link) is a secondary button of this
# warning colour; the safe choice beside it is the primary one.
WARNING_BUTTON_COLOR = "#F6D4CF"
# Flex components that may follow the font size the user set in LINE (`scaling`).
SCALABLE = frozenset({"text", "button", "icon"})


class MessageLimitError(ValueError):
    """A message breaks one of LINE's limits; it would be refused, so it is never sent."""


def utf16_len(text: str) -> int:
    """Length as LINE counts it: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def _check_length(what: str, value: str, limit: int) -> str:
    if not value:
        raise MessageLimitError(f"{what} is empty")
    if utf16_len(value) > limit:
        raise MessageLimitError(f"{what} is {utf16_len(value)} characters; LINE allows {limit}")
    return value


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Shorten text to at most `limit` UTF-16 units, never splitting a surrogate pair."""
    if utf16_len(text) <= limit:
        return text
    out: list[str] = []
    used = utf16_len(ellipsis)
    for char in text:
        size = utf16_len(char)
        if used + size > limit:
            break
        out.append(char)
        used += size
    return "".join(out) + ellipsis


# Actions -------------------------------------------------------------------


def postback_action(label: str, data: str, display_text: str | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "postback",
        "label": _check_length("action label", label, MAX_ACTION_LABEL),
        "data": _check_length("postback data", data, MAX_POSTBACK_DATA),
    }
    if display_text:
        action["displayText"] = _check_length("displayText", display_text, MAX_DISPLAY_TEXT)
    return action


def message_action(label: str, text: str | None = None) -> dict[str, Any]:
    return {
        "type": "message",
        "label": _check_length("action label", label, MAX_ACTION_LABEL),
        "text": _check_length("message action text", text or label, 300),
    }


def uri_action(label: str, uri: str) -> dict[str, Any]:
    if not uri.startswith(("https://", "http://", "line://", "tel:")):
        raise MessageLimitError(f"unsupported URI scheme: {uri[:20]}")
    return {"type": "uri", "label": _check_length("action label", label, MAX_ACTION_LABEL),
            "uri": _check_length("uri", uri, 1000)}


def datetime_picker_action(
    label: str, data: str, mode: str = "date", initial: str | None = None,
    min_value: str | None = None, max_value: str | None = None,
) -> dict[str, Any]:
    if mode not in ("date", "time", "datetime"):
        raise MessageLimitError(f"unknown datetime picker mode {mode}")
    action: dict[str, Any] = {
        "type": "datetimepicker",
        "label": _check_length("action label", label, MAX_ACTION_LABEL),
        "data": _check_length("postback data", data, MAX_POSTBACK_DATA),
        "mode": mode,
    }
    for key, value in (("initial", initial), ("min", min_value), ("max", max_value)):
        if value:
            action[key] = value
    return action


def location_action(label: str) -> dict[str, Any]:
    return {"type": "location", "label": _check_length("action label", label, MAX_ACTION_LABEL)}


# Messages ------------------------------------------------------------------


def quick_reply(actions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if not actions:
        raise MessageLimitError("a quick reply needs at least one item")
    if len(actions) > MAX_QUICK_REPLY_ITEMS:
        raise MessageLimitError(
            f"{len(actions)} quick-reply items; LINE allows {MAX_QUICK_REPLY_ITEMS}"
        )
    return {"items": [{"type": "action", "action": action} for action in actions]}


def text(body: str, quick_replies: Sequence[dict[str, Any]] | None = None) -> Message:
    message: Message = {"type": "text", "text": _check_length("text", body, MAX_TEXT)}
    if quick_replies:
        message["quickReply"] = quick_reply(quick_replies)
    return message


def image(original_url: str, preview_url: str | None = None) -> Message:
    for url in (original_url, preview_url or original_url):
        if not url.startswith("https://"):
            raise MessageLimitError("LINE shows images only from https:// URLs")
        _check_length("image URL", url, 2000)
    return {"type": "image", "originalContentUrl": original_url,
            "previewImageUrl": preview_url or original_url}


def location(title: str, address: str, latitude: float, longitude: float) -> Message:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise MessageLimitError("latitude or longitude out of range")
    return {"type": "location", "title": truncate(title, 100), "address": truncate(address, 100),
            "latitude": latitude, "longitude": longitude}


def scaled(node: Any) -> Any:
    """A copy of Flex contents whose texts, buttons and icons follow the font size the user
    chose in LINE (`"scaling": true`), unless a component says otherwise: elderly users
    enlarge it, and our cards must grow with it."""
    if isinstance(node, list):
        return [scaled(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: scaled(value) if key in ("contents", "header", "hero", "body", "footer")
            else value for key, value in node.items()}
    if copy.get("type") in SCALABLE and "scaling" not in copy and "adjustMode" not in copy:
        copy["scaling"] = True
    return copy


def flex(alt_text: str, contents: dict[str, Any],
         quick_replies: Sequence[dict[str, Any]] | None = None) -> Message:
    """Every Flex message we send passes here: LINE's limits are checked and its texts
    follow the user's font size (`scaled`)."""
    contents = scaled(contents)
    size = len(json.dumps(contents, ensure_ascii=False, separators=(",", ":")).encode())
    if size > MAX_FLEX_BYTES:
        raise MessageLimitError(f"Flex contents are {size} bytes; LINE allows {MAX_FLEX_BYTES}")
    if contents.get("type") == "carousel" and len(contents["contents"]) > MAX_CAROUSEL_BUBBLES:
        raise MessageLimitError(f"a carousel holds at most {MAX_CAROUSEL_BUBBLES} bubbles")
    message: Message = {"type": "flex", "altText": truncate(alt_text, MAX_ALT_TEXT),
                        "contents": contents}
    if quick_replies:
        message["quickReply"] = quick_reply(quick_replies)
    return message


def carousel(bubbles: Sequence[dict[str, Any]]) -> dict[str, Any]:
    if not bubbles:
        raise MessageLimitError("a carousel needs at least one bubble")
    if len(bubbles) > MAX_CAROUSEL_BUBBLES:
        raise MessageLimitError(f"{len(bubbles)} bubbles; a carousel holds {MAX_CAROUSEL_BUBBLES}")
    return {"type": "carousel", "contents": list(bubbles)}


def button(action: dict[str, Any], style: str = "primary", color: str | None = None,
           height: str = "md") -> dict[str, Any]:
    """A Flex button: `primary` for the choice we expect, `secondary` for the others."""
    component: dict[str, Any] = {"type": "button", "style": style, "height": height,
                                 "action": action}
    if color:
        component["color"] = color
    return component


def warning_button(action: dict[str, Any]) -> dict[str, Any]:
    """A destructive choice: secondary, in the warning colour, never the primary button."""
    return button(action, "secondary", WARNING_BUTTON_COLOR)


def band(words: str, color: str, note: str | None = None) -> dict[str, Any]:
    """A bubble's header: a coloured band (「緊急」 in white on red), with an optional note."""
    contents: list[dict[str, Any]] = [
        {"type": "text", "text": truncate(words, 40), "weight": "bold", "size": "lg",
         "color": "#FFFFFF", "flex": 0}]
    if note:
        contents.append({"type": "text", "text": truncate(note, 60), "size": "sm",
                         "color": "#FFFFFF", "wrap": True, "gravity": "center"})
    return {"type": "box", "layout": "horizontal", "spacing": "md", "backgroundColor": color,
            "paddingAll": "12px", "contents": contents}


def bubble(
    title: str,
    lines: Iterable[str] = (),
    buttons: Sequence[dict[str, Any]] = (),
    *,
    hero_image_url: str | None = None,
    label: str | None = None,
    accent: str = "#1E6FA8",
    header: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A plain card: an optional header band, label and image, a bold title, short lines and
    big buttons. `buttons` are actions (the first becomes the primary button, the others
    secondary) or buttons already made with `button` / `warning_button`."""
    body: list[dict[str, Any]] = []
    if label:
        body.append({"type": "text", "text": label, "size": "sm", "color": accent,
                     "weight": "bold"})
    body.append({"type": "text", "text": truncate(title, 200), "weight": "bold", "size": "lg",
                 "wrap": True})
    body.extend({"type": "text", "text": truncate(line, 2000), "size": "md", "wrap": True,
                 "color": "#333333"} for line in lines if line)
    card: dict[str, Any] = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": body},
    }
    if header:
        card["header"] = header
    if hero_image_url:
        card["hero"] = {"type": "image", "url": hero_image_url, "size": "full",
                        "aspectRatio": "20:13", "aspectMode": "cover"}
    if buttons:
        card["footer"] = {
            "type": "box", "layout": "vertical", "spacing": "sm",
            "contents": [
                item if item.get("type") == "button"
                else button(item, "primary" if i == 0 else "secondary")
                for i, item in enumerate(buttons)
            ],
        }
    return card


# Checking whole requests ---------------------------------------------------


def check_messages(messages: Sequence[Message]) -> list[Message]:
    """Refuse what LINE would refuse: 1–5 messages, each valid per LINE's own models."""
    for message in check_limits(messages):
        _check_against_line_models(orjson.dumps(message, option=orjson.OPT_SORT_KEYS))
    return list(messages)


def check_limits(messages: Sequence[Message]) -> list[Message]:
    """LINE's counts and lengths only (cheap); check_messages adds LINE's own models."""
    if not messages:
        raise MessageLimitError("no messages to send")
    if len(messages) > MAX_MESSAGES_PER_REQUEST:
        raise MessageLimitError(
            f"{len(messages)} messages; LINE takes at most {MAX_MESSAGES_PER_REQUEST} a request"
        )
    for message in messages:
        if message.get("type") == "text":
            _check_length("text", message.get("text", ""), MAX_TEXT)
        if "altText" in message:
            _check_length("altText", message["altText"], MAX_ALT_TEXT)
        items = message.get("quickReply", {}).get("items", [])
        if len(items) > MAX_QUICK_REPLY_ITEMS:
            raise MessageLimitError(f"{len(items)} quick-reply items; LINE allows 13")
    return list(messages)


# Most messages are the same few answers (help, menus) over and over; parsing them into
# line-bot-sdk's pydantic models costs more than the rest of a webhook event, so a message
# that passed once is remembered by its JSON. Only passes are remembered: a refusal raises.
@lru_cache(maxsize=256)
def _check_against_line_models(message_json: bytes) -> None:
    message = orjson.loads(message_json)
    try:
        parsed = SdkMessage.from_dict(message)
    except (ValueError, TypeError, KeyError) as exc:
        raise MessageLimitError(f"not a valid LINE message: {exc}") from exc
    if parsed is None:
        raise MessageLimitError(f"unknown message type {message.get('type')!r}")
