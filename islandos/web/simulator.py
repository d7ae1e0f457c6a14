"""The dev simulator at /dev/simulator (registered only when ISLANDOS_ENV=development).

It plays LINE for a persona (a LINE user id): it posts real signed webhook events to /callback
and shows what the recording transport recorded for that user, replies and later pushes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.models.admin import AdminUser
from islandos.models.people import Person
from islandos.models.recordings import RecordedMessage

bp = Blueprint("simulator", __name__, url_prefix="/dev/simulator")

USER_ID = re.compile(r"^U[0-9a-f]{32}$")
MAX_PERSONAS = 200


@dataclass(frozen=True)
class Persona:
    user_id: str
    label: str
    kind: str  # unknown | islander | tourist | family | admin | new


def new_user_id() -> str:
    return "U" + secrets.token_hex(16)


def _checked_user(raw: str | None) -> str:
    if not raw or not USER_ID.fullmatch(raw):
        abort(400, "a LINE user id is U followed by 32 hex digits")
    return raw


def personas() -> list[Persona]:
    """Everyone who has a LINE id (demo islanders, tourists, family) and linked admins."""
    with islandos_state(current_app).db.transaction() as session:
        admins = {person_id: username for person_id, username in session.execute(
            select(AdminUser.line_person_id, AdminUser.username)
            .where(AdminUser.line_person_id.is_not(None)))}
        people = list(session.scalars(
            select(Person).where(Person.line_user_id.is_not(None))
            .order_by(Person.id.desc()).limit(MAX_PERSONAS)))
    found = []
    for person in people:
        assert person.line_user_id is not None
        name = person.full_name or f"#{person.id}"
        if person.id in admins:
            found.append(Persona(person.line_user_id, f"{admins[person.id]} ({name})", "admin"))
        else:
            found.append(Persona(person.line_user_id, f"{name} [{person.status}]", person.role))
    return found


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def build_event(user_id: str, action: dict[str, Any]) -> dict[str, Any]:
    """The webhook event LINE would send for what the persona did."""
    kind = action.get("kind")
    event: dict[str, Any] = {
        "mode": "active", "timestamp": int(now().timestamp() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": "SIM" + secrets.token_hex(11).upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": f"{user_id}:{secrets.token_hex(8)}",
    }
    message_id = str(time.time_ns())
    if kind == "follow":
        event.update(type="follow", follow={"isUnblocked": bool(action.get("unblocked"))})
    elif kind == "unfollow":
        event.update(type="unfollow")
        event.pop("replyToken")
    elif kind == "text":
        text = str(action.get("text") or "").strip()
        if not text or len(text) > 5000:
            abort(400, "text must have 1 to 5000 characters")
        event.update(type="message", message={"type": "text", "id": message_id,
                                               "quoteToken": "sim", "text": text})
    elif kind == "postback":
        postback: dict[str, Any] = {"data": str(action.get("data") or "")}
        params = action.get("params")
        if isinstance(params, dict) and params:
            postback["params"] = {str(k): str(v) for k, v in params.items()}
        event.update(type="postback", postback=postback)
    elif kind == "location":
        try:
            latitude, longitude = float(action["latitude"]), float(action["longitude"])
        except (KeyError, TypeError, ValueError):
            abort(400, "latitude and longitude are numbers")
        event.update(type="message", message={
            "type": "location", "id": message_id, "title": "📍",
            "address": f"{latitude:.5f}, {longitude:.5f}",
            "latitude": latitude, "longitude": longitude})
    elif kind == "sticker":
        event.update(type="message", message={
            "type": "sticker", "id": message_id, "packageId": "446", "stickerId": "1988",
            "stickerResourceType": "STATIC", "quoteToken": "sim"})
    else:
        abort(400, "unknown kind")
    return event


# Gist of what the bot sent ----------------------------------------------------------


def _action(action: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(action, dict) or "type" not in action:
        return None
    keep = ("type", "label", "text", "data", "displayText", "uri", "mode", "initial", "min",
            "max")
    return {key: action[key] for key in keep if key in action}


def _walk_flex(node: Any, gist: dict[str, Any]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk_flex(item, gist)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "text" and node.get("text"):
        big_bold = node.get("weight") == "bold" and node.get("size") not in ("xxs", "xs", "sm")
        if gist["title"] is None and big_bold:
            gist["title"] = node["text"]
        else:
            gist["texts"].append(node["text"])
    elif kind == "button":
        action = _action(node.get("action"))
        if action:
            gist["buttons"].append(action)
    elif kind == "image" and node.get("url"):
        gist["images"].append(node["url"])
    for key in ("header", "hero", "body", "footer"):
        _walk_flex(node.get(key), gist)
    if kind in ("box", "carousel"):
        _walk_flex(node.get("contents"), gist)


def gist(message: dict[str, Any]) -> dict[str, Any]:
    """What the simulator shows of one LINE message (exact layouts are not needed)."""
    kind = message.get("type")
    shown: dict[str, Any] = {"type": kind}
    if kind == "text":
        shown["text"] = message.get("text", "")
    elif kind == "flex":
        contents = message.get("contents") or {}
        bubbles = contents.get("contents", []) if contents.get("type") == "carousel" \
            else [contents]
        shown["alt_text"] = message.get("altText", "")
        shown["bubbles"] = []
        for bubble in bubbles:
            card: dict[str, Any] = {"title": None, "texts": [], "buttons": [], "images": []}
            _walk_flex(bubble, card)
            shown["bubbles"].append(card)
    elif kind == "template":
        template = message.get("template") or {}
        shown.update(alt_text=message.get("altText", ""), title=template.get("title"),
                     text=template.get("text", ""),
                     buttons=[a for a in map(_action, template.get("actions", [])) if a])
    elif kind == "image":
        shown["url"] = message.get("previewImageUrl") or message.get("originalContentUrl")
    elif kind == "location":
        shown.update(title=message.get("title"), address=message.get("address"),
                     latitude=message.get("latitude"), longitude=message.get("longitude"))
    else:
        shown["text"] = json.dumps(message, ensure_ascii=False)[:500]
    items = (message.get("quickReply") or {}).get("items", [])
    shown["quick_replies"] = [a for a in (_action(i.get("action")) for i in items) if a]
    return shown


# Views ------------------------------------------------------------------------------


@bp.get("/")
def index() -> ResponseReturnValue:
    user_id = request.args.get("user")
    if user_id is not None:
        _checked_user(user_id)
    return render_template("simulator/index.html", personas=personas(), user_id=user_id)


@bp.post("/personas")
def new_persona() -> ResponseReturnValue:
    """A brand-new LINE user who has not added the bot yet."""
    return redirect(url_for("simulator.index", user=new_user_id()))


@bp.post("/send")
def send() -> ResponseReturnValue:
    """Post one signed webhook event for the persona to /callback, in-process."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        abort(400, "send JSON")
    user_id = _checked_user(payload.get("user"))
    event = build_event(user_id, payload)
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]},
                      ensure_ascii=False).encode()
    state = islandos_state(current_app)
    response = current_app.test_client().post(
        "/callback", data=body, headers={
            "Content-Type": "application/json",
            "X-Line-Signature": sign(state.settings.line_channel_secret, body)})
    response.close()  # like LINE hanging up: the webhook sends its replies now
    return jsonify({"status": response.status_code, "event_id": event["webhookEventId"]})


@bp.get("/messages")
def messages() -> ResponseReturnValue:
    """What the bot sent this persona after message id `after` (replies, pushes, multicasts)."""
    user_id = _checked_user(request.args.get("user"))
    after = request.args.get("after", 0, type=int) or 0
    with islandos_state(current_app).db.transaction() as session:
        rows = list(session.scalars(
            select(RecordedMessage).where(RecordedMessage.line_user_id == user_id,
                                          RecordedMessage.id > after)
            .order_by(RecordedMessage.id).limit(100)))
        person = session.scalar(select(Person).where(Person.line_user_id == user_id))
        total = session.scalar(select(func.count()).select_from(RecordedMessage).where(
            RecordedMessage.line_user_id == user_id)) or 0
        about = None if person is None else {
            "id": person.id, "role": person.role, "status": person.status,
            "language": person.language, "name": person.full_name,
            "dialog_state": person.dialog_state}
    return jsonify({
        "person": about, "total": total,
        "items": [{"id": row.id, "via": row.via, "at": row.created_at.isoformat(),
                   "messages": [gist(m) for m in row.payload.get("messages", [])]}
                  for row in rows]})
