"""The public map for visitors: /map (Leaflet), a page per spot, the island rules, the spots
as GeoJSON open data, and spot photos."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, url_for
from flask.typing import ResponseReturnValue

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.models.map import Access, PublicShape, SpotCategory, SpotPhoto
from islandos.services.map import places
from islandos.services.map.editing import photo_by_token
from islandos.services.map.exchange import to_geojson
from islandos.services.map.guide import CATEGORY_LABELS, RULES, RULES_TITLE
from islandos.web.home import public_banner
from islandos.web.locale import _, current_language
from islandos.web.media import picture_response

bp = Blueprint("map", __name__)


def _closed_areas(language: str) -> list[dict[str, Any]]:
    """Areas closed at some time today, as GeoJSON features for the map page."""
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        return [{"type": "Feature", "id": f"closure-{closure.id}",
                 "geometry": {"type": "Polygon", "coordinates": [
                     [[p[1], p[0]] for p in [*closure.area, closure.area[0]]]]},
                 "properties": {"kind": "closed_area", "name": closure.name(language),
                                "reason": closure.reason(language),
                                "until": closure.ends_at.isoformat()}}
                for closure in places.closures_today(session, now()) if closure.area]


@bp.get("/map")
def map_page() -> ResponseReturnValue:
    state = islandos_state(current_app)
    language = current_language()
    with state.db.transaction() as session:
        spots = places.public_spots(session)
        closed = places.ClosedToday.at(session, now())
        listed = [(spot, spot.text(language), spot in closed) for spot in spots]
    latitude, longitude = state.settings.map_center_point
    categories = [(category.value, _(CATEGORY_LABELS[category])) for category in places.CATEGORIES]
    return render_template(
        "map/map.html", listed=listed, categories=categories, banner=public_banner(),
        labels={category.value: _(label) for category, label in CATEGORY_LABELS.items()},
        center=(latitude, longitude), zoom=state.settings.map_zoom,
        tile_url=state.settings.map_tile_url,
        tile_attribution=state.settings.map_tile_attribution, Access=Access)


@bp.get("/map/spots.json")
def map_data() -> ResponseReturnValue:
    """What the map page draws: the public spots (in the page's language) and closed areas."""
    state = islandos_state(current_app)
    language = current_language()
    with state.db.transaction() as session:
        closed = places.ClosedToday.at(session, now())
        document = to_geojson(places.public_spots(session))
        by_slug = {spot.slug: spot for spot in places.public_spots(session)}
        for feature in document["features"]:
            spot = by_slug[feature["id"]]
            text = spot.text(language)
            feature["properties"].update(
                title=text.name, label=_(CATEGORY_LABELS[SpotCategory(spot.category)]),
                closed_today=spot in closed,
                url=url_for("map.spot_page", slug=spot.slug, lang=language))
    document["features"].extend(_closed_areas(language))
    return jsonify(document)


@bp.get("/api/spots.geojson")
def spots_geojson() -> ResponseReturnValue:
    """Open data: every public spot, no-entry places shown marked as such, with a licence."""
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        document = to_geojson(places.public_spots(session),
                              licence=state.settings.map_data_license)
    response = jsonify(document)
    response.mimetype = "application/geo+json"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/spots/<string:slug>")
def spot_page(slug: str) -> ResponseReturnValue:
    state = islandos_state(current_app)
    language = current_language()
    with state.db.transaction() as session:
        spot = places.spot_by_slug(session, slug)
        if spot is None or (not spot.is_destination and spot.public_shape == PublicShape.HIDDEN):
            abort(404)
        closed_today = spot in places.ClosedToday.at(session, now())
        closures = [closure for closure in places.closures_today(session, now())
                    if closure.spot_id == spot.id]
        photo_token = None
        if spot.photo_id is not None:
            photo = session.get(SpotPhoto, spot.photo_id)
            photo_token = photo.token if photo else None
        text = spot.text(language)
        label = _(CATEGORY_LABELS[SpotCategory(spot.category)])
    return render_template("map/spot.html", spot=spot, text=text, label=label,
                           closed_today=closed_today, closures=closures,
                           photo_token=photo_token, banner=public_banner(), Access=Access)


@bp.get("/rules")
def rules() -> ResponseReturnValue:
    return render_template("map/rules.html", title=_(RULES_TITLE),
                           rules=[_(rule) for rule in RULES], banner=public_banner())


@bp.get("/media/spots/<string:token>.jpg")
def spot_photo(token: str) -> Response:
    return picture_response(token, photo_by_token)
