"""Stripe's webhook: signatures checked, each event once, any order ends with one right pass."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from islandos.models.fees import FeePass, FeePayment, PaymentStatus, StripeEvent
from tests.fees.conftest import checkout_session_of, payment_for


def _start(visitor, stripe_api, **counts) -> str:
    return checkout_session_of(visitor.pay("/fee?src=port", **(counts or {"count_adult": 2})),
                               stripe_api)


def _passes(db) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(FeePass)) or 0


def test_the_thanks_page_waits_until_the_webhook_confirms_then_shows_the_pass(
        visitor, stripe_api, stripe_webhook, db):
    session_id = _start(visitor, stripe_api, count_adult=2, count_child=1)
    payment = payment_for(db, session_id)
    thanks = f"/fee/thanks/{payment.reference}?session_id={session_id}"
    # Back from Stripe before its webhook: no pass yet, the page waits and checks again.
    waiting = visitor.client.get(thanks).get_data(as_text=True)
    assert "お支払いを確認しています" in waiting and "<svg" not in waiting
    assert visitor.client.get(f"/fee/thanks/{payment.reference}/status").json["ready"] is False
    assert visitor.client.get(f"/fee/pass/{payment.reference}.png").status_code == 404

    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))

    assert visitor.client.get(f"/fee/thanks/{payment.reference}/status").json["ready"] is True
    page = visitor.client.get(thanks).get_data(as_text=True)
    code = re.search(r'class="fee-code">([A-Z0-9]{6})<', page)
    assert code and "<svg" in page and "大人（中学生以上） 2人" in page and "2026-11-25" in page
    png = visitor.client.get(f"/fee/pass/{payment.reference}.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    with db.transaction() as session:
        stored = session.scalars(select(FeePayment)).one()
        assert stored.status == PaymentStatus.PAID and stored.payment_intent_id
        assert stored.fee_pass is not None and stored.fee_pass.code == code.group(1)


def test_a_bad_or_missing_signature_gets_400_and_stores_nothing(
        visitor, stripe_api, stripe_webhook, db):
    session_id = _start(visitor, stripe_api)
    event = stripe_webhook.event("checkout.session.completed", stripe_api.complete(session_id))
    assert stripe_webhook.post(event, secret="whsec_wrong").status_code == 400
    assert stripe_webhook.post(event, header="").status_code == 400
    assert stripe_webhook.post(event, header="t=1,v1=deadbeef").status_code == 400
    stale = "t=1000,v1=" + "0" * 64
    assert stripe_webhook.post(event, header=stale).status_code == 400
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(StripeEvent)) == 0
    assert _passes(db) == 0
    assert payment_for(db, session_id).status == PaymentStatus.PENDING


def test_the_same_event_twice_and_both_completions_issue_one_pass(
        visitor, stripe_api, stripe_webhook, db):
    session_id = _start(visitor, stripe_api)
    paid = stripe_api.complete(session_id)
    event = stripe_webhook.event("checkout.session.completed", paid)
    assert stripe_webhook.post(event).json["outcome"] == "fulfilled"
    assert stripe_webhook.post(event).json["outcome"] == "duplicate"
    stripe_webhook.send("checkout.session.async_payment_succeeded", paid)
    assert _passes(db) == 1


def test_completed_unpaid_waits_and_async_success_fulfils(
        visitor, stripe_api, stripe_webhook, db):
    session_id = _start(visitor, stripe_api)
    paid = stripe_api.complete(session_id)
    unpaid = {**paid, "payment_status": "unpaid"}
    stripe_webhook.send("checkout.session.completed", unpaid)
    assert _passes(db) == 0 and payment_for(db, session_id).status == PaymentStatus.PENDING
    stripe_webhook.send("checkout.session.async_payment_succeeded", paid)
    assert _passes(db) == 1


def test_async_failure_and_expiry_mark_the_payment_and_the_page_offers_to_pay_again(
        visitor, stripe_api, stripe_webhook, db):
    failed_id, expired_id = _start(visitor, stripe_api), _start(visitor, stripe_api)
    stripe_webhook.send("checkout.session.async_payment_failed",
                        {**stripe_api.sessions[failed_id], "payment_status": "unpaid"})
    stripe_webhook.send("checkout.session.expired",
                        {**stripe_api.sessions[expired_id], "status": "expired"})
    failed, expired = payment_for(db, failed_id), payment_for(db, expired_id)
    assert failed.status == PaymentStatus.FAILED and expired.status == PaymentStatus.EXPIRED
    page = visitor.client.get(f"/fee/thanks/{expired.reference}").get_data(as_text=True)
    assert "お支払いは完了していません" in page and "<svg" not in page
    assert _passes(db) == 0


def test_completed_after_expired_still_issues_the_pass(visitor, stripe_api, stripe_webhook, db):
    session_id = _start(visitor, stripe_api)
    stripe_webhook.send("checkout.session.expired",
                        {**stripe_api.sessions[session_id], "status": "expired"})
    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))
    assert payment_for(db, session_id).status == PaymentStatus.PAID and _passes(db) == 1
    stripe_webhook.send("checkout.session.expired",
                        {**stripe_api.sessions[session_id], "status": "expired"})
    assert payment_for(db, session_id).status == PaymentStatus.PAID


def test_refunded_before_completed_ends_refunded_with_a_revoked_pass(
        visitor, stripe_api, stripe_webhook, db):
    session_id = _start(visitor, stripe_api)
    paid = stripe_api.complete(session_id)
    stripe_api.refunds["re_x"] = {"id": "re_x", "amount": 1000, "payment_intent":
                                  paid["payment_intent"], "created": 0, "status": "succeeded",
                                  "metadata": {}}
    stripe_webhook.send("charge.refunded", stripe_api.charge(session_id))
    assert _passes(db) == 0
    stripe_webhook.send("checkout.session.completed", paid)
    payment = payment_for(db, session_id)
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_jpy == 1000
    assert payment.fee_pass is not None and payment.fee_pass.revoked_at is not None
    page = visitor.client.get(f"/fee/thanks/{payment.reference}").get_data(as_text=True)
    assert "このお支払いは返金されました" in page and "<svg" not in page
    assert visitor.client.get(f"/fee/pass/{payment.reference}.png").status_code == 404


def test_an_event_for_a_checkout_we_never_made_changes_nothing(stripe_webhook, db):
    response = stripe_webhook.send("checkout.session.completed", {
        "id": "cs_test_other", "object": "checkout.session", "payment_status": "paid",
        "client_reference_id": "someone-elses-reference", "payment_intent": "pi_other"})
    assert response.json["outcome"] == "unknown checkout"
    assert _passes(db) == 0


def test_nothing_of_the_payer_is_logged_or_stored(
        visitor, stripe_api, stripe_webhook, db, caplog):
    caplog.set_level("DEBUG")
    session_id = _start(visitor, stripe_api)
    paid = {**stripe_api.complete(session_id),
            "customer_details": {"email": "payer@example.com", "name": "Payer Name"}}
    stripe_webhook.send("checkout.session.completed", paid)
    stripe_api.refunds["re_y"] = {"id": "re_y", "amount": 500, "created": 0,
                                  "payment_intent": paid["payment_intent"],
                                  "status": "succeeded", "metadata": {}}
    stripe_webhook.send("charge.refunded", stripe_api.charge(session_id))
    assert "payer@example.com" not in caplog.text and "Payer Name" not in caplog.text
    with db.transaction() as session:
        rows = [repr(row) + str(vars(row)) for model in (StripeEvent, FeePayment)
                for row in session.scalars(select(model))]
    assert rows and not any("payer@example.com" in row or "Payer" in row for row in rows)
