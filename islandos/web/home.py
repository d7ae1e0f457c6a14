"""The public pages every island has: the home page for visitors and the privacy page."""

from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.services.retention import PERIODS
from islandos.web.locale import current_language

bp = Blueprint("home", __name__)


@bp.app_context_processor
def _island() -> dict[str, str]:
    return {"island_name": islandos_state(current_app).settings.island(current_language())}


def public_banner() -> list[str]:
    """Today's notices for visitors from every feature (e.g. a place closed for a ritual)."""
    state = islandos_state(current_app)
    with state.db.transaction() as session:
        return state.registry.banner_lines(session, now(), current_language())


def qr_svg(url: str) -> Markup:
    """A QR code as inline SVG (no script, no external image)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return Markup(svg[svg.index("<svg"):])


@bp.get("/")
def index() -> ResponseReturnValue:
    state = islandos_state(current_app)
    friend_url = state.settings.line_add_friend_url
    return render_template(
        "public/home.html", links=state.registry.home_links, banner=public_banner(),
        friend_url=friend_url, friend_qr=qr_svg(friend_url) if friend_url else None)


@bp.get("/privacy")
def privacy() -> ResponseReturnValue:
    state = islandos_state(current_app)
    periods = [(period, getattr(state.settings, period.setting)) for period in PERIODS]
    return render_template("public/privacy.html", takes_fees=state.registry.has("fees"),
                           periods=periods)
