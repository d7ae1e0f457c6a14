"""The entry contribution's part of a person's record (「登録内容を見る」, a 開示請求)."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import TOKYO
from islandos.i18n import format_day, gettext
from islandos.models.fees import FeePayment
from islandos.models.people import Person
from islandos.registry import Disclosure

SHOWN = 10


def fee_disclosure(session: Session, person: Person, language: str) -> Disclosure | None:
    """Payments tied to the person's LINE account (to send them their pass)."""
    payments = list(session.scalars(
        select(FeePayment).where(FeePayment.person_id == person.id)
        .order_by(FeePayment.created_at.desc()).limit(SHOWN)))
    if not payments:
        return None
    lines = [gettext(language, "LINEから支払った入島協力金：%(count)s件", count=len(payments))]
    for payment in payments:
        arrival = datetime.combine(payment.arrival_date, time(12), TOKYO)
        amount = format(payment.total_jpy, ",")
        lines.append(gettext(language, "・%(day)s到着 %(amount)s円（参照番号 %(reference)s）",
                             day=format_day(arrival, language), amount=amount,
                             reference=payment.reference))
    return Disclosure(gettext(language, "入島協力金"), lines)
