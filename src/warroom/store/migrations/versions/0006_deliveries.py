"""Outbound deliveries: pages and notifications, the routes' health, the sender's lease.

Revision ID: 0006
Revises: 0005
Schema version 6 (PRAGMA user_version).  New tables only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_PENDING = "state = 'pending'"


def upgrade() -> None:
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("incident_id", sa.String(), nullable=False),
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.String(), nullable=False),
        sa.Column("event", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("next_try", sa.String(), nullable=False),
        sa.Column("sent_at", sa.String(), nullable=True),
        sa.Column("lease_owner", sa.String(), nullable=True),
        sa.Column("lease_until", sa.String(), nullable=True),
        sa.Column("digest", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("event_id", "route", "target"),
    )
    op.create_index(
        "deliveries_due",
        "deliveries",
        ["kind", "next_try"],
        sqlite_where=sa.text(_PENDING),
        postgresql_where=sa.text(_PENDING),
    )
    op.create_index("deliveries_sent", "deliveries", ["route", "target", "sent_at"])
    op.create_index("deliveries_state", "deliveries", ["state"])
    op.create_table(
        "delivery_routes",
        sa.Column("route", sa.String(), nullable=False),
        sa.Column("failing_since", sa.String(), nullable=True),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("route"),
    )
    op.create_table(
        "delivery_sender",
        sa.Column("only", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("lease_until", sa.String(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("only"),
    )


def downgrade() -> None:
    op.drop_table("delivery_sender")
    op.drop_table("delivery_routes")
    op.drop_index("deliveries_state", table_name="deliveries")
    op.drop_index("deliveries_sent", table_name="deliveries")
    op.drop_index("deliveries_due", table_name="deliveries")
    op.drop_table("deliveries")
