"""Development without a Stripe account: a local Checkout page that pays and sends this app a
signed webhook, so the demo island works in the simulator; the demo fee table is seeded."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from islandos import create_app
from islandos.demo.fees import seed_fees
from islandos.extensions import islandos_state
from islandos.models.fees import FeeCategory, FeePayment, PaymentStatus, StripeEvent
from tests.conftest import _empty_tables, app_overrides
from tests.fees.conftest import Visitor


@pytest.fixture
def dev_app(schema, database_url, fake_line, frozen_clock) -> Iterator[Flask]:
    application = create_app({**app_overrides(database_url, fake_line), "env": "development"})
    with islandos_state(application).db.transaction() as session:
        seed_fees(session)
    yield application
    islandos_state(application).db.dispose()
    _empty_tables(schema)


def test_the_local_checkout_pays_through_a_signed_webhook_and_shows_the_pass(dev_app):
    visitor = Visitor(dev_app.test_client())
    response = visitor.pay("/fee?src=port", count_adult=1, count_child=2)
    assert response.status_code == 303 and "/dev/checkout/cs_local_" in response.location
    checkout = response.location.removeprefix("https://island.example.jp")
    page = visitor.client.get(checkout).get_data(as_text=True)
    assert "開発用のテスト決済です" in page and "合計 900円" in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    paid = visitor.client.post(checkout, data={"csrf_token": csrf, "outcome": "pay"})
    assert paid.status_code == 303 and "/fee/thanks/" in paid.location
    thanks = visitor.client.get(paid.location.removeprefix("https://island.example.jp"))
    assert "入島協力金のパス" in thanks.get_data(as_text=True)
    db = islandos_state(dev_app).db
    with db.transaction() as session:
        assert session.scalars(select(FeePayment.status)).all() == [PaymentStatus.PAID]
        assert session.scalar(select(func.count()).select_from(StripeEvent)) == 1


def test_the_demo_fee_table_is_seeded_once(dev_app):
    db = islandos_state(dev_app).db
    with db.transaction() as session:
        assert seed_fees(session) == []
        codes = session.scalars(select(FeeCategory.code)).all()
    assert sorted(codes) == ["adult", "child", "relative", "resident", "under6", "worker"]
