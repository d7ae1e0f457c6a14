"""Reconcile with Stripe: fulfil paid sessions whose webhook never came, record missed refunds.

Safe to run any number of times: fulfilment is once per payment and a refund is known by
its Stripe id. Each fix is its own transaction, so one bad row stops nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from islandos.db import Database
from islandos.models.fees import FeeRefund, PaymentStatus
from islandos.services.fees.payments import fulfil, locked_payment, record_office_refund
from islandos.services.fees.stripe_api import Gateway
from islandos.settings import Settings


@dataclass
class Reconciled:
    fixed: list[str] = field(default_factory=list)
    sessions_seen: int = 0
    refunds_seen: int = 0


def _counts(metadata: dict[str, Any] | None) -> dict[str, int] | None:
    """The categories the office chose, as our refunds carry them in their metadata."""
    raw = (metadata or {}).get("counts")
    if not raw:
        return None
    counts: dict[str, int] = {}
    for part in str(raw).split(","):
        code, _, number = part.partition(":")
        if code and number.isdigit():
            counts[code] = int(number)
    return counts or None


def reconcile(db: Database, settings: Settings, gateway: Gateway, since: datetime,
              report: Callable[[str], None] | None = None) -> Reconciled:
    """Look at Stripe's Checkout sessions and refunds created since `since`; fix what is missing."""
    result = Reconciled()

    def fixed(line: str) -> None:
        result.fixed.append(line)
        if report is not None:
            report(line)

    for checkout in gateway.sessions_since(since):
        result.sessions_seen += 1
        reference = checkout.get("client_reference_id")
        if not reference:
            continue
        with db.transaction() as session:
            payment = locked_payment(session, reference=reference)
            if payment is None:
                continue
            if checkout.get("payment_status") == "paid" and not payment.is_fulfilled:
                fee_pass = fulfil(session, settings, payment,
                                  checkout_session_id=checkout.get("id"),
                                  payment_intent_id=checkout.get("payment_intent"),
                                  actor="reconcile")
                fixed(f"fulfilled {payment.reference} session={checkout.get('id')} "
                      f"pass={fee_pass.code}")
            elif checkout.get("status") == "expired" and payment.status == PaymentStatus.PENDING:
                payment.status = PaymentStatus.EXPIRED
                fixed(f"expired {payment.reference} session={checkout.get('id')}")

    for refund in gateway.refunds_since(since):
        result.refunds_seen += 1
        if refund.get("status") != "succeeded" or not refund.get("payment_intent"):
            continue
        with db.transaction() as session:
            known = session.scalar(select(FeeRefund.id).where(
                FeeRefund.stripe_refund_id == refund["id"]))
            payment = locked_payment(session, payment_intent_id=refund["payment_intent"])
            if known is not None or payment is None or not payment.is_fulfilled:
                continue
            amount = int(refund.get("amount") or 0)
            counts = _counts(refund.get("metadata"))
            full = counts is None and amount >= payment.total_jpy - payment.refunded_jpy
            if counts is None and not full:
                counts = {}
            record_office_refund(session, settings, payment, counts=None if full else counts,
                                 amount_jpy=amount, stripe_refund_id=refund["id"],
                                 actor="reconcile", reason="found by reconcile")
            fixed(f"refund {refund['id']} of {amount} JPY recorded for {payment.reference}")
    return result
