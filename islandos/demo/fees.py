"""The demo island's entry contribution: the fee table (adult, child, four exempt categories).

Idempotent: a category is added only when its code is missing.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from islandos.services.fees.table import seed_default_table


def seed_fees(session: Session) -> list[str]:
    added = seed_default_table(session)
    return [f"fee table: {added} categories added"] if added else []
