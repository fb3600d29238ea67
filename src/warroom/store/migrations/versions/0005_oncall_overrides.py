"""On-call overrides recorded in the store (`warroom oncall override`).

Revision ID: 0005
Revises: 0004
Schema version 5 (PRAGMA user_version).  A new table; removed overrides stay,
marked `removed_at`.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "oncall_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(), nullable=False),
        sa.Column("person", sa.String(), nullable=False),
        sa.Column("starts_at", sa.String(), nullable=False),
        sa.Column("ends_at", sa.String(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("removed_by", sa.String(), nullable=True),
        sa.Column("removed_at", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("oncall_overrides_schedule", "oncall_overrides", ["schedule", "ends_at"])


def downgrade() -> None:
    op.drop_index("oncall_overrides_schedule", table_name="oncall_overrides")
    op.drop_table("oncall_overrides")
