"""The server's access tokens become part of the schema.

Revision ID: 0002
Revises: 0001
Schema version 2 (PRAGMA user_version).  Before, `warroom token` and the
server made the table on first use, with its own DDL: a file that has it gets
the table as defined now, with its rows copied over (same ids).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ACTIVE = sa.text("revoked_at IS NULL")


def upgrade() -> None:
    made_before = sa.inspect(op.get_bind()).has_table("tokens")
    if made_before:  # TEXT columns, a nullable id: copied into the table as defined now
        op.execute("DROP INDEX IF EXISTS tokens_active_name")
        op.rename_table("tokens", "tokens_before_0002")
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("created_at", sa.String(), nullable=False),
        sa.Column("revoked_at", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index(
        "tokens_active_name",
        "tokens",
        ["name"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    if made_before:
        columns = "id, name, role, hash, created_at, revoked_at"
        op.execute(f"INSERT INTO tokens ({columns}) SELECT {columns} FROM tokens_before_0002")
        op.drop_table("tokens_before_0002")


def downgrade() -> None:
    op.drop_table("tokens")
