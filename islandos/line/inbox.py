"""One webhook event: store it once, let the router answer, reply right after the commit."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Connection, Select, Table, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from islandos.clock import now
from islandos.db import DATABASE_ERRORS, Database
from islandos.db_work import DriverStatement, Work, first_row_on_driver
from islandos.i18n import N_, gettext
from islandos.line.events import (
    PLAIN_EVENT_ID,
    InvalidPostback,
    LineEvent,
    MalformedEvent,
    fallback_event_id,
)
from islandos.line.gateway import LineTransport, Outcome, SendResult
from islandos.line.messages import Message, check_messages, text
from islandos.line.outbox import enqueue_push
from islandos.line.reply_log import SentReplies, mark_sent
from islandos.line.router import Context
from islandos.models.outbox import Priority
from islandos.models.webhook_events import ReplyState, WebhookEvent
from islandos.registry import Registry
from islandos.senders import PEOPLE, SENDER_COLUMNS, Sender, sender_for_line_user, sender_of_row
from islandos.settings import Settings

log = logging.getLogger("islandos.webhook")

HANDLER_FAILED = N_(
    "申し訳ありません。うまく処理できませんでした。少し時間をおいて、もう一度お試しください。"
)
POSTBACK_REFUSED = N_("このボタンは使えません。もう一度、新しいメニューから選んでください。")

# LINE waits about 2 seconds for the webhook's answer: a locked database is waited for at
# most this long, then the body gets 500 and LINE redelivers it.
WEBHOOK_DATABASE_WAIT_SECONDS = 1.5
_PLAIN_TYPE = re.compile(r"[A-Za-z]{1,32}")

_EVENTS = cast(Table, WebhookEvent.__table__)
# Built once, run with parameters: INSERT … ON CONFLICT (webhook_event_id) DO NOTHING RETURNING id.
_RECORD_ONCE = {
    name: insert(_EVENTS).on_conflict_do_nothing(index_elements=[_EVENTS.c.webhook_event_id])
    .returning(_EVENTS.c.id)
    for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}
_SET_REPLY_STATE = update(_EVENTS).where(_EVENTS.c.id == bindparam("row_id"))


def _record_and_find_sender() -> Select[Any]:
    """PostgreSQL, one round trip: store the event once and read its sender's routing row.

    WITH new AS (INSERT … ON CONFLICT (webhook_event_id) DO NOTHING RETURNING id)
    SELECT new.id, people.id, people.role, people.language, people.dialog_state
    FROM new LEFT OUTER JOIN people ON people.line_user_id = :sender

    No row: a duplicate. A row with no person: a first contact (created afterwards).
    """
    new = (postgresql.insert(_EVENTS)
           .values({column: bindparam(column) for column in _RECORDED})
           .on_conflict_do_nothing(index_elements=[_EVENTS.c.webhook_event_id])
           .returning(_EVENTS.c.id).cte("new"))
    return (select(new.c.id, *SENDER_COLUMNS)
            .select_from(new.outerjoin(PEOPLE, PEOPLE.c.line_user_id == bindparam("sender"))))


_RECORDED = ("webhook_event_id", "event_type", "line_user_id", "mode", "is_redelivery",
             "occurred_at", "received_at", "reply_state")
_RECORD_AND_FIND_SENDER = DriverStatement(_record_and_find_sender())

# LINE takes a reply token once, within about a minute of the event: a reply that timed out
# is tried once more with the same token while it is surely still valid.
REPLY_RETRY_WITHIN = timedelta(seconds=45)


def signature_is_valid(channel_secret: str, body: bytes, signature: str | None) -> bool:
    """X-Line-Signature: base64 of HMAC-SHA256 of the raw body, keyed with the channel secret."""
    if not signature:
        return False
    expected = base64.b64encode(hmac.new(channel_secret.encode(), body, hashlib.sha256).digest())
    # Header values arrive as latin-1 text: compared as bytes, junk is simply unequal.
    given = signature.strip().encode("latin-1", errors="replace")
    return hmac.compare_digest(expected, given)


class HandlerFailed(Exception):
    """A handler raised: its changes are rolled back and the user gets an apology."""

    def __init__(self, language: str, message: str = HANDLER_FAILED) -> None:
        super().__init__(language)
        self.language = language
        self.message = message


@dataclass(frozen=True, slots=True)
class _Recorded:
    """A newly stored event's row, and its sender if that was read with the insert."""

    row_id: int
    sender: Sender | None = None


