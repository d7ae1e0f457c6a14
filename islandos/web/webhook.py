"""POST /callback: LINE's webhook."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, current_app, make_response, request

from islandos.db import DATABASE_ERRORS
from islandos.extensions import islandos_state
from islandos.line.events import MAX_JSON_DEPTH, body_may_hold_surrogates, json_depth_exceeds
from islandos.line.inbox import PendingReply, signature_is_valid

bp = Blueprint("webhook", __name__)
log = logging.getLogger("islandos.webhook")


def _first_line(error: BaseException) -> str:
    """A driver's message, without the SQL and parameters SQLAlchemy appends (they may carry
    a resident's data)."""
    orig = getattr(error, "orig", None)
    return str(orig if orig is not None else error).split("\n", 1)[0][:200]


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
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _plain("Malformed JSON", 400)
    # No object or array can nest deeper than there are brackets: most bodies skip the walk.
    if body.count(b"{") + body.count(b"[") > MAX_JSON_DEPTH and json_depth_exceeds(payload):
        return _plain("JSON nested too deeply", 400)
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        return _plain("Missing events list", 400)
    check_strings = body_may_hold_surrogates(body)
    replies: list[PendingReply] = []
    answer = _plain("OK", 200)
    for raw in events:
        try:
            reply = state.inbox.handle(raw, check_strings)
        except DATABASE_ERRORS as error:
            # The events before this one are committed and answered below; LINE redelivers
            # the body and the dedupe skips them. No traceback: the kind of fault says enough.
            log.error("database error; LINE will redeliver event=%s error=%s: %s",
                      raw.get("webhookEventId") if isinstance(raw, dict) else None,
                      error.__class__.__name__, _first_line(error))
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
