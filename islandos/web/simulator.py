"""The dev simulator at /dev/simulator (registered only when ISLANDOS_ENV=development).

It plays LINE for a persona (a LINE user id): it posts real signed webhook events to /callback
and shows what the recording transport recorded for that user, replies and later pushes, and
the rich menu linked to them. What the persona sent is recorded too (as via="user" rows), so
the whole conversation survives a reload.
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
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.line.messages import MAX_DISPLAY_TEXT, utf16_len
from islandos.line.richmenus import LAYOUTS, menu_body
from islandos.models.admin import AdminUser
from islandos.models.people import Person
from islandos.models.recordings import RecordedMessage
from islandos.models.registration import RichMenuDeployment

bp = Blueprint("simulator", __name__, url_prefix="/dev/simulator")

USER_ID = re.compile(r"^U[0-9a-f]{32}$")
MAX_PERSONAS = 200
USER_SENT = "user"  # RecordedMessage.via of what the persona sent
MENU_OPS = "richmenu"  # RecordedMessage.via of the recorder's rich-menu calls
PAGE_SIZE = 100  # conversation entries per /messages answer


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


# What the bot sent, and what the persona sent ------------------------------------------


def _action(action: dict[str, Any] | None) -> dict[str, Any] | None:
    if not isinstance(action, dict) or "type" not in action:
        return None
    keep = ("type", "label", "text", "data", "displayText", "uri", "mode", "initial", "min",
            "max")
    return {key: action[key] for key in keep if key in action}


def gist(message: dict[str, Any]) -> dict[str, Any]:
    """What the simulator draws of one LINE message (Flex contents are drawn as they are)."""
    kind = message.get("type")
    shown: dict[str, Any] = {"type": kind}
    if kind == "text":
        shown["text"] = message.get("text", "")
    elif kind == "flex":
        shown.update(alt_text=message.get("altText", ""), contents=message.get("contents") or {})
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


def sent_by_user(event: dict[str, Any], action: dict[str, Any]) -> dict[str, Any] | None:
    """What LINE shows in the chat for what the persona did (None: nothing shows)."""
    kind = event["type"]
    if kind in ("follow", "unfollow"):
        return {"kind": kind}
    if kind == "postback":
        params = event["postback"].get("params")
        if params:  # LINE shows nothing here; the simulator shows what was picked
            return {"kind": "picked", "text": " ".join(params.values())}
        display = action.get("displayText")
        if display is None:
            return None  # a postback without displayText shows nothing, as in LINE
        if not isinstance(display, str) or not 0 < utf16_len(display) <= MAX_DISPLAY_TEXT:
            abort(400, "displayText must have 1 to 300 characters")
        return {"kind": "text", "text": display}
    message = event["message"]
    if message["type"] == "text":
        return {"kind": "text", "text": message["text"]}
    if message["type"] == "location":
        return {"kind": "location", "latitude": message["latitude"],
                "longitude": message["longitude"]}
    return {"kind": message["type"]}  # sticker


# The rich menu LINE would show this persona ------------------------------------------------


def _latest_menu_op(session: Session, user_id: str, ops: tuple[str, ...]) -> dict[str, Any] | None:
    rows = session.scalars(
        select(RecordedMessage.payload).where(RecordedMessage.line_user_id == user_id,
                                              RecordedMessage.via == MENU_OPS)
        .order_by(RecordedMessage.id.desc()).limit(200))
    return next((payload for payload in rows if payload.get("op") in ops), None)


def shown_menu(session: Session, user_id: str) -> dict[str, Any] | None:
    """The menu linked to this user, else the channel's default (as LINE picks), with its
    image and tap areas; None when no deployed menu applies. Reads what the recording
    transport recorded of `islandos line richmenu deploy` and the worker's link jobs."""
    deployed = {row.line_rich_menu_id: row for row in session.scalars(
        select(RichMenuDeployment))}
    linked = _latest_menu_op(session, user_id, ("link", "unlink"))
    menu_id = linked.get("richMenuId") if linked and linked["op"] == "link" else None
    if menu_id not in deployed:  # never linked, unlinked, or a menu deleted since
        default = _latest_menu_op(session, "all", ("default",))
        menu_id = default.get("richMenuId") if default else None
    row = deployed.get(menu_id) if menu_id else None
    layout = next((item for item in LAYOUTS if row and item.name == row.name), None)
    if row is None or layout is None:
        return None
    body = menu_body(layout, row.language)
    image = url_for("static", filename=f"richmenus/{row.name}-{row.language}.png",
                    v=row.version[:12])
    return {"id": row.line_rich_menu_id, "image": image, "size": body["size"],
            "selected": body["selected"], "chatBarText": body["chatBarText"],
            "areas": [{**area["bounds"], "action": _action(area["action"])}
                      for area in body["areas"]]}


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
    shown = sent_by_user(event, payload)
    body = json.dumps({"destination": "U" + "0" * 32, "events": [event]},
                      ensure_ascii=False).encode()
    state = islandos_state(current_app)
    if shown is not None:  # before the webhook, so it comes before the bot's answer
        with state.db.transaction() as session:
            session.add(RecordedMessage(line_user_id=user_id, via=USER_SENT,
                                        payload={"sent": shown}))
    response = current_app.test_client().post(
        "/callback", data=body, headers={
            "Content-Type": "application/json",
            "X-Line-Signature": sign(state.settings.line_channel_secret, body)})
    response.close()  # like LINE hanging up: the webhook sends its replies now
    return jsonify({"status": response.status_code, "event_id": event["webhookEventId"]})


@bp.get("/messages")
def messages() -> ResponseReturnValue:
    """The conversation after message id `after`: what the persona sent and what the bot sent
    (replies, pushes, multicasts), with the persona's state and the rich menu shown now."""
    user_id = _checked_user(request.args.get("user"))
    after = request.args.get("after", 0, type=int) or 0
    in_chat = (RecordedMessage.line_user_id == user_id, RecordedMessage.via != MENU_OPS)
    with islandos_state(current_app).db.transaction() as session:
        rows = list(session.scalars(
            select(RecordedMessage).where(*in_chat, RecordedMessage.id > after)
            .order_by(RecordedMessage.id).limit(PAGE_SIZE)))
        person = session.scalar(select(Person).where(Person.line_user_id == user_id))
        total = session.scalar(select(func.count()).select_from(RecordedMessage).where(
            *in_chat)) or 0
        menu = shown_menu(session, user_id)
        about = None if person is None else {
            "id": person.id, "role": person.role, "status": person.status,
            "language": person.language, "name": person.full_name,
            "dialog_state": person.dialog_state}
    return jsonify({
        "person": about, "total": total, "richmenu": menu, "page_size": PAGE_SIZE,
        "items": [_item(row) for row in rows]})


def _item(row: RecordedMessage) -> dict[str, Any]:
    item: dict[str, Any] = {"id": row.id, "via": row.via, "at": row.created_at.isoformat()}
    if row.via == USER_SENT:
        item["sent"] = row.payload.get("sent", {})
    else:
        item["messages"] = [gist(m) for m in row.payload.get("messages", [])]
    return item
