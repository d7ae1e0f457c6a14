"""Port staff: /passes/verify (typed code, scanned token, offline check-ins sent later), cash and
exempt visitors at the counter, moving a pass, receipts, ferry counts and payment rates."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from islandos.extensions import islandos_state
from islandos.models.audit import AuditEntry
from islandos.models.fees import FeeCheckIn, FeePass, FeePayment, PaymentMethod
from islandos.services.fees.passes import PassClaims, sign_pass
from tests.fees.conftest import checkout_session_of, payment_for


class StaffPhone:
    """A staff member's phone on /passes/verify: posts JSON as pass_verify.js does."""

    def __init__(self, staff, device: str = "phone-a") -> None:
        self.staff, self.device = staff, device

    def _csrf(self) -> str:
        return self.staff.get("/passes/verify/csrf").json["csrf"]

    def check(self, code: str = "", token: str = "") -> dict:
        response = self.staff.client.post(
            "/passes/verify/check", json={"code": code, "token": token, "device": self.device},
            headers={"X-CSRFToken": self._csrf()})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.json

    def sync(self, items: list[dict]) -> dict:
        response = self.staff.client.post(
            "/passes/verify/sync", json={"device": self.device, "items": items},
            headers={"X-CSRFToken": self._csrf()})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.json


def _exempt_pass(visitor, db, arrival: str = "", **counts) -> FeePass:
    """A pass issued at once (only exempt people): no Stripe needed."""
    response = visitor.pay("/fee?src=port", arrival=arrival, **(counts or {"count_resident": 2}))
    assert response.status_code == 303
    reference = response.location.rsplit("/", 1)[-1]
    with db.transaction() as session:
        fee_pass = session.scalar(select(FeePass).join(FeePayment).where(
            FeePayment.reference == reference))
        assert fee_pass is not None
        return fee_pass


def _paid(visitor, stripe_api, stripe_webhook, db, **counts) -> FeePayment:
    session_id = checkout_session_of(visitor.pay("/fee?src=port", **counts), stripe_api)
    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))
    return payment_for(db, session_id)


def test_the_verify_page_needs_a_staff_sign_in(client):
    page = client.get("/passes/verify")
    assert page.status_code == 302 and "/admin/login" in page.location
    assert client.post("/passes/verify/check", json={"code": "ACD347"}).status_code in (302, 400)
    with_nothing = client.post("/passes/verify/sync", json={"items": []})
    assert with_nothing.status_code in (302, 400)


def test_staff_type_a_code_it_is_valid_then_already_checked_in_with_the_time(
        visitor, db, admin_client, frozen_clock):
    fee_pass = _exempt_pass(visitor, db, count_resident=2, count_under6=1)
    staff = admin_client(role="viewer")
    page = staff.get("/passes/verify").get_data(as_text=True)
    assert "確認コード" in page and "vendor/jsqr/jsQR.js" in page and "<script>" not in page
    phone = StaffPhone(staff)
    first = phone.check(code=fee_pass.code.lower()[:3] + " " + fee_pass.code[3:])
    assert first["outcome"] == "valid" and first["people"] == 3
    assert first["arrival_date"] == "2026-11-25"
    assert {line["ja"]: line["n"] for line in first["counts"]} == {"島民": 2, "6歳未満": 1}
    frozen_clock(minutes=20)
    again = phone.check(code=fee_pass.code)
    assert again["outcome"] == "already"
    assert again["checked_at"].startswith("2026-11-25T00:00")  # the first check, not now
    with db.transaction() as session:
        assert len(session.scalars(select(FeeCheckIn)).all()) == 1
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "fees.checked_in")).one()
        assert entry.actor == staff.actor


def test_a_scanned_token_a_forged_token_and_an_unknown_code(visitor, db, admin_client, app):
    fee_pass = _exempt_pass(visitor, db)
    phone = StaffPhone(admin_client(role="viewer"))
    assert phone.check(token=fee_pass.token)["outcome"] == "valid"
    settings = islandos_state(app).settings
    import dataclasses
    other = dataclasses.replace(settings, secret_key="another-island-" + "z" * 32)
    forged = sign_pass(other, PassClaims(fee_pass.code, fee_pass.arrival_date, {"adult": 9}))
    assert phone.check(token=forged)["outcome"] == "forged"
    assert phone.check(token="IP1.garbage.AAAA")["outcome"] == "forged"
    assert phone.check(code="XXXXXX")["outcome"] == "not_found"


