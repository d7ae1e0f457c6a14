"""A demo dashboard account, so a newcomer can open /admin on the demo island."""

from __future__ import annotations

import secrets

import pyotp
from sqlalchemy.orm import Session

from islandos.models.admin import AdminRole
from islandos.services.admin_accounts import create_admin, find_admin

USERNAME = "demo-admin"


def seed_demo_admin(session: Session) -> list[str]:
    """Create 'demo-admin' once with a random password and TOTP; print how to sign in."""
    if find_admin(session, USERNAME) is not None:
        return [f"dashboard account {USERNAME} exists (reset it with: islandos admin reset-totp)"]
    password = secrets.token_urlsafe(12)
    admin = create_admin(session, USERNAME, password, AdminRole.ADMIN, actor="cli")
    admin.totp_secret = pyotp.random_base32()
    admin.totp_enabled = True
    session.flush()
    return [
        f"dashboard: /admin  user {USERNAME}  password {password}",
        f"dashboard 2FA code now: python -c \"import pyotp; print(pyotp.TOTP('{admin.totp_secret}')"
        ".now())\"  (or add the secret to an authenticator app)",
    ]