@dataclass(frozen=True)
class PendingReply:
    event_row_id: int
    webhook_event_id: str
    user_id: str | None
    reply_token: str
    messages: list[Message]
    received_at: datetime = field(default_factory=now)
    push_if_refused: bool = True  # False: a reply only (see Context.reply_only)


class Inbox:
    def __init__(self, db: Database, registry: Registry, transport: LineTransport,
                 settings: Settings) -> None:
        self.db = db
        self.registry = registry
        self.router = registry.router
        self.transport = transport
        self.settings = settings
        self.sent_replies = SentReplies(db, settings.reply_log_delay_seconds)

    def handle(self, raw: Any, check_strings: bool = True) -> PendingReply | None:
        """Store and answer one event in its own transaction; return the reply still to send.

        A malformed event is recorded as rejected (once) and not handled. Database errors
        propagate: the webhook then answers 500 and LINE redelivers. `check_strings=False`
        when the body cannot hold a lone surrogate (see events.body_may_hold_surrogates).
        """
        try:
            event = LineEvent.from_json(raw, check_strings)
        except MalformedEvent as exc:
            self._reject(raw, str(exc))
            return None
        return self._commit(event)

    def _reject(self, raw: Any, reason: str) -> None:
        """Record a malformed event as rejected, so a redelivery of it changes nothing; the
        log gets its id and the reason, never its content."""
        fields = raw if isinstance(raw, dict) else {}
        event_id, event_type = fields.get("webhookEventId"), fields.get("type")
        if not isinstance(event_id, str) or PLAIN_EVENT_ID.fullmatch(event_id) is None:
            event_id = fallback_event_id(raw)
        if not isinstance(event_type, str) or _PLAIN_TYPE.fullmatch(event_type) is None:
            event_type = "unreadable"
        with self.db.work(WEBHOOK_DATABASE_WAIT_SECONDS) as work:
            connection = work.connection
            moment = now()
            row_id = connection.execute(_RECORD_ONCE[connection.dialect.name], {
                "webhook_event_id": event_id, "event_type": event_type, "line_user_id": None,
                "mode": "active", "is_redelivery": False, "occurred_at": moment,
                "received_at": moment, "reply_state": ReplyState.NONE,
                "rejected_reason": reason[:80],
            }).scalar()
        if row_id is not None:
            log.warning("malformed event rejected event=%s reason=%s", event_id, reason)

    def send_replies(self, replies: list[PendingReply]) -> None:
        """Send committed replies at once (reply tokens expire); never raises."""
        for reply in replies:
            self._reply(reply)

    def rehearse(self, samples: Sequence[dict[str, Any]]) -> int:
        """Store and answer sample events in a transaction that is then rolled back.

        Nothing is kept and nothing is sent. Run at start-up, it leaves the SQL of the
        webhook's path compiled, the handlers' translations and LINE's message models loaded,
        so the first real event does none of that. Returns how many messages were built.
        """
        built = 0
        with self.db.rehearsal() as work:
            for raw in samples:
                event = LineEvent.from_json(raw)
                recorded = self._record_once(work.connection, event)
                if recorded is None:
                    continue
                try:
                    built += len(self._dispatch(work, event, recorded.sender)[0])
                except HandlerFailed:
                    continue
                mark_sent(work.connection, [recorded.row_id])
                _set_reply_state(work.connection, recorded.row_id, ReplyState.NONE)
        return built

    def _commit(self, event: LineEvent) -> PendingReply | None:
        try:
            with self.db.work(WEBHOOK_DATABASE_WAIT_SECONDS) as work:
                return self._record_and_answer(work, event)
        except HandlerFailed as failure:
            # The handler's changes went with the rolled-back transaction (cheaper than a
            # savepoint around every handler); the event is recorded again, with an apology.
            with self.db.work(WEBHOOK_DATABASE_WAIT_SECONDS) as work:
                return self._record_apology(work.connection, event, failure)

    def _record_and_answer(self, work: Work, event: LineEvent) -> PendingReply | None:
        recorded = self._record_once(work.connection, event)
        if recorded is None:
            log.info("duplicate event skipped event=%s user=%s redelivery=%s",
                     event.webhook_event_id, event.user_id, event.is_redelivery)
            return None
        if event.mode != "active":
            log.info("standby event recorded event=%s user=%s", event.webhook_event_id,
                     event.user_id)
            return None
        messages, reply_only = self._dispatch(work, event, recorded.sender)
        if not messages or not event.reply_token:
            if event.can_reply:  # stored as pending; nothing to send after all
                _set_reply_state(work.connection, recorded.row_id, ReplyState.NONE)
            return None
        return PendingReply(recorded.row_id, event.webhook_event_id, event.user_id,
                            event.reply_token, messages, push_if_refused=not reply_only)

    def _record_apology(self, connection: Connection, event: LineEvent,
                        failure: HandlerFailed) -> PendingReply | None:
        recorded = self._record_once(connection, event)
        if recorded is None:  # a redelivery got here first
            return None
        if not (event.is_one_to_one and event.reply_token):
            if event.can_reply:
                _set_reply_state(connection, recorded.row_id, ReplyState.NONE)
            return None
        return PendingReply(recorded.row_id, event.webhook_event_id, event.user_id,
                            event.reply_token, [text(gettext(failure.language, failure.message))])

    @staticmethod
    def _record_once(connection: Connection, event: LineEvent) -> _Recorded | None:
        """Store the event (reply pending if it can be answered); None if its webhookEventId
        was already processed. One INSERT … ON CONFLICT DO NOTHING: no savepoint, and on
        PostgreSQL a concurrent twin waits and then finds the row. On PostgreSQL the same
        statement reads the sender's routing row (one round trip instead of two); on SQLite,
        in-process, the sender is read by a statement of its own in _dispatch."""
        values: dict[str, Any] = {
            "webhook_event_id": event.webhook_event_id, "event_type": event.type,
            "line_user_id": event.user_id, "mode": event.mode,
            "is_redelivery": event.is_redelivery, "occurred_at": event.timestamp,
            "received_at": now(),
            "reply_state": (ReplyState.PENDING if event.can_reply else ReplyState.NONE).value,
        }
        if connection.dialect.name == "postgresql" and event.is_one_to_one and event.user_id \
                and event.mode == "active":
            row = first_row_on_driver(connection, _RECORD_AND_FIND_SENDER,
                                      {**values, "sender": event.user_id})
            if row is None:
                return None
            return _Recorded(row[0], sender_of_row(row[1:]))
        row_id = connection.execute(_RECORD_ONCE[connection.dialect.name], values).scalar()
        return None if row_id is None else _Recorded(row_id)

    def _dispatch(self, work: Work, event: LineEvent,
                  known: Sender | None = None) -> tuple[list[Message], bool]:
        """Route the event (`known`: its sender when already read with the insert); the
        reply's messages, and whether they must never become a push."""
        sender, person = (known, None) if known is not None else \
            sender_for_line_user(work, event.user_id) \
            if event.is_one_to_one and event.user_id else (None, None)
        context = Context(work=work, event=event, sender=sender, person=person,
                          settings=self.settings, now=now(), registry=self.registry)
        try:
            found = self.router.dispatch(context)
            messages = check_messages(found) if found else []
        except DATABASE_ERRORS:
            raise
        except InvalidPostback as exc:
            # Forged, garbled or from a message too old: whatever the handler began is rolled
            # back, and the person is told politely. The reason names the action and field only.
            log.info("postback refused event=%s reason=%s", event.webhook_event_id, exc)
            raise HandlerFailed(context.language, POSTBACK_REFUSED) from exc
        except Exception as exc:
            # A bug in one handler must not make LINE redeliver the event forever.
            log.exception("handler failed event=%s user=%s type=%s", event.webhook_event_id,
                          event.user_id, event.type)
            raise HandlerFailed(context.language) from exc
        log.info("event handled event=%s user=%s type=%s replies=%d", event.webhook_event_id,
                 event.user_id, event.type, len(messages))
        return messages, context.reply_only

    def _reply(self, reply: PendingReply) -> None:
        result_state, error = self._deliver(reply)
        if result_state == ReplyState.PUSHED and not reply.push_if_refused:
            result_state, error = ReplyState.UNKNOWN, f"{error}; a reply only, not pushed"
        if result_state != ReplyState.SENT:
            log.warning("reply not confirmed event=%s user=%s state=%s (%s)",
                        reply.webhook_event_id, reply.user_id, result_state, error[:120])
        try:
            if result_state == ReplyState.SENT:
                self.sent_replies.mark(reply.event_row_id)
                return
            with self.db.transaction() as session:
                _set_reply_state(session.connection(), reply.event_row_id, result_state,
                                 error[:300] or None)
                if result_state == ReplyState.PUSHED and reply.user_id:
                    enqueue_push(session, reply.user_id, reply.messages,
                                 priority=Priority.IMPORTANT,
                                 source=f"reply:{reply.webhook_event_id}")
        except Exception:
            log.exception("could not record the reply outcome event=%s user=%s",
                          reply.webhook_event_id, reply.user_id)

    def _deliver(self, reply: PendingReply) -> tuple[str, str]:
        """Send one reply; its reply state and, unless sent, why.

        A reply whose answer never came (a timeout, or LINE's own error) is tried once more
        with the same token while the token is valid: LINE takes a token once, so if the
        first went through the second is refused and nothing is sent twice. That refusal
        ("Invalid reply token") cannot tell "delivered" from "expired": unknown, never a push.
        """
        first = self._send_reply(reply)
        if first is None:
            return ReplyState.UNKNOWN, "reply crashed"
        if first.outcome is not Outcome.UNCERTAIN:
            return _reply_state(first)
        if first.retry_after is not None or now() - reply.received_at > REPLY_RETRY_WITHIN:
            return ReplyState.UNKNOWN, _describe(first)  # LINE asked us to wait, or too late
        log.info("reply unanswered, trying its token once more event=%s user=%s (%s)",
                 reply.webhook_event_id, reply.user_id, _describe(first))
        second = self._send_reply(reply)
        if second is not None and second.outcome is Outcome.ACCEPTED:
            return ReplyState.SENT, ""
        retry = _describe(second) if second is not None else "crashed"
        return ReplyState.UNKNOWN, f"{_describe(first)}; retry: {retry}"

    def _send_reply(self, reply: PendingReply) -> SendResult | None:
        try:
            return self.transport.reply(reply.reply_token, reply.messages)
        except Exception:  # a bug in sending must not cost the committed event
            log.exception("reply crashed event=%s user=%s", reply.webhook_event_id, reply.user_id)
            return None


def _describe(result: SendResult) -> str:
    return f"{result.status or '-'} {result.detail}".strip()


def _reply_state(result: SendResult) -> tuple[str, str]:
    """The state of a reply from LINE's first answer (not a timeout)."""
    if result.outcome is Outcome.ACCEPTED:
        return ReplyState.SENT, ""
    return ReplyState.PUSHED, _describe(result)  # LINE certainly did not take it



def _set_reply_state(connection: Connection, row_id: int, state: str,
                     error: str | None = None) -> None:
    connection.execute(_SET_REPLY_STATE,
                    {"row_id": row_id, "reply_state": state, "reply_error": error})
