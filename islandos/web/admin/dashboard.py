"""The dashboard home: people by role, requests waiting, how sending is going."""

from __future__ import annotations

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from islandos.extensions import islandos_state
from islandos.services.dashboard import overview
from islandos.web.admin import bp, login_required


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    with islandos_state(current_app).db.transaction() as session:
        counts = overview(session)
    return render_template("admin/home.html", overview=counts)
