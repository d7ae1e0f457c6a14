"""Registration: invite and family codes, approval requests, code attempts, rich menus."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from islandos.clock import now
from islandos.db import Base, vocabulary
from islandos.models.people import District, Person


class InviteCode(Base):
    """A single-use code an admin hands to an islander; optionally fixes their district."""

    __tablename__ = "invite_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    district_id: Mapped[int | None] = mapped_column(
        ForeignKey("districts.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    used_by_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    revoked_at: Mapped[datetime | None]  # the office withdrew it before anyone used it
    revoked_by: Mapped[str | None] = mapped_column(String(80))

    district: Mapped[District | None] = relationship(lazy="joined")
    used_by: Mapped[Person | None] = relationship(lazy="raise")


class FamilyCode(Base):
    """An islander's code for relatives off-island; several relatives may use the same code."""

    __tablename__ = "family_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    islander_person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    # How the islander agreed to be shown to family linked by this code: their name, a name
    # they typed, or None (only their district); name_chosen_at is None until they chose.
    name_for_family: Mapped[str | None] = mapped_column(String(60))
    name_chosen_at: Mapped[datetime | None]


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class IslanderRequest(Base):
    """A LINE user without an invite code asks the office to accept them as an islander."""

    __tablename__ = "islander_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    status: Mapped[RequestStatus] = mapped_column(
        vocabulary(RequestStatus, "status"), default=RequestStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(String(300))

    person: Mapped[Person] = relationship(lazy="joined")


class CodeAttempt(Base):
    """One wrong invite or family code typed by a person (for throttling)."""

    __tablename__ = "code_attempts"
    __table_args__ = (Index("ix_code_attempts_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # invite | family
    at: Mapped[datetime] = mapped_column(default=now)


class RichMenuDeployment(Base):
    """The LINE rich menu currently deployed for one design (name × language)."""

    __tablename__ = "rich_menu_deployments"
    __table_args__ = (UniqueConstraint("name", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32))  # default | islander | family
    language: Mapped[str] = mapped_column(String(8))
    version: Mapped[str] = mapped_column(String(64))  # sha256 of the definition and image
    line_rich_menu_id: Mapped[str] = mapped_column(String(64), unique=True)
    deployed_at: Mapped[datetime] = mapped_column(default=now)
