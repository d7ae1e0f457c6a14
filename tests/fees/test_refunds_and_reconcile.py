"""Refunds from the dashboard through Stripe's API, charge.refunded, `islandos fees reconcile`."""

from __future__ import annotations

import re

from sqlalchemy import select

from islandos.cli import main
from islandos.models.audit import AuditEntry
from islandos.models.fees import FeePayment, FeeRefund, PaymentStatus
from tests.fees.conftest import checkout_session_of, payment_for


def _paid(visitor, stripe_api, stripe_webhook, db, **counts) -> FeePayment:
    session_id = checkout_session_of(visitor.pay("/fee?src=port", **counts), stripe_api)
    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))
    return payment_for(db, session_id)


def _refund_form(staff, payment: FeePayment) -> dict[str, str]:
    page = staff.get(f"/admin/fees/payments/{payment.id}").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page)
    assert nonce, "no refund form"
    return {"nonce": nonce.group(1)}


def test_a_partial_refund_lowers_the_head_count_by_the_chosen_people(
        visitor, stripe_api, stripe_webhook, db, admin_client):
    payment = _paid(visitor, stripe_api, stripe_webhook, db, count_adult=2, count_child=1)
    old_token = payment.fee_pass.token
    staff = admin_client(role="editor")
    form = {**_refund_form(staff, payment), "refund_adult": "1", "reason": "体調不良で1人欠航"}
    response = staff.submit(f"/admin/fees/payments/{payment.id}/refund", form,
                            page=f"/admin/fees/payments/{payment.id}")
    assert response.status_code == 302
    method, path, params, headers = stripe_api.requests[-1]
    assert (method, path) == ("POST", "/v1/refunds")
    assert params["amount"] == "500" and params["payment_intent"] == payment.payment_intent_id
    assert params["metadata"]["counts"] == "adult:1"
    assert headers["idempotency-key"] == f"refund-{form['nonce']}"
    # Stripe then says so itself: the money is not counted twice.
    stripe_webhook.send("charge.refunded", stripe_api.charge(payment.checkout_session_id))
    with db.transaction() as session:
        stored = session.get(FeePayment, payment.id)
        assert stored.status == PaymentStatus.PARTIALLY_REFUNDED
        assert stored.refunded_jpy == 500 and len(stored.refunds) == 1
        assert stored.fee_pass.counts() == {"adult": 1, "child": 1}
        assert stored.fee_pass.token != old_token and stored.fee_pass.revoked_at is None
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "fees.refunded")).one()
        assert entry.actor == staff.actor and entry.after["counts"] == {"adult": 1}
    page = visitor.client.get(f"/fee/thanks/{payment.reference}").get_data(as_text=True)
    assert "大人（中学生以上） 1人" in page


def test_a_full_refund_ends_the_pass_and_a_resubmitted_form_refunds_once(
        visitor, stripe_api, stripe_webhook, db, admin_client):
    payment = _paid(visitor, stripe_api, stripe_webhook, db, count_adult=1, count_child=1)
    staff = admin_client(role="editor")
    form = {**_refund_form(staff, payment), "full": "1"}
    url = f"/admin/fees/payments/{payment.id}/refund"
    assert staff.submit(url, form, page=f"/admin/fees/payments/{payment.id}").status_code == 302
    again = staff.submit(url, form, page=f"/admin/fees/payments/{payment.id}")
    assert again.status_code == 400  # nothing left to refund; Stripe was not asked again
    assert len(stripe_api.refunds) == 1
    with db.transaction() as session:
        stored = session.get(FeePayment, payment.id)
        assert stored.status == PaymentStatus.REFUNDED and stored.refunded_jpy == 700
        assert stored.fee_pass.revoked_at is not None


def test_refunding_more_people_than_paid_is_refused_and_viewers_cannot_refund(
        visitor, stripe_api, stripe_webhook, db, admin_client):
    payment = _paid(visitor, stripe_api, stripe_webhook, db, count_adult=1)
    staff = admin_client(role="editor")
    form = {**_refund_form(staff, payment), "refund_adult": "2"}
    response = staff.submit(f"/admin/fees/payments/{payment.id}/refund", form,
                            page=f"/admin/fees/payments/{payment.id}")
    assert response.status_code == 400
    assert "返金する人数が支払われた人数を超えています" in response.get_data(as_text=True)
    viewer = admin_client(role="viewer")
    refused = viewer.submit(f"/admin/fees/payments/{payment.id}/refund",
                            {"full": "1", "nonce": "x" * 20},
                            page=f"/admin/fees/payments/{payment.id}")
    assert refused.status_code == 403
    assert not any(path == "/v1/refunds" for _m, path, _p, _h in stripe_api.requests)


def test_a_refund_made_in_stripes_dashboard_is_recorded_from_charge_refunded(
        visitor, stripe_api, stripe_webhook, db):
    payment = _paid(visitor, stripe_api, stripe_webhook, db, count_adult=2)
    stripe_api.refunds["re_dash"] = {"id": "re_dash", "amount": 1000, "created": 0,
                                     "payment_intent": payment.payment_intent_id,
                                     "status": "succeeded", "metadata": {}}
    stripe_webhook.send("charge.refunded", stripe_api.charge(payment.checkout_session_id))
    with db.transaction() as session:
        stored = session.get(FeePayment, payment.id)
        assert stored.status == PaymentStatus.REFUNDED and stored.fee_pass.revoked_at
        stored_refund = session.scalars(select(FeeRefund)).one()
        assert stored_refund.amount_jpy == 1000 and stored_refund.actor == "stripe"


def test_reconcile_fulfils_a_paid_session_whose_webhook_never_came_and_records_a_missed_refund(
        app, visitor, stripe_api, stripe_webhook, db):
    lost = checkout_session_of(visitor.pay("/fee?src=ferry", count_adult=3), stripe_api)
    stripe_api.complete(lost)  # paid at Stripe; the webhook never reached us
    open_one = checkout_session_of(visitor.pay(count_adult=1), stripe_api)
    refunded = _paid(visitor, stripe_api, stripe_webhook, db, count_adult=2, count_child=1)
    stripe_api.refunds["re_missed"] = {
        "id": "re_missed", "amount": 200, "created": 2_000_000_000, "status": "succeeded",
        "payment_intent": refunded.payment_intent_id, "metadata": {"counts": "child:1"}}

    runner = app.test_cli_runner()
    first = runner.invoke(main, ["fees", "reconcile", "--since", "2026-11-20"])
    assert first.exit_code == 0, first.output
    assert "fulfilled" in first.output and "re_missed" in first.output
    assert "fixed 2" in first.output
    lost_payment = payment_for(db, lost)
    assert lost_payment.status == PaymentStatus.PAID and lost_payment.fee_pass is not None
    assert payment_for(db, open_one).status == PaymentStatus.PENDING
    with db.transaction() as session:
        stored = session.get(FeePayment, refunded.id)
        assert stored.refunded_jpy == 200 and stored.fee_pass.counts() == {"adult": 2}

    second = runner.invoke(main, ["fees", "reconcile", "--since", "2026-11-20"])
    assert second.exit_code == 0 and "fixed 0" in second.output
    bad = runner.invoke(main, ["fees", "reconcile", "--since", "yesterday"])
    assert bad.exit_code != 0 and "not a date" in bad.output
