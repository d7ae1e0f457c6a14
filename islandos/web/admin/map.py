"""The map in the dashboard: spots (a click on the map sets the position, a photo), closures,
and spots in and out as CSV and GeoJSON. The domain lives in islandos.services.map."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from islandos.clock import TOKYO, now, to_tokyo
from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.models.admin import AdminRole
from islandos.models.map import Access, Closure, PublicShape, Spot, SpotCategory
from islandos.services.map import places
from islandos.services.map.editing import (
    LANGUAGES,
    TEXT_FIELDS,
    ClosureInput,
    MapInputInvalid,
    SpotInput,
    SpotTexts,
    add_closure,
    delete_closure,
    delete_spot,
    save_spot,
    store_spot_photo,
)
from islandos.services.map.exchange import (
    ImportRejected,
    import_csv,
    import_geojson,
    spots_to_csv,
    to_geojson,
)
from islandos.services.map.guide import CATEGORY_LABELS
from islandos.services.notices.images import ImageRejected
from islandos.web.admin import admin_actor, feature_blueprint, login_required, role_required
from islandos.web.locale import _, current_language

bp = feature_blueprint("map_admin", __name__)

EDITOR = AdminRole.EDITOR
ACCESS_LABELS = {Access.OPEN: N_("入れます"), Access.CAUTION: N_("きまりがあります"),
                 Access.NO_ENTRY: N_("立入禁止")}
SHAPE_LABELS = {PublicShape.POINT: N_("地点で見せる"), PublicShape.AREA: N_("範囲で見せる"),
                PublicShape.HIDDEN: N_("公開の地図に出さない")}
STALE_FORM = N_("画面が古くなりました。もう一度送ってください。")
LANGUAGE_LABELS = {"ja": "日本語", "en": "English", "zh-Hant": "繁體中文", "ko": "한국어"}


class CsrfForm(FlaskForm):
    """Only the CSRF token: the fields are read from the form and checked by the service."""


def _spot_input(form: MultiDict[str, str]) -> SpotInput:
    area_text = (form.get("area") or "").strip()
    area: Any = None
    if area_text:
        try:
            area = json.loads(area_text)
        except ValueError:
            area = "not a polygon"
    try:
        order = int(form.get("sort_order") or 0)
    except ValueError:
        order = 0
    return SpotInput(
        slug=form.get("slug", ""), category=form.get("category", ""),
        latitude=form.get("latitude", ""), longitude=form.get("longitude", ""),
        access=form.get("access", Access.OPEN),
        public_shape=form.get("public_shape", PublicShape.POINT),
        phone=form.get("phone", ""), area=area, sort_order=order,
        texts={language: SpotTexts(*(form.get(f"{name}_{language}", "") for name in TEXT_FIELDS))
               for language in LANGUAGES})


def _form_values(spot: Spot | None) -> dict[str, Any]:
    if spot is None:
        latitude, longitude = islandos_state(current_app).settings.map_center_point
        return {"latitude": "", "longitude": "", "category": SpotCategory.SIGHT,
                "access": Access.OPEN, "public_shape": PublicShape.POINT, "sort_order": 0,
                "center": (latitude, longitude)}
    values: dict[str, Any] = {
        "slug": spot.slug, "category": spot.category, "latitude": spot.latitude,
        "longitude": spot.longitude, "access": spot.access, "public_shape": spot.public_shape,
        "phone": spot.phone or "", "sort_order": spot.sort_order,
        "area": json.dumps(spot.area) if spot.area else "",
        "center": (spot.latitude, spot.longitude)}
    for text in spot.texts:
        for name in TEXT_FIELDS:
            values[f"{name}_{text.language}"] = getattr(text, name) or ""
    return values


def _form_page(spot_id: int | None, values: dict[str, Any], errors: dict[str, str],
               status: int = 200) -> ResponseReturnValue:
    state = islandos_state(current_app)
    return render_template(
        "admin/map/spot_form.html", spot_id=spot_id, values=values, errors=errors,
        categories=[(c.value, _(CATEGORY_LABELS[c])) for c in SpotCategory],
        access_labels=ACCESS_LABELS, shape_labels=SHAPE_LABELS, languages=LANGUAGES,
        language_labels=LANGUAGE_LABELS, form=CsrfForm(),
        tile_url=state.settings.map_tile_url,
        tile_attribution=state.settings.map_tile_attribution), status


@bp.get("/spots")
@login_required
def spots() -> ResponseReturnValue:
    state = islandos_state(current_app)
    language = current_language()
    with state.db.transaction() as session:
        closed = places.ClosedToday.at(session, now())
        rows = [(spot, spot.text(language).name, spot in closed) for spot in session.scalars(
            select(Spot).order_by(Spot.category, Spot.sort_order, Spot.id))]
    return render_template(
        "admin/map/spots.html", rows=rows, form=CsrfForm(), access_labels=ACCESS_LABELS,
        category_labels={c.value: _(label) for c, label in CATEGORY_LABELS.items()},
        shape_labels=SHAPE_LABELS)


@bp.route("/spots/new", methods=["GET", "POST"])
@bp.route("/spots/<int:spot_id>/edit", methods=["GET", "POST"], endpoint="spot_edit")
@role_required(EDITOR)
def spot_new(spot_id: int | None = None) -> ResponseReturnValue:
    state = islandos_state(current_app)
    if request.method == "GET":
        with state.db.transaction() as session:
            spot = session.get(Spot, spot_id) if spot_id is not None else None
            if spot_id is not None and spot is None:
                abort(404)
            stored = _form_values(spot)
        return _form_page(spot_id, stored, {})
    values: dict[str, Any] = {**request.form.to_dict(),
                              "center": state.settings.map_center_point}
    if not CsrfForm().validate_on_submit():
        return _form_page(spot_id, values, {"form": _(STALE_FORM)}, 400)
    upload = request.files.get("photo")
    photo = upload.read() if upload is not None and upload.filename else None
    try:
        with state.db.transaction() as session:
            saved = save_spot(session, _spot_input(request.form), admin_actor(), spot_id)
            if photo is not None:
                store_spot_photo(session, saved, photo, admin_actor())
            saved_id = saved.id
    except MapInputInvalid as invalid:
        return _form_page(spot_id, values, {k: _(v) for k, v in invalid.errors.items()}, 400)
    except ImageRejected as rejected:
        return _form_page(spot_id, values, {"photo": _(rejected.msgid)}, 400)
    flash(_("場所を保存しました。"), "success")
    return redirect(url_for("map_admin.spot_edit", spot_id=saved_id))


@bp.post("/spots/<int:spot_id>/delete")
@role_required(EDITOR)
def spot_delete(spot_id: int) -> ResponseReturnValue:
    if not CsrfForm().validate_on_submit():
        abort(400)
    with islandos_state(current_app).db.transaction() as session:
        delete_spot(session, spot_id, admin_actor())
    flash(_("場所を削除しました。"), "success")
    return redirect(url_for("map_admin.spots"))


@bp.get("/spots/export.csv")
@login_required
def export_csv() -> Response:
    with islandos_state(current_app).db.transaction() as session:
        text = spots_to_csv(session.scalars(select(Spot).order_by(Spot.id)))
    # A BOM, so that Excel opens the Japanese correctly.
    response = Response("\ufeff" + text, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = "attachment; filename=spots.csv"
    return response


@bp.get("/spots/export.geojson")
@login_required
def export_geojson() -> Response:
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        document = to_geojson(session.scalars(select(Spot).order_by(Spot.id)),
                              licence=state.settings.map_data_license)
    response = Response(json.dumps(document, ensure_ascii=False, indent=1),
                        mimetype="application/geo+json")
    response.headers["Content-Disposition"] = "attachment; filename=spots.geojson"
    return response


@bp.post("/spots/import")
@role_required(EDITOR)
def import_spots() -> ResponseReturnValue:
    if not CsrfForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("取り込むファイルを選んでください。"), "error")
        return redirect(url_for("map_admin.spots"))
    data = upload.read()
    geojson = upload.filename.lower().endswith((".geojson", ".json"))
    try:
        with islandos_state(current_app).db.transaction() as session:
            result = (import_geojson if geojson else import_csv)(session, data, admin_actor())
    except ImportRejected as rejected:
        return render_template("admin/map/import_failed.html",
                               problems=rejected.problems[:50],
                               more=max(len(rejected.problems) - 50, 0)), 400
    flash(_("%(created)s件を追加し、%(changed)s件を更新しました。",
            created=result.created, changed=result.changed), "success")
    return redirect(url_for("map_admin.spots"))


# Closures ------------------------------------------------------------------------------


def _local(value: str | None) -> datetime | None:
    """A datetime-local value, in Japan time."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=TOKYO) if value else None
    except ValueError:
        return None


