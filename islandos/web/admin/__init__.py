"""The admin dashboard at /admin: the blueprint, sign-in guards, roles and the navigation.

Feature modules add views to `bp` in their own module under islandos/web/admin/ (every module
of this package is imported by `init_app`) and a menu entry with `register_nav(...)`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.line.worker import active_pause
from islandos.models.admin import AdminRole, AdminUser
from islandos.models.system import SendingPause
from islandos.web.admin.throttle import LoginThrottle

bp = Blueprint("admin", __name__, url_prefix="/admin")

F = TypeVar("F", bound=Callable[..., Any])

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_LIFETIME = timedelta(hours=8)
THROTTLE_KEY = "islandos_login_throttle"

# Session keys
ADMIN_ID = "admin_id"
STAGE = "admin_stage"  # "totp" (password ok, code due) | "setup" (must set up TOTP) | "full"
LOGIN_AT = "admin_login_at"
SEEN_AT = "admin_seen_at"

# Endpoints reachable before the sign-in is complete.
PUBLIC_ENDPOINTS = {"admin.login", "admin.login_totp", "admin.totp_setup", "admin.logout"}


@dataclass(frozen=True)
class NavItem:
    label: str  # msgid, translated when shown
    endpoint: str
    min_role: str
    order: int


ADMIN_NAV: list[NavItem] = []


def register_nav(label_msgid: str, endpoint: str, min_role: str = AdminRole.VIEWER,
                 order: int = 50) -> None:
    """Add a menu entry (once per endpoint), shown to accounts of at least `min_role`."""
    if min_role not in AdminRole.RANK:
        raise ValueError(f"unknown role {min_role!r}")
    if any(item.endpoint == endpoint for item in ADMIN_NAV):
        return
    ADMIN_NAV.append(NavItem(label_msgid, endpoint, min_role, order))
    ADMIN_NAV.sort(key=lambda item: (item.order, item.label))


def nav_for(admin: AdminUser | None) -> list[NavItem]:
    if admin is None:
        return []
    return [item for item in ADMIN_NAV if admin.at_least(item.min_role)]


# The signed-in account ---------------------------------------------------------


def _stamp(moment: datetime) -> float:
    return moment.timestamp()


def _session_expired() -> bool:
    moment = now().timestamp()
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if not isinstance(login_at, int | float) or not isinstance(seen_at, int | float):
        return True
    return (moment - login_at > _lifetime().total_seconds()
            or moment - seen_at > _idle().total_seconds())


def _idle() -> timedelta:
    minutes = islandos_state(current_app).settings.extra.get("admin_idle_minutes")
    return timedelta(minutes=float(minutes)) if minutes else IDLE_TIMEOUT


def _lifetime() -> timedelta:
    hours = islandos_state(current_app).settings.extra.get("admin_session_hours")
    return timedelta(hours=float(hours)) if hours else ABSOLUTE_LIFETIME


def start_session(admin: AdminUser, stage: str) -> None:
    """A fresh session for this account (the old cookie's contents are dropped)."""
    language = session.get("language")
    session.clear()
    session.permanent = True
    session[ADMIN_ID] = admin.id
    session[STAGE] = stage
    session[LOGIN_AT] = session[SEEN_AT] = _stamp(now())
    if language:
        session["language"] = language


def end_session() -> None:
    for key in (ADMIN_ID, STAGE, LOGIN_AT, SEEN_AT):
        session.pop(key, None)


def _load_admin() -> AdminUser | None:
    if "islandos_admin" not in g:
        admin_id = session.get(ADMIN_ID)
        admin = None
        if isinstance(admin_id, int):
            with islandos_state(current_app).db.transaction() as db_session:
                admin = db_session.get(AdminUser, admin_id)
        g.islandos_admin = admin if admin is not None and not admin.disabled else None
    found: AdminUser | None = g.islandos_admin
    return found


def signed_in_admin() -> AdminUser | None:
    """The account of a completely signed-in session (password and, if due, TOTP), or None."""
    if session.get(STAGE) != "full" or _session_expired():
        return None
    return _load_admin()


def pending_admin() -> AdminUser | None:
    """The account between password and two-factor code (stage totp/setup), or None."""
    if session.get(STAGE) not in ("totp", "setup") or _session_expired():
        return None
    return _load_admin()


def current_admin() -> AdminUser:
    """The signed-in account; only call it behind login_required."""
    admin = signed_in_admin()
    if admin is None:
        abort(401)
    return admin


def admin_actor() -> str:
    """The audit actor of the signed-in account: "admin:<id>"."""
    return f"admin:{current_admin().id}"


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def next_url(default_endpoint: str = "admin.home") -> str:
    return _safe_next(request.values.get("next")) or url_for(default_endpoint)


def _to_login() -> ResponseReturnValue:
    """Where an incomplete sign-in goes: the pending step, or the login page."""
    stage = session.get(STAGE)
    if stage in ("totp", "setup") and pending_admin() is not None:
        return redirect(url_for("admin.login_totp" if stage == "totp" else "admin.totp_setup"))
    if session.get(ADMIN_ID) is not None:
        end_session()  # expired or disabled
    if request.method == "GET":
        return redirect(url_for("admin.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("admin.login"))


def login_required(view: F) -> F:
    """Only for a completely signed-in account (and, for role admin, with TOTP enabled)."""
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if signed_in_admin() is None:
            return _to_login()
        return view(*args, **kwargs)
    return cast(F, wrapped)


def role_required(*roles: str) -> Callable[[F], F]:
    """Signed in with at least the lowest of `roles` (admin > editor > viewer); else 403."""
    if not roles or any(role not in AdminRole.RANK for role in roles):
        raise ValueError(f"role_required needs roles among {AdminRole.ALL}")
    minimum = min(roles, key=lambda role: AdminRole.RANK[role])

    def decorate(view: F) -> F:
        @login_required
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_admin().at_least(minimum):
                abort(403)
            return view(*args, **kwargs)
        return cast(F, wrapped)
    return decorate


@bp.before_request
def _guard() -> ResponseReturnValue | None:
    """Every admin page needs a complete sign-in; keeps the idle timer running."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if signed_in_admin() is None:
        return _to_login()
    session[SEEN_AT] = _stamp(now())
    return None


@bp.after_request
def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def sending_pause() -> SendingPause | None:
    """The pause in force (for the banner on every admin page)."""
    if "islandos_pause" not in g:
        with islandos_state(current_app).db.transaction() as db_session:
            g.islandos_pause = active_pause(db_session)
    pause: SendingPause | None = g.islandos_pause
    return pause


def _chrome() -> dict[str, Any]:
    return {"admin_nav": lambda: nav_for(signed_in_admin()),
            "admin_user": signed_in_admin, "sending_pause": sending_pause}


# The app side ------------------------------------------------------------------------


def login_throttle() -> LoginThrottle:
    throttle: LoginThrottle = current_app.extensions[THROTTLE_KEY]
    return throttle


def init_app(app: Flask) -> None:
    """Import every admin area module, register the blueprint and the login limiter."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}")
    settings = islandos_state(app).settings
    app.extensions[THROTTLE_KEY] = LoginThrottle(settings.ratelimit_storage_uri)
    app.context_processor(_chrome)
    app.register_blueprint(bp)
