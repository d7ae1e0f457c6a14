"""How a send compares with LINE's monthly message quota, for a page that asks first."""

from __future__ import annotations

from flask import current_app

from islandos.extensions import islandos_state
from islandos.services.notices.reports import QuotaCheck, quota_check


def quota_for(needed: int) -> QuotaCheck:
    """The month's figures from LINE against `needed` messages (asked now: a call to LINE,
    outside any transaction). LINE unreachable: the page still shows the count."""
    try:
        figures, error = islandos_state(current_app).transport.quota(), None
    except Exception as exc:
        figures, error = None, exc.__class__.__name__
    return quota_check(figures, needed, error)
