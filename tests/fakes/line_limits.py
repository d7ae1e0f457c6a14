"""LINE Messaging API rules the OpenAPI spec leaves out, and LINE's error answers, for the fake."""

from __future__ import annotations

import json
import re
import struct
from contextlib import suppress
from dataclasses import dataclass
from functools import lru_cache
from http import HTTPStatus
from typing import Any

from linebot.v3.messaging import Message, RichMenuArea
from pydantic.v1 import ValidationError

MAX_MESSAGES = 5
MAX_RECIPIENTS = 500
MAX_TEXT = 5000
MAX_ALT_TEXT_FLEX = 1500
MAX_ALT_TEXT_TEMPLATE = 400  # template and imagemap messages
MAX_BUBBLES = 12
MAX_FLEX_BYTES = 50_000  # whole `contents`, compact JSON in UTF-8
MAX_BUBBLE_BYTES = 30_000  # one bubble
MAX_QUICK_REPLY_ITEMS = 13
MAX_LABEL = 20  # quick reply, template and rich menu actions
MAX_FLEX_LABEL = 40  # actions inside a Flex message
MAX_IMAGE_CAROUSEL_LABEL = 12
MAX_DATA = 300  # postback / datetime picker `data`
MAX_DISPLAY_TEXT = 300
MAX_ACTION_TEXT = 300  # message action `text`
MAX_BUTTONS_ACTIONS = 4
MAX_CAROUSEL_COLUMNS = 10
MAX_COLUMN_ACTIONS = 3

RICHMENU_SIZES = frozenset(
    {(2500, 1686), (2500, 843), (1200, 810), (1200, 405), (800, 540), (800, 270)}
)
MAX_RICHMENU_AREAS = 20
MAX_CHAT_BAR_TEXT = 14
MAX_RICHMENU_NAME = 300
MAX_RICHMENU_IMAGE_BYTES = 1024 * 1024

USER_ID_RE = re.compile(r"^U[0-9a-f]{32}$")
PUSH_TARGET_RE = re.compile(r"^[UCR][0-9a-f]{32}$")
RETRY_KEY_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


AUTH_FAILED_BODY = {
    "message": "Authentication failed. "
    "Confirm that the access token in the authorization header is valid."
}
NOT_FOUND_BODY = {"message": "Not found"}
INVALID_REPLY_TOKEN_BODY = {"message": "Invalid reply token"}
RATE_LIMIT_BODY = {"message": "The API rate limit has been exceeded. Try again later."}
MONTHLY_LIMIT_BODY = {"message": "You have reached your monthly limit."}
RETRY_KEY_ACCEPTED_MESSAGE = "The retry key is already accepted"
RETRY_KEY_FORMAT_BODY = {"message": "The retry key is not in UUID format (X-Line-Retry-Key)"}
IMAGE_ALREADY_UPLOADED_BODY = {"message": "An image has already been uploaded to the richmenu"}
IMAGE_REQUIRED_BODY = {"message": "must upload richmenu image before applying it to user"}
INVALID_TO_BODY = {
    "message": "The property, 'to', in the request body is invalid (line: -, column: -)"
}


