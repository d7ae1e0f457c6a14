"""Disaster mode in the dashboard: start and end it (admins; a second admin confirms a
safety check of everyone), the live list per district, the map of those needing help, the
door-to-door list, reminders, staff entries for residents without LINE, shelters, CSV.
The domain lives in islandos.services.disaster."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.models.disaster import CheckStatus, DisasterKind, DisasterMode, SafetyChoice
from islandos.models.registration import RichMenuDeployment
from islandos.services import audit
from islandos.services.disaster import answers, board, retention, shelters
from islandos.services.disaster import mode as modes
from islandos.services.disaster.messages import CHOICE_LABELS, KIND_LABELS
from islandos.web.admin import admin_actor, feature_blueprint, login_required, role_required
from islandos.web.locale import _, current_language

bp = feature_blueprint("disaster", __name__)

ADMIN, EDITOR = AdminRole.ADMIN, AdminRole.EDITOR
STATE_LABELS = {board.HELP: N_("助けが必要"), board.WAITING: N_("まだ"), board.SAFE: N_("無事")}
CHECK_LABELS = {CheckStatus.NONE: N_("なし"), CheckStatus.AWAITING: N_("別の管理者の確認待ち"),
                CheckStatus.SENT: N_("送信済み"), CheckStatus.CLOSED: N_("終了")}
STAFF_CHOICES = (SafetyChoice.SAFE, SafetyChoice.INJURY, SafetyChoice.HOUSE,
                 SafetyChoice.STUCK, SafetyChoice.OTHER)


class CsrfForm(FlaskForm):
    """The forms here are a few fields read by hand; this checks CSRF."""


def _done(message: str, category: str = "success") -> ResponseReturnValue:
    flash(_(message), category)
    return redirect(url_for("disaster.index"))


def _quota() -> dict[str, Any] | None:
    """LINE's monthly figures as LINE reports them (None when it cannot be asked)."""
    try:
        return islandos_state(current_app).transport.quota()
    except Exception:
        return None


@bp.get("/disaster")
@login_required
def index() -> ResponseReturnValue:
    state = islandos_state(current_app)
    language = current_language()
    with state.db.transaction() as session:
        mode = modes.active_mode(session)
        past = list(session.scalars(select(DisasterMode).where(DisasterMode.active.is_(None))
                                    .order_by(DisasterMode.id.desc()).limit(20)))
        menus_ready = session.scalar(select(RichMenuDeployment.id).where(
            RichMenuDeployment.name == "disaster")) is not None
        districts = board.board(session, mode, language) if mode is not None else []
        figures = board.totals({d.district_id: d.figures for d in districts})
        needing_help = [row for d in districts for row in d.rows
                        if row.state == board.HELP and row.latitude is not None]
        shelter_rows = [(spot, spot.text(language).name) for spot in shelters.shelters(session)]
        for item in past:
            session.expunge(item)
        if mode is not None:
            session.expunge(mode)
    points = [{"lat": row.latitude, "lng": row.longitude, "name": row.name,
               "what": _(CHOICE_LABELS[SafetyChoice(row.choice)]) if row.choice else ""}
              for row in needing_help]
    return render_template(
        "admin/disaster/index.html", mode=mode, past=past, districts=districts,
        figures=figures, points=json.dumps(points, ensure_ascii=False),
        kinds=[(kind.value, KIND_LABELS[kind]) for kind in DisasterKind],
        kind_labels={k.value: v for k, v in KIND_LABELS.items()}, check_labels=CHECK_LABELS,
        state_labels=STATE_LABELS, choice_labels={k.value: v for k, v in CHOICE_LABELS.items()},
        staff_choices=[(c.value, CHOICE_LABELS[c]) for c in STAFF_CHOICES],
        shelters=shelter_rows, menus_ready=menus_ready, actor=admin_actor(),
        quota=_quota() if mode is not None and mode.check_status == CheckStatus.SENT else None,
        reduce_after=retention.reduce_after, form=CsrfForm(),
        tile_url=state.settings.map_tile_url, tile_attribution=state.settings.map_tile_attribution,
        center=state.settings.map_center_point)


def _act(action: Callable[[Session], object], done: str) -> ResponseReturnValue:
    """A form's action in one transaction; a DisasterError is shown and changes nothing."""
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        with islandos_state(current_app).db.transaction() as session:
            result = action(session)
    except modes.DisasterError as error:
        return _done(error.msgid, "error")
    flash(_(done, count=result if isinstance(result, int) else 0), "success")
    return redirect(url_for("disaster.index"))


