"""GET /favicon.ico: the small icon browsers ask for on every site (no 404 in the console)."""

from __future__ import annotations

from flask import Blueprint, current_app, send_from_directory
from flask.typing import ResponseReturnValue

bp = Blueprint("favicon", __name__)


@bp.get("/favicon.ico")
def favicon() -> ResponseReturnValue:
    assert current_app.static_folder is not None
    return send_from_directory(current_app.static_folder, "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)