def test_a_pass_for_a_later_day_and_a_later_day_of_the_stay(
        visitor, db, admin_client, frozen_clock):
    fee_pass = _exempt_pass(visitor, db, arrival="2026-11-27")
    phone = StaffPhone(admin_client(role="viewer"))
    early = phone.check(code=fee_pass.code)
    assert early["outcome"] == "other_date" and early["arrival_date"] == "2026-11-27"
    frozen_clock(datetime(2026, 11, 29, 1, 0, tzinfo=UTC))  # two days into the stay
    staying = StaffPhone(admin_client(role="viewer")).check(code=fee_pass.code)
    assert staying["outcome"] == "staying" and staying["arrival_date"] == "2026-11-27"
    with db.transaction() as session:
        assert session.scalars(select(FeeCheckIn)).all() == []


def test_a_refunded_pass_is_refused(visitor, stripe_api, stripe_webhook, db, admin_client):
    payment = _paid(visitor, stripe_api, stripe_webhook, db, count_adult=1)
    editor = admin_client(role="editor")
    page = editor.get(f"/admin/fees/payments/{payment.id}").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page)
    assert nonce
    editor.submit(f"/admin/fees/payments/{payment.id}/refund",
                  {"nonce": nonce.group(1), "full": "1"},
                  page=f"/admin/fees/payments/{payment.id}")
    assert payment.fee_pass is not None
    assert StaffPhone(editor).check(code=payment.fee_pass.code)["outcome"] == "refunded"


def test_offline_check_ins_are_sent_later_and_two_phones_on_one_pass_are_reported(
        visitor, db, admin_client, app):
    fee_pass = _exempt_pass(visitor, db)
    staff = admin_client(role="viewer")
    phone_a, phone_b = StaffPhone(staff, "phone-a"), StaffPhone(staff, "phone-b")
    batch_a = [{"token": fee_pass.token, "checked_at": "2026-11-25T08:55:00+09:00"}]
    assert phone_a.sync(batch_a) == {"recorded": 1, "repeated": 0, "conflicts": [],
                                     "refused": 0}
    assert phone_a.sync(batch_a)["repeated"] == 1  # sent again after a lost answer
    forged = fee_pass.token[:-4] + ("AAAA" if not fee_pass.token.endswith("AAAA") else "BBBB")
    outcome = phone_b.sync([
        {"token": fee_pass.token, "checked_at": "2026-11-25T08:58:00+09:00"},
        {"token": forged, "checked_at": "2026-11-25T08:59:00+09:00"}])
    assert outcome == {"recorded": 1, "repeated": 0, "conflicts": [fee_pass.code],
                       "refused": 1}
    with db.transaction() as session:
        rows = session.scalars(select(FeeCheckIn).order_by(FeeCheckIn.checked_at)).all()
        assert [(row.device, row.offline) for row in rows] == [("phone-a", True),
                                                               ("phone-b", True)]
    # Online, the pass now reads as checked in at phone A's (first) time.
    assert phone_a.check(code=fee_pass.code)["checked_at"].startswith("2026-11-24T23:55")
    report = staff.get("/admin/fees/port?day=2026-11-25").get_data(as_text=True)
    assert fee_pass.code in report and "phone-b" in report and "2回目" in report


def test_staff_record_cash_and_exempt_visitors_and_revenue_counts_them(
        db, admin_client):
    editor = admin_client(role="editor")
    response = editor.submit("/admin/fees/port/record", {
        "count_adult": "2", "count_child": "1", "arrival": "2026-11-25", "source": "port"},
        page="/admin/fees/port")
    assert response.status_code == 302
    editor.submit("/admin/fees/port/record", {"count_resident": "4", "arrival": "2026-11-25"},
                  page="/admin/fees/port")
    with db.transaction() as session:
        payments = session.scalars(select(FeePayment).order_by(FeePayment.id)).all()
        assert [(p.method, p.total_jpy, p.people, p.status) for p in payments] == [
            (PaymentMethod.CASH, 1200, 3, "paid"), (PaymentMethod.NONE, 0, 4, "paid")]
        assert all(p.recorded_by == editor.actor and p.fee_pass for p in payments)
    report = editor.get("/admin/fees").get_data(as_text=True)
    assert "合計 7人" in report and "1,200" in report
    receipt = editor.get(f"/admin/fees/payments/{payments[0].id}/receipt")
    text = receipt.get_data(as_text=True)
    assert receipt.status_code == 200 and "領収書" in text and "1,200円" in text
    assert "現金" in text


