"""The entry contribution in the dashboard: visitors and revenue, the fee table, refunds.

The domain lives in islandos.services.fees; refunds go through Stripe's API with an
idempotency key made for each refund form, and are audited.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.models.fees import FeeCategory, FeePayment
from islandos.services.fees import reports
from islandos.services.fees.orders import today_in_japan
from islandos.services.fees.payments import (
    RefundError,
    locked_payment,
    record_office_refund,
    refund_amount,
)
from islandos.services.fees.stripe_api import PaymentsNotSetUp, PaymentsUnavailable, gateway_for
from islandos.services.fees.table import CategoryInput, FeeTableError, all_categories, save_category
from islandos.web.admin import admin_actor, feature_blueprint, role_required
from islandos.web.locale import _

bp = feature_blueprint("fees_admin", __name__)

EDITOR, VIEWER = AdminRole.EDITOR, AdminRole.VIEWER
REPORT_DAYS = 31
STRIPE_DOWN = N_("Stripeにつながらず、返金できませんでした。時間をおいてもう一度お試しください。")


class CsrfForm(FlaskForm):
    """Only the CSRF token: the fields are read from the form and checked by the service."""


def _period() -> tuple[date, date]:
    today = today_in_japan(now())
    try:
        start = date.fromisoformat(request.args.get("from", ""))
    except ValueError:
        start = today - timedelta(days=REPORT_DAYS - 1)
    try:
        end = date.fromisoformat(request.args.get("to", ""))
    except ValueError:
        end = today + timedelta(days=7)
    return start, max(start, end)


@bp.get("/fees")
@role_required(VIEWER)
def report() -> ResponseReturnValue:
    state = islandos_state(current_app)
    start, end = _period()
    today = today_in_japan(now())
    with state.db.transaction() as session:
        rows = reports.daily(session, start, end)
        visitors = reports.visitors_on(session, today)
        recent = reports.recent_payments(session)
    return render_template("admin/fees/report.html", rows=rows, visitors=visitors, today=today,
                           recent=recent, start=start, end=end,
                           revenue=sum(row.revenue_jpy for row in rows),
                           paying=sum(row.paying for row in rows),
                           exempt=sum(row.exempt for row in rows))


@bp.get("/fees/daily.csv")
@role_required(VIEWER)
def report_csv() -> ResponseReturnValue:
    start, end = _period()
    with islandos_state(current_app).db.transaction() as session:
        body = reports.daily_csv(reports.daily(session, start, end))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="fees-{start}-{end}.csv"'})


@bp.get("/fees/table")
@role_required(VIEWER)
def table() -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        rows = all_categories(session)
    return render_template("admin/fees/table.html", rows=rows, form=CsrfForm(), errors={},
                           values={}, editing=None)


def _category_input() -> CategoryInput:
    form = request.form
    try:
        price = int(form.get("price_jpy", "").strip() or "0")
        start = date.fromisoformat(form.get("effective_from", "").strip())
        until_raw = form.get("effective_until", "").strip()
        until = date.fromisoformat(until_raw) if until_raw else None
        order = int(form.get("sort_order", "").strip() or "0")
    except ValueError as exc:
        raise FeeTableError(N_("金額・日付・並び順を正しく入れてください。")) from exc
    return CategoryInput(
        code=form.get("code", "").strip(), name_ja=form.get("name_ja", "").strip(),
        name_en=form.get("name_en", "").strip(), price_jpy=price,
        exempt=form.get("exempt") == "1", effective_from=start, effective_until=until,
        active=form.get("active") == "1", sort_order=order)


@bp.post("/fees/table")
@role_required(EDITOR)
def table_save() -> ResponseReturnValue:
    form = CsrfForm()
    raw_id = request.form.get("category_id", "")
    category_id = int(raw_id) if raw_id.isdigit() else None
    state = islandos_state(current_app)
    if not form.validate_on_submit():
        abort(400)
    try:
        data = _category_input()
        with state.db.transaction() as session:
            save_category(session, admin_actor(), data, category_id)
    except FeeTableError as error:
        with state.db.transaction() as session:
            rows = all_categories(session)
        return render_template("admin/fees/table.html", rows=rows, form=form,
                               errors={"form": _(str(error))}, values=request.form,
                               editing=category_id), 400
    flash(_("料金表を保存しました。"), "success")
    return redirect(url_for("fees_admin.table"))


@bp.get("/fees/table/<int:category_id>")
@role_required(EDITOR)
def table_edit(category_id: int) -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        row = session.get(FeeCategory, category_id)
        if row is None:
            abort(404)
        rows = all_categories(session)
    values = {"code": row.code, "name_ja": row.name_ja, "name_en": row.name_en,
              "price_jpy": str(row.price_jpy), "exempt": "1" if row.exempt else "",
              "effective_from": row.effective_from.isoformat(),
              "effective_until": row.effective_until.isoformat() if row.effective_until else "",
              "active": "1" if row.active else "", "sort_order": str(row.sort_order)}
    return render_template("admin/fees/table.html", rows=rows, form=CsrfForm(), errors={},
                           values=values, editing=category_id)


def _payment_page(payment_id: int, error: str | None = None,
                  status: int = 200) -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        payment = session.get(FeePayment, payment_id)
        if payment is None:
            abort(404)
    return render_template("admin/fees/payment.html", payment=payment, form=CsrfForm(),
                           error=error, nonce=secrets.token_urlsafe(18)), status


@bp.get("/fees/payments/<int:payment_id>")
@role_required(VIEWER)
def payment_page(payment_id: int) -> ResponseReturnValue:
    return _payment_page(payment_id)


def _chosen_counts(payment: FeePayment) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in payment.lines:
        raw = request.form.get(f"refund_{line.category_code}", "0").strip() or "0"
        if not raw.isdigit() or len(raw) > 3:
            raise RefundError(N_("返金する人数は数字で入れてください。"))
        counts[line.category_code] = int(raw)
    if not any(counts.values()):
        raise RefundError(N_("返金する人数を入れてください。"))
    return counts


@bp.post("/fees/payments/<int:payment_id>/refund")
@role_required(EDITOR)
def refund(payment_id: int) -> ResponseReturnValue:
    """Refund everything, or the people chosen per category, through Stripe's API."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    state = islandos_state(current_app)
    nonce = request.form.get("nonce", "")
    full = request.form.get("full") == "1"
    reason = request.form.get("reason", "").strip()[:200] or None
    error: str | None = None
    with state.db.transaction() as session:
        payment = session.get(FeePayment, payment_id)
        if payment is None:
            abort(404)
        try:
            if not payment.is_fulfilled or payment.fee_pass is None:
                raise RefundError(N_("支払いが済んでいないため返金できません。"))
            counts = None if full else _chosen_counts(payment)
            amount = refund_amount(payment, counts)
        except RefundError as refused:
            error = str(refused)
        intent, reference = payment.payment_intent_id, payment.reference
    if error is not None:
        return _payment_page(payment_id, _(error), 400)
    stripe_refund_id = None
    if amount > 0:
        if not intent or len(nonce) < 16:
            return _payment_page(payment_id, _("この支払いはStripeで返金できません。"), 400)
        summary = ",".join(f"{code}:{n}" for code, n in (counts or {}).items() if n)
        try:
            made = gateway_for(state.settings).refund(
                intent, amount, f"refund-{nonce}",
                {"reference": reference, "counts": summary or "all"})
        except (PaymentsUnavailable, PaymentsNotSetUp):
            return _payment_page(payment_id, _(STRIPE_DOWN), 503)
        stripe_refund_id = str(made["id"])
    with state.db.transaction() as session:
        locked = locked_payment(session, reference=reference)
        assert locked is not None
        record_office_refund(session, state.settings, locked, counts=counts, amount_jpy=amount,
                             stripe_refund_id=stripe_refund_id, actor=admin_actor(),
                             reason=reason)
    flash(_("返金しました。"), "success")
    return redirect(url_for("fees_admin.payment_page", payment_id=payment_id))
