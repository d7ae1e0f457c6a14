"""From the /fee form to a payment: counts checked against the fee table, totals on the server."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.clock import TOKYO
from islandos.i18n import N_
from islandos.models.fees import (
    FeeCategory,
    FeePayment,
    FeePaymentLine,
    PaymentMethod,
    PaymentSource,
    PaymentStatus,
)
from islandos.services.fees.table import categories_on

MAX_PEOPLE = 50  # a payment covers 1–50 people
BOOK_AHEAD_DAYS = 180
# Stripe's minimum is 30 minutes; a little more so a slow phone still makes it.
CHECKOUT_LIFETIME = timedelta(minutes=31)
SOURCES = {source.value for source in PaymentSource}


class InvalidOrder(ValueError):
    """The form cannot become a payment; the message is a msgid shown above the form."""


@dataclass(frozen=True)
class Quote:
    arrival_date: date
    lines: list[tuple[FeeCategory, int]]  # only categories with at least one person
    total_jpy: int

    @property
    def people(self) -> int:
        return sum(count for _, count in self.lines)


def today_in_japan(moment: datetime) -> date:
    return moment.astimezone(TOKYO).date()


def parse_arrival(raw: str | None, moment: datetime) -> date:
    today = today_in_japan(moment)
    if not raw:
        return today
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise InvalidOrder(N_("到着日が読み取れません。")) from exc
    if day < today:
        raise InvalidOrder(N_("到着日は今日以降を選んでください。"))
    if day > today + timedelta(days=BOOK_AHEAD_DAYS):
        raise InvalidOrder(N_("到着日は半年先までです。"))
    return day


def quote(session: Session, arrival: date, counts: Mapping[str, str]) -> Quote:
    """Check the counts (`count_<code>` fields) against the table of the arrival date.

    Raises InvalidOrder for an unknown category, a count that is not a whole number from 0 to
    50, or a group of 0 or more than 50 people. The prices come from the table only.
    """
    table = {category.code: category for category in categories_on(session, arrival)}
    if not table:
        raise InvalidOrder(N_("この日の料金表がありません。役場にお問い合わせください。"))
    wanted: dict[str, int] = {}
    for field, raw in counts.items():
        if not field.startswith("count_"):
            continue
        code = field.removeprefix("count_")
        if code not in table:
            raise InvalidOrder(N_("選べない区分が送られました。ページを開き直してください。"))
        text = (raw or "").strip() or "0"
        if not text.isdigit() or len(text) > 3:
            raise InvalidOrder(N_("人数は0から50までの数字で入れてください。"))
        count = int(text)
        if count > MAX_PEOPLE:
            raise InvalidOrder(N_("人数は0から50までの数字で入れてください。"))
        if count:
            wanted[code] = count
    people = sum(wanted.values())
    if people == 0:
        raise InvalidOrder(N_("人数を1人以上入れてください。"))
    if people > MAX_PEOPLE:
        raise InvalidOrder(N_("1回のお支払いは50人までです。分けてお支払いください。"))
    lines = [(table[code], wanted[code]) for code in table if code in wanted]
    return Quote(arrival_date=arrival, lines=lines,
                 total_jpy=sum(category.price_jpy * count for category, count in lines))


def new_reference() -> str:
    return secrets.token_urlsafe(16)  # 22 characters: the pass page's capability too


def create_payment(session: Session, order: Quote, *, source: str, language: str,
                   nonce: str | None, person_id: int | None = None,
                   method: PaymentMethod = PaymentMethod.STRIPE,
                   recorded_by: str | None = None) -> FeePayment:
    """A pending payment with its lines (flushes). A total of 0 is left for `fulfil`."""
    payment = FeePayment(
        reference=new_reference(), form_nonce=nonce, status=PaymentStatus.PENDING,
        method=method if order.total_jpy else PaymentMethod.NONE,
        source=PaymentSource(source) if source in SOURCES else PaymentSource.WEB,
        language=language, arrival_date=order.arrival_date, total_jpy=order.total_jpy,
        person_id=person_id, recorded_by=recorded_by,
        lines=[FeePaymentLine(category_code=category.code, name_ja=category.name_ja,
                              name_en=category.name_en, exempt=category.exempt,
                              unit_jpy=category.price_jpy, quantity=count,
                              sort_order=category.sort_order)
               for category, count in order.lines])
    session.add(payment)
    session.flush()
    return payment


def payment_by_nonce(session: Session, nonce: str) -> FeePayment | None:
    return session.scalar(select(FeePayment).where(FeePayment.form_nonce == nonce))


def payment_by_reference(session: Session, reference: str) -> FeePayment | None:
    return session.scalar(select(FeePayment).where(FeePayment.reference == reference))


def category_summary(payment: FeePayment) -> str:
    """`adult:2,child:1` for Stripe's metadata (no names, no personal data)."""
    return ",".join(f"{line.category_code}:{line.quantity}" for line in payment.lines)