class LineError(Exception):
    """An error answer: HTTP status, JSON body and extra headers."""

    def __init__(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{status} {body}")
        self.status, self.body, self.headers = status, body, headers or {}


@dataclass(frozen=True)
class Detail:
    """One entry of LINE's `details` array in a 400 answer."""

    message: str
    property: str


class BodyErrors(LineError):
    """The request body breaks one or more rules: LINE's 400 with `details`."""

    def __init__(self, details: list[Detail]) -> None:
        body = {
            "message": f"The request body has {len(details)} error(s)",
            "details": [{"message": d.message, "property": d.property} for d in details],
        }
        super().__init__(400, body)
        self.details = details


def utf16_len(text: str) -> int:
    """Length as LINE counts it: UTF-16 code units (a character outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


def compact_json_size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _join(prefix: str, loc: tuple[Any, ...]) -> str:
    out = prefix
    for part in loc:
        if part == "__root__":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validate_model(model: Any, data: Any, prop: str = "") -> Any:
    """Run a line-bot-sdk model's `from_dict`, turning any failure into `BodyErrors`."""
    if not isinstance(data, dict):
        raise BodyErrors([Detail("must be a JSON object", prop or "(root)")])
    try:
        return model.from_dict(data)
    except ValidationError as exc:
        raise BodyErrors(
            [
                Detail(f"{e['msg']} ({exc.model.__name__})", _join(prop, e["loc"]))
                for e in exc.errors()
            ]
        ) from exc
    except KeyError as exc:
        raise BodyErrors([Detail("must be specified", _join(prop, (str(exc.args[0]),)))]) from exc
    except (ValueError, TypeError, AttributeError) as exc:
        reason = str(exc).split(". Discriminator", 1)[0]
        raise BodyErrors([Detail(f"invalid value: {reason}"[:300], prop or "(root)")]) from exc


def _too_long(value: Any, limit: int, prop: str, rule: str) -> list[Detail]:
    if isinstance(value, str) and utf16_len(value) > limit:
        return [Detail(f"Length must be between 0 and {limit} ({rule})", prop)]
    return []


def check_action(action: Any, prop: str, label_max: int, label_required: bool) -> list[Detail]:
    """LINE's rules for one action object."""
    act = _as_dict(action)
    kind = act.get("type")
    errors: list[Detail] = []
    if label_required and not act.get("label"):
        errors.append(Detail("must be specified (action label)", f"{prop}.label"))
    errors += _too_long(act.get("label"), label_max, f"{prop}.label", f"action label ≤ {label_max}")
    errors += _too_long(act.get("data"), MAX_DATA, f"{prop}.data", f"action data ≤ {MAX_DATA}")
    errors += _too_long(
        act.get("displayText"),
        MAX_DISPLAY_TEXT,
        f"{prop}.displayText",
        f"displayText ≤ {MAX_DISPLAY_TEXT}",
    )
    required = {"postback": "data", "datetimepicker": "data", "message": "text", "uri": "uri"}.get(
        str(kind)
    )
    if required and not act.get(required):
        errors.append(Detail(f"must be specified ({kind} action {required})", f"{prop}.{required}"))
    if kind == "message":
        errors += _too_long(
            act.get("text"),
            MAX_ACTION_TEXT,
            f"{prop}.text",
            f"message action text ≤ {MAX_ACTION_TEXT}",
        )
    return errors


def _check_flex_tree(node: Any, prop: str) -> list[Detail]:
    errors: list[Detail] = []
    if isinstance(node, list):
        for i, item in enumerate(node):
            errors += _check_flex_tree(item, f"{prop}[{i}]")
        return errors
    if not isinstance(node, dict):
        return errors
    kind = node.get("type")
    if kind == "button" and "action" not in node:
        errors.append(Detail("must be specified (button action)", f"{prop}.action"))
    if kind == "text" and not node.get("text") and not node.get("contents"):
        errors.append(
            Detail("must be specified (text or contents of a text component)", f"{prop}.text")
        )
    for key, value in node.items():
        if key == "action" and isinstance(value, dict):
            errors += check_action(
                value, f"{prop}.action", MAX_FLEX_LABEL, label_required=kind == "button"
            )
        elif isinstance(value, (dict, list)):
            errors += _check_flex_tree(value, f"{prop}.{key}")
    return errors


def _check_flex(msg: dict[str, Any], prop: str) -> list[Detail]:
    errors = _too_long(
        msg.get("altText"),
        MAX_ALT_TEXT_FLEX,
        f"{prop}.altText",
        f"flex altText ≤ {MAX_ALT_TEXT_FLEX}",
    )
    contents = _as_dict(msg.get("contents"))
    size = compact_json_size(contents)
    if size > MAX_FLEX_BYTES:
        errors.append(
            Detail(
                f"Flex contents is {size} bytes; must be ≤ {MAX_FLEX_BYTES} bytes",
                f"{prop}.contents",
            )
        )
    bubbles = (
        _as_list(contents.get("contents")) if contents.get("type") == "carousel" else [contents]
    )
    if len(bubbles) > MAX_BUBBLES:
        errors.append(
            Detail(
                f"Size must be between 1 and {MAX_BUBBLES} (carousel bubbles)",
                f"{prop}.contents.contents",
            )
        )
    for i, bubble in enumerate(bubbles):
        bubble_size = compact_json_size(bubble)
        if bubble_size > MAX_BUBBLE_BYTES:
            errors.append(
                Detail(
                    f"bubble is {bubble_size} bytes; must be ≤ {MAX_BUBBLE_BYTES} bytes",
                    f"{prop}.contents[{i}]",
                )
            )
    return errors + _check_flex_tree(contents, f"{prop}.contents")


def _check_actions(
    actions: Any, prop: str, low: int, high: int, label_max: int = MAX_LABEL
) -> list[Detail]:
    items = _as_list(actions)
    errors: list[Detail] = []
    if not low <= len(items) <= high:
        errors.append(Detail(f"Size must be between {low} and {high} (template actions)", prop))
    for i, action in enumerate(items):
        errors += check_action(action, f"{prop}[{i}]", label_max, label_required=True)
    return errors


def _check_template(msg: dict[str, Any], prop: str) -> list[Detail]:
    errors = _too_long(
        msg.get("altText"),
        MAX_ALT_TEXT_TEMPLATE,
        f"{prop}.altText",
        f"template altText ≤ {MAX_ALT_TEXT_TEMPLATE}",
    )
    tpl = _as_dict(msg.get("template"))
    tprop = f"{prop}.template"
    kind = tpl.get("type")
    if "defaultAction" in tpl:
        errors += check_action(
            tpl["defaultAction"], f"{tprop}.defaultAction", MAX_LABEL, label_required=False
        )
    if kind == "buttons":
        errors += _check_actions(tpl.get("actions"), f"{tprop}.actions", 1, MAX_BUTTONS_ACTIONS)
    elif kind == "confirm":
        errors += _check_actions(tpl.get("actions"), f"{tprop}.actions", 2, 2)
    elif kind in ("carousel", "image_carousel"):
        columns = _as_list(tpl.get("columns"))
        if not 1 <= len(columns) <= MAX_CAROUSEL_COLUMNS:
            errors.append(
                Detail(
                    f"Size must be between 1 and {MAX_CAROUSEL_COLUMNS} (columns)",
                    f"{tprop}.columns",
                )
            )
        for i, column in enumerate(columns):
            col = _as_dict(column)
            cprop = f"{tprop}.columns[{i}]"
            if kind == "carousel":
                errors += _check_actions(
                    col.get("actions"), f"{cprop}.actions", 1, MAX_COLUMN_ACTIONS
                )
            else:
                label_max = MAX_IMAGE_CAROUSEL_LABEL
                errors += check_action(
                    col.get("action"), f"{cprop}.action", label_max, label_required=False
                )
    return errors


def check_message(message: Any, prop: str) -> list[Detail]:
    """LINE's limits for one message object (the SDK models check only its shape)."""
    msg = _as_dict(message)
    kind = msg.get("type")
    errors: list[Detail] = []
    if kind in ("text", "textV2"):
        errors += _too_long(
            msg.get("text"), MAX_TEXT, f"{prop}.text", f"text ≤ {MAX_TEXT} UTF-16 units"
        )
    elif kind == "flex":
        errors += _check_flex(msg, prop)
    elif kind == "template":
        errors += _check_template(msg, prop)
    elif kind == "imagemap":
        limit = MAX_ALT_TEXT_TEMPLATE
        errors += _too_long(
            msg.get("altText"), limit, f"{prop}.altText", f"imagemap altText ≤ {limit}"
        )
    items = _as_list(_as_dict(msg.get("quickReply")).get("items"))
    if len(items) > MAX_QUICK_REPLY_ITEMS:
        errors.append(
            Detail(
                f"Size must be between 0 and {MAX_QUICK_REPLY_ITEMS} (quick reply items)",
                f"{prop}.quickReply.items",
            )
        )
    for i, item in enumerate(items):
        iprop = f"{prop}.quickReply.items[{i}].action"
        errors += check_action(_as_dict(item).get("action"), iprop, MAX_LABEL, label_required=True)
    return errors


def check_messages(messages: Any) -> None:
    """Count, then LINE's limits and the SDK model (subtypes too) of each message."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= MAX_MESSAGES:
        rule = f"Size must be between 1 and {MAX_MESSAGES} (messages per request)"
        raise BodyErrors([Detail(rule, "messages")])
    errors: list[Detail] = []
    for i, message in enumerate(messages):
        errors += _message_errors(json.dumps(message, separators=(",", ":")), i)
    if errors:
        raise BodyErrors(errors)


@lru_cache(maxsize=4096)  # pydantic is slow on big Flex messages, and bots repeat themselves
def _message_errors(message_json: str, index: int) -> tuple[Detail, ...]:
    message, prop = json.loads(message_json), f"messages[{index}]"
    errors = check_message(message, prop)
    try:
        validate_model(Message, message, prop)
    except BodyErrors as exc:
        errors += exc.details
    return tuple(errors)


def check_richmenu(body: dict[str, Any]) -> None:
    """LINE's rules for a rich menu object beyond its SDK model; raises `BodyErrors`."""
    errors = [
        Detail("must be specified", key)
        for key in ("size", "selected", "name", "chatBarText", "areas")
        if key not in body
    ]
    size = _as_dict(body.get("size"))
    width, height = size.get("width"), size.get("height")
    if "size" in body and (width, height) not in RICHMENU_SIZES:
        allowed = ", ".join(f"{w}x{h}" for w, h in sorted(RICHMENU_SIZES))
        errors.append(Detail(f"size {width}x{height} is not allowed (one of {allowed})", "size"))
    errors += _too_long(
        body.get("chatBarText"),
        MAX_CHAT_BAR_TEXT,
        "chatBarText",
        f"chatBarText ≤ {MAX_CHAT_BAR_TEXT}",
    )
    errors += _too_long(body.get("name"), MAX_RICHMENU_NAME, "name", f"name ≤ {MAX_RICHMENU_NAME}")
    areas = _as_list(body.get("areas"))
    if "areas" in body and not 1 <= len(areas) <= MAX_RICHMENU_AREAS:
        errors.append(
            Detail(f"Size must be between 1 and {MAX_RICHMENU_AREAS} (rich menu areas)", "areas")
        )
    for i, area in enumerate(areas):
        bounds = _as_dict(_as_dict(area).get("bounds"))
        x, y, w, h = (bounds.get(k) for k in ("x", "y", "width", "height"))
        if (
            isinstance(x, int)
            and isinstance(y, int)
            and isinstance(w, int)
            and isinstance(h, int)
            and isinstance(width, int)
            and isinstance(height, int)
            and (x + w > width or y + h > height)
        ):
            errors.append(Detail("area must be within the rich menu size", f"areas[{i}].bounds"))
        errors += check_action(
            _as_dict(area).get("action"), f"areas[{i}].action", MAX_LABEL, label_required=False
        )
        try:
            validate_model(RichMenuArea, area, f"areas[{i}]")
        except BodyErrors as exc:
            errors += exc.details
    if errors:
        raise BodyErrors(errors)


_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_info(data: bytes) -> tuple[str, int, int] | None:
    """(content type, width, height) read from a PNG IHDR or JPEG SOF header; None if neither."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD9)):
            i += 2
            continue
        if marker in _JPEG_SOF and i + 9 <= len(data):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return "image/jpeg", width, height
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        i += 2 + length
    return None


def default_error_body(status: int) -> dict[str, Any]:
    """What a scripted answer says when the test gives no body."""
    if status == 429:
        return dict(RATE_LIMIT_BODY)
    if 200 <= status < 300:
        return {}
    with suppress(ValueError):
        return {"message": HTTPStatus(status).phrase}
    return {"message": "Error"}


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def check_retry_key(key: str | None) -> str | None:
    """The X-Line-Retry-Key header normalised, or None; LINE wants a hex UUID."""
    if key is not None and not RETRY_KEY_RE.match(key):
        raise LineError(400, RETRY_KEY_FORMAT_BODY)
    return None if key is None else key.lower()


def check_user_id(user_id: Any, prop: str = "userId") -> str:
    if not isinstance(user_id, str) or not USER_ID_RE.match(user_id):
        raise LineError(400, {"message": f"The value for the '{prop}' parameter is invalid"})
    return user_id


def check_push_target(to: str) -> None:
    if not PUSH_TARGET_RE.match(to):
        raise LineError(400, INVALID_TO_BODY)


def check_multicast_targets(to: Any) -> None:
    if not isinstance(to, list) or not 1 <= len(to) <= MAX_RECIPIENTS:
        rule = f"Size must be between 1 and {MAX_RECIPIENTS} (multicast recipients)"
        raise BodyErrors([Detail(rule, "to")])
    bad = [i for i, user_id in enumerate(to) if not isinstance(user_id, str)]
    bad = bad or [i for i, user_id in enumerate(to) if not USER_ID_RE.match(user_id)]
    if bad:
        rule = "must be a user ID (U + 32 hex characters)"
        raise BodyErrors([Detail(rule, f"to[{i}]") for i in bad[:10]])


def check_richmenu_image(content_type: str, data: bytes, size: dict[str, Any]) -> None:
    """Type, byte size and pixel size of a rich menu image upload."""
    if content_type not in ("image/png", "image/jpeg"):
        raise LineError(415, {"message": "Content-Type must be image/png or image/jpeg"})
    if not data or len(data) > MAX_RICHMENU_IMAGE_BYTES:
        message = f"The image must be 1 to {MAX_RICHMENU_IMAGE_BYTES} bytes, not {len(data)}"
        raise LineError(400, {"message": message})
    info = image_info(data)
    if info is None or info[0] != content_type:
        raise LineError(400, {"message": f"The image data is not {content_type}"})
    image_size, menu_size = f"{info[1]}x{info[2]}", f"{size['width']}x{size['height']}"
    if image_size != menu_size:
        message = f"Image size {image_size} must match the rich menu size {menu_size}"
        raise LineError(400, {"message": message})
