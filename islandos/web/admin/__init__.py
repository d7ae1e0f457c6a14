"""The admin dashboard at /admin: the shell's blueprint, sign-in guards, roles, navigation.

The shell (sign-in, home, accounts, audit log) lives on `bp`. A feature brings its own
blueprint, made with `feature_blueprint(...)` so that the same sign-in guard covers it, and
declares it with its menu entries in its `Feature` (islandos/features/); `init_app` registers
the blueprints of the features the app was given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from islandos.clock import now
from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.line.worker import active_pause
from islandos.models.admin import AdminRole, AdminUser
from islandos.models.system import SendingPause
from islandos.registry import NavItem
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


# The shell's own entries; features add theirs through their `Feature.nav`.
SHELL_NAV = (
    NavItem(N_("ホーム"), "admin.home", order=0),
    NavItem(N_("監査ログ"), "admin.audit_log", order=80),
    NavItem(N_("アカウント"), "admin.accounts", min_role=AdminRole.ADMIN, order=90),
)


def nav_for(admin: AdminUser | None) -> list[NavItem]:
    """The shell's menu and this app's features' menus, as far as this account may open them."""
    if admin is None:
        return []
    items = sorted((*SHELL_NAV, *islandos_state(current_app).registry.nav),
                   key=lambda item: (item.order, item.label))
    return [item for item in items if admin.at_least(item.min_role)]


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


def _guard() -> ResponseReturnValue | None:
    """Every admin page needs a complete sign-in; keeps the idle timer running."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if signed_in_admin() is None:
        return _to_login()
    session[SEEN_AT] = _stamp(now())
    return None


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def feature_blueprint(name: str, import_name: str) -> Blueprint:
    """A feature's part of the dashboard under /admin, behind the same sign-in guard."""
    feature_bp = Blueprint(name, import_name, url_prefix="/admin")
    feature_bp.before_request(_guard)
    feature_bp.after_request(_no_store)
    return feature_bp


bp.before_request(_guard)
bp.after_request(_no_store)


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
    """Register the shell, the dashboards of the app's features and the login limiter."""
    # The shell's views attach to `bp` when their modules load.
    from islandos.web.admin import accounts, audit, auth, dashboard  # noqa: F401

    state = islandos_state(app)
    app.extensions[THROTTLE_KEY] = LoginThrottle(state.settings.ratelimit_storage_uri)
    app.context_processor(_chrome)
    app.register_blueprint(bp)
    for feature in state.registry.features:
        for feature_bp in feature.admin_blueprints:
            app.register_blueprint(feature_bp)
