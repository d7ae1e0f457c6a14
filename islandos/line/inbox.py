"""One webhook event: store it once, let the router answer, reply right after the commit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.db import Database
from islandos.i18n import N_, gettext
from islandos.line.events import LineEvent, MalformedEvent
from islandos.line.gateway import LineTransport, Outcome
from islandos.line.messages import Message, check_messages, text
from islandos.line.outbox import enqueue_push
from islandos.line.router import Context, Router
from islandos.models.outbox import Priority
from islandos.models.webhook_events import ReplyState, WebhookEvent
from islandos.services.people import person_for_line_user
from islandos.settings import Settings

log = logging.getLogger("islandos.webhook")

HANDLER_FAILED = N_(
    "申し訳ありません。うまく処理できませんでした。少し時間をおいて、もう一度お試しください。"
)


def signature_is_valid(channel_secret: str, body: bytes, signature: str | None) -> bool:
    """X-Line-Signature: base64 of HMAC-SHA256 of the raw body, keyed with the channel secret."""
    if not signature:
        return False
    expected = base64.b64encode(
        hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    ).decode()
    return hmac.compare_digest(expected, signature.strip())


@dataclass(frozen=True)
class PendingReply:
    event_row_id: int
    webhook_event_id: str
    user_id: str | None
    reply_token: str
    messages: list[Message]


class Inbox:
    def __init__(self, db: Database, router: Router, transport: LineTransport,
                 settings: Settings) -> None:
        self.db = db
        self.router = router
        self.transport = transport
        self.settings = settings

    def handle(self, raw: dict[str, Any]) -> PendingReply | None:
        """Store and answer one event in its own transaction; return the reply still to send.

        Database errors propagate: the webhook then answers 500 and LINE redelivers.
        """
        try:
            event = LineEvent.from_json(raw)
        except MalformedEvent as exc:
            log.warning("skipped malformed event: %s", exc)
            return None
        return self._commit(event)

    def send_replies(self, replies: list[PendingReply]) -> None:
        """Send committed replies at once (reply tokens expire); never raises."""
        for reply in replies:
            self._reply(reply)

    def _commit(self, event: LineEvent) -> PendingReply | None:
        with self.db.transaction() as session:
            row = self._record_once(session, event)
            if row is None:
                log.info("duplicate event skipped event=%s user=%s redelivery=%s",
                         event.webhook_event_id, event.user_id, event.is_redelivery)
                return None
            if event.mode != "active":
                log.info("standby event recorded event=%s user=%s", event.webhook_event_id,
                         event.user_id)
                return None
            messages = self._dispatch(session, event)
            if not messages or not event.reply_token:
                return None
            row.reply_state = ReplyState.PENDING
            session.flush()
            return PendingReply(row.id, event.webhook_event_id, event.user_id,
                                event.reply_token, messages)

    @staticmethod
    def _record_once(session: Session, event: LineEvent) -> WebhookEvent | None:
        """Store the event; None if its webhookEventId was already processed."""
        row = WebhookEvent(
            webhook_event_id=event.webhook_event_id, event_type=event.type,
            line_user_id=event.user_id, mode=event.mode, is_redelivery=event.is_redelivery,
            occurred_at=event.timestamp, received_at=now(),
        )
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:
            return None
        return row

    def _dispatch(self, session: Session, event: LineEvent) -> list[Message]:
        person = person_for_line_user(session, event.user_id) if event.is_one_to_one and \
            event.user_id else None
        context = Context(session=session, event=event, person=person, settings=self.settings,
                          now=now(), router=self.router)
        try:
            with session.begin_nested():
                messages = check_messages(found) if (found := self.router.dispatch(context)) \
                    else []
        except SQLAlchemyError:
            raise
        except Exception:
            # A bug in one handler must not make LINE redeliver the event forever: its changes
            # are rolled back, the event stays recorded, and the user gets an apology.
            log.exception("handler failed event=%s user=%s type=%s", event.webhook_event_id,
                          event.user_id, event.type)
            if not event.is_one_to_one:
                return []
            return [text(gettext(context.language, HANDLER_FAILED))]
        log.info("event handled event=%s user=%s type=%s replies=%d", event.webhook_event_id,
                 event.user_id, event.type, len(messages))
        return messages

    def _reply(self, reply: PendingReply) -> None:
        try:
            result = self.transport.reply(reply.reply_token, reply.messages)
        except Exception as exc:  # a bug in sending must not cost the committed event
            log.exception("reply crashed event=%s user=%s", reply.webhook_event_id, reply.user_id)
            result_state, error = ReplyState.UNKNOWN, exc.__class__.__name__
        else:
            if result.outcome is Outcome.ACCEPTED:
                result_state, error = ReplyState.SENT, ""
            elif result.outcome is Outcome.UNCERTAIN:
                result_state, error = ReplyState.UNKNOWN, result.detail
            else:
                result_state, error = ReplyState.PUSHED, f"{result.status} {result.detail}"
            if result_state != ReplyState.SENT:
                log.warning("reply not confirmed event=%s user=%s outcome=%s status=%s",
                            reply.webhook_event_id, reply.user_id, result.outcome.value,
                            result.status)
        try:
            with self.db.transaction() as session:
                row = session.get(WebhookEvent, reply.event_row_id)
                if row is not None:
                    row.reply_state = result_state
                    row.reply_error = error[:300] or None
                if result_state == ReplyState.PUSHED and reply.user_id:
                    enqueue_push(session, reply.user_id, reply.messages,
                                 priority=Priority.IMPORTANT,
                                 source=f"reply:{reply.webhook_event_id}")
        except Exception:
            log.exception("could not record the reply outcome event=%s user=%s",
                          reply.webhook_event_id, reply.user_id)
