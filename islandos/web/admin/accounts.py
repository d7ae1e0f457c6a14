"""Dashboard accounts: my account (password, TOTP, LINE link, sessions) and, for admins,
everyone's."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from islandos.extensions import islandos_state
from islandos.models.admin import AdminRole, AdminSessionStage, AdminUser
from islandos.services import admin_accounts, admin_sessions
from islandos.services.admin_accounts import AdminAccountError, UsernameTaken
from islandos.services.admin_sessions import SessionNotFound
from islandos.web.admin import (
    admin_actor,
    bp,
    current_admin,
    current_session,
    login_required,
    role_required,
    session_limits,
    start_session,
)
from islandos.web.admin.changes import apply_change
from islandos.web.admin.forms import AccountForm, ButtonForm, PasswordForm, RoleForm
from islandos.web.locale import _


def _my_account(password_form: PasswordForm | None = None, code: str | None = None,
                status: int = 200) -> ResponseReturnValue:
    """The "My account" page: the account, its LINE link, its active sessions, its password."""
    admin = current_admin()
    with islandos_state(current_app).db.transaction() as session:
        sessions = admin_sessions.active_sessions(session, admin.id, session_limits())
    this = current_session()
    return render_template("admin/accounts/me.html", admin=admin, sessions=sessions,
                           this_session_id=this.session_id if this else None,
                           password_form=password_form or PasswordForm(), button=ButtonForm(),
                           code=code), status


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    return _my_account()


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    form = PasswordForm()
    admin = current_admin()
    if form.validate_on_submit():
        if not check_password_hash(admin.password_hash, form.current.data or ""):
            form.current.errors = [_("今のパスワードが違います。")]
        else:
            this = current_session()
            assert this is not None
            with islandos_state(current_app).db.transaction() as session:
                row = session.get(AdminUser, admin.id)
                assert row is not None
                admin_accounts.set_password(session, row, form.new.data or "", admin_actor())
            # Every session ended, this one too; this browser goes on in a new one.
            start_session(row, AdminSessionStage.FULL, created_at=this.created_at)
            flash(_("パスワードを変更しました。ほかの端末ではログアウトしました。"), "success")
            return redirect(url_for("admin.account"))
    return _my_account(password_form=form, status=400)


@bp.post("/account/line-code")
@login_required
def line_code() -> ResponseReturnValue:
    """A one-time code to type in LINE (「管理者 123456」) to link this account."""
    form = ButtonForm()
    if not form.validate_on_submit():
        abort(400)
    admin = current_admin()
    with islandos_state(current_app).db.transaction() as session:
        row = session.get(AdminUser, admin.id)
        assert row is not None
        code = admin_accounts.create_link_code(session, row, admin_actor())
    return _my_account(code=code)


@bp.post("/account/line-unlink")
@login_required
def line_unlink() -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)

    def change(session: Session) -> str:
        row = session.get(AdminUser, current_admin().id)
        assert row is not None
        admin_accounts.unlink_line_account(session, row, admin_actor())
        return _("LINEとの連携を解除しました。")
    return apply_change(change, url_for("admin.account"))


@bp.post("/account/sessions/<int:session_id>/end")
@login_required
def end_my_session(session_id: int) -> ResponseReturnValue:
    """Sign out one of this account's other browsers (this one signs out with "Log out")."""
    if not ButtonForm().validate_on_submit():
        abort(400)
    this = current_session()
    if this is None or this.session_id == session_id:
        abort(409)
    try:
        with islandos_state(current_app).db.transaction() as session:
            admin_sessions.end_own_session(session, current_admin(), session_id, admin_actor())
    except SessionNotFound:
        abort(404)
    flash(_("その端末をログアウトしました。"), "success")
    return redirect(url_for("admin.account"))


@bp.post("/account/sessions/end-others")
@login_required
def end_my_other_sessions() -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)
    this = current_session()
    assert this is not None
    with islandos_state(current_app).db.transaction() as session:
        admin_sessions.end_other_sessions(session, current_admin(), this.session_id,
                                          admin_actor())
    flash(_("ほかの端末をすべてログアウトしました。"), "success")
    return redirect(url_for("admin.account"))


# Everyone's accounts (admin only) --------------------------------------------------


@bp.get("/accounts")
@role_required(AdminRole.ADMIN)
def accounts() -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        rows = list(session.scalars(select(AdminUser).order_by(AdminUser.username)))
    return render_template("admin/accounts/list.html", accounts=rows, form=AccountForm(),
                           role_form=RoleForm(), button=ButtonForm())


@bp.post("/accounts")
@role_required(AdminRole.ADMIN)
def create_account() -> ResponseReturnValue:
    form = AccountForm()
    if form.validate_on_submit():
        try:
            with islandos_state(current_app).db.transaction() as session:
                admin_accounts.create_admin(session, form.username.data or "",
                                            form.password.data or "", form.role.data or "",
                                            admin_actor())
        except UsernameTaken:
            form.username.errors = [_("このユーザー名はすでに使われています。")]
        except AdminAccountError:
            form.username.errors = [_("入力を確認してください。")]
        else:
            flash(_("アカウントを作成しました。"), "success")
            return redirect(url_for("admin.accounts"))
    with islandos_state(current_app).db.transaction() as session:
        rows = list(session.scalars(select(AdminUser).order_by(AdminUser.username)))
    return render_template("admin/accounts/list.html", accounts=rows, form=form,
                           role_form=RoleForm(), button=ButtonForm()), 400


def _other_account(session: Session, admin_id: int) -> AdminUser:
    """Another account (404 if none); one's own role and access are not changed here (409)."""
    row = session.get(AdminUser, admin_id)
    if row is None:
        abort(404)
    if row.id == current_admin().id:
        abort(409)
    return row


@bp.post("/accounts/<int:admin_id>/role")
@role_required(AdminRole.ADMIN)
def account_role(admin_id: int) -> ResponseReturnValue:
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)

    def change(session: Session) -> str:
        admin_accounts.set_role(session, _other_account(session, admin_id),
                                form.role.data or "", admin_actor())
        return _("役割を変更しました。")
    return apply_change(change, url_for("admin.accounts"))


@bp.post("/accounts/<int:admin_id>/disable")
@role_required(AdminRole.ADMIN)
def account_disable(admin_id: int) -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)

    def change(session: Session) -> str:
        row = _other_account(session, admin_id)
        admin_accounts.set_disabled(session, row, not row.disabled, admin_actor())
        if row.disabled:
            return _("アカウントを無効にしました。")
        return _("アカウントを有効にしました。")
    return apply_change(change, url_for("admin.accounts"))


@bp.post("/accounts/<int:admin_id>/reset-totp")
@role_required(AdminRole.ADMIN)
def account_reset_totp(admin_id: int) -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)

    def change(session: Session) -> str:
        admin_accounts.reset_totp(session, _other_account(session, admin_id), admin_actor())
        return _("2段階認証をリセットしました。次のログインで設定し直します。")
    return apply_change(change, url_for("admin.accounts"))