def _mode(session: Session, mode_id: int) -> DisasterMode:
    mode = session.get(DisasterMode, mode_id)
    if mode is None:
        abort(404)
    return mode


@bp.post("/disaster/start")
@role_required(ADMIN)
def start() -> ResponseReturnValue:
    return _act(lambda session: modes.start(
        session, request.form.get("kind", ""), admin_actor(),
        safety_check=request.form.get("safety_check") == "1",
        tourists=request.form.get("tourists") == "1"),
        N_("災害時モードを始めました。全員のメニューを切り替えています。"))


@bp.post("/disaster/<int:mode_id>/check")
@role_required(ADMIN)
def request_check(mode_id: int) -> ResponseReturnValue:
    return _act(lambda session: modes.request_check(
        session, _mode(session, mode_id), admin_actor(),
        tourists=request.form.get("tourists") == "1"),
        N_("安否確認を用意しました。別の管理者が確認すると送られます。"))


@bp.post("/disaster/<int:mode_id>/confirm")
@role_required(ADMIN)
def confirm(mode_id: int) -> ResponseReturnValue:
    return _act(lambda session: modes.confirm_check(session, mode_id, admin_actor()),
                N_("安否確認を送りました。ほかのメッセージより先に届きます。"))


@bp.post("/disaster/<int:mode_id>/cancel-check")
@role_required(ADMIN)
def cancel_check(mode_id: int) -> ResponseReturnValue:
    return _act(lambda session: modes.cancel_check(session, mode_id, admin_actor()),
                N_("安否確認を取りやめました。"))


@bp.post("/disaster/end")
@role_required(ADMIN)
def end() -> ResponseReturnValue:
    return _act(lambda session: modes.end(session, admin_actor()),
                N_("災害時モードを終えました。全員のメニューを元に戻しています。"))


@bp.post("/disaster/<int:mode_id>/remind")
@role_required(EDITOR)
def remind(mode_id: int) -> ResponseReturnValue:
    return _act(lambda session: modes.remind(session, mode_id, admin_actor()),
                N_("まだ答えていない %(count)s 人にもう一度送ります。"))


@bp.post("/disaster/<int:mode_id>/people/<int:person_id>")
@role_required(EDITOR)
def record_status(mode_id: int, person_id: int) -> ResponseReturnValue:
    """Staff record a status after a phone call or a visit."""
    return _act(lambda session: answers.answer(
        session, mode_id, person_id, request.form.get("choice", ""), entered_by=admin_actor()),
        N_("安否を記録しました。"))


@bp.post("/disaster/shelters/<int:spot_id>")
@role_required(EDITOR)
def shelter(spot_id: int) -> ResponseReturnValue:
    if not CsrfForm().validate_on_submit():
        abort(400)
    raw = request.form.get("capacity", "").strip()
    capacity = int(raw) if raw.isdigit() else None
    with islandos_state(current_app).db.transaction() as session:
        found = shelters.set_shelter(session, spot_id, request.form.get("open") == "1",
                                     capacity, admin_actor())
    if found is None:
        abort(404)
    return _done(N_("避難所を更新しました。"))


@bp.get("/disaster/<int:mode_id>/visits")
@role_required(EDITOR)
def visits(mode_id: int) -> ResponseReturnValue:
    """The door-to-door list of those who have not answered (取扱注意; audited)."""
    language = current_language()
    with islandos_state(current_app).db.transaction() as session:
        mode = session.get(DisasterMode, mode_id)
        if mode is None:
            abort(404)
        districts = board.board(session, mode, language)
        groups = [(d.name, [row for row in d.rows if row.state == board.WAITING])
                  for d in districts]
        audit.record(session, admin_actor(), "disaster.visit_list", f"disaster:{mode.id}",
                     after={"people": sum(len(rows) for _name, rows in groups)})
    return render_template("admin/disaster/visits.html", groups=groups, printed_at=now(),
                           mode_id=mode_id)


@bp.get("/disaster/<int:mode_id>/export.csv")
@role_required(ADMIN)
def export(mode_id: int) -> Response:
    with islandos_state(current_app).db.transaction() as session:
        mode = session.get(DisasterMode, mode_id)
        if mode is None:
            abort(404)
        data = board.export_csv(session, mode, admin_actor())
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=safety-check-{mode_id}.csv"})

