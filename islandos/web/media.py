"""Public pictures LINE fetches: /media/notices/<token>.jpg (unguessable token, no login)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from islandos.extensions import islandos_state
from islandos.services.notices.images import image_by_token

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/notices/<string:token>.jpg")
def notice_image(token: str) -> Response:
    if not 16 <= len(token) <= 64:
        abort(404)
    with islandos_state(current_app).db.transaction() as session:
        image = image_by_token(session, token)
        if image is None:
            abort(404)
        data, content_type = image.data, image.content_type
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