def _closures_page(values: dict[str, Any], errors: dict[str, str],
                   status: int = 200) -> ResponseReturnValue:
    language = current_language()
    with islandos_state(current_app).db.transaction() as session:
        closures = list(session.scalars(
            select(Closure).where(Closure.ends_at > now()).order_by(Closure.starts_at)))
        listed = [(c, c.name(language), to_tokyo(c.starts_at), to_tokyo(c.ends_at))
                  for c in closures]
        choices = [(spot.id, spot.text(language).name)
                   for spot in session.scalars(select(Spot).order_by(Spot.sort_order, Spot.id))]
    return render_template("admin/map/closures.html", listed=listed, spots=choices,
                           values=values, errors=errors, form=CsrfForm()), status


@bp.get("/closures")
@login_required
def closures() -> ResponseReturnValue:
    return _closures_page({}, {})


@bp.post("/closures")
@role_required(EDITOR)
def closure_new() -> ResponseReturnValue:
    form = request.form
    if not CsrfForm().validate_on_submit():
        return _closures_page(form.to_dict(), {"form": _(STALE_FORM)}, 400)
    area: Any = None
    if (form.get("area") or "").strip():
        try:
            area = json.loads(form["area"])
        except ValueError:
            area = "not a polygon"
    spot_id = form.get("spot_id", type=int) or None
    data = ClosureInput(
        starts_at=_local(form.get("starts_at")), ends_at=_local(form.get("ends_at")),
        reason_ja=form.get("reason_ja", ""), reason_en=form.get("reason_en", ""),
        spot_id=spot_id, area=area, name_ja=form.get("name_ja", ""),
        name_en=form.get("name_en", ""))
    try:
        with islandos_state(current_app).db.transaction() as session:
            add_closure(session, data, admin_actor())
    except MapInputInvalid as invalid:
        return _closures_page(form.to_dict(), {k: _(v) for k, v in invalid.errors.items()}, 400)
    flash(_("閉鎖を登録しました。公開ページとLINEに表示されます。"), "success")
    return redirect(url_for("map_admin.closures"))


@bp.post("/closures/<int:closure_id>/delete")
@role_required(EDITOR)
def closure_delete(closure_id: int) -> ResponseReturnValue:
    if not CsrfForm().validate_on_submit():
        abort(400)
    with islandos_state(current_app).db.transaction() as session:
        delete_closure(session, closure_id, admin_actor())
    flash(_("閉鎖を取り消しました。"), "success")
    return redirect(url_for("map_admin.closures"))
