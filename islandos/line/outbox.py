"""Enqueue pushes and multicasts in the caller's transaction; the worker sends them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice

from sqlalchemy import String, cast, insert, select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.line.messages import MAX_MULTICAST_RECIPIENTS, Message, check_messages
from islandos.models.outbox import OutboxMessage, OutboxStatus, Priority


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def enqueue_push(
    session: Session,
    to: str,
    messages: Sequence[Message],
    *,
    priority: int = Priority.NORMAL,
    not_after: datetime | None = None,
    source: str | None = None,
) -> OutboxMessage:
    """Add one push to the outbox (flushes). One user's pushes go out in the order enqueued."""
    row = OutboxMessage(
        kind="push", recipients=[to], recipient_count=1, messages=check_messages(messages),
        retry_key=str(uuid.uuid4()), priority=priority, order_key=f"user:{to}",
        not_after=not_after, source=source, status=OutboxStatus.PENDING, next_attempt_at=now(),
    )
    session.add(row)
    session.flush()
    return row


def _multicast_row(recipients: list[str], messages: list[Message], *, priority: int,
                   not_after: datetime | None, source: str | None, order_key: str | None,
                   created: datetime) -> dict[str, object]:
    """One multicast's outbox row, its retry key fixed now."""
    return {
        "kind": "multicast", "recipients": recipients, "recipient_count": len(recipients),
        "messages": messages, "retry_key": str(uuid.uuid4()), "priority": priority,
        "order_key": order_key, "not_after": not_after, "source": source,
        "status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": created,
        "created_at": created,
    }


def enqueue_multicast_batch(
    session: Session,
    recipients: Sequence[str],
    messages: Sequence[Message],
    *,
    priority: int = Priority.NORMAL,
    not_after: datetime | None = None,
    source: str | None = None,
    checked: bool = False,
) -> int:
    """Add one multicast of 1–500 recipients (no flush needed) and return its outbox id.

    For callers that link their own rows to the batch (a notice's deliveries). With
    checked=True the messages were already passed through check_messages by the caller.
    """
    if not 1 <= len(recipients) <= MAX_MULTICAST_RECIPIENTS:
        raise ValueError(f"a multicast takes 1 to {MAX_MULTICAST_RECIPIENTS} recipients")
    # Batches of one notice are independent (no order key): several workers may send them.
    row = _multicast_row(list(recipients),
                         list(messages) if checked else check_messages(messages),
                         priority=priority, not_after=not_after, source=source,
                         order_key=None, created=now())
    row_id = session.execute(insert(OutboxMessage).returning(OutboxMessage.id),
                             [row]).scalar_one()
    return int(row_id)


def enqueue_multicast(
    session: Session,
    recipients: Iterable[str],
    messages: Sequence[Message],
    *,
    priority: int = Priority.NORMAL,
    not_after: datetime | None = None,
    source: str | None = None,
    batch_size: int = MAX_MULTICAST_RECIPIENTS,
) -> int:
    """Add multicasts of at most 500 recipients each, reading recipients as a stream.

    Each batch gets its own retry key, fixed now. Returns the number of batches; an empty
    audience enqueues nothing.
    """
    checked = check_messages(messages)
    batch_size = min(batch_size, MAX_MULTICAST_RECIPIENTS)
    created = now()
    batches = 0
    pending: list[dict[str, object]] = []
    for chunk in _chunks(recipients, batch_size):
        pending.append(_multicast_row(chunk, checked, priority=priority, not_after=not_after,
                                      source=source, order_key=source, created=created))
        if len(pending) >= 20:
            session.execute(insert(OutboxMessage), pending)
            batches += len(pending)
            pending = []
    if pending:
        session.execute(insert(OutboxMessage), pending)
        batches += len(pending)
    return batches


# A row whose source starts so loses its recipient list (and order key) once it is done:
# the goodbye to someone whose data was just deleted.
FORGET_ONCE_SENT = "privacy:"
FINISHED = (OutboxStatus.ACCEPTED, OutboxStatus.FAILED, OutboxStatus.UNKNOWN,
            OutboxStatus.DROPPED)


def forget_once_sent(row: OutboxMessage) -> None:
    """Called when a row is done: a goodbye keeps its count, not whom it went to."""
    if row.source and row.source.startswith(FORGET_ONCE_SENT):
        row.recipients, row.order_key = [], None


def forget_sent_to(session: Session, line_user_id: str) -> int:
    """Take a user out of the recipient lists of rows already done (counts stay; flushes).
    Rows still in flight keep them until the retention period drops every list."""
    changed = 0
    # A cheap text filter first (the id is 33 plain characters), then the exact check.
    done = select(OutboxMessage).where(
        OutboxMessage.status.in_(FINISHED),
        cast(OutboxMessage.recipients, String).like(f'%"{line_user_id}"%'))
    for row in session.scalars(done.execution_options(yield_per=100)):
        if line_user_id in row.recipients:
            row.recipients = [r for r in row.recipients if r != line_user_id]
        if row.order_key == f"user:{line_user_id}":
            row.order_key = None
        changed += 1
    session.flush()
    return changed


def forget_messages_from(session: Session, source: str, reason: str) -> int:
    """Messages that tell others about someone whose data is being deleted (their `source`
    names that person): the bodies of rows already done are emptied (counts stay), rows not
    yet tried are dropped. Rows in flight keep theirs until they finish. Flushes; returns
    how many rows changed."""
    changed = 0
    for row in session.scalars(select(OutboxMessage).where(OutboxMessage.source == source)):
        if row.status in FINISHED:
            row.messages = []
        elif row.status == OutboxStatus.PENDING and row.attempts == 0:
            row.messages, row.status, row.last_error = [], OutboxStatus.DROPPED, reason
        else:
            continue
        changed += 1
    session.flush()
    return changed


def forget_recipient(session: Session, line_user_id: str, reason: str) -> int:
    """Take a user out of everything not yet tried (flushes): their pushes are dropped and
    multicasts go without them (their retry keys are unused, so the change is safe).
    Returns how many rows changed."""
    changed = 0
    untried = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING,
                                          OutboxMessage.attempts == 0)
    for row in session.scalars(untried.execution_options(yield_per=100)):
        if line_user_id not in row.recipients:
            continue
        row.recipients = [r for r in row.recipients if r != line_user_id]
        row.recipient_count = len(row.recipients)
        if not row.recipients:
            row.status, row.last_error = OutboxStatus.DROPPED, reason
        changed += 1
    session.flush()
    return changed
