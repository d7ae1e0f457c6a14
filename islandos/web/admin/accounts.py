"""Dashboard accounts: my account (password, TOTP, LINE link) and, for admins, everyone's."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash

from islandos.extensions import islandos_state
from islandos.models.admin import AdminRole, AdminUser
from islandos.models.people import Person
from islandos.services import admin_accounts
from islandos.services.admin_accounts import AdminAccountError, UsernameTaken
from islandos.web.admin import (
    admin_actor,
    bp,
    current_admin,
    login_required,
    role_required,
)
from islandos.web.admin.forms import AccountForm, ButtonForm, PasswordForm, RoleForm
from islandos.web.locale import _


@bp.get("/account")
@login_required
def account() -> ResponseReturnValue:
    admin = current_admin()
    with islandos_state(current_app).db.transaction() as session:
        person = session.get(Person, admin.line_person_id) if admin.line_person_id else None
        line_user = person.line_user_id if person else None
    return render_template("admin/accounts/me.html", admin=admin, line_user=line_user,
                           password_form=PasswordForm(), button=ButtonForm(), code=None)


@bp.post("/account/password")
@login_required
def change_password() -> ResponseReturnValue:
    form = PasswordForm()
    admin = current_admin()
    if form.validate_on_submit():
        if not check_password_hash(admin.password_hash, form.current.data or ""):
            form.current.errors = [_("今のパスワードが違います。")]
        else:
            with islandos_state(current_app).db.transaction() as session:
                row = session.get(AdminUser, admin.id)
                assert row is not None
                admin_accounts.set_password(session, row, form.new.data or "", admin_actor())
            flash(_("パスワードを変更しました。"), "success")
            return redirect(url_for("admin.account"))
    return render_template("admin/accounts/me.html", admin=admin, line_user=None,
                           password_form=form, button=ButtonForm(), code=None), 400


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
        person = session.get(Person, row.line_person_id) if row.line_person_id else None
        line_user = person.line_user_id if person else None
    return render_template("admin/accounts/me.html", admin=admin, line_user=line_user,
                           password_form=PasswordForm(), button=ButtonForm(), code=code)


@bp.post("/account/line-unlink")
@login_required
def line_unlink() -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)
    with islandos_state(current_app).db.transaction() as session:
        row = session.get(AdminUser, current_admin().id)
        assert row is not None
        admin_accounts.unlink_line_account(session, row, admin_actor())
    flash(_("LINEとの連携を解除しました。"), "success")
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
    with islandos_state(current_app).db.transaction() as session:
        row = _other_account(session, admin_id)
        admin_accounts.set_role(session, row, form.role.data or "", admin_actor())
    flash(_("役割を変更しました。"), "success")
    return redirect(url_for("admin.accounts"))


@bp.post("/accounts/<int:admin_id>/disable")
@role_required(AdminRole.ADMIN)
def account_disable(admin_id: int) -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)
    with islandos_state(current_app).db.transaction() as session:
        row = _other_account(session, admin_id)
        admin_accounts.set_disabled(session, row, not row.disabled, admin_actor())
        disabled = row.disabled
    flash(_("アカウントを無効にしました。") if disabled else _("アカウントを有効にしました。"),
          "success")
    return redirect(url_for("admin.accounts"))


@bp.post("/accounts/<int:admin_id>/reset-totp")
@role_required(AdminRole.ADMIN)
def account_reset_totp(admin_id: int) -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)
    with islandos_state(current_app).db.transaction() as session:
        row = _other_account(session, admin_id)
        admin_accounts.reset_totp(session, row, admin_actor())
    flash(_("2段階認証をリセットしました。次のログインで設定し直します。"), "success")
    return redirect(url_for("admin.accounts"))
