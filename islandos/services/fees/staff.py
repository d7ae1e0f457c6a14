"""What port staff do with passes and at the counter: check passes (online and offline), record
cash and exempt visitors, move a pass to another date, and enter ferry passenger counts.

A pass is checked against the database when online. A phone that was offline verified the
signature itself and sends its check-ins later (`sync_offline`); when two phones accepted the
same pass, the server keeps the first check-in and flags the later ones (`conflicts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.i18n import N_
from islandos.models.fees import (
    FeeCheckIn,
    FeePass,
    FeePayment,
    PaymentMethod,
    PaymentSource,
    PaymentStatus,
)
from islandos.models.fees_staff import FerryCount
from islandos.services import audit
from islandos.services.fees import orders
from islandos.services.fees.passes import ForgedPass, normalize_code, verify_pass
from islandos.services.fees.payments import fulfil, resign
from islandos.settings import Settings

MAX_OFFLINE_BATCH = 200


class Outcome(StrEnum):
    VALID = "valid"  # for today, checked in now
    ALREADY = "already"  # for today, checked in before (with the time)
    STAYING = "staying"  # arrived on an earlier day and still on the island: not refused
    OTHER_DATE = "other_date"  # for a later day
    REFUNDED = "refunded"
    NOT_FOUND = "not_found"
    FORGED = "forged"


class StaffError(ValueError):
    """A staff action that cannot be done; the message is a msgid."""


@dataclass
class Verdict:
    outcome: Outcome
    code: str = ""
    arrival_date: date | None = None
    counts: list[tuple[str, str, int]] = field(default_factory=list)  # (ja, en, count)
    first_checked_at: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {"outcome": self.outcome.value, "code": self.code,
                "arrival_date": self.arrival_date.isoformat() if self.arrival_date else None,
                "counts": [{"ja": ja, "en": en, "n": n} for ja, en, n in self.counts],
                "people": sum(n for _, _, n in self.counts),
                "checked_at": (self.first_checked_at.isoformat()
                               if self.first_checked_at else None)}


def _pass_by_code(session: Session, code: str) -> FeePass | None:
    if not code:
        return None
    return session.scalar(select(FeePass).where(FeePass.code == code)
                          .with_for_update(of=FeePass))


def _verdict(fee_pass: FeePass, outcome: Outcome) -> Verdict:
    lines = [(line.name_ja, line.name_en, line.remaining) for line in fee_pass.payment.lines
             if line.remaining > 0]
    first = fee_pass.check_ins[0].checked_at if fee_pass.check_ins else None
    return Verdict(outcome, fee_pass.code, fee_pass.arrival_date, lines, first)


def check_pass(session: Session, settings: Settings, *, staff: str, code: str = "",
               token: str = "", device: str | None = None) -> Verdict:
    """Look a pass up by its typed code or its scanned token and check it in if it is today's.

    Records (and audits) the check-in only for a pass valid today and not checked in yet.
    """
    if token:
        try:
            code = verify_pass(settings, token).code
        except ForgedPass:
            return Verdict(Outcome.FORGED)
    fee_pass = _pass_by_code(session, normalize_code(code)[:12])
    if fee_pass is None:
        return Verdict(Outcome.NOT_FOUND, normalize_code(code)[:12])
    if fee_pass.revoked_at is not None or fee_pass.payment.status == PaymentStatus.REFUNDED:
        return _verdict(fee_pass, Outcome.REFUNDED)
    today = orders.today_in_japan(now())
    if fee_pass.arrival_date > today:
        return _verdict(fee_pass, Outcome.OTHER_DATE)
    if fee_pass.arrival_date < today:
        return _verdict(fee_pass, Outcome.STAYING)
    if fee_pass.check_ins:
        return _verdict(fee_pass, Outcome.ALREADY)
    session.add(FeeCheckIn(pass_id=fee_pass.id, checked_at=now(), staff=staff,
                           device=(device or "")[:64] or None, offline=False))
    session.flush()
    session.refresh(fee_pass, ["check_ins"])
    audit.record(session, staff, "fees.checked_in", f"fee_pass:{fee_pass.id}",
                 after={"code": fee_pass.code, "people": fee_pass.payment.people})
    return _verdict(fee_pass, Outcome.VALID)


@dataclass
class SyncResult:
    recorded: int = 0
    repeated: int = 0  # sent before by this phone: nothing new
    conflicts: list[str] = field(default_factory=list)  # codes another phone accepted first
    refused: int = 0  # forged or unknown tokens


def sync_offline(session: Session, settings: Settings, *, staff: str, device: str,
                 items: Iterable[Mapping[str, Any]]) -> SyncResult:
    """Check-ins a phone made offline: [{"token": ..., "checked_at": ISO time}, ...].

    Idempotent per phone (a batch sent twice records nothing new). A pass another phone (or
    an online check) had already accepted is still recorded, as a flagged second check-in.
    """
    result = SyncResult()
    device = device[:64]
    moment = now()
    for item in list(items)[:MAX_OFFLINE_BATCH]:
        try:
            claims = verify_pass(settings, str(item.get("token", "")))
            checked_at = datetime.fromisoformat(str(item.get("checked_at", "")))
        except (ForgedPass, ValueError):
            result.refused += 1
            continue
        if checked_at.tzinfo is None or checked_at > moment:
            checked_at = moment  # a phone's clock cannot put a check-in in the future
        fee_pass = _pass_by_code(session, claims.code)
        if fee_pass is None:
            result.refused += 1
            continue
        if any(c.device == device and c.checked_at == checked_at for c in fee_pass.check_ins):
            result.repeated += 1
            continue
        earlier = [c for c in fee_pass.check_ins if c.checked_at <= checked_at]
        session.add(FeeCheckIn(pass_id=fee_pass.id, checked_at=checked_at, staff=staff,
                               device=device, offline=True))
        session.flush()
        session.refresh(fee_pass, ["check_ins"])
        result.recorded += 1
        flagged = len(fee_pass.check_ins) > 1
        if flagged:
            result.conflicts.append(fee_pass.code)
        audit.record(session, staff, "fees.checked_in", f"fee_pass:{fee_pass.id}",
                     after={"code": fee_pass.code, "offline": True,
                            "second": flagged, "after_another": bool(earlier)})
    return result


@dataclass
class Conflict:
    code: str
    arrival_date: date
    check_ins: list[FeeCheckIn]


def conflicts(session: Session, day: date) -> list[Conflict]:
    """Passes of `day` accepted more than once (the first check-in is kept, the rest flagged)."""
    twice = (select(FeeCheckIn.pass_id).group_by(FeeCheckIn.pass_id)
             .having(func.count(FeeCheckIn.id) > 1))
    passes = session.scalars(select(FeePass).where(FeePass.id.in_(twice),
                                                   FeePass.arrival_date == day)
                             .order_by(FeePass.code)).all()
    return [Conflict(p.code, p.arrival_date, list(p.check_ins)) for p in passes]


def record_at_port(session: Session, settings: Settings, *, staff: str, arrival: date,
                   counts: Mapping[str, str], source: str = "port") -> FeePayment:
    """Cash paid at the port, or exempt visitors counted (a total of 0): paid at once."""
    order = orders.quote(session, arrival, counts)
    payment = orders.create_payment(
        session, order, source=source if source in orders.SOURCES else PaymentSource.PORT,
        language="ja", nonce=None, method=PaymentMethod.CASH, recorded_by=staff)
    fulfil(session, settings, payment, actor=staff)
    return payment


def move_pass(session: Session, settings: Settings, payment: FeePayment, *, staff: str,
              new_date: date) -> None:
    """Move a pass to another arrival date (the ferry was cancelled); re-signed and audited."""
    fee_pass = payment.fee_pass
    if fee_pass is None or fee_pass.revoked_at is not None:
        raise StaffError(N_("このお支払いには使えるパスがありません。"))
    today = orders.today_in_japan(now())
    if new_date < today:
        raise StaffError(N_("到着日は今日以降を選んでください。"))
    if new_date > today.replace(year=today.year + 1):
        raise StaffError(N_("到着日は1年先までです。"))
    before = fee_pass.arrival_date
    if before == new_date:
        return
    fee_pass.arrival_date = new_date
    payment.arrival_date = new_date
    resign(settings, fee_pass)
    session.flush()
    audit.record(session, staff, "fees.pass_moved", f"fee_pass:{fee_pass.id}",
                 before={"arrival_date": before.isoformat()},
                 after={"arrival_date": new_date.isoformat()})


def set_ferry_count(session: Session, *, staff: str, day: date, passengers: int) -> FerryCount:
    if not 0 <= passengers <= 10000:
        raise StaffError(N_("乗船者数は0から10000までの数字で入れてください。"))
    row = session.scalar(select(FerryCount).where(FerryCount.day == day))
    before = row.passengers if row else None
    if row is None:
        row = FerryCount(day=day, passengers=passengers, recorded_by=staff)
        session.add(row)
    else:
        row.passengers, row.recorded_by = passengers, staff
    session.flush()
    audit.record(session, staff, "fees.ferry_count", f"ferry_count:{day.isoformat()}",
                 before={"passengers": before}, after={"passengers": passengers})
    return row


@dataclass
class RateRow:
    day: date
    passengers: int
    people_by_source: dict[str, int]

    @property
    def people(self) -> int:
        return sum(self.people_by_source.values())

    def rate(self, source: str | None = None) -> float | None:
        if not self.passengers:
            return None
        count = self.people if source is None else self.people_by_source.get(source, 0)
        return count / self.passengers


def payment_rates(session: Session, start: date, end: date) -> list[RateRow]:
    """Per day with a ferry count: the people covered by passes, per source, over passengers."""
    counted = session.scalars(select(FerryCount).where(
        FerryCount.day >= start, FerryCount.day <= end).order_by(FerryCount.day)).all()
    rows = []
    for count in counted:
        payments = session.scalars(select(FeePayment).where(
            FeePayment.arrival_date == count.day,
            FeePayment.status.in_((PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)))).all()
        by_source: dict[str, int] = {}
        for payment in payments:
            people = sum(line.remaining for line in payment.lines)
            by_source[payment.source] = by_source.get(payment.source, 0) + people
        rows.append(RateRow(count.day, count.passengers, by_source))
    return rows
