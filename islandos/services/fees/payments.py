"""Fulfilment, Stripe's events and refunds: one pass per payment, whatever the order.

`fulfil` is where a payment becomes paid and gets its pass; checkout.session.completed,
async_payment_succeeded, reconcile and a total of 0 all end here. The payment row is locked
first and the pass is unique per payment (so per Checkout session): a second caller finds
the pass and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_, gettext
from islandos.line import messages
from islandos.line.outbox import enqueue_push
from islandos.models.fees import (
    FeePass,
    FeePayment,
    FeeRefund,
    PaymentStatus,
    StripeEvent,
)
from islandos.models.people import Person
from islandos.services import audit
from islandos.services.fees.passes import PassClaims, new_code, sign_pass
from islandos.settings import Settings

log = logging.getLogger(__name__)

CLOSED = (PaymentStatus.FAILED, PaymentStatus.EXPIRED)


class RefundError(ValueError):
    """A refund the office asked for that cannot be made; the message is a msgid."""


def locked_payment(session: Session, *, reference: str | None = None,
                   checkout_session_id: str | None = None,
                   payment_intent_id: str | None = None) -> FeePayment | None:
    """The payment, locked for this transaction (SELECT … FOR UPDATE on PostgreSQL)."""
    query = select(FeePayment).with_for_update()
    if reference:
        query = query.where(FeePayment.reference == reference)
    elif checkout_session_id:
        query = query.where(FeePayment.checkout_session_id == checkout_session_id)
    elif payment_intent_id:
        query = query.where(FeePayment.payment_intent_id == payment_intent_id)
    else:
        return None
    return session.scalar(query)


def _unique_code(session: Session) -> str:
    while True:
        code = new_code()
        if session.scalar(select(FeePass.id).where(FeePass.code == code)) is None:
            return code


def resign(settings: Settings, fee_pass: FeePass) -> None:
    fee_pass.token = sign_pass(settings, PassClaims(
        code=fee_pass.code, arrival_date=fee_pass.arrival_date, counts=fee_pass.counts()))


def pass_page_url(settings: Settings, payment: FeePayment) -> str:
    return f"{settings.public_base_url}/fee/thanks/{payment.reference}"


def _push_pass(session: Session, settings: Settings, payment: FeePayment,
               fee_pass: FeePass) -> None:
    """Send the pass to the payer's LINE chat (a push: it counts against the month's quota)."""
    if payment.person_id is None:
        return
    person = session.get(Person, payment.person_id)
    if person is None or not person.can_receive:
        return
    language = person.language

    def _(msgid: str, **values: Any) -> str:
        return gettext(language, msgid, **values)

    people = ", ".join(f"{line.name(language)} {line.remaining}"
                       for line in payment.lines if line.remaining)
    card = messages.bubble(
        _("入島協力金のパス"),
        [_("到着日: %(day)s", day=payment.arrival_date.isoformat()), people,
         _("確認コード: %(code)s", code=fee_pass.code),
         _("港で係の人に見せてください。ご協力ありがとうございます。")],
        [messages.uri_action(_("パスを開く"),
                             pass_page_url(settings, payment) + "?openExternalBrowser=1")],
        label=settings.island(language), accent="#1E7F4F")
    png = f"{settings.public_base_url}/fee/pass/{payment.reference}.png"
    enqueue_push(session, person.line_user_id or "", [
        messages.flex(_("入島協力金のパス（%(code)s）", code=fee_pass.code), card),
        messages.image(png)], source=f"fees:{payment.id}")
    fee_pass.pushed_at = now()


def fulfil(session: Session, settings: Settings, payment: FeePayment, *,
           checkout_session_id: str | None = None, payment_intent_id: str | None = None,
           actor: str = "stripe") -> FeePass:
    """Mark the (locked) payment paid and issue its pass, once (flushes, audits, may push).

    A payment already fulfilled keeps its pass and state. Refunds Stripe reported before
    the payment was known here are applied now.
    """
    if payment.fee_pass is not None:
        return payment.fee_pass
    if checkout_session_id and payment.checkout_session_id is None:
        payment.checkout_session_id = checkout_session_id
    if payment_intent_id:
        payment.payment_intent_id = payment_intent_id
    payment.status = PaymentStatus.PAID
    payment.paid_at = now()
    fee_pass = FeePass(payment=payment, code=_unique_code(session),
                       arrival_date=payment.arrival_date, token="")
    session.add(fee_pass)
    resign(settings, fee_pass)
    session.flush()
    audit.record(session, actor, "fees.paid", f"fee_payment:{payment.id}",
                 after={"reference": payment.reference, "total_jpy": payment.total_jpy,
                        "people": payment.people, "source": payment.source,
                        "checkout_session": payment.checkout_session_id})
    log.info("fee paid reference=%s session=%s", payment.reference, payment.checkout_session_id)
    if payment.payment_intent_id:
        waiting = session.scalars(select(StripeEvent).where(
            StripeEvent.payment_intent_id == payment.payment_intent_id,
            StripeEvent.pending.is_(True))).all()
        for event in waiting:
            record_refunded_total(session, settings, payment, event.amount_refunded or 0)
            event.pending = False
    if payment.status == PaymentStatus.PAID:
        _push_pass(session, settings, payment, fee_pass)
    session.flush()
    return fee_pass


def _lower_counts(payment: FeePayment, counts: Mapping[str, int]) -> None:
    by_code = {line.category_code: line for line in payment.lines}
    for code, count in counts.items():
        line = by_code[code]
        line.refunded_quantity = min(line.quantity, line.refunded_quantity + count)


def _settle_status(settings: Settings, payment: FeePayment) -> None:
    full = payment.total_jpy > 0 and payment.refunded_jpy >= payment.total_jpy
    if full:
        for line in payment.lines:
            line.refunded_quantity = line.quantity
    nobody = all(line.remaining == 0 for line in payment.lines)
    if full or nobody:
        payment.status = PaymentStatus.REFUNDED
    elif payment.refunded_jpy or any(line.refunded_quantity for line in payment.lines):
        payment.status = PaymentStatus.PARTIALLY_REFUNDED
    fee_pass = payment.fee_pass
    if fee_pass is not None:
        if payment.status == PaymentStatus.REFUNDED and fee_pass.revoked_at is None:
            fee_pass.revoked_at = now()
        resign(settings, fee_pass)


def record_refunded_total(session: Session, settings: Settings, payment: FeePayment,
                          amount_refunded: int, actor: str = "stripe") -> FeeRefund | None:
    """Stripe says `amount_refunded` yen of this payment are refunded in all (charge.refunded).

    What our own records do not explain yet is recorded as a refund without categories; a
    refund of everything ends the pass. Returns the new refund row, if any (flushes, audits).
    """
    missing = min(amount_refunded, payment.total_jpy) - payment.refunded_jpy
    if missing <= 0:
        return None
    refund = FeeRefund(amount_jpy=missing, counts={}, actor=actor, reason="charge.refunded")
    payment.refunds.append(refund)
    payment.refunded_jpy += missing
    _settle_status(settings, payment)
    session.flush()
    audit.record(session, actor, "fees.refund_recorded", f"fee_payment:{payment.id}",
                 after={"amount_jpy": missing, "status": payment.status})
    return refund


def refund_amount(payment: FeePayment, counts: Mapping[str, int] | None) -> int:
    """What the office's choice costs: the given people (by category), or everything left.

    Raises RefundError when the payment is refunded already or the people were not paid for.
    """
    if payment.status == PaymentStatus.REFUNDED:
        raise RefundError(N_("この支払いはすでに全額返金されています。"))
    if counts is None:
        return payment.total_jpy - payment.refunded_jpy
    by_code = {line.category_code: line for line in payment.lines}
    total = 0
    for code, count in counts.items():
        line = by_code.get(code)
        if line is None or count < 0 or count > line.remaining:
            raise RefundError(N_("返金する人数が支払われた人数を超えています。"))
        total += line.unit_jpy * count
    return total


def record_office_refund(session: Session, settings: Settings, payment: FeePayment, *,
                         counts: Mapping[str, int] | None, amount_jpy: int,
                         stripe_refund_id: str | None, actor: str,
                         reason: str | None) -> FeeRefund | None:
    """A refund made through Stripe's API (or of exempt people only, with no money): lower the
    head-count by the chosen people, or end the pass for a full refund (flushes, audits).
    Exempt people taken off a pass cost nothing: no refund row, only the audit entry.

    If Stripe's charge.refunded arrived first and was recorded without categories, that row
    becomes this one instead of counting the money twice.
    """
    chosen = ({line.category_code: line.remaining for line in payment.lines}
              if counts is None else {code: n for code, n in counts.items() if n})
    existing = None
    if stripe_refund_id:
        existing = session.scalar(select(FeeRefund).where(
            FeeRefund.stripe_refund_id == stripe_refund_id))
    if existing is None and amount_jpy:
        existing = next((row for row in payment.refunds if row.stripe_refund_id is None
                         and not row.counts and row.amount_jpy == amount_jpy), None)
    refund: FeeRefund | None = existing
    if existing is not None:
        existing.stripe_refund_id = stripe_refund_id
        existing.counts = dict(chosen)
        existing.actor, existing.reason = actor, reason
    elif amount_jpy:
        refund = FeeRefund(stripe_refund_id=stripe_refund_id, amount_jpy=amount_jpy,
                           counts=dict(chosen), actor=actor, reason=reason)
        payment.refunds.append(refund)
        payment.refunded_jpy = min(payment.total_jpy, payment.refunded_jpy + amount_jpy)
    _lower_counts(payment, chosen)
    _settle_status(settings, payment)
    session.flush()
    audit.record(session, actor, "fees.refunded", f"fee_payment:{payment.id}",
                 after={"amount_jpy": amount_jpy, "counts": dict(chosen),
                        "refund": stripe_refund_id, "status": payment.status}, note=reason)
    return refund


def erase_fee_data(session: Session, person: Person) -> None:
    """「データを削除」: payments stay (anonymous counts and revenue) but no longer name the
    LINE user who paid."""
    for payment in session.scalars(select(FeePayment).where(FeePayment.person_id == person.id)):
        payment.person_id = None
