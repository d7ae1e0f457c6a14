"""Public pictures LINE fetches: /media/notices/<token>.jpg (unguessable token, no login)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from flask import Blueprint, Response, abort, current_app
from sqlalchemy.orm import Session

from islandos.extensions import islandos_state
from islandos.services.notices.images import image_by_token


class StoredPicture(Protocol):
    data: bytes
    content_type: str


def picture_response(token: str,
                     find: Callable[[Session, str], StoredPicture | None]) -> Response:
    """A stored picture by its unguessable token (404 otherwise), cached for good: a new
    picture gets a new token."""
    if not 16 <= len(token) <= 64:
        abort(404)
    with islandos_state(current_app).db.transaction() as session:
        picture = find(session, token)
        if picture is None:
            abort(404)
        data, content_type = picture.data, picture.content_type
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/notices/<string:token>.jpg")
def notice_image(token: str) -> Response:
    return picture_response(token, image_by_token)
