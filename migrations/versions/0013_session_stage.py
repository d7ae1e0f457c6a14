"""session stage: a CHECK constraint on admin_sessions.stage

Revision ID: 0013_session_stage
Revises: 0012_fees_staff

The values are written out here (the schema as it was at this revision). On SQLite the
table is rebuilt in batch mode; env.py runs migrations there with foreign keys off and
checks them afterwards.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013_session_stage"
down_revision: str | None = "0012_fees_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = ("totp", "setup", "full")


def upgrade() -> None:
    listed = ", ".join(f"'{stage}'" for stage in STAGES)
    with op.batch_alter_table("admin_sessions") as batch:
        batch.create_check_constraint("stage", f"stage IN ({listed})")


def downgrade() -> None:
    with op.batch_alter_table("admin_sessions") as batch:
        batch.drop_constraint(op.f("ck_admin_sessions_stage"), type_="check")
