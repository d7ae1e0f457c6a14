"""Dashboard accounts of the island office, their signed-in sessions, and LINE link codes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from islandos.clock import now
from islandos.db import Base, vocabulary


class AdminRole(StrEnum):
    ADMIN = "admin"  # everything, accounts and settings
    EDITOR = "editor"  # content: notices, events, spots
    VIEWER = "viewer"  # read only

    @property
    def rank(self) -> int:
        """A role may do everything a role of a lower rank may."""
        return ADMIN_ROLE_RANKS[self]


ADMIN_ROLE_RANKS = {AdminRole.VIEWER: 1, AdminRole.EDITOR: 2, AdminRole.ADMIN: 3}


class AdminUser(Base):
    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[AdminRole] = mapped_column(vocabulary(AdminRole, "role"), default=AdminRole.VIEWER)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    # The last accepted TOTP time step: a code is never accepted twice.
    totp_last_step: Mapped[int | None]
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # The admin's own LINE account (a Person), so features can offer admin actions in chat.
    line_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(default=now)
    disabled: Mapped[bool] = mapped_column(default=False)

    @property
    def rank(self) -> int:
        return self.role.rank

    def at_least(self, role: AdminRole) -> bool:
        return self.rank >= AdminRole(role).rank  # templates pass plain strings


class AdminLineLinkCode(Base):
    """A short-lived code an admin types in LINE to link that LINE account (stored hashed)."""

    __tablename__ = "admin_line_link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now)


class AdminSessionStage(StrEnum):
    TOTP = "totp"  # password right, two-factor code due
    SETUP = "setup"  # password right, two-factor sign-in must be set up first
    FULL = "full"  # completely signed in


class AdminSession(Base):
    """One sign-in of an account in one browser; the cookie holds only its random token.

    A session is active while `ended_at` is empty and it is neither idle nor too old; ending a
    session (logout, a password change ...) sets `ended_at`, so a copied cookie stops working.
    """

    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_id: Mapped[int] = mapped_column(
        ForeignKey("admin_users.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the token
    stage: Mapped[AdminSessionStage] = mapped_column(
        vocabulary(AdminSessionStage, "stage", length=8), default=AdminSessionStage.FULL)
    user_agent: Mapped[str] = mapped_column(String(80), default="")  # "Chrome, Windows"
    created_at: Mapped[datetime] = mapped_column(default=now)
    last_seen_at: Mapped[datetime] = mapped_column(default=now)
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(String(32))
