"""Invite codes as the office keeps track of them: unused, used (by whom, when), expired or
revoked; and revoking one that nobody has used yet (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.models.people import Person
from islandos.models.registration import InviteCode
from islandos.services import audit
from islandos.services.paging import Page, page_of
from islandos.services.registration_codes import CodeNotRevocable, InviteCodeNotFound


class CodeState(StrEnum):
    UNUSED = "unused"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


def state_condition(state: CodeState, moment: datetime) -> ColumnElement[bool]:
    """Codes in one state at `moment`, as SQL."""
    open_ = and_(InviteCode.used_at.is_(None), InviteCode.revoked_at.is_(None))
    return {
        CodeState.USED: InviteCode.used_at.is_not(None),
        CodeState.REVOKED: and_(InviteCode.used_at.is_(None),
                                InviteCode.revoked_at.is_not(None)),
        CodeState.EXPIRED: and_(open_, InviteCode.expires_at <= moment),
        CodeState.UNUSED: and_(open_, or_(InviteCode.expires_at.is_(None),
                                          InviteCode.expires_at > moment)),
    }[state]


def state_of(code: InviteCode, moment: datetime) -> CodeState:
    if code.used_at is not None:
        return CodeState.USED
    if code.revoked_at is not None:
        return CodeState.REVOKED
    if code.expires_at is not None and code.expires_at <= moment:
        return CodeState.EXPIRED
    return CodeState.UNUSED


@dataclass(frozen=True)
class CodeRow:
    code: InviteCode
    state: CodeState
    used_by: Person | None


def invite_codes(session: Session, state: CodeState | None, number: int
                 ) -> tuple[list[CodeRow], Page]:
    """One page of codes (newest first), in one state or all, with who used each (reads)."""
    moment = now()
    query = select(InviteCode).order_by(InviteCode.created_at.desc(), InviteCode.id.desc())
    if state is not None:
        query = query.where(state_condition(state, moment))
    codes, page = page_of(session, query, number)
    user_ids = {c.used_by_person_id for c in codes if c.used_by_person_id is not None}
    users = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(user_ids)))
             } if user_ids else {}
    return [CodeRow(c, state_of(c, moment), users.get(c.used_by_person_id or 0))
            for c in codes], page


def counts_by_state(session: Session) -> dict[CodeState, int]:
    """How many codes are in each state now (one query)."""
    moment = now()
    row = session.execute(select(*(func.count().filter(state_condition(state, moment))
                                   for state in CodeState)).select_from(InviteCode)).one()
    return {state: int(count or 0) for state, count in zip(CodeState, row, strict=True)}


def revoke_invite_code(session: Session, code_id: int, actor: str) -> InviteCode:
    """Withdraw an unused code so nobody can register with it (flushes, audits).

    Raises InviteCodeNotFound, or CodeNotRevocable when it is used, expired or revoked.
    """
    moment = now()
    code = session.get(InviteCode, code_id)
    if code is None:
        raise InviteCodeNotFound()
    revoked = session.execute(
        update(InviteCode).where(InviteCode.id == code_id,
                                 state_condition(CodeState.UNUSED, moment))
        .values(revoked_at=moment, revoked_by=actor).execution_options(synchronize_session=False))
    if getattr(revoked, "rowcount", 0) != 1:
        raise CodeNotRevocable()
    session.refresh(code)
    audit.record(session, actor, "invite_code.revoked", f"invite_code:{code.id}",
                 before={"status": CodeState.UNUSED}, after={"status": CodeState.REVOKED},
                 note=code.code)
    return code
