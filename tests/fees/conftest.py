"""The entry contribution against a fake Stripe API on loopback, with events signed for real."""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from islandos import create_app
from islandos.db import Database
from islandos.extensions import islandos_state
from islandos.models.fees import FeePayment
from islandos.services.fees.table import seed_default_table
from tests.conftest import _empty_tables, app_overrides
from tests.fakes.line_api import FakeLineApi
from tests.fakes.stripe_api import SECRET_KEY, FakeStripeApi, signature_header
from tests.support.admin import admin_client  # noqa: F401

WEBHOOK_SECRET = "whsec_test_fake"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_NONCE = re.compile(r'name="nonce" value="([^"]+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


@pytest.fixture(scope="session")
def stripe_server() -> Iterator[FakeStripeApi]:
    with FakeStripeApi(WEBHOOK_SECRET) as fake:
        yield fake


@pytest.fixture
def stripe_api(stripe_server: FakeStripeApi) -> FakeStripeApi:
    stripe_server.reset()
    return stripe_server


def stripe_overrides(stripe_api: FakeStripeApi) -> dict[str, Any]:
    return {"stripe_secret_key": SECRET_KEY, "stripe_webhook_secret": WEBHOOK_SECRET,
            "stripe_api_base_url": stripe_api.base_url}


@pytest.fixture
def app(schema: Database, database_url: str, fake_line: FakeLineApi,
        stripe_api: FakeStripeApi, frozen_clock: Any) -> Iterator[Flask]:
    """The app with Stripe set up (the fake), the clock frozen and the demo fee table."""
    application = create_app(app_overrides(database_url, fake_line,
                                           **stripe_overrides(stripe_api)))
    with islandos_state(application).db.transaction() as session:
        seed_default_table(session)
    yield application
    islandos_state(application).db.dispose()
    _empty_tables(schema)


class Visitor:
    """A visitor's phone browser on /fee."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def open_form(self, url: str = "/fee") -> tuple[str, str, str]:
        page = self.client.get(url)
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        csrf, nonce = _CSRF.search(html), _NONCE.search(html)
        assert csrf and nonce, "the form has no CSRF token or nonce"
        return html, csrf.group(1), nonce.group(1)

    def pay(self, url: str = "/fee", nonce: str | None = None, **fields: Any) -> TestResponse:
        """Fill in the form (count_<code>=n, arrival=...) and send it, as the page does."""
        html, _csrf, _nonce = self.open_form(url)
        data = dict(_HIDDEN.findall(html))  # csrf_token, nonce, src, the LINE link's u
        if nonce:
            data["nonce"] = nonce
        data.update({key: str(value) for key, value in fields.items()})
        return self.client.post("/fee", data=data)


@pytest.fixture
def visitor(client: FlaskClient) -> Visitor:
    return Visitor(client)


class StripeWebhook:
    """Posts events to /stripe/webhook the way Stripe does: JSON, signed with the secret."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def event(self, kind: str, obj: dict[str, Any], event_id: str | None = None
              ) -> dict[str, Any]:
        return {"id": event_id or "evt_" + secrets.token_urlsafe(12), "object": "event",
                "type": kind, "created": int(time.time()), "api_version": "2025-01-27.acacia",
                "data": {"object": obj}}

    def post(self, event: dict[str, Any], secret: str = WEBHOOK_SECRET,
             header: str | None = None) -> TestResponse:
        body = json.dumps(event).encode()
        signature = header if header is not None else signature_header(secret, body)
        headers = {"Stripe-Signature": signature} if signature else {}
        return self.client.post("/stripe/webhook", data=body, headers=headers,
                                content_type="application/json")

    def send(self, kind: str, obj: dict[str, Any], event_id: str | None = None
             ) -> TestResponse:
        response = self.post(self.event(kind, obj, event_id))
        assert response.status_code == 200, response.get_data(as_text=True)
        return response


@pytest.fixture
def stripe_webhook(app: Flask) -> StripeWebhook:
    return StripeWebhook(app.test_client())


def checkout_session_of(response: TestResponse, stripe_api: FakeStripeApi) -> str:
    """The Checkout session /fee sent the visitor to (303 to Stripe's hosted page)."""
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    session_id = response.location.rsplit("/", 1)[-1]
    assert session_id in stripe_api.sessions
    return session_id


def payment_for(db: Database, checkout_session_id: str) -> FeePayment:
    from sqlalchemy import select
    with db.transaction() as session:
        payment = session.scalar(select(FeePayment).where(
            FeePayment.checkout_session_id == checkout_session_id))
        assert payment is not None
        return payment
