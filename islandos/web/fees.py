"""The entry contribution on the web: /fee, the pass, Stripe's webhook, a local Checkout in dev.

/fee computes the total on the server from the fee table, then sends the visitor to Stripe
Checkout (or, with only exempt people, issues the pass at once). The thanks page shows the
pass only once Stripe's webhook has confirmed the payment; until then it waits and checks.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Any

import stripe
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.models.fees import FeePayment, PaymentStatus
from islandos.services.fees import orders
from islandos.services.fees.events import handle_event
from islandos.services.fees.links import person_from_link
from islandos.services.fees.passes import public_jwk, qr_png, qr_svg
from islandos.services.fees.payments import fulfil, locked_payment
from islandos.services.fees.stripe_api import (
    LOCAL_PREFIX,
    CheckoutRequest,
    PaymentsNotSetUp,
    PaymentsUnavailable,
    gateway_for,
    payments_ready,
    webhook_secret,
)
from islandos.services.fees.table import categories_on
from islandos.web.home import public_banner
from islandos.web.home import qr_svg as url_qr
from islandos.web.locale import _, current_language

log = logging.getLogger(__name__)

bp = Blueprint("fees", __name__)
webhook_bp = Blueprint("stripe_webhook", __name__)
local_checkout_bp = Blueprint("local_checkout", __name__)
webhook_bp.record_once(lambda state: state.app.extensions["csrf"].exempt(webhook_bp))

SOURCE_WORDS = {"port", "ferry", "inn", "line"}
EXPIRED_FORM = N_("ページの有効期限が切れました。もう一度入れてください。")
UNAVAILABLE = N_("ただいまお支払いを受け付けられません。しばらくしてからもう一度お試しください。")


def _source() -> str:
    source = request.values.get("src", "")
    return source if source in SOURCE_WORDS else "web"


def _form_page(errors: list[str] | None = None, status: int = 200,
               values: dict[str, str] | None = None) -> ResponseReturnValue:
    state = islandos_state(current_app)
    language = current_language()
    moment = now()
    today = orders.today_in_japan(moment)
    with state.db.transaction() as session:
        categories = categories_on(session, today)
    ready = payments_ready(state.settings)
    retry_url = f"{state.settings.public_base_url}/fee?src={_source()}"
    return render_template(
        "fees/form.html", categories=categories, errors=errors or [], ready=ready,
        values=values or {}, today=today.isoformat(), nonce=secrets.token_urlsafe(18),
        source=_source(), link=request.values.get("u", ""), language=language,
        banner=public_banner(), retry_qr=url_qr(retry_url) if status == 503 else None,
        max_people=orders.MAX_PEOPLE), status


@bp.get("/fee")
def fee_form() -> ResponseReturnValue:
    return _form_page(values={"arrival": request.args.get("arrival", "")})


@bp.post("/fee")
def fee_submit() -> ResponseReturnValue:
    state = islandos_state(current_app)
    settings = state.settings
    if not payments_ready(settings):
        return _form_page(status=503)
    values = {key: str(value) for key, value in request.form.items()}
    nonce = request.form.get("nonce", "")
    if not 16 <= len(nonce) <= 64:
        return _form_page([_(EXPIRED_FORM)], 400, values)
    moment = now()
    person_id = None
    if request.form.get("u"):
        person_id = person_from_link(settings, request.form["u"])
    try:
        with state.db.transaction() as session:
            earlier = orders.payment_by_nonce(session, nonce)
            if earlier is not None:  # the same form sent twice (a double tap, a reload)
                return _go_on(earlier)
            arrival = orders.parse_arrival(request.form.get("arrival"), moment)
            order = orders.quote(session, arrival, request.form)
            payment = orders.create_payment(
                session, order, source=_source(), language=current_language(),
                nonce=nonce, person_id=person_id)
            if order.total_jpy == 0:  # only exempt people: nothing to pay, the pass at once
                fulfil(session, settings, payment, actor="web")
                return redirect(url_for("fees.thanks", reference=payment.reference), 303)
            request_ = _checkout_request(payment, order, nonce)
    except orders.InvalidOrder as error:
        return _form_page([_(str(error))], 400, values)
    except IntegrityError:  # a twin of this form won the race; show where it went
        with state.db.transaction() as session:
            earlier = orders.payment_by_nonce(session, nonce)
            if earlier is None:
                raise
            return _go_on(earlier)
    try:
        started = gateway_for(settings).create_checkout(request_)
    except (PaymentsUnavailable, PaymentsNotSetUp):
        with state.db.transaction() as session:
            failed = locked_payment(session, reference=request_.reference)
            if failed is not None and failed.status == PaymentStatus.PENDING:
                failed.status = PaymentStatus.FAILED  # reconcile still finds it if Stripe has it
        return _form_page([_(UNAVAILABLE)], 503, values)
    with state.db.transaction() as session:
        started_payment = locked_payment(session, reference=request_.reference)
        assert started_payment is not None
        started_payment.checkout_session_id = started.id
        started_payment.checkout_url = started.url
    return redirect(started.url, 303)


def _go_on(payment: FeePayment) -> ResponseReturnValue:
    if payment.status == PaymentStatus.PENDING and payment.checkout_url:
        return redirect(payment.checkout_url, 303)
    return redirect(url_for("fees.thanks", reference=payment.reference), 303)


def _checkout_request(payment: FeePayment, order: orders.Quote, nonce: str) -> CheckoutRequest:
    settings = islandos_state(current_app).settings
    base = settings.public_base_url
    language = payment.language
    lines = [(category.name(language), category.price_jpy, count)
             for category, count in order.lines if category.price_jpy > 0]
    return CheckoutRequest(
        reference=payment.reference, lines=lines,
        metadata={"source": payment.source, "categories": orders.category_summary(payment),
                  "arrival_date": payment.arrival_date.isoformat(),
                  "reference": payment.reference},
        success_url=f"{base}/fee/thanks/{payment.reference}?session_id={{CHECKOUT_SESSION_ID}}",
        cancel_url=f"{base}/fee?src={payment.source}&lang={language}",
        expires_at=now() + orders.CHECKOUT_LIFETIME, idempotency_key=f"checkout-{nonce}",
        language=language)


def _paid_payment(reference: str) -> tuple[FeePayment | None, bool]:
    if not 16 <= len(reference) <= 32:
        abort(404)
    with islandos_state(current_app).db.transaction() as session:
        payment = orders.payment_by_reference(session, reference)
        if payment is None:
            abort(404)
        ready = payment.fee_pass is not None
        return payment, ready


@bp.get("/fee/thanks/<string:reference>")
def thanks(reference: str) -> ResponseReturnValue:
    payment, ready = _paid_payment(reference)
    assert payment is not None
    fee_pass = payment.fee_pass if ready else None
    closed = payment.status in (PaymentStatus.EXPIRED, PaymentStatus.FAILED) and not ready
    response = Response(render_template(
        "fees/thanks.html", payment=payment, fee_pass=fee_pass, closed=closed,
        language=current_language(),
        qr=Markup(qr_svg(fee_pass.token)) if fee_pass and not fee_pass.revoked_at else None))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/fee/thanks/<string:reference>/status")
def thanks_status(reference: str) -> ResponseReturnValue:
    payment, ready = _paid_payment(reference)
    assert payment is not None
    response = jsonify(ready=ready, status=payment.status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/fee/pass/<string:reference>.png")
def pass_png(reference: str) -> ResponseReturnValue:
    payment, ready = _paid_payment(reference)
    assert payment is not None
    if not ready or payment.fee_pass is None or payment.fee_pass.revoked_at is not None:
        abort(404)
    response = Response(qr_png(payment.fee_pass.token), mimetype="image/png")
    response.headers["Content-Disposition"] = (
        f'inline; filename="pass-{payment.fee_pass.code}.png"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/passes/public-key.json")
def public_key() -> ResponseReturnValue:
    """The key staff phones verify passes with, offline (a JWK for WebCrypto)."""
    response = jsonify(public_jwk(islandos_state(current_app).settings))
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


# Stripe's webhook -------------------------------------------------------------------------


@webhook_bp.post("/stripe/webhook")
def stripe_webhook() -> ResponseReturnValue:
    """Verify Stripe-Signature on the raw body (400, nothing stored otherwise); handle once."""
    state = islandos_state(current_app)
    secret = webhook_secret(state.settings)
    raw = request.get_data(cache=False)
    header = request.headers.get("Stripe-Signature", "")
    if not secret or not header or len(raw) > 512 * 1024:
        return jsonify(error="bad request"), 400
    try:
        stripe.WebhookSignature.verify_header(raw.decode("utf-8"), header, secret,
                                              tolerance=300)
        event: dict[str, Any] = json.loads(raw)
        event_id, kind = str(event["id"]), str(event["type"])
    except (stripe.SignatureVerificationError, ValueError, KeyError, TypeError):
        log.warning("stripe webhook refused: bad signature or body")
        return jsonify(error="bad signature"), 400
    try:
        with state.db.transaction() as session:
            outcome = handle_event(session, state.settings, event)
    except IntegrityError:  # the same event, handled at this moment by another worker
        outcome = "duplicate"
    log.info("stripe event=%s type=%s outcome=%s", event_id, kind, outcome)
    return jsonify(received=True, outcome=outcome)


# The local Checkout of development -----------------------------------------------------------


@local_checkout_bp.before_request
def _development_only() -> None:
    settings = islandos_state(current_app).settings
    if not settings.is_development or settings.stripe_enabled:
        abort(404)


def _local_payment(session_id: str) -> FeePayment:
    if not session_id.startswith(LOCAL_PREFIX):
        abort(404)
    with islandos_state(current_app).db.transaction() as session:
        payment = locked_payment(session, checkout_session_id=session_id)
        if payment is None:
            abort(404)
        return payment


@local_checkout_bp.get("/dev/checkout/<string:session_id>")
def local_checkout(session_id: str) -> ResponseReturnValue:
    payment = _local_payment(session_id)
    return render_template("fees/local_checkout.html", payment=payment, session_id=session_id,
                           language=payment.language)


@local_checkout_bp.post("/dev/checkout/<string:session_id>")
def local_checkout_pay(session_id: str) -> ResponseReturnValue:
    """Play Stripe: send ourselves the signed checkout.session.completed, then go back."""
    payment = _local_payment(session_id)
    settings = islandos_state(current_app).settings
    paid = request.form.get("outcome") != "cancel"
    event = {
        "id": "evt_local_" + secrets.token_urlsafe(12), "object": "event",
        "type": "checkout.session.completed" if paid else "checkout.session.expired",
        "created": int(time.time()),
        "data": {"object": {
            "id": session_id, "object": "checkout.session",
            "client_reference_id": payment.reference, "amount_total": payment.total_jpy,
            "currency": "jpy", "payment_status": "paid" if paid else "unpaid",
            "status": "complete" if paid else "expired",
            "payment_intent": "pi_local_" + session_id.removeprefix(LOCAL_PREFIX)}}}
    body = json.dumps(event)
    timestamp = int(time.time())
    # Stripe's scheme: v1 is the hex HMAC-SHA256 of "<t>.<body>" keyed with the secret.
    signature = hmac.new(webhook_secret(settings).encode(), f"{timestamp}.{body}".encode(),
                         hashlib.sha256).hexdigest()
    response = current_app.test_client().post(
        "/stripe/webhook", data=body, content_type="application/json",
        headers={"Stripe-Signature": f"t={timestamp},v1={signature}"})
    if response.status_code != 200:
        abort(500)
    if not paid:
        return redirect(url_for("fees.fee_form", src=payment.source), 303)
    return redirect(url_for("fees.thanks", reference=payment.reference,
                            session_id=session_id), 303)
