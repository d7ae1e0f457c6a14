"""Signing in (password, then a TOTP code), setting up TOTP, signing out."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

import qrcode
import qrcode.image.svg
from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy.orm import Session

from islandos.extensions import islandos_state
from islandos.i18n import format_datetime
from islandos.models.admin import AdminRole, AdminSessionStage, AdminUser
from islandos.services import admin_accounts, admin_sessions
from islandos.services.admin_accounts import AccountLocked, InvalidTotp, LoginFailed
from islandos.web.admin import (
    bp,
    current_session,
    end_session,
    forget_session,
    login_throttle,
    next_url,
    pending_admin,
    safe_next,
    session_stage,
    signed_in_admin,
    start_session,
)
from islandos.web.admin.forms import LoginForm, TotpForm
from islandos.web.locale import _, current_language

T = TypeVar("T")
SignInForm = TypeVar("SignInForm", LoginForm, TotpForm)


def _throttled() -> bool:
    """Count one sign-in attempt from this address; True (and say so) when there were too many."""
    if login_throttle().attempt(request.remote_addr or "unknown"):
        return False
    flash(_("ログインの試行が多すぎます。しばらくしてからお試しください。"), "error")
    return True


def _keeping_next(form: SignInForm) -> SignInForm:
    """A sign-in form that carries on to the page asked for (?next=) once signed in."""
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    return form


def _counted(check: Callable[[Session], T], *failures: type[Exception]) -> T | Exception:
    """Run one sign-in check in its own transaction, committed whether it passes or fails
    (a wrong password or code is counted against the account): its result, or the failure."""
    with islandos_state(current_app).db.transaction() as session:
        try:
            return check(session)
        except failures as exc:
            return exc


def _locked_message(error: AccountLocked) -> str:
    if error.until is None:
        return _("このアカウントは一時的にロックされています。")
    return _("ロック中です。%(time)s以降にもう一度お試しください。",
             time=_format(error.until))


def _format(moment: datetime) -> str:
    return format_datetime(moment, current_language())


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if signed_in_admin() is not None:
        return redirect(next_url())
    form = _keeping_next(LoginForm())
    if form.validate_on_submit():
        if _throttled():
            return render_template("admin/auth/login.html", form=form), 429

        def check(session: Session) -> tuple[AdminUser, str]:
            admin = admin_accounts.authenticate(
                session, form.username.data or "", form.password.data or "")
            stage = _stage_after_password(admin)
            if stage == "full":
                admin_accounts.record_login(session, admin)
            return admin, stage

        outcome = _counted(check, AccountLocked, LoginFailed)
        if isinstance(outcome, AccountLocked):
            flash(_locked_message(outcome), "error")
        elif isinstance(outcome, Exception):
            flash(_("ユーザー名またはパスワードが違います。"), "error")
        else:
            admin, stage = outcome
            start_session(admin, stage)
            if stage == "totp":
                return redirect(url_for("admin.login_totp",
                                        next=safe_next(form.next.data) or None))
            if stage == "setup":
                flash(_("管理者は2段階認証の設定が必要です。"), "info")
                return redirect(url_for("admin.totp_setup"))
            return redirect(next_url())
    return render_template("admin/auth/login.html", form=form)


def _stage_after_password(admin: AdminUser) -> str:
    if admin.totp_enabled:
        return "totp"
    if admin.role == AdminRole.ADMIN:
        return "setup"
    return "full"


@bp.route("/login/code", methods=["GET", "POST"])
def login_totp() -> ResponseReturnValue:
    pending = pending_admin()
    if pending is None or session_stage() != AdminSessionStage.TOTP:
        return redirect(url_for("admin.login"))
    form = _keeping_next(TotpForm())
    if form.validate_on_submit():
        if _throttled():
            return render_template("admin/auth/totp.html", form=form), 429

        def check(session: Session) -> AdminUser:
            admin = session.get(AdminUser, pending.id)
            assert admin is not None
            admin_accounts.verify_totp(session, admin, form.code.data or "")
            admin_accounts.record_login(session, admin)
            return admin

        outcome = _counted(check, AccountLocked, InvalidTotp)
        if isinstance(outcome, AccountLocked):
            end_session(admin_sessions.SessionReason.LOCKED)
            flash(_locked_message(outcome), "error")
            return redirect(url_for("admin.login"))
        if isinstance(outcome, Exception):
            form.code.errors = [_("確認コードが違います。アプリの最新のコードを入力してください。")]
        else:
            start_session(outcome, "full")
            return redirect(next_url())
    return render_template("admin/auth/totp.html", form=form)


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code (no network, no images on disk)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return Markup(svg[svg.index("<svg"):])


@bp.route("/totp/setup", methods=["GET", "POST"])
def totp_setup() -> ResponseReturnValue:
    """Set up an authenticator app: required for admins right after the password."""
    admin = signed_in_admin()
    forced = False
    if admin is None:
        admin = pending_admin()
        forced = session_stage() == AdminSessionStage.SETUP
        if admin is None or not forced:
            return redirect(url_for("admin.login"))
    if admin.totp_enabled:
        flash(_("2段階認証はすでに有効です。"), "info")
        return redirect(url_for("admin.account"))
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        row = session.get(AdminUser, admin.id)
        assert row is not None
        secret = admin_accounts.pending_totp_secret(session, row)
        uri = admin_accounts.totp_uri(row)
    form = TotpForm()
    if form.validate_on_submit():
        if _throttled():
            return redirect(url_for("admin.totp_setup"))
        try:
            with state.db.transaction() as session:
                row = session.get(AdminUser, admin.id)
                assert row is not None
                admin_accounts.enable_totp(session, row, form.code.data or "",
                                           f"admin:{row.id}")
                if forced:
                    admin_accounts.record_login(session, row)
        except InvalidTotp:
            form.code.errors = [_("確認コードが違います。アプリの最新のコードを入力してください。")]
        else:
            if forced:
                start_session(row, "full")
            flash(_("2段階認証を有効にしました。"), "success")
            return redirect(url_for("admin.home"))
    return render_template("admin/auth/totp_setup.html", form=form, secret=secret,
                           qr=qr_svg(uri), forced=forced)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """End this browser's session for good: a copy of its cookie no longer signs anyone in."""
    current = current_session()
    if current is not None:
        with islandos_state(current_app).db.transaction() as session:
            admin_sessions.log_out(session, current.session_id, f"admin:{current.admin.id}")
    forget_session()
    flash(_("ログアウトしました。"), "success")
    return redirect(url_for("admin.login"))
