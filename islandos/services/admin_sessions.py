"""Signed-in dashboard sessions kept in the database, so that ending one really ends it."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from islandos.clock import as_utc, now
from islandos.models.admin import AdminSession, AdminSessionStage, AdminUser
from islandos.services import audit

# last_seen_at is written at most this often (not on every page), so the idle limit is kept
# to within a minute.
SEEN_WRITE_INTERVAL = timedelta(minutes=1)
# Ended and expired sessions are kept this long (then pruned at the account's next sign-in).
KEEP_ENDED = timedelta(days=30)


class SessionReason:
    """Why a session ended (admin_sessions.end_reason)."""

    LOGOUT = "logout"
    REPLACED = "replaced"  # a new sign-in step in the same browser
    EXPIRED = "expired"
    LOCKED = "locked"  # too many wrong codes while signing in
    ENDED_BY_OWNER = "ended_by_owner"  # from "My account" in another browser
    PASSWORD_CHANGED = "password_changed"
    TOTP_RESET = "totp_reset"
    ROLE_CHANGED = "role_changed"
    DISABLED = "disabled"


class SessionNotFound(LookupError):
    """No active session of this account has that id."""


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta
    lifetime: timedelta

    def expired(self, row: AdminSession, moment: datetime) -> bool:
        return (moment - as_utc(row.created_at) > self.lifetime
                or moment - as_utc(row.last_seen_at) > self.idle)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_BROWSERS = (("Edg/", "Edge"), ("Line/", "LINE"), ("Firefox/", "Firefox"),
             ("FxiOS/", "Firefox"), ("SamsungBrowser/", "Samsung Internet"),
             ("OPR/", "Opera"), ("CriOS/", "Chrome"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("CrOS", "ChromeOS"), ("Windows", "Windows"), ("Mac OS X", "Mac"),
            ("Macintosh", "Mac"), ("Linux", "Linux"))
_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def summarize_user_agent(raw: str | None) -> str:
    """"Chrome, Windows": the browser and system of a User-Agent header, nothing identifying."""
    text = _PRINTABLE.sub("", raw or "")
    browser = next((name for mark, name in _BROWSERS if mark in text), "")
    system = next((name for mark, name in _SYSTEMS if mark in text), "")
    return ", ".join(part for part in (browser, system) if part)


def start(session: Session, admin: AdminUser, stage: str, user_agent: str | None, *,
          created_at: datetime | None = None) -> tuple[AdminSession, str]:
    """A new session of `admin` at `stage`; returns it and the token for the cookie (flushes).

    `created_at` carries an earlier sign-in's start over (the 8-hour limit counts from it).
    Also deletes this account's sessions that ended more than KEEP_ENDED ago.
    """
    stage = AdminSessionStage(stage)  # ValueError for anything else
    moment = now()
    session.execute(delete(AdminSession).where(
        AdminSession.admin_id == admin.id,
        or_(AdminSession.ended_at < moment - KEEP_ENDED,
            AdminSession.last_seen_at < moment - KEEP_ENDED)))
    token = secrets.token_urlsafe(32)
    row = AdminSession(admin_id=admin.id, token_hash=_hash(token), stage=stage,
                       user_agent=summarize_user_agent(user_agent),
                       created_at=created_at or moment, last_seen_at=moment)
    session.add(row)
    session.flush()
    return row, token


def find_active(session: Session, token: object, limits: SessionLimits) -> AdminSession | None:
    """The active session of a cookie's token, or None (an expired one is ended; flushes).

    Keeps `last_seen_at` current (written at most once a minute).
    """
    if not isinstance(token, str) or not token:
        return None
    row = session.scalar(select(AdminSession).where(AdminSession.token_hash == _hash(token)))
    if row is None or row.ended_at is not None:
        return None
    moment = now()
    if limits.expired(row, moment):
        end(session, row, SessionReason.EXPIRED)
        return None
    if moment - as_utc(row.last_seen_at) >= SEEN_WRITE_INTERVAL:
        row.last_seen_at = moment
        session.flush()
    return row


def end(session: Session, row: AdminSession, reason: str) -> None:
    """End one session (flushes); its cookie is refused from now on."""
    if row.ended_at is None:
        row.ended_at = now()
        row.end_reason = reason
        session.flush()


def log_out(session: Session, session_id: int, actor: str) -> None:
    """The browser of this session signs out (flushes, audits 'admin.logout')."""
    row = session.get(AdminSession, session_id)
    if row is None:
        return
    end(session, row, SessionReason.LOGOUT)
    audit.record(session, actor, "admin.logout", f"admin:{row.admin_id}",
                 note=f"session {row.id}")


def end_all(session: Session, admin_id: int, reason: str, *,
            keep_id: int | None = None) -> int:
    """End every session of an account (but `keep_id`); returns how many (flushes)."""
    query = update(AdminSession).where(AdminSession.admin_id == admin_id,
                                       AdminSession.ended_at.is_(None))
    if keep_id is not None:
        query = query.where(AdminSession.id != keep_id)
    result = session.execute(query.values(ended_at=now(), end_reason=reason),
                             execution_options={"synchronize_session": "fetch"})
    session.flush()
    return int(getattr(result, "rowcount", 0) or 0)


def active_sessions(session: Session, admin_id: int, limits: SessionLimits
                    ) -> list[AdminSession]:
    """The account's completely signed-in sessions that still work, last seen first."""
    moment = now()
    rows = session.scalars(select(AdminSession).where(
        AdminSession.admin_id == admin_id, AdminSession.ended_at.is_(None),
        AdminSession.stage == AdminSessionStage.FULL,
    ).order_by(AdminSession.last_seen_at.desc(), AdminSession.id.desc()))
    return [row for row in rows if not limits.expired(row, moment)]


def end_own_session(session: Session, admin: AdminUser, session_id: int, actor: str) -> None:
    """The account ends one of its own sessions, e.g. a browser left signed in (flushes, audits).

    Raises SessionNotFound when the account has no such session that is still active.
    """
    row = session.get(AdminSession, session_id)
    if row is None or row.admin_id != admin.id or row.ended_at is not None:
        raise SessionNotFound(session_id)
    end(session, row, SessionReason.ENDED_BY_OWNER)
    audit.record(session, actor, "admin.session_ended", f"admin:{admin.id}",
                 note=f"session {row.id} ({row.user_agent or 'unknown browser'})")


def end_other_sessions(session: Session, admin: AdminUser, keep_id: int, actor: str) -> int:
    """End every session of the account but the current one; returns how many (flushes, audits)."""
    count = end_all(session, admin.id, SessionReason.ENDED_BY_OWNER, keep_id=keep_id)
    audit.record(session, actor, "admin.sessions_ended", f"admin:{admin.id}",
                 note=f"{count} other session(s)")
    return count
