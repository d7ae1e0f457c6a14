"""Port staff and the counter: /passes/verify (camera or typed code, offline too), cash and
exempt visitors, moving a pass, receipts, ferry counts and payment rates, the poster, and the
特定商取引法に基づく表記 page.

/passes/verify needs a dashboard sign-in (role viewer or more). Its script is static
(static/js/pass_verify.js) with the QR decoder jsQR (static/vendor/jsqr); a small service
worker keeps the page and the public key for offline use, never the signing key.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf

from islandos.clock import TOKYO, now
from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.models.fees import FeePayment
from islandos.services.fees import orders, staff
from islandos.services.fees.poster import SOURCES as POSTER_SOURCES
from islandos.services.fees.poster import poster_png, poster_svg
from islandos.services.fees.table import categories_on
from islandos.web.admin import admin_actor, feature_blueprint, role_required
from islandos.web.locale import _, current_language

VIEWER, EDITOR = AdminRole.VIEWER, AdminRole.EDITOR

# Staff pages at /passes/... behind the dashboard's sign-in guard.
staff_bp = feature_blueprint("fees_staff", __name__)
staff_bp.url_prefix = None
# Dashboard pages at /admin/fees/...
admin_bp = feature_blueprint("fees_counter", __name__)
# Public pages for visitors.
public_bp = Blueprint("fees_public", __name__)


class CsrfForm(FlaskForm):
    """Only the CSRF token."""


# /passes/verify -----------------------------------------------------------------------------


@staff_bp.get("/passes/verify")
@role_required(VIEWER)
def verify_page() -> ResponseReturnValue:
    return render_template("fees/verify.html", language=current_language(),
                           today=orders.today_in_japan(now()).isoformat())


@staff_bp.get("/passes/verify/csrf")
@role_required(VIEWER)
def verify_csrf() -> ResponseReturnValue:
    """A fresh CSRF token for a page that was loaded from the phone's cache."""
    return jsonify(csrf=generate_csrf(), now=now().isoformat())


@staff_bp.post("/passes/verify/check")
@role_required(VIEWER)
def verify_check() -> ResponseReturnValue:
    body: Any = request.get_json(silent=True)
    if not isinstance(body, dict):
        return jsonify(error=_("読み取れませんでした。もう一度お試しください。")), 400
    code, token = str(body.get("code", ""))[:40], str(body.get("token", ""))[:1000]
    if not code.strip() and not token.strip():
        return jsonify(error=_("確認コードを入れてください。")), 400
    with islandos_state(current_app).db.transaction() as session:
        verdict = staff.check_pass(session, islandos_state(current_app).settings,
                                   staff=admin_actor(), code=code, token=token,
                                   device=str(body.get("device", "")))
    return jsonify(verdict.as_json())


@staff_bp.post("/passes/verify/sync")
@role_required(VIEWER)
def verify_sync() -> ResponseReturnValue:
    body: Any = request.get_json(silent=True)
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return jsonify(error="items must be a list"), 400
    with islandos_state(current_app).db.transaction() as session:
        result = staff.sync_offline(session, islandos_state(current_app).settings,
                                    staff=admin_actor(), device=str(body.get("device", "")),
                                    items=items)
    return jsonify(recorded=result.recorded, repeated=result.repeated,
                   conflicts=result.conflicts, refused=result.refused)


