"""vocabulary: CHECK constraints on roles, statuses, priorities and audience kinds

Revision ID: 0006_vocabulary
Revises: 0005_leases

The values are written out here, not taken from the models' enums: a migration describes
the schema as it was at this revision. Adding a member to an enum later needs a migration
that widens its constraint. On SQLite each table is rebuilt (batch mode); env.py runs
migrations there with foreign keys off, so the rebuild's DROP TABLE deletes or unlinks
nothing in the tables that point at it, and checks them afterwards.
"""

from collections.abc import Sequence
from typing import Any

from alembic import op
from sqlalchemy import ColumnClause, Connection, column, func, select, table

revision: str = "0006_vocabulary"
down_revision: str | None = "0005_leases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VOCABULARIES: dict[str, dict[str, tuple[str | int, ...]]] = {
    "admin_users": {"role": ("admin", "editor", "viewer")},
    "islander_requests": {"status": ("pending", "approved", "refused")},
    "jobs": {"status": ("pending", "running", "done", "failed", "cancelled")},
    "notices": {
        "audience_kind": ("everyone", "islanders", "districts", "tourists", "family"),
        "priority": ("normal", "important", "emergency"),
        "status": ("draft", "scheduled", "sending", "sent", "withdrawn", "cancelled", "expired"),
    },
    "outbox_messages": {
        "priority": (0, 5, 10),
        "status": ("pending", "sending", "accepted", "failed", "unknown", "dropped"),
    },
    "people": {
        "role": ("unknown", "islander", "tourist", "family"),
        "status": ("active", "unfollowed", "deleted"),
    },
    "webhook_events": {"reply_state": ("none", "pending", "sent", "pushed", "unknown")},
}


def _condition(name: str, values: tuple[str | int, ...]) -> str:
    listed = ", ".join(str(v) if isinstance(v, int) else f"'{v}'" for v in values)
    return f"{name} IN ({listed})"


def _refuse_unknown_values(connection: Connection) -> None:
    """Name every value outside its vocabulary, rather than fail on the first constraint."""
    problems = []
    for table_name, columns in VOCABULARIES.items():
        for name, values in columns.items():
            col: ColumnClause[Any] = column(name)
            found = connection.execute(
                select(col, func.count()).select_from(table(table_name, col))
                .where(col.not_in(values)).group_by(col)).all()
            problems += [f"{table_name}.{name} = {value!r} ({count} rows)"
                         for value, count in found]
    if problems:
        raise RuntimeError("values outside their vocabulary; correct them, then migrate again: "
                           + "; ".join(problems))


def _foreign_keys_off_on_sqlite(connection: Connection) -> None:
    if connection.dialect.name == "sqlite" and \
            connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("rebuilding tables on SQLite needs foreign keys off (see "
                           "migrations/env.py), or ON DELETE CASCADE deletes their rows")


def upgrade() -> None:
    connection = op.get_bind()
    _foreign_keys_off_on_sqlite(connection)
    _refuse_unknown_values(connection)
    for table_name, columns in VOCABULARIES.items():
        with op.batch_alter_table(table_name) as batch_op:
            for name, values in columns.items():
                batch_op.create_check_constraint(op.f(f"ck_{table_name}_{name}"),
                                                 _condition(name, values))


def downgrade() -> None:
    _foreign_keys_off_on_sqlite(op.get_bind())
    for table_name, columns in VOCABULARIES.items():
        with op.batch_alter_table(table_name) as batch_op:
            for name in columns:
                batch_op.drop_constraint(op.f(f"ck_{table_name}_{name}"), type_="check")
