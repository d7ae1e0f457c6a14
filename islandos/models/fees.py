"""The entry contribution (入島協力金): fee table, payments, passes, check-ins, Stripe events."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from islandos.clock import now
from islandos.db import Base


class PaymentStatus(StrEnum):
    PENDING = "pending"  # a Checkout session is open; nothing is paid yet
    PAID = "paid"  # fulfilled: the pass is issued (also a total of 0, and cash)
    PARTIALLY_REFUNDED = "partially_refunded"  # the pass counts fewer people
    REFUNDED = "refunded"  # all of it: the pass is no longer valid
    FAILED = "failed"  # an asynchronous payment failed
    EXPIRED = "expired"  # the Checkout session expired unpaid


class PaymentMethod(StrEnum):
    STRIPE = "stripe"
    CASH = "cash"  # recorded by staff at the port
    NONE = "none"  # nothing to pay: only exempt people


class PaymentSource(StrEnum):
    """Where the visitor came from (the QR they scanned), to compare payment rates."""

    PORT = "port"
    FERRY = "ferry"
    INN = "inn"
    LINE = "line"
    WEB = "web"  # no source given


def _check(column: str, values: type[StrEnum]) -> CheckConstraint:
    listed = ", ".join(f"'{member.value}'" for member in values)
    return CheckConstraint(f"{column} IN ({listed})", name=column)


class FeeCategory(Base):
    """One line of the fee table, valid from a date (a new price is a new row).

    Exempt categories (residents, relatives, workers, under-6s) cost 0 and are still counted.
    """

    __tablename__ = "fee_categories"
    __table_args__ = (
        UniqueConstraint("code", "effective_from"),
        CheckConstraint("price_jpy >= 0 AND price_jpy <= 100000", name="price"),
        CheckConstraint("NOT exempt OR price_jpy = 0", name="exempt_free"),
        CheckConstraint("effective_until IS NULL OR effective_until >= effective_from",
                        name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24))  # adult, child, resident, ... (stable)
    name_ja: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60))
    price_jpy: Mapped[int]
    exempt: Mapped[bool] = mapped_column(default=False)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_until: Mapped[date | None] = mapped_column(Date)  # last day, inclusive
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=now)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    def name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_ja


class FeePayment(Base):
    """One payment for a group arriving on one date: a Checkout session, cash, or nothing due.

    `reference` is our own opaque id (Stripe's client_reference_id); `form_nonce` is the
    nonce of the form that created it (the idempotency key of its Checkout session).
    """

    __tablename__ = "fee_payments"
    __table_args__ = (
        _check("status", PaymentStatus), _check("method", PaymentMethod),
        _check("source", PaymentSource),
        CheckConstraint("total_jpy >= 0", name="total"),
        CheckConstraint("refunded_jpy >= 0 AND refunded_jpy <= total_jpy", name="refunded"),
        Index("ix_fee_payments_arrival", "arrival_date", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    form_nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[PaymentStatus] = mapped_column(String(24), default=PaymentStatus.PENDING)
    method: Mapped[PaymentMethod] = mapped_column(String(16), default=PaymentMethod.STRIPE)
    source: Mapped[PaymentSource] = mapped_column(String(16), default=PaymentSource.WEB)
    language: Mapped[str] = mapped_column(String(8), default="ja")
    arrival_date: Mapped[date] = mapped_column(Date)
    total_jpy: Mapped[int]
    refunded_jpy: Mapped[int] = mapped_column(default=0)
    # Unique: fulfilment (completed, async_payment_succeeded, reconcile) happens once per session.
    checkout_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    # The LINE user who asked for the link, to push the pass; never sent to Stripe.
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True)
    recorded_by: Mapped[str | None] = mapped_column(String(80))  # staff, for cash and exempt
    created_at: Mapped[datetime] = mapped_column(default=now, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(index=True)
    updated_at: Mapped[datetime] = mapped_column(default=now, onupdate=now)

    lines: Mapped[list[FeePaymentLine]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="FeePaymentLine.sort_order")
    fee_pass: Mapped[FeePass | None] = relationship(
        back_populates="payment", lazy="selectin", uselist=False)
    refunds: Mapped[list[FeeRefund]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="FeeRefund.id")

    @property
    def people(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def is_fulfilled(self) -> bool:
        return self.status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED,
                               PaymentStatus.REFUNDED)


class FeePaymentLine(Base):
    """How many people of one category a payment covers, at the price of that day."""

    __tablename__ = "fee_payment_lines"
    __table_args__ = (
        UniqueConstraint("payment_id", "category_code"),
        CheckConstraint("quantity >= 1 AND quantity <= 50", name="quantity"),
        CheckConstraint("refunded_quantity >= 0 AND refunded_quantity <= quantity",
                        name="refunded_quantity"),
        CheckConstraint("unit_jpy >= 0", name="unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("fee_payments.id", ondelete="CASCADE"))
    category_code: Mapped[str] = mapped_column(String(24))
    name_ja: Mapped[str] = mapped_column(String(60))  # as the fee table said that day
    name_en: Mapped[str] = mapped_column(String(60))
    exempt: Mapped[bool] = mapped_column(default=False)
    unit_jpy: Mapped[int]
    quantity: Mapped[int]
    refunded_quantity: Mapped[int] = mapped_column(default=0)
    sort_order: Mapped[int] = mapped_column(default=0)

    @property
    def remaining(self) -> int:
        return self.quantity - self.refunded_quantity

    def name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name_ja


class FeePass(Base):
    """The pass of one payment: a short code to read aloud and a signed token for the QR."""

    __tablename__ = "fee_passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # One pass per payment, so one per Checkout session whoever fulfils it first.
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("fee_payments.id", ondelete="CASCADE"), unique=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    arrival_date: Mapped[date] = mapped_column(Date, index=True)
    token: Mapped[str] = mapped_column(Text)  # re-signed when the counts or the date change
    revoked_at: Mapped[datetime | None]  # refunded in full
    issued_at: Mapped[datetime] = mapped_column(default=now)
    pushed_at: Mapped[datetime | None]  # sent to the payer's LINE chat

    payment: Mapped[FeePayment] = relationship(back_populates="fee_pass", lazy="joined")
    check_ins: Mapped[list[FeeCheckIn]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="FeeCheckIn.checked_at")

    def counts(self) -> dict[str, int]:
        return {line.category_code: line.remaining for line in self.payment.lines
                if line.remaining > 0}


class FeeCheckIn(Base):
    """Staff checked a pass at the port (online, or offline and sent later)."""

    __tablename__ = "fee_check_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_id: Mapped[int] = mapped_column(
        ForeignKey("fee_passes.id", ondelete="CASCADE"), index=True)
    checked_at: Mapped[datetime]  # when staff checked it (the phone's time when offline)
    staff: Mapped[str] = mapped_column(String(80))  # "admin:3"
    device: Mapped[str | None] = mapped_column(String(64))
    offline: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(default=now)


class FeeRefund(Base):
    """Money given back for a payment, with the people it no longer covers."""

    __tablename__ = "fee_refunds"
    __table_args__ = (CheckConstraint("amount_jpy > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        ForeignKey("fee_payments.id", ondelete="CASCADE"), index=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    amount_jpy: Mapped[int]
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # {"adult": 1}
    reason: Mapped[str | None] = mapped_column(String(200))
    actor: Mapped[str] = mapped_column(String(80))  # "admin:3", "stripe", "reconcile"
    created_at: Mapped[datetime] = mapped_column(default=now)


class StripeEvent(Base):
    """A Stripe webhook event we have handled (deduplicated on its id).

    A `charge.refunded` for a payment not fulfilled yet waits here (`pending`) with the
    PaymentIntent and amount; fulfilment applies it. Nothing else of the event is kept.
    """

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    event_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(255))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), index=True)
    amount_refunded: Mapped[int | None]
    pending: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(default=now)
