"""Counters that grow with the store 64-bit on PostgreSQL: events.gseq, seq
and base_seq, incidents.last_seq and last_gseq, deliveries.id and digest,
delivery_sender.cursor (and the sequence behind deliveries.id).

Revision ID: 0008
Revises: 0007
Schema version 8 (PRAGMA user_version).  Nothing changes in SQLite, whose
INTEGER is 64-bit already.  On PostgreSQL each table is rewritten under a
lock while it is widened: old servers keep working on the result (their
numbers fit), so replicas can be upgraded one at a time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

COLUMNS = {
    "events": ("gseq", "seq", "base_seq"),
    "incidents": ("last_seq", "last_gseq"),
    "deliveries": ("id", "digest"),
    "delivery_sender": ("cursor",),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, columns in COLUMNS.items():
        for column in columns:
            op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer())
    for table, column in (("events", "gseq"), ("deliveries", "id")):
        op.execute(
            f"DO $$ BEGIN IF pg_get_serial_sequence('{table}', '{column}') IS NOT NULL THEN"
            f" EXECUTE 'ALTER SEQUENCE ' || pg_get_serial_sequence('{table}', '{column}')"
            " || ' AS bigint'; END IF; END $$"
        )


def downgrade() -> None:
    pass  # narrowing could lose numbers; 64-bit columns serve the older schema as well