@staff_bp.get("/passes/sw.js")
@role_required(VIEWER)
def service_worker() -> ResponseReturnValue:
    """The service worker, served under /passes/ so that its scope is the verify page."""
    response = send_from_directory(current_app.static_folder or "static", "js/pass_sw.js",
                                   mimetype="text/javascript", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/passes/"
    return response


# The counter in the dashboard -----------------------------------------------------------------


def _day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return default


@admin_bp.get("/fees/port")
@role_required(VIEWER)
def port() -> ResponseReturnValue:
    state = islandos_state(current_app)
    today = orders.today_in_japan(now())
    day = _day(request.args.get("day"), today)
    with state.db.transaction() as session:
        categories = categories_on(session, day)
        conflicts = staff.conflicts(session, day)
        rates = staff.payment_rates(session, day - timedelta(days=30), day + timedelta(days=7))
    return render_template("admin/fees/port.html", categories=categories, conflicts=conflicts,
                           rates=rates, day=day, form=CsrfForm(), sources=POSTER_SOURCES,
                           values=dict(request.args), tokyo=TOKYO)


@admin_bp.post("/fees/port/record")
@role_required(EDITOR)
def port_record() -> ResponseReturnValue:
    """Cash paid at the port, or exempt visitors counted: a payment with its pass at once."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    state = islandos_state(current_app)
    today = orders.today_in_japan(now())
    try:
        with state.db.transaction() as session:
            payment = staff.record_at_port(
                session, state.settings, staff=admin_actor(),
                arrival=_day(request.form.get("arrival"), today),
                counts=request.form, source=request.form.get("source", "port"))
            payment_id, code = payment.id, payment.fee_pass.code if payment.fee_pass else ""
    except orders.InvalidOrder as error:
        flash(_(str(error)), "error")
        return redirect(url_for("fees_counter.port"))
    flash(_("記録しました（確認コード %(code)s）。", code=code), "success")
    return redirect(url_for("fees_admin.payment_page", payment_id=payment_id))


@admin_bp.post("/fees/port/ferry")
@role_required(EDITOR)
def ferry_count() -> ResponseReturnValue:
    if not CsrfForm().validate_on_submit():
        abort(400)
    today = orders.today_in_japan(now())
    day = _day(request.form.get("day"), today)
    raw = request.form.get("passengers", "").strip()
    try:
        if not raw.isdigit() or len(raw) > 5:
            raise staff.StaffError(N_("乗船者数は0から10000までの数字で入れてください。"))
        with islandos_state(current_app).db.transaction() as session:
            staff.set_ferry_count(session, staff=admin_actor(), day=day, passengers=int(raw))
    except staff.StaffError as error:
        flash(_(str(error)), "error")
    else:
        flash(_("乗船者数を記録しました。"), "success")
    return redirect(url_for("fees_counter.port", day=day.isoformat()))


@admin_bp.post("/fees/payments/<int:payment_id>/move")
@role_required(EDITOR)
def move(payment_id: int) -> ResponseReturnValue:
    """Move the pass to another arrival date (a ferry cancelled by a typhoon)."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    state = islandos_state(current_app)
    try:
        new_date = date.fromisoformat(request.form.get("arrival", "").strip())
    except ValueError:
        flash(_("到着日が読み取れません。"), "error")
        return redirect(url_for("fees_admin.payment_page", payment_id=payment_id))
    with state.db.transaction() as session:
        payment = session.get(FeePayment, payment_id)
        if payment is None:
            abort(404)
        try:
            staff.move_pass(session, state.settings, payment, staff=admin_actor(),
                            new_date=new_date)
        except staff.StaffError as error:
            flash(_(str(error)), "error")
        else:
            flash(_("到着日を %(day)s に変更しました。", day=new_date.isoformat()), "success")
    return redirect(url_for("fees_admin.payment_page", payment_id=payment_id))


@admin_bp.get("/fees/payments/<int:payment_id>/receipt")
@role_required(VIEWER)
def admin_receipt(payment_id: int) -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        payment = session.get(FeePayment, payment_id)
        if payment is None:
            abort(404)
        return _receipt(payment)


@admin_bp.get("/fees/poster/<string:source>.<string:kind>")
@role_required(VIEWER)
def poster(source: str, kind: str) -> ResponseReturnValue:
    if source not in POSTER_SOURCES or kind not in ("png", "svg"):
        abort(404)
    settings = islandos_state(current_app).settings
    if kind == "png":
        return Response(poster_png(settings, source), mimetype="image/png", headers={
            "Content-Disposition": f'attachment; filename="fee-poster-{source}.png"'})
    return Response(poster_svg(settings, source), mimetype="image/svg+xml", headers={
        "Content-Disposition": f'attachment; filename="fee-poster-{source}.svg"'})


# Public: receipts and the 特定商取引法に基づく表記 ----------------------------------------


def _receipt(payment: FeePayment) -> ResponseReturnValue:
    if not payment.is_fulfilled or payment.total_jpy == 0:
        abort(404)
    settings = islandos_state(current_app).settings
    response = Response(render_template(
        "fees/receipt.html", payment=payment, language=payment.language, tokyo=TOKYO,
        seller=settings.seller_name or settings.island(payment.language)))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@public_bp.get("/fee/receipt/<string:reference>")
def receipt(reference: str) -> ResponseReturnValue:
    """The payer's receipt (領収書), printable; the reference is the pass page's secret."""
    if not 16 <= len(reference) <= 32:
        abort(404)
    with islandos_state(current_app).db.transaction() as session:
        payment = orders.payment_by_reference(session, reference)
        if payment is None:
            abort(404)
        return _receipt(payment)


@public_bp.get("/fee/legal")
def legal() -> ResponseReturnValue:
    settings = islandos_state(current_app).settings
    return render_template("fees/legal.html", settings=settings, language=current_language())
