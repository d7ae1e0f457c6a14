"""The dashboard home: what needs attention first (the shell's items and every feature's),
then the features' panels (e.g. recent notices), then people by role and how sending goes."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import current_app, render_template
from flask.typing import ResponseReturnValue

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.i18n import format_datetime
from islandos.registry import AttentionItem, HomeRow
from islandos.services import dashboard
from islandos.web.admin import bp, login_required
from islandos.web.locale import _, current_language

QUOTA_CACHE = "islandos_home_quota"
QUOTA_SECONDS = 300.0  # ask LINE for the month's figures at most this often per process


def month_quota() -> dashboard.Quota:
    """LINE's figures for this month, asked at most every QUOTA_SECONDS (outside a
    transaction: it is a call to LINE)."""
    cached = current_app.extensions.get(QUOTA_CACHE)
    if cached is not None and time.monotonic() - cached[0] < QUOTA_SECONDS:
        quota: dashboard.Quota = cached[1]
        return quota
    try:
        quota = dashboard.quota_of(islandos_state(current_app).transport.quota())
    except Exception as exc:  # LINE unreachable: the home still shows the rest
        quota = dashboard.quota_of(None, exc.__class__.__name__)
    current_app.extensions[QUOTA_CACHE] = (time.monotonic(), quota)
    return quota


def _values(values: Any) -> dict[str, Any]:
    """Placeholders as the page shows them: times in Tokyo, in the page's language."""
    return {key: format_datetime(value, current_language()) if isinstance(value, datetime)
            else value for key, value in dict(values).items()}


def words(item: AttentionItem | HomeRow) -> str:
    """An attention item's text, or a home row's detail, in the page's language."""
    text = item.text if isinstance(item, AttentionItem) else item.detail
    return _(text, **_values(item.values)) if text else ""


@bp.get("/")
@login_required
def home() -> ResponseReturnValue:
    state = islandos_state(current_app)
    quota = month_quota()
    moment = now()
    with state.db.transaction() as session:
        counts = dashboard.overview(session)
        attention = (dashboard.sending_attention(session, moment)
                     + dashboard.quota_attention(quota)
                     + state.registry.attention(session, moment))
        panels = state.registry.home_panels(session, moment)
    attention.sort(key=lambda item: item.level != "danger")
    return render_template("admin/home.html", overview=counts, attention=attention,
                           panels=panels, quota=quota, words=words)
