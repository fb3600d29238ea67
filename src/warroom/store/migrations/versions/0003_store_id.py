"""Every store gets a random id, in a one-row table touched by every write.

Revision ID: 0003
Revises: 0002
Schema version 3 (PRAGMA user_version).  Every write transaction updates the
row, so every WAL file carries its store's id: a WAL of another store, put
next to this file, is refused at open (`warroom.store.guard`).  A new file
makes this table first (its page is page 2 in every store); an upgraded file
gets it at a later page, and its id here.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_id",
        sa.Column("only", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("touched", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("only"),
    )
    op.execute(
        sa.text('INSERT INTO store_id ("only", id, touched) VALUES (1, :id, 0)').bindparams(
            id=uuid.uuid4().hex
        )
    )


def downgrade() -> None:
    op.drop_table("store_id")
