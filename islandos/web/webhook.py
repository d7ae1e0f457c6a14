"""POST /callback: LINE's webhook."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, current_app, make_response, request
from sqlalchemy.exc import SQLAlchemyError

from islandos.extensions import islandos_state
from islandos.line.inbox import PendingReply, signature_is_valid

bp = Blueprint("webhook", __name__)
log = logging.getLogger("islandos.webhook")


def _plain(message: str, status: int) -> tuple[str, int, dict[str, str]]:
    return message, status, {"Content-Type": "text/plain; charset=utf-8"}


@bp.post("/callback")
def callback() -> Response | tuple[str, int, dict[str, str]]:
    state = islandos_state(current_app)
    limit = state.settings.webhook_max_bytes
    if request.content_length is not None and request.content_length > limit:
        return _plain("Request body too large", 413)
    body = request.stream.read(limit + 1)
    if len(body) > limit:
        return _plain("Request body too large", 413)
    if not signature_is_valid(state.settings.line_channel_secret, body,
                              request.headers.get("X-Line-Signature")):
        log.warning("webhook rejected: missing or invalid X-Line-Signature")
        return _plain("Invalid signature", 400)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _plain("Malformed JSON", 400)
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        return _plain("Missing events list", 400)
    replies: list[PendingReply] = []
    answer = _plain("OK", 200)
    for raw in events:
        try:
            reply = state.inbox.handle(raw)
        except SQLAlchemyError:
            log.exception("database error; LINE will redeliver event=%s",
                          raw.get("webhookEventId") if isinstance(raw, dict) else None)
            answer = _plain("Temporarily unavailable", 500)
            break
        if reply is not None:
            replies.append(reply)
    response = make_response(answer)
    if replies:
        # LINE gets its answer first; the replies go out the moment the response is sent,
        # so a slow LINE API never holds the webhook.
        response.call_on_close(lambda: state.inbox.send_replies(replies))
    return response
