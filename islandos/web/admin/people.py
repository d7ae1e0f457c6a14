"""People: list and search, a person's page, islander requests, invite codes, role and district.

Changes go through islandos.services.registration, which audits them and tells the user in LINE.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.models.people import Person, Role, Status
from islandos.services import audit, registration
from islandos.services import invite_codes as codes
from islandos.services.people import (
    PeopleSearch,
    ResidentInvalid,
    add_resident_without_line,
    family_links_of,
    requests_of,
    search_people,
)
from islandos.services.registration_codes import (
    CodeNotRevocable,
    InviteCodeNotFound,
    PersonNotFound,
    RegistrationError,
    RequestAlreadyDecided,
    RequestNotFound,
)
from islandos.web.admin import admin_actor, feature_blueprint, login_required, role_required
from islandos.web.admin.audit_labels import names_of, who
from islandos.web.admin.changes import apply_change
from islandos.web.admin.forms import (
    ButtonForm,
    DeleteForm,
    InviteCodesForm,
    PersonDistrictForm,
    PersonRoleForm,
    RefuseForm,
)
from islandos.web.locale import _, current_language

# Who may change people (approve, refuse, invite, role, district, delete): the office admins.
PEOPLE_EDITOR = AdminRole.ADMIN

bp = feature_blueprint("people", __name__)

ROLE_LABELS = {Role.UNKNOWN: "未登録", Role.ISLANDER: "島民", Role.TOURIST: "観光客",
               Role.FAMILY: "家族"}
STATUS_LABELS = {Status.ACTIVE: "友だち", Status.UNFOLLOWED: "ブロック中",
                 Status.DELETED: "削除済み"}


def _district_choices(session: Session, none_label: str) -> list[SelectChoice]:
    language = current_language()
    return [SelectChoice(0, none_label)] + [SelectChoice(d.id, d.name(language))
                                            for d in registration.districts(session)]


@bp.get("/people")
@login_required
def people() -> ResponseReturnValue:
    search = PeopleSearch(text=request.args.get("q", ""), role=request.args.get("role"),
                          status=request.args.get("status"),
                          district_id=request.args.get("district", type=int))
    with islandos_state(current_app).db.transaction() as session:
        rows, page = search_people(session, search, request.args.get("page", 1, type=int) or 1)
        districts = registration.districts(session)
        searched = any(request.args.get(key) for key in ("q", "role", "status", "district"))
        audit.record_read(session, admin_actor(), "people.search" if searched else "people.list",
                          len(rows))
    return render_template("admin/people/list.html", people=rows, page=page,
                           districts=districts, role_labels=ROLE_LABELS,
                           status_labels=STATUS_LABELS, args=request.args)


@bp.route("/people/new", methods=["GET", "POST"])
@role_required(PEOPLE_EDITOR)
def person_new() -> ResponseReturnValue:
    """A resident without LINE: name, district, phone (counted in audiences and call lists;
    staff record their answers)."""
    state = islandos_state(current_app)
    errors: dict[str, str] = {}
    values = request.form.to_dict() if request.method == "POST" else {}
    if request.method == "POST":
        if not ButtonForm().validate_on_submit():
            abort(400)
        try:
            with state.db.transaction() as session:
                made = add_resident_without_line(
                    session, values.get("full_name", ""),
                    request.form.get("district_id", type=int) or None,
                    values.get("phone", ""), admin_actor())
                made_id = made.id
        except ResidentInvalid as exc:
            errors = exc.errors
        else:
            flash(_("LINEを使わない島民として登録しました。"), "success")
            return redirect(url_for("people.person", person_id=made_id))
    with state.db.transaction() as session:
        districts = registration.districts(session)
    return render_template("admin/people/new.html", districts=districts, values=values,
                           errors=errors, form=ButtonForm()), 400 if errors else 200


def _person_or_404(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        abort(404)
    return person


def _person_page(person_id: int, status: int = 200, **forms: Any) -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        person = _person_or_404(session, person_id)
        links = family_links_of(session, person.id)
        requests = requests_of(session, person.id)
        panels = [panel for loader in islandos_state(current_app).registry.person_panels
                  if (panel := loader(session, person))]
        audit.record_read(session, admin_actor(), "person.page", 1 + len(links),
                          subject=f"person:{person.id}")
        role_form = forms.get("role_form") or PersonRoleForm(role=person.role)
        role_form.role.choices = [SelectChoice(r, _(ROLE_LABELS[r])) for r in Role]
        district_form = forms.get("district_form") or PersonDistrictForm(
            district_id=person.district_id or 0)
        district_form.district_id.choices = _district_choices(session, _("なし"))
    return render_template(
        "admin/people/show.html", person=person, links=links, requests=requests,
        panels=panels, role_form=role_form, district_form=district_form,
        delete_form=forms.get("delete_form") or DeleteForm(), refuse_form=RefuseForm(),
        button=ButtonForm(), role_labels=ROLE_LABELS, status_labels=STATUS_LABELS,
        can_edit=True), status


@bp.get("/people/<int:person_id>")
@login_required
def person(person_id: int) -> ResponseReturnValue:
    return _person_page(person_id)


@bp.post("/people/<int:person_id>/role")
@role_required(PEOPLE_EDITOR)
def person_role(person_id: int) -> ResponseReturnValue:
    form = PersonRoleForm()
    form.role.choices = [SelectChoice(r, r) for r in Role]
    if not form.validate_on_submit():
        return _person_page(person_id, 400, role_form=form)

    def change(session: Session) -> str:
        registration.change_role(session, person_id, form.role.data or "", admin_actor())
        return _("役割を変更しました。")
    return apply_change(change, url_for("people.person", person_id=person_id),
                        not_found=(PersonNotFound,), refused=(RegistrationError,))


@bp.post("/people/<int:person_id>/district")
@role_required(PEOPLE_EDITOR)
def person_district(person_id: int) -> ResponseReturnValue:
    form = PersonDistrictForm()
    with islandos_state(current_app).db.transaction() as session:
        form.district_id.choices = _district_choices(session, "-")
    if not form.validate_on_submit():
        return _person_page(person_id, 400, district_form=form)

    def change(session: Session) -> str:
        registration.change_district(session, person_id, form.district_id.data or None,
                                     admin_actor())
        return _("集落を変更しました。")
    return apply_change(change, url_for("people.person", person_id=person_id),
                        not_found=(PersonNotFound,), refused=(RegistrationError,))


@bp.post("/people/<int:person_id>/delete")
@role_required(PEOPLE_EDITOR)
def person_delete(person_id: int) -> ResponseReturnValue:
    form = DeleteForm()
    if not form.validate_on_submit():
        return _person_page(person_id, 400, delete_form=form)

    def change(session: Session) -> str:
        registration.delete_personal_data(
            session, person_id, admin_actor(), islandos_state(current_app).registry.erasers)
        return _("個人データを削除しました。")
    return apply_change(change, url_for("people.person", person_id=person_id),
                        not_found=(PersonNotFound,))


# Islander requests -----------------------------------------------------------------


@bp.get("/requests")
@login_required
def requests() -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        waiting = registration.pending_requests(session)
        audit.record_read(session, admin_actor(), "people.requests", len(waiting))
    return render_template("admin/people/requests.html", waiting=waiting,
                           refuse_form=RefuseForm(), button=ButtonForm())


@bp.post("/requests/<int:request_id>/approve")
@role_required(PEOPLE_EDITOR)
def approve(request_id: int) -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)

    def change(session: Session) -> str:
        person = registration.approve_islander(
            session, request_id, admin_actor(),
            islandos_state(current_app).registry.offered_to(Role.ISLANDER))
        return _("%(name)sさんを島民として承認しました。LINEでお知らせします。",
                 name=person.full_name or f"#{person.id}")
    return apply_change(change, url_for("people.requests"),
                        not_found=(RequestNotFound,), refused=(RequestAlreadyDecided,))


@bp.post("/requests/<int:request_id>/refuse")
@role_required(PEOPLE_EDITOR)
def refuse(request_id: int) -> ResponseReturnValue:
    form = RefuseForm()
    if not form.validate_on_submit():
        abort(400)

    def change(session: Session) -> str:
        registration.refuse_islander(session, request_id, admin_actor(),
                                     reason=(form.reason.data or "").strip() or None)
        return _("申請をお断りしました。LINEでお知らせします。")
    return apply_change(change, url_for("people.requests"),
                        not_found=(RequestNotFound,), refused=(RequestAlreadyDecided,))


# Invite codes ----------------------------------------------------------------------


CODE_STATE_LABELS = {codes.CodeState.UNUSED: N_("未使用"), codes.CodeState.USED: N_("使用済み"),
                     codes.CodeState.EXPIRED: N_("期限切れ"),
                     codes.CodeState.REVOKED: N_("取り消し済み")}


def _invite_codes_page(form: InviteCodesForm, created: list[Any],
                       status: int = 200) -> ResponseReturnValue:
    raw = request.args.get("state", "")
    state = codes.CodeState(raw) if raw in set(codes.CodeState) else None
    with islandos_state(current_app).db.transaction() as session:
        rows, page = codes.invite_codes(session, state, request.args.get("page", 1, type=int) or 1)
        counts = codes.counts_by_state(session)
        names = names_of(session, [row.code.created_by for row in rows], current_language())
        makers = {row.code.id: who(row.code.created_by, names, current_language())
                  for row in rows}
    return render_template("admin/people/invite_codes.html", form=form, created=created,
                           rows=rows, page=page, counts=counts, state=state, makers=makers,
                           states=CODE_STATE_LABELS, button=ButtonForm()), status


@bp.route("/invite-codes", methods=["GET", "POST"])
@role_required(PEOPLE_EDITOR)
def invite_codes() -> ResponseReturnValue:
    form = InviteCodesForm()
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        form.district_id.choices = _district_choices(session, _("本人が選ぶ"))
    created: list[Any] = []
    if form.validate_on_submit():
        days = form.valid_days.data
        try:
            with state.db.transaction() as session:
                created = registration.create_invite_codes(
                    session, count=form.count.data or 1,
                    district_id=form.district_id.data or None, actor=admin_actor(),
                    expires_at=now() + timedelta(days=days) if days else None)
                for code in created:  # loaded before the session closes
                    session.refresh(code, ["district"])
        except RegistrationError as error:
            form.district_id.errors = [error.text(current_language())]
            return _invite_codes_page(form, [], 400)
        flash(_("招待コードを%(count)s件作りました。", count=len(created)), "success")
    elif request.method == "POST":
        return _invite_codes_page(form, [], 400)
    return _invite_codes_page(form, created)


@bp.post("/invite-codes/<int:code_id>/revoke")
@role_required(PEOPLE_EDITOR)
def invite_code_revoke(code_id: int) -> ResponseReturnValue:
    if not ButtonForm().validate_on_submit():
        abort(400)

    def change(session: Session) -> str:
        code = codes.revoke_invite_code(session, code_id, admin_actor())
        return _("招待コード %(code)s を取り消しました。もう登録には使えません。", code=code.code)
    return apply_change(change, url_for("people.invite_codes"),
                        not_found=(InviteCodeNotFound,), refused=(CodeNotRevocable,))
