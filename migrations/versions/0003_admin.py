"""admin: admin accounts, LINE link codes

Revision ID: 0003_admin
Revises: 0002_registration
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import islandos.db

revision: str = "0003_admin"
down_revision: str | None = "0002_registration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "admin_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_enabled", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", islandos.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", islandos.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("line_person_id", sa.Integer(), nullable=True),
        sa.Column("created_at", islandos.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["line_person_id"], ["people.id"],
                                name=op.f("fk_admin_users_line_person_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_users")),
        sa.UniqueConstraint("line_person_id", name=op.f("uq_admin_users_line_person_id")),
        sa.UniqueConstraint("username", name=op.f("uq_admin_users_username")),
    )
    op.create_table(
        "admin_line_link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", islandos.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", islandos.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", islandos.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["admin_id"], ["admin_users.id"],
                                name=op.f("fk_admin_line_link_codes_admin_id_admin_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_admin_line_link_codes")),
    )
    with op.batch_alter_table("admin_line_link_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_line_link_codes_admin_id"), ["admin_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_admin_line_link_codes_code_hash"), ["code_hash"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("admin_line_link_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_line_link_codes_code_hash"))
        batch_op.drop_index(batch_op.f("ix_admin_line_link_codes_admin_id"))
    op.drop_table("admin_line_link_codes")
    op.drop_table("admin_users")
