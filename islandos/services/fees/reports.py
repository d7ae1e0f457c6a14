"""What the office reads: paid visitors and revenue per day and source, today's visitors."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.models.fees import FeePayment, PaymentStatus

FULFILLED = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass
class DayRow:
    day: date
    source: str
    payments: int = 0
    paying: int = 0  # visitors who paid (after refunds)
    exempt: int = 0  # counted, paid nothing
    revenue_jpy: int = 0  # after refunds


def daily(session: Session, start: date, end: date) -> list[DayRow]:
    """Per arrival day and source, newest first (one query; lines come with their payment)."""
    payments = session.scalars(select(FeePayment).where(
        FeePayment.status.in_(FULFILLED), FeePayment.arrival_date >= start,
        FeePayment.arrival_date <= end)).all()
    rows: dict[tuple[date, str], DayRow] = {}
    for payment in payments:
        row = rows.setdefault((payment.arrival_date, payment.source),
                              DayRow(payment.arrival_date, payment.source))
        row.payments += 1
        row.revenue_jpy += payment.total_jpy - payment.refunded_jpy
        for line in payment.lines:
            if line.exempt:
                row.exempt += line.remaining
            else:
                row.paying += line.remaining
    return sorted(rows.values(), key=lambda r: (-r.day.toordinal(), r.source))


def visitors_on(session: Session, day: date) -> dict[str, int]:
    """Head-count per category of the passes valid for `day`."""
    counts: dict[str, int] = {}
    for payment in session.scalars(select(FeePayment).where(
            FeePayment.status.in_(FULFILLED), FeePayment.arrival_date == day)):
        for line in payment.lines:
            if line.remaining:
                counts[line.category_code] = counts.get(line.category_code, 0) + line.remaining
    return counts


def recent_payments(session: Session, limit: int = 50) -> list[FeePayment]:
    return list(session.scalars(select(FeePayment).where(FeePayment.status.in_(FULFILLED))
                                .order_by(FeePayment.paid_at.desc()).limit(limit)))


def daily_csv(rows: list[DayRow]) -> bytes:
    """The daily table as CSV in UTF-8 with a BOM (Excel opens it in Japanese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "source", "payments", "paying_visitors", "exempt_visitors",
                     "revenue_jpy"])
    for row in rows:
        writer.writerow([row.day.isoformat(), row.source, row.payments, row.paying, row.exempt,
                         row.revenue_jpy])
    return ("\ufeff" + out.getvalue()).encode()
