"""Stripe's webhook events, each handled once (deduplicated on the event id).

Only ids, statuses and amounts are read from an event; nothing of the payer (email, card,
billing details) is stored or logged.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.models.fees import PaymentStatus, StripeEvent
from islandos.services import audit
from islandos.services.fees.payments import fulfil, locked_payment, record_refunded_total
from islandos.settings import Settings

log = logging.getLogger(__name__)

HANDLED = frozenset({
    "checkout.session.completed", "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed", "checkout.session.expired", "charge.refunded"})


def seen(session: Session, event_id: str) -> bool:
    return session.scalar(select(StripeEvent.id).where(StripeEvent.event_id == event_id)) \
        is not None


def handle_event(session: Session, settings: Settings, event: dict[str, Any]) -> str:
    """Apply one verified event (flushes); returns what happened, for the log.

    The event row is written first: a second delivery stops at its unique id (the caller
    treats the IntegrityError of a concurrent twin as a duplicate).
    """
    event_id, kind = str(event["id"]), str(event["type"])
    if seen(session, event_id):
        return "duplicate"
    obj: dict[str, Any] = event.get("data", {}).get("object", {}) or {}
    row = StripeEvent(event_id=event_id, event_type=kind[:64],
                      object_id=str(obj.get("id") or "")[:255] or None)
    session.add(row)
    session.flush()
    if kind not in HANDLED:
        return "ignored"
    if kind == "charge.refunded":
        return _charge_refunded(session, settings, row, obj)
    payment = locked_payment(session, reference=obj.get("client_reference_id")) or \
        locked_payment(session, checkout_session_id=obj.get("id"))
    if payment is None:
        log.warning("stripe event for an unknown checkout event=%s session=%s", event_id,
                    obj.get("id"))
        return "unknown checkout"
    session_id, intent = obj.get("id"), obj.get("payment_intent")
    if kind in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
        if obj.get("payment_status") in ("paid", "no_payment_required"):
            fulfil(session, settings, payment, checkout_session_id=session_id,
                   payment_intent_id=intent)
            return "fulfilled"
        # Completed, but paid later (a method that settles afterwards): wait for the money.
        if intent and not payment.payment_intent_id:
            payment.payment_intent_id = intent
        return "awaiting payment"
    if payment.is_fulfilled:  # expired/failed after the money arrived: the money wins
        return "already paid"
    failed = kind.endswith("async_payment_failed")
    payment.status = PaymentStatus.FAILED if failed else PaymentStatus.EXPIRED
    audit.record(session, "stripe", "fees.failed" if failed else "fees.expired",
                 f"fee_payment:{payment.id}", after={"reference": payment.reference})
    return str(payment.status)


def _charge_refunded(session: Session, settings: Settings, row: StripeEvent,
                     charge: dict[str, Any]) -> str:
    intent = charge.get("payment_intent")
    amount = int(charge.get("amount_refunded") or 0)
    if not intent:
        return "refund without payment intent"
    payment = locked_payment(session, payment_intent_id=intent)
    if payment is None or not payment.is_fulfilled:
        # Refunded before we saw the payment complete: applied when it is fulfilled.
        row.payment_intent_id, row.amount_refunded, row.pending = intent, amount, True
        return "refund waiting for its payment"
    record_refunded_total(session, settings, payment, amount)
    return "refund recorded"