def test_a_tampered_counter_form_stores_nothing_and_viewers_cannot_record(db, admin_client):
    editor = admin_client(role="editor")
    response = editor.submit("/admin/fees/port/record", {"count_adult": "-3"},
                             page="/admin/fees/port", follow_redirects=True)
    assert "人数は0から50までの数字で入れてください。" in response.get_data(as_text=True)
    viewer = admin_client(role="viewer")
    refused = viewer.submit("/admin/fees/port/record", {"count_adult": "1"},
                            page="/admin/fees/port")
    assert refused.status_code == 403
    with db.transaction() as session:
        assert session.scalars(select(FeePayment)).all() == []


def test_staff_move_a_pass_to_another_date_after_a_typhoon(visitor, db, admin_client, app):
    fee_pass = _exempt_pass(visitor, db)
    editor = admin_client(role="editor")
    page = f"/admin/fees/payments/{fee_pass.payment_id}"
    assert "到着日を変更する" in editor.get(page).get_data(as_text=True)
    past = editor.submit(f"{page}/move", {"arrival": "2026-11-20"}, page=page,
                         follow_redirects=True)
    assert "到着日は今日以降を選んでください。" in past.get_data(as_text=True)
    editor.submit(f"{page}/move", {"arrival": "2026-11-27"}, page=page)
    with db.transaction() as session:
        moved = session.get(FeePass, fee_pass.id)
        assert moved.arrival_date.isoformat() == "2026-11-27" != fee_pass.arrival_date
        assert moved.token != fee_pass.token
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "fees.pass_moved")).one()
        assert entry.before == {"arrival_date": "2026-11-25"}
    phone = StaffPhone(editor)
    assert phone.check(token=moved.token)["outcome"] == "other_date"


def test_the_payer_gets_a_receipt_and_fee_links_the_legal_page(
        visitor, stripe_api, stripe_webhook, db, client, app):
    payment = _paid(visitor, stripe_api, stripe_webhook, db, count_adult=2)
    thanks = client.get(f"/fee/thanks/{payment.reference}").get_data(as_text=True)
    assert f"/fee/receipt/{payment.reference}" in thanks and "音声で案内" in thanks
    receipt = client.get(f"/fee/receipt/{payment.reference}").get_data(as_text=True)
    assert "1,000円" in receipt and "入島協力金として" in receipt
    assert client.get("/fee/receipt/" + "x" * 22).status_code == 404
    form = client.get("/fee").get_data(as_text=True)
    assert "/fee/legal" in form and "音声で案内" in form and "js/read_aloud.js" in form
    state = islandos_state(app)
    import dataclasses
    state.settings = dataclasses.replace(state.settings, seller_name="竹富町役場",
                                         seller_phone="0980-00-0000")
    legal = client.get("/fee/legal").get_data(as_text=True)
    assert "特定商取引法に基づく表記" in legal and "竹富町役場" in legal
    assert "Stripe" in legal and "0980-00-0000" in legal


def test_ferry_counts_give_the_payment_rate_per_source(
        visitor, stripe_api, stripe_webhook, db, admin_client):
    _paid(visitor, stripe_api, stripe_webhook, db, count_adult=3)  # port
    session_id = checkout_session_of(visitor.pay("/fee?src=ferry", count_adult=1), stripe_api)
    stripe_webhook.send("checkout.session.completed", stripe_api.complete(session_id))
    editor = admin_client(role="editor")
    bad = editor.submit("/admin/fees/port/ferry", {"day": "2026-11-25", "passengers": "lots"},
                        page="/admin/fees/port", follow_redirects=True)
    assert "乗船者数は0から10000までの数字で入れてください。" in bad.get_data(as_text=True)
    editor.submit("/admin/fees/port/ferry", {"day": "2026-11-25", "passengers": "10"},
                  page="/admin/fees/port")
    page = editor.get("/admin/fees/port?day=2026-11-25").get_data(as_text=True)
    row = re.search(r"<tr><td>2026-11-25</td>(.*?)</tr>", page, re.S)
    assert row
    cells = re.findall(r"<td>\s*([^<]*?)\s*</td>", row.group(1))
    assert cells[:6] == ["10", "4", "40%", "30%", "10%", "0%"]
