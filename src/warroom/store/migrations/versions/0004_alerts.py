"""Alerts: their instances, the incident of each alert group, the throttle buckets.

Revision ID: 0004
Revises: 0003
Schema version 4 (PRAGMA user_version).  New tables only: a file of 0003
keeps every row as it was.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("starts_at", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("group_key", sa.String(), nullable=False),
        sa.Column("first_seen", sa.String(), nullable=False),
        sa.Column("last_seen", sa.String(), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("ends_at", sa.String(), nullable=True),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("labels", sa.String(), nullable=False),
        sa.Column("annotations", sa.String(), nullable=False),
        sa.Column("links", sa.String(), nullable=False),
        sa.Column("incident_id", sa.String(), nullable=True),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("extra", sa.String(), nullable=False),
        sa.Column("decided_severity", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "key", "starts_at"),
    )
    op.create_index("alerts_state_status", "alerts", ["state", "status"])
    op.create_index("alerts_group", "alerts", ["group_key"])
    op.create_index("alerts_incident", "alerts", ["incident_id"])
    op.create_index("alerts_ends_at", "alerts", ["ends_at"])
    op.create_table(
        "alert_groups",
        sa.Column("group_key", sa.String(), nullable=False),
        sa.Column("incident_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("group_key"),
    )
    op.create_table(
        "alert_buckets",
        sa.Column("group_key", sa.String(), nullable=False),
        sa.Column("minute", sa.String(), nullable=False),
        sa.Column("incident_id", sa.String(), nullable=True),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("hidden_fired", sa.Integer(), nullable=False),
        sa.Column("hidden_resolved", sa.Integer(), nullable=False),
        sa.Column("summarized", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("group_key", "minute"),
    )


def downgrade() -> None:
    op.drop_table("alert_buckets")
    op.drop_table("alert_groups")
    op.drop_index("alerts_ends_at", "alerts")
    op.drop_index("alerts_incident", "alerts")
    op.drop_index("alerts_group", "alerts")
    op.drop_index("alerts_state_status", "alerts")
    op.drop_table("alerts")
