"""/fee: the total comes from the fee table, Stripe Checkout gets exactly what Stripe expects,
bad forms get a clear error and create no session, an exempt-only group gets its pass at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from islandos.models.fees import FeePass, FeePayment, PaymentStatus
from tests.conftest import app_overrides
from tests.fees.conftest import checkout_session_of, payment_for


def test_the_form_asks_per_category_in_japanese_and_english(visitor):
    html, _csrf, _nonce = visitor.open_form("/fee?src=port")
    assert "入島協力金" in html and "大人（中学生以上）" in html and "500円" in html
    assert "6歳未満" in html and "無料" in html
    assert 'value="2026-11-25"' in html  # arrival: today in Japan by default
    english, _c, _n = visitor.open_form("/fee?lang=en")
    assert "Adult (13 and over)" in english and "500 yen" in english
    assert "paths, toilets and sacred places" in english


def test_two_adults_and_a_child_go_to_checkout_with_the_server_prices(
        visitor, stripe_api, db):
    response = visitor.pay("/fee?src=ferry", count_adult=2, count_child=1, count_under6=1)
    session_id = checkout_session_of(response, stripe_api)
    method, path, params, headers = stripe_api.requests[-1]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert params["mode"] == "payment" and params["currency"] == "jpy"
    assert [(item["price_data"]["unit_amount"], item["quantity"])
            for item in params["line_items"]] == [("500", "2"), ("200", "1")]
    assert params["payment_method_types"] == ["card", "paypay"]
    assert params["metadata"]["source"] == "ferry"
    assert params["metadata"]["categories"] == "adult:2,child:1,under6:1"
    assert "{CHECKOUT_SESSION_ID}" in params["success_url"]
    assert headers["idempotency-key"].startswith("checkout-")
    assert stripe_api.sessions[session_id]["amount_total"] == 1200
    payment = payment_for(db, session_id)
    assert params["client_reference_id"] == payment.reference
    assert payment.status == PaymentStatus.PENDING and payment.total_jpy == 1200
    assert payment.source == "ferry" and payment.people == 4


def test_two_families_paying_the_same_are_two_payments_and_a_double_tap_is_one(
        visitor, stripe_api, db):
    first = visitor.pay(count_adult=2)
    second = visitor.pay(count_adult=2)
    assert checkout_session_of(first, stripe_api) != checkout_session_of(second, stripe_api)
    _html, _csrf, nonce = visitor.open_form()
    tap = visitor.pay(nonce=nonce, count_adult=2)
    again = visitor.pay(nonce=nonce, count_adult=2)
    assert again.location == tap.location
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FeePayment)) == 3
    assert len([r for r in stripe_api.requests if r[0] == "POST"]) == 3


@pytest.mark.parametrize("fields, message", [
    ({"count_adult": -1}, "人数は0から50までの数字で入れてください。"),
    ({"count_adult": "1e3"}, "人数は0から50までの数字で入れてください。"),
    ({"count_adult": 99999999999}, "人数は0から50までの数字で入れてください。"),
    ({"count_adult": 51}, "人数は0から50までの数字で入れてください。"),
    ({"count_adult": 30, "count_child": 21}, "1回のお支払いは50人までです。"),
    ({"count_adult": 0}, "人数を1人以上入れてください。"),
    ({"count_vip": 1}, "選べない区分が送られました。"),
    ({"count_adult": 1, "arrival": "2026-11-24"}, "到着日は今日以降を選んでください。"),
    ({"count_adult": 1, "arrival": "tomorrow"}, "到着日が読み取れません。"),
])
def test_a_tampered_form_gets_a_clear_error_and_no_checkout_session(
        visitor, stripe_api, db, fields: dict[str, Any], message: str):
    response = visitor.pay(**fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stripe_api.requests == []
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(FeePayment)) == 0


def test_only_exempt_people_get_their_pass_at_once_without_stripe(visitor, stripe_api, db):
    response = visitor.pay("/fee?src=inn", count_resident=2, count_under6=1)
    assert response.status_code == 303 and "/fee/thanks/" in response.location
    assert stripe_api.requests == []
    page = visitor.client.get(response.location).get_data(as_text=True)
    assert "入島協力金のパス" in page and "<svg" in page and "島民 2人" in page
    with db.transaction() as session:
        payment = session.scalars(select(FeePayment)).one()
        assert payment.status == PaymentStatus.PAID and payment.method == "none"
        assert payment.total_jpy == 0 and payment.source == "inn"
        assert session.scalar(select(func.count()).select_from(FeePass)) == 1


def test_a_chosen_later_arrival_date_is_the_pass_date(visitor, stripe_api, db):
    response = visitor.pay(count_adult=1, arrival="2026-12-02")
    payment = payment_for(db, checkout_session_of(response, stripe_api))
    assert payment.arrival_date.isoformat() == "2026-12-02"


@pytest.mark.parametrize("outage", ["down", "slow"])
def test_when_stripe_is_down_or_slow_the_page_says_so_without_a_500(
        visitor, stripe_api, db, monkeypatch, outage):
    if outage == "down":
        stripe_api.failure = 503
    else:
        from islandos.services.fees import stripe_api as gateway
        gateway._client.cache_clear()
        monkeypatch.setattr(gateway, "TIMEOUT_SECONDS", 0.3)
        stripe_api.delay = 1.0
    response = visitor.pay("/fee?src=port", count_adult=1)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "ただいまお支払いを受け付けられません" in html and "<svg" in html
    with db.transaction() as session:
        assert session.scalars(select(FeePayment.status)).all() == [PaymentStatus.FAILED]
    if outage == "slow":
        from islandos.services.fees import stripe_api as gateway
        gateway._client.cache_clear()


def test_without_stripe_keys_payments_are_not_set_up(
        schema, database_url, fake_line, frozen_clock):
    from islandos import create_app
    from islandos.extensions import islandos_state
    application = create_app(app_overrides(database_url, fake_line))
    try:
        client = application.test_client()
        page = client.get("/fee").get_data(as_text=True)
        assert "オンラインでのお支払いはまだ準備中です" in page
        assert 'name="nonce"' not in page
        refused = client.post("/stripe/webhook", data=b"{}",
                              headers={"Stripe-Signature": "t=1,v1=00"})
        assert refused.status_code == 400
        assert client.get("/dev/checkout/cs_local_x").status_code == 404
    finally:
        islandos_state(application).db.dispose()


def test_the_fee_page_carries_todays_closures(visitor, db):
    from islandos.demo.map import seed_map
    with db.transaction() as session:
        seed_map(session)  # the demo island closes a path for a ritual today
    html, _csrf, _nonce = visitor.open_form("/fee?src=port")
    assert "本日のお知らせ" in html and "アガリ拝所の周りの小道" in html
