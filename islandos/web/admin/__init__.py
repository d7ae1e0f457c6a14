"""The admin dashboard at /admin: the shell's blueprint, sign-in guards, roles, navigation.

The shell (sign-in, home, accounts, audit log) lives on `bp`. A feature brings its own
blueprint, made with `feature_blueprint(...)` so that the same sign-in guard covers it, and
declares it with its menu entries in its `Feature` (islandos/features/); `init_app` registers
the blueprints of the features the app was given.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from islandos.extensions import islandos_state
from islandos.i18n import N_
from islandos.line.worker import active_pause
from islandos.models.admin import AdminRole, AdminSession, AdminSessionStage, AdminUser
from islandos.models.system import SendingPause
from islandos.registry import NavItem
from islandos.services import admin_sessions
from islandos.web.admin.throttle import LoginThrottle, warn_if_counted_per_process

bp = Blueprint("admin", __name__, url_prefix="/admin")

F = TypeVar("F", bound=Callable[..., Any])

THROTTLE_KEY = "islandos_login_throttle"

# The cookie holds only this: the token of a row in admin_sessions (which holds the rest).
SESSION_TOKEN = "admin_session"

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


@dataclass(frozen=True)
class SignedIn:
    """The session a request's cookie belongs to, with its account."""

    session_id: int
    stage: str
    admin: AdminUser
    created_at: datetime


def session_limits() -> admin_sessions.SessionLimits:
    settings = islandos_state(current_app).settings
    return admin_sessions.SessionLimits(idle=timedelta(minutes=settings.admin_idle_minutes),
                                        lifetime=timedelta(hours=settings.admin_session_hours))


def current_session() -> SignedIn | None:
    """This request's session if it is active and its account enabled (looked up once)."""
    if "islandos_admin_session" not in g:
        found = None
        token = session.get(SESSION_TOKEN)
        if token is not None:
            with islandos_state(current_app).db.transaction() as db_session:
                row = admin_sessions.find_active(db_session, token, session_limits())
                admin = db_session.get(AdminUser, row.admin_id) if row is not None else None
                if row is not None and admin is not None and not admin.disabled:
                    found = SignedIn(row.id, row.stage, admin, row.created_at)
        g.islandos_admin_session = found
    current: SignedIn | None = g.islandos_admin_session
    return current


def start_session(admin: AdminUser, stage: str, *, created_at: datetime | None = None) -> None:
    """A fresh session for this account in this browser: a new token in a cleared cookie.

    The browser's previous session (an earlier sign-in step) ends. `created_at` keeps an
    earlier start (the absolute lifetime counts from it).
    """
    language = session.get("language")
    previous = current_session()
    with islandos_state(current_app).db.transaction() as db_session:
        if previous is not None:
            row = db_session.get(AdminSession, previous.session_id)
            if row is not None:
                admin_sessions.end(db_session, row, admin_sessions.SessionReason.REPLACED)
        row, token = admin_sessions.start(db_session, admin, stage,
                                          request.headers.get("User-Agent"),
                                          created_at=created_at)
        g.islandos_admin_session = SignedIn(row.id, row.stage, admin, row.created_at)
    session.clear()
    session.permanent = True
    session[SESSION_TOKEN] = token
    if language:
        session["language"] = language


def end_session(reason: str) -> None:
    """End this browser's session in the database and forget it in the cookie."""
    current = current_session()
    if current is not None:
        with islandos_state(current_app).db.transaction() as db_session:
            row = db_session.get(AdminSession, current.session_id)
            if row is not None:
                admin_sessions.end(db_session, row, reason)
    forget_session()


def forget_session() -> None:
    """Drop this browser's session token from the cookie (the row is left as it is)."""
    session.pop(SESSION_TOKEN, None)
    g.islandos_admin_session = None


def signed_in_admin() -> AdminUser | None:
    """The account of a completely signed-in session (password and, if due, TOTP), or None."""
    current = current_session()
    if current is None or current.stage != AdminSessionStage.FULL:
        return None
    return current.admin


def pending_admin() -> AdminUser | None:
    """The account between password and two-factor code (stage totp/setup), or None."""
    current = current_session()
    if current is None or current.stage == AdminSessionStage.FULL:
        return None
    return current.admin


def session_stage() -> str | None:
    """The stage of this browser's active session (totp, setup, full), or None."""
    current = current_session()
    return current.stage if current is not None else None


def current_admin() -> AdminUser:
    """The signed-in account; only call it behind login_required."""
    admin = signed_in_admin()
    if admin is None:
        abort(401)
    return admin


def admin_actor() -> str:
    """The audit actor of the signed-in account: "admin:<id>"."""
    return f"admin:{current_admin().id}"


def safe_next(target: str | None) -> str | None:
    r"""A path on this site to go to after signing in, or None for anything else.

    Off-site targets are refused (`https://evil`, `//evil`, and `/\evil`, which browsers read
    as `//evil`), and so are control characters: CR/LF cannot go into a Location header, and
    browsers drop tabs and newlines from a URL (`/\t/evil` is `//evil` to them).
    """
    if not target or len(target) > 2000 or "\\" in target:
        return None
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def next_url(default_endpoint: str = "admin.home") -> str:
    return safe_next(request.values.get("next")) or url_for(default_endpoint)


def _to_login() -> ResponseReturnValue:
    """Where an incomplete sign-in goes: the pending step, or the login page."""
    stage = session_stage()
    if stage in (AdminSessionStage.TOTP, AdminSessionStage.SETUP):
        return redirect(url_for("admin.login_totp" if stage == AdminSessionStage.TOTP
                                else "admin.totp_setup"))
    forget_session()  # ended, expired or disabled
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


def role_required(*roles: AdminRole) -> Callable[[F], F]:
    """Signed in with at least the lowest of `roles` (admin > editor > viewer); else 403."""
    if not roles:
        raise ValueError("role_required needs at least one role")
    minimum = min(roles, key=lambda role: role.rank)

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
    """Every admin page needs a complete sign-in (checked against admin_sessions)."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if signed_in_admin() is None:
        return _to_login()
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
    warn_if_counted_per_process(state.settings.env, state.settings.ratelimit_storage_uri)
    app.context_processor(_chrome)
    app.register_blueprint(bp)
    for feature in state.registry.features:
        for feature_bp in feature.admin_blueprints:
            app.register_blueprint(feature_bp)
