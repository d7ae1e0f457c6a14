"""Dashboard accounts: create, sign in with a password and TOTP, link the admin's LINE account."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from islandos.clock import as_utc, now
from islandos.models.admin import AdminLineLinkCode, AdminRole, AdminUser
from islandos.models.audit import AuditEntry
from islandos.models.people import Person
from islandos.services import admin_sessions, audit
from islandos.services.admin_sessions import SessionReason

MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
LOCK_TIME = timedelta(minutes=15)
LINK_CODE_LIFETIME = timedelta(minutes=10)
LINK_FAILURES_PER_HOUR = 5
TOTP_ISSUER = "IslandOS"
# Compared against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password-" + secrets.token_hex(8))


class AdminAccountError(ValueError):
    """Base of the admin account errors; the message is for logs, views show their own text."""


class UsernameTaken(AdminAccountError):
    pass


class InvalidRole(AdminAccountError):
    pass


class WeakPassword(AdminAccountError):
    pass


class LoginFailed(AdminAccountError):
    """Wrong username or password (which one is never told)."""


class AccountLocked(AdminAccountError):
    def __init__(self, until: datetime | None) -> None:
        super().__init__(f"locked until {until}")
        self.until = until


class InvalidTotp(AdminAccountError):
    pass


class LinkCodeInvalid(AdminAccountError):
    """The code is unknown, used or expired (or too many wrong codes were tried)."""


def actor_of(admin: AdminUser) -> str:
    return f"admin:{admin.id}"


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def _check_role(role: str) -> AdminRole:
    try:
        return AdminRole(role)
    except ValueError:
        raise InvalidRole(f"role must be one of {', '.join(AdminRole)}") from None


def find_admin(session: Session, username: str) -> AdminUser | None:
    return session.scalar(select(AdminUser).where(AdminUser.username == username.strip()))


def create_admin(session: Session, username: str, password: str, role: str,
                 actor: str) -> AdminUser:
    """Add a dashboard account (flushes, audits 'admin.created').

    Raises UsernameTaken, InvalidRole, WeakPassword.
    """
    username = username.strip()
    role = _check_role(role)
    _check_password(password)
    if not username or len(username) > 64:
        raise AdminAccountError("a username has 1 to 64 characters")
    if find_admin(session, username) is not None:
        raise UsernameTaken(username)
    admin = AdminUser(username=username, password_hash=generate_password_hash(password),
                      role=role, created_at=now(), totp_enabled=False, failed_logins=0,
                      disabled=False)
    session.add(admin)
    session.flush()
    audit.record(session, actor, "admin.created", f"admin:{admin.id}",
                 after={"username": username, "role": role})
    return admin


def _ended(count: int) -> str:
    return f"{count} session(s) ended"


def set_password(session: Session, admin: AdminUser, password: str, actor: str) -> None:
    """Replace the password and end every session of the account (flushes, audits).

    Raises WeakPassword.
    """
    _check_password(password)
    admin.password_hash = generate_password_hash(password)
    session.flush()
    ended = admin_sessions.end_all(session, admin.id, SessionReason.PASSWORD_CHANGED)
    audit.record(session, actor, "admin.password_changed", f"admin:{admin.id}",
                 note=_ended(ended))


def set_role(session: Session, admin: AdminUser, role: str, actor: str) -> None:
    """Change an account's role and end its sessions (flushes, audits before/after).

    Raises InvalidRole.
    """
    new_role = _check_role(role)
    before = admin.role
    if before == new_role:
        return
    admin.role = new_role
    session.flush()
    ended = admin_sessions.end_all(session, admin.id, SessionReason.ROLE_CHANGED)
    audit.record(session, actor, "admin.role_changed", f"admin:{admin.id}",
                 before={"role": before}, after={"role": new_role}, note=_ended(ended))


def set_disabled(session: Session, admin: AdminUser, disabled: bool, actor: str) -> None:
    """Disable (no more sign-ins, its sessions end) or enable an account (flushes, audits)."""
    admin.disabled = disabled
    session.flush()
    ended = admin_sessions.end_all(session, admin.id, SessionReason.DISABLED) if disabled else 0
    audit.record(session, actor, "admin.disabled" if disabled else "admin.enabled",
                 f"admin:{admin.id}", note=_ended(ended) if disabled else None)


def authenticate(session: Session, username: str, password: str) -> AdminUser:
    """Check a username and password (flushes failure counts; audits failures and locks).

    Raises LoginFailed, or AccountLocked after MAX_FAILED_LOGINS wrong attempts.
    """
    admin = find_admin(session, username)
    if admin is None or admin.disabled:
        check_password_hash(_DUMMY_HASH, password)
        raise LoginFailed(username)
    moment = now()
    if admin.locked_until is not None and as_utc(admin.locked_until) > moment:
        raise AccountLocked(as_utc(admin.locked_until))
    if not check_password_hash(admin.password_hash, password):
        register_failure(session, admin, "password")
        if admin.locked_until is not None and as_utc(admin.locked_until) > moment:
            raise AccountLocked(as_utc(admin.locked_until))
        raise LoginFailed(username)
    return admin


def register_failure(session: Session, admin: AdminUser, what: str) -> None:
    """Count a wrong password or code; lock the account for a while after too many (flushes)."""
    admin.failed_logins += 1
    note = f"wrong {what}"
    if admin.failed_logins >= MAX_FAILED_LOGINS:
        admin.locked_until = now() + LOCK_TIME
        admin.failed_logins = 0
        note += "; account locked"
    session.flush()
    audit.record(session, actor_of(admin), "admin.login_failed", f"admin:{admin.id}", note=note)


def record_login(session: Session, admin: AdminUser) -> None:
    """The account signed in completely (flushes, audits 'admin.login')."""
    admin.failed_logins = 0
    admin.locked_until = None
    admin.last_login_at = now()
    session.flush()
    audit.record(session, actor_of(admin), "admin.login", f"admin:{admin.id}",
                 note="with two-factor code" if admin.totp_enabled else None)


# Two-factor codes -----------------------------------------------------------


def pending_totp_secret(session: Session, admin: AdminUser) -> str:
    """The secret to set up in an authenticator app (made once, kept until enabled; flushes)."""
    if admin.totp_enabled:
        raise InvalidTotp("two-factor codes are already enabled")
    if not admin.totp_secret:
        admin.totp_secret = pyotp.random_base32()
        session.flush()
    return admin.totp_secret


def totp_uri(admin: AdminUser) -> str:
    return pyotp.TOTP(admin.totp_secret or "").provisioning_uri(
        name=admin.username, issuer_name=TOTP_ISSUER)


def _accept_code(admin: AdminUser, code: str) -> bool:
    """True when the code is right now (±30 s) and its time step was not used before."""
    if not admin.totp_secret:
        return False
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return False
    totp = pyotp.TOTP(admin.totp_secret)
    moment = now()
    current = totp.timecode(moment)
    for step in (current, current - 1, current + 1):
        if admin.totp_last_step is not None and step <= admin.totp_last_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            admin.totp_last_step = step
            return True
    return False


def verify_totp(session: Session, admin: AdminUser, code: str) -> None:
    """Check a sign-in code (flushes; a wrong one counts as a failure). Raises InvalidTotp."""
    if not admin.totp_enabled:
        raise InvalidTotp("two-factor codes are not enabled")
    if admin.locked_until is not None and as_utc(admin.locked_until) > now():
        raise AccountLocked(as_utc(admin.locked_until))
    if not _accept_code(admin, code):
        register_failure(session, admin, "two-factor code")
        raise InvalidTotp("wrong code")
    session.flush()


def enable_totp(session: Session, admin: AdminUser, code: str, actor: str) -> None:
    """Turn on two-factor sign-in once the first code matches (flushes, audits).

    Raises InvalidTotp.
    """
    if admin.totp_enabled:
        raise InvalidTotp("two-factor codes are already enabled")
    if not _accept_code(admin, code):
        raise InvalidTotp("wrong code")
    admin.totp_enabled = True
    session.flush()
    audit.record(session, actor, "admin.totp_enabled", f"admin:{admin.id}")


def reset_totp(session: Session, admin: AdminUser, actor: str) -> None:
    """Forget the two-factor secret (lost phone); it is set up again at the next sign-in.

    Every session of the account ends (flushes, audits).
    """
    admin.totp_enabled = False
    admin.totp_secret = None
    admin.totp_last_step = None
    session.flush()
    ended = admin_sessions.end_all(session, admin.id, SessionReason.TOTP_RESET)
    audit.record(session, actor, "admin.totp_reset", f"admin:{admin.id}", note=_ended(ended))


# Linking the admin's own LINE account --------------------------------------------


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def create_link_code(session: Session, admin: AdminUser, actor: str) -> str:
    """A fresh 6-digit code for linking LINE; earlier unused codes stop working (flushes)."""
    moment = now()
    session.execute(
        update(AdminLineLinkCode)
        .where(AdminLineLinkCode.admin_id == admin.id, AdminLineLinkCode.used_at.is_(None))
        .values(expires_at=moment)
    )
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        clash = session.scalar(select(AdminLineLinkCode.id).where(
            AdminLineLinkCode.code_hash == _hash_code(code),
            AdminLineLinkCode.used_at.is_(None), AdminLineLinkCode.expires_at > moment))
        if clash is None:
            break
    session.add(AdminLineLinkCode(admin_id=admin.id, code_hash=_hash_code(code),
                                  expires_at=moment + LINK_CODE_LIFETIME, created_at=moment))
    session.flush()
    audit.record(session, actor, "admin.line_link_code_created", f"admin:{admin.id}")
    return code


def link_line_account(session: Session, person: Person, code: str) -> AdminUser:
    """Link the LINE user who typed a valid code to that code's admin account.

    Flushes; audits 'admin.line_linked' (or 'admin.line_link_failed'). A LINE account linked to
    another admin moves to this one. Raises LinkCodeInvalid (also after too many wrong codes).
    """
    moment = now()
    target = f"person:{person.id}"
    recent_failures = session.scalar(
        select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "admin.line_link_failed", AuditEntry.target == target,
            AuditEntry.at > moment - timedelta(hours=1))
    ) or 0
    if recent_failures >= LINK_FAILURES_PER_HOUR:
        raise LinkCodeInvalid("too many wrong codes; try again later")
    row = session.scalar(
        select(AdminLineLinkCode).where(
            AdminLineLinkCode.code_hash == _hash_code(code.strip()),
            AdminLineLinkCode.used_at.is_(None), AdminLineLinkCode.expires_at > moment)
    )
    admin = session.get(AdminUser, row.admin_id) if row is not None else None
    if row is None or admin is None or admin.disabled:
        audit.record(session, f"line:person:{person.id}", "admin.line_link_failed", target)
        raise LinkCodeInvalid("unknown, used or expired code")
    row.used_at = moment
    before = admin.line_person_id
    previous = session.scalar(select(AdminUser).where(AdminUser.line_person_id == person.id,
                                                      AdminUser.id != admin.id))
    if previous is not None:
        previous.line_person_id = None
        session.flush()
    admin.line_person_id = person.id
    session.flush()
    audit.record(session, actor_of(admin), "admin.line_linked", f"admin:{admin.id}",
                 before={"line_person_id": before}, after={"line_person_id": person.id},
                 note="code typed in LINE")
    return admin


def unlink_line_account(session: Session, admin: AdminUser, actor: str) -> None:
    """Forget the admin's LINE account (flushes, audits)."""
    before = admin.line_person_id
    admin.line_person_id = None
    session.flush()
    audit.record(session, actor, "admin.line_unlinked", f"admin:{admin.id}",
                 before={"line_person_id": before})


def admin_for_line_user(session: Session, line_user_id: str) -> AdminUser | None:
    """The enabled admin account linked to this LINE user, if any (for admin actions in chat)."""
    return session.scalar(
        select(AdminUser).join(Person, Person.id == AdminUser.line_person_id)
        .where(Person.line_user_id == line_user_id, AdminUser.disabled.is_(False))
    )
