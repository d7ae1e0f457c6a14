"""Factories for test data: make_person() and friends."""

from __future__ import annotations

import itertools
from typing import Any

import pyotp
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from islandos.clock import now
from islandos.models.admin import AdminUser
from islandos.models.people import District, Person, Role, Status
from tests.support.webhook import line_user_id

_numbers = itertools.count(1000)


def make_district(session: Session, code: str = "north", name_ja: str = "北集落",
                  name_en: str = "North", **fields: Any) -> District:
    district = District(code=code, name_ja=name_ja, name_en=name_en, **fields)
    session.add(district)
    session.flush()
    return district


def make_person(session: Session, role: str = Role.ISLANDER, language: str = "ja",
                district: District | None = None, status: str = Status.ACTIVE,
                **fields: Any) -> Person:
    person = Person(line_user_id=fields.pop("line_user_id", line_user_id(next(_numbers))),
                    role=role, language=language, status=status,
                    district_id=district.id if district else None,
                    registered_at=now() if role != Role.UNKNOWN else None, **fields)
    session.add(person)
    session.flush()
    return person


def make_islander(session: Session, **fields: Any) -> Person:
    return make_person(session, role=Role.ISLANDER, **fields)


def make_tourist(session: Session, **fields: Any) -> Person:
    return make_person(session, role=Role.TOURIST, **fields)


ADMIN_PASSWORD = "correct horse battery staple"


def make_admin(session: Session, username: str = "admin", role: str = "admin",
               password: str = ADMIN_PASSWORD, totp: bool = True) -> tuple[AdminUser, str | None]:
    """A dashboard account; with totp=True its TOTP is enabled. Returns (admin, totp_secret)."""
    admin = AdminUser(username=username, password_hash=generate_password_hash(password),
                      role=role, totp_enabled=totp, failed_logins=0, disabled=False)
    secret = pyotp.random_base32() if totp else None
    admin.totp_secret = secret
    session.add(admin)
    session.flush()
    return admin, secret
