"""Stripe, reached through the `stripe` library only; a local stand-in in development.

Every call has a timeout (and the library's own pooled HTTP client, so a burst of arrivals
reuses connections). Errors become `PaymentsUnavailable`: the caller shows a clear message.
Nothing but ids, amounts and our own reference is logged.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

import stripe

from islandos.settings import Settings

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 8.0
# Only methods that settle at once (wallets come with card); never konbini or bank transfer,
# which complete unpaid and settle days later.
PAYMENT_METHODS = ("card", "paypay")
LOCAL_PREFIX = "cs_local_"


class PaymentsNotSetUp(RuntimeError):
    """No Stripe keys (and not development): payments are off."""


class PaymentsUnavailable(RuntimeError):
    """Stripe did not answer in time, or refused; nothing was charged by us."""


@dataclass(frozen=True)
class CheckoutRequest:
    reference: str
    lines: list[tuple[str, int, int]]  # (name, unit_jpy, quantity)
    metadata: dict[str, str]
    success_url: str
    cancel_url: str
    expires_at: datetime
    idempotency_key: str
    language: str


@dataclass(frozen=True)
class StartedCheckout:
    id: str
    url: str


class Gateway(Protocol):
    local: bool

    def create_checkout(self, request: CheckoutRequest) -> StartedCheckout: ...

    def sessions_since(self, since: datetime) -> Iterator[dict[str, Any]]: ...

    def refunds_since(self, since: datetime) -> Iterator[dict[str, Any]]: ...

    def refund(self, payment_intent: str, amount: int, idempotency_key: str,
               metadata: dict[str, str]) -> dict[str, Any]: ...


def webhook_secret(settings: Settings) -> str:
    """The secret Stripe-Signature is checked with (a local one in development only)."""
    if settings.stripe_webhook_secret:
        return settings.stripe_webhook_secret
    if settings.is_development:
        digest = hashlib.sha256(b"local checkout\0" + settings.secret_key.encode()).hexdigest()
        return f"whsec_local_{digest[:32]}"
    return ""


@lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str) -> stripe.StripeClient:
    # One client per key: its RequestsClient keeps a session, so connections are reused.
    http_client = stripe.RequestsClient(timeout=TIMEOUT_SECONDS)
    base = {"api": api_base} if api_base else None
    return stripe.StripeClient(secret_key, base_addresses=base,  # type: ignore[arg-type]
                               http_client=http_client, max_network_retries=1)


def _plain(obj: Any) -> dict[str, Any]:
    value = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return dict(value)


class StripeGateway:
    local = False

    def __init__(self, settings: Settings) -> None:
        self.client = _client(settings.stripe_secret_key, settings.stripe_api_base_url)

    def create_checkout(self, request: CheckoutRequest) -> StartedCheckout:
        params: dict[str, Any] = {
            "mode": "payment",
            "currency": "jpy",
            "line_items": [
                {"quantity": quantity,
                 "price_data": {"currency": "jpy", "unit_amount": unit,
                                "product_data": {"name": name}}}
                for name, unit, quantity in request.lines],
            "payment_method_types": list(PAYMENT_METHODS),
            "client_reference_id": request.reference,
            "metadata": request.metadata,
            "payment_intent_data": {"metadata": {"reference": request.reference}},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "expires_at": int(request.expires_at.timestamp()),
            "locale": "ja" if request.language == "ja" else "en",
            "submit_type": "pay",
        }
        try:
            created = self.client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key})
        except stripe.StripeError as exc:
            log.warning("checkout not created reference=%s error=%s status=%s",
                        request.reference, type(exc).__name__, exc.http_status)
            raise PaymentsUnavailable(str(type(exc).__name__)) from exc
        log.info("checkout created reference=%s session=%s", request.reference, created.id)
        return StartedCheckout(id=created.id, url=str(created.url))

    def sessions_since(self, since: datetime) -> Iterator[dict[str, Any]]:
        try:
            page = self.client.v1.checkout.sessions.list(
                params={"created": {"gte": int(since.timestamp())}, "limit": 100})
            for item in page.auto_paging_iter():
                yield _plain(item)
        except stripe.StripeError as exc:
            raise PaymentsUnavailable(type(exc).__name__) from exc

    def refunds_since(self, since: datetime) -> Iterator[dict[str, Any]]:
        try:
            page = self.client.v1.refunds.list(
                params={"created": {"gte": int(since.timestamp())}, "limit": 100})
            for item in page.auto_paging_iter():
                yield _plain(item)
        except stripe.StripeError as exc:
            raise PaymentsUnavailable(type(exc).__name__) from exc

    def refund(self, payment_intent: str, amount: int, idempotency_key: str,
               metadata: dict[str, str]) -> dict[str, Any]:
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": payment_intent, "amount": amount,
                        "metadata": metadata},
                options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            log.warning("refund not created payment_intent=%s error=%s", payment_intent,
                        type(exc).__name__)
            raise PaymentsUnavailable(type(exc).__name__) from exc
        log.info("refund created payment_intent=%s refund=%s", payment_intent, refund.id)
        return _plain(refund)


class LocalCheckout:
    """Development without a Stripe account: sessions are ours, paid on our own fake page
    (`/dev/checkout/<id>`), which then sends this app a signed webhook as Stripe would."""

    local = True

    def __init__(self, settings: Settings) -> None:
        self.base = settings.public_base_url

    def create_checkout(self, request: CheckoutRequest) -> StartedCheckout:
        session_id = LOCAL_PREFIX + secrets.token_urlsafe(18)
        return StartedCheckout(id=session_id, url=f"{self.base}/dev/checkout/{session_id}")

    def sessions_since(self, since: datetime) -> Iterator[dict[str, Any]]:
        return iter(())

    def refunds_since(self, since: datetime) -> Iterator[dict[str, Any]]:
        return iter(())

    def refund(self, payment_intent: str, amount: int, idempotency_key: str,
               metadata: dict[str, str]) -> dict[str, Any]:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]
        return {"id": f"re_local_{digest}", "amount": amount, "status": "succeeded",
                "payment_intent": payment_intent, "metadata": metadata}


def gateway_for(settings: Settings) -> Gateway:
    """Stripe when its keys are set; the local stand-in in development; else PaymentsNotSetUp."""
    if settings.stripe_enabled:
        return StripeGateway(settings)
    if settings.is_development:
        return LocalCheckout(settings)
    raise PaymentsNotSetUp("STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are not set")


def payments_ready(settings: Settings) -> bool:
    return settings.stripe_enabled or settings.is_development
