"""The dashboard: visitors and revenue per day and source, CSV, the fee table (audited)."""

from __future__ import annotations

from sqlalchemy import select

from islandos.models.audit import AuditEntry
from islandos.models.fees import FeeCategory
from tests.fees.conftest import checkout_session_of


def _pay(visitor, stripe_api, stripe_webhook, url: str, **counts) -> None:
    session_id = checkout_session_of(visitor.pay(url, **counts), stripe_api)
    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))


def test_the_office_sees_paid_visitors_and_revenue_per_day_and_source_and_gets_a_csv(
        visitor, stripe_api, stripe_webhook, admin_client):
    _pay(visitor, stripe_api, stripe_webhook, "/fee?src=port", count_adult=2, count_child=1)
    _pay(visitor, stripe_api, stripe_webhook, "/fee?src=ferry", count_adult=1)
    visitor.pay("/fee?src=port", count_resident=3)  # exempt: counted, nothing paid
    visitor.pay("/fee?src=port", count_adult=5)  # never paid: not counted
    viewer = admin_client(role="viewer")
    page = viewer.get("/admin/fees").get_data(as_text=True)
    assert "今日の来島者（2026-11-25）" in page and "合計 7人" in page
    assert "1,700" in page
    csv = viewer.get("/admin/fees/daily.csv?from=2026-11-01&to=2026-11-30")
    assert csv.data.startswith("\ufeff".encode())
    lines = csv.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "date,source,payments,paying_visitors,exempt_visitors,revenue_jpy"
    assert sorted(lines[1:]) == ["2026-11-25,ferry,1,1,0,500", "2026-11-25,port,2,3,3,1200"]


def test_an_editor_changes_a_price_from_a_date_and_it_is_audited(
        visitor, admin_client, db, stripe_api):
    editor = admin_client(role="editor")
    response = editor.submit("/admin/fees/table", {
        "code": "adult", "name_ja": "大人", "name_en": "Adult", "price_jpy": "600",
        "effective_from": "2026-12-01", "active": "1", "sort_order": "10"},
        page="/admin/fees/table")
    assert response.status_code == 302
    assert "500円" in visitor.open_form("/fee")[0]
    checkout_session_of(visitor.pay(count_adult=1, arrival="2026-12-01"), stripe_api)
    checkout_session_of(visitor.pay(count_adult=1), stripe_api)
    charged = [params["line_items"][0]["price_data"]["unit_amount"]
               for _m, _p, params, _h in stripe_api.requests]
    assert charged == ["600", "500"]  # the price of the arrival day
    with db.transaction() as session:
        rows = session.scalars(select(FeeCategory).where(FeeCategory.code == "adult")).all()
        assert sorted(row.price_jpy for row in rows) == [500, 600]
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "fees.category_saved")).one()
        assert entry.actor == editor.actor and entry.after["price_jpy"] == 600


def test_a_bad_fee_table_row_gets_a_clear_error_and_viewers_cannot_edit(admin_client, db):
    editor = admin_client(role="editor")
    response = editor.submit("/admin/fees/table", {
        "code": "resident2", "name_ja": "島民", "name_en": "Resident", "price_jpy": "300",
        "exempt": "1", "effective_from": "2026-12-01", "active": "1"},
        page="/admin/fees/table")
    assert response.status_code == 400
    assert "免除の区分は0円です。" in response.get_data(as_text=True)
    viewer = admin_client(role="viewer")
    refused = viewer.submit("/admin/fees/table", {
        "code": "vip", "name_ja": "特別", "name_en": "VIP", "price_jpy": "9000",
        "effective_from": "2026-12-01", "active": "1"}, page="/admin/fees/table")
    assert refused.status_code == 403
    with db.transaction() as session:
        assert session.scalar(select(FeeCategory).where(FeeCategory.code == "vip")) is None
        assert session.scalar(select(FeeCategory).where(
            FeeCategory.code == "resident2")) is None


def test_the_fee_pages_need_a_sign_in(client):
    for url in ("/admin/fees", "/admin/fees/table", "/admin/fees/daily.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login" in response.location
