"""The fee table: what each category pays on a given day; edits are audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from islandos.i18n import N_
from islandos.models.fees import FeeCategory
from islandos.services import audit

CODE = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
MAX_PRICE = 100_000


class FeeTableError(ValueError):
    """A fee-table edit that cannot be saved; the message is a msgid."""


@dataclass(frozen=True)
class CategoryInput:
    code: str
    name_ja: str
    name_en: str
    price_jpy: int
    exempt: bool
    effective_from: date
    effective_until: date | None = None
    active: bool = True
    sort_order: int = 0


# The demo island's table. Exempt people pay nothing and are still counted.
DEFAULT_TABLE = (
    CategoryInput("adult", "大人（中学生以上）", "Adult (13 and over)", 500, False,
                  date(2026, 4, 1), sort_order=10),
    CategoryInput("child", "子ども（6〜12歳）", "Child (6–12)", 200, False, date(2026, 4, 1),
                  sort_order=20),
    CategoryInput("under6", "6歳未満", "Under 6", 0, True, date(2026, 4, 1), sort_order=30),
    CategoryInput("resident", "島民", "Island resident", 0, True, date(2026, 4, 1),
                  sort_order=40),
    CategoryInput("relative", "島民の親族", "Resident's relative", 0, True, date(2026, 4, 1),
                  sort_order=50),
    CategoryInput("worker", "島で働く方", "Working on the island", 0, True, date(2026, 4, 1),
                  sort_order=60),
)


def categories_on(session: Session, day: date) -> list[FeeCategory]:
    """The active categories on `day`: per code, the row that took effect last."""
    rows = session.scalars(
        select(FeeCategory)
        .where(FeeCategory.active.is_(True), FeeCategory.effective_from <= day,
               (FeeCategory.effective_until.is_(None)) | (FeeCategory.effective_until >= day))
        .order_by(FeeCategory.effective_from)).all()
    latest = {row.code: row for row in rows}
    return sorted(latest.values(), key=lambda row: (row.sort_order, row.id))


def all_categories(session: Session) -> list[FeeCategory]:
    return list(session.scalars(select(FeeCategory).order_by(
        FeeCategory.sort_order, FeeCategory.code, FeeCategory.effective_from)))


def _checked(data: CategoryInput) -> CategoryInput:
    if not CODE.match(data.code):
        raise FeeTableError(N_("区分の記号は半角英小文字・数字・_ で、英字から始めてください。"))
    if not data.name_ja.strip() or not data.name_en.strip():
        raise FeeTableError(N_("区分の名前を日本語と英語で入れてください。"))
    if len(data.name_ja) > 60 or len(data.name_en) > 60:
        raise FeeTableError(N_("区分の名前は60文字までです。"))
    if not 0 <= data.price_jpy <= MAX_PRICE:
        raise FeeTableError(N_("金額は0円から100,000円までです。"))
    if data.exempt and data.price_jpy != 0:
        raise FeeTableError(N_("免除の区分は0円です。"))
    if not data.exempt and data.price_jpy == 0:
        raise FeeTableError(N_("0円の区分は「免除」にしてください。"))
    if data.effective_until is not None and data.effective_until < data.effective_from:
        raise FeeTableError(N_("終了日は開始日より後にしてください。"))
    return data


def _snapshot(row: FeeCategory) -> dict[str, object]:
    return {"code": row.code, "name_ja": row.name_ja, "name_en": row.name_en,
            "price_jpy": row.price_jpy, "exempt": row.exempt,
            "effective_from": row.effective_from.isoformat(),
            "effective_until": row.effective_until.isoformat() if row.effective_until else None,
            "active": row.active, "sort_order": row.sort_order}


def save_category(session: Session, actor: str, data: CategoryInput,
                  category_id: int | None = None) -> FeeCategory:
    """Add a fee-table row, or change one (flushes, audits). Raises FeeTableError."""
    data = _checked(data)
    clash = session.scalar(select(FeeCategory).where(
        FeeCategory.code == data.code, FeeCategory.effective_from == data.effective_from))
    if clash is not None and clash.id != category_id:
        raise FeeTableError(N_("同じ区分で同じ開始日の行がすでにあります。"))
    row = session.get(FeeCategory, category_id) if category_id is not None else None
    before = _snapshot(row) if row is not None else None
    if row is None:
        if category_id is not None:
            raise FeeTableError(N_("その行は見つかりません。"))
        row = FeeCategory()
        session.add(row)
    for name, value in vars(data).items():
        setattr(row, name, value)
    session.flush()
    audit.record(session, actor, "fees.category_saved", f"fee_category:{row.id}",
                 before=before, after=_snapshot(row))
    return row


def seed_default_table(session: Session) -> int:
    """Add the default categories that are missing (idempotent, flushes); how many were added."""
    added = 0
    for data in DEFAULT_TABLE:
        exists = session.scalar(select(FeeCategory.id).where(FeeCategory.code == data.code))
        if exists is None:
            session.add(FeeCategory(**vars(data)))
            added += 1
    session.flush()
    return added
