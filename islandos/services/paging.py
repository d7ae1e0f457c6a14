"""One page of a listing: its rows, its number and how many there are in all."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

PAGE_SIZE = 50
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.size), 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page_of(session: Session, query: Select[T], number: int,
            size: int = PAGE_SIZE) -> tuple[list[T], Page]:
    """Page `number` (from 1; less counts as 1) of an ordered query, and the page with the
    total: two queries, a count and the page's rows. Reads only."""
    number = max(number, 1)
    counted: Select[Any] = select(func.count()).select_from(query.order_by(None).subquery())
    total = session.scalar(counted) or 0
    rows = list(session.scalars(query.offset((number - 1) * size).limit(size)))
    return rows, Page(number, total, size)
