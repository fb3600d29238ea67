"""Alembic's environment for the store's migrations.

Run by `warroom.store.schema` with an open SQLAlchemy connection, inside its
`BEGIN IMMEDIATE` transaction (`config.attributes["connection"]`).  For a
developer's `alembic revision --autogenerate`, `-x db=PATH` names a file.
"""

from __future__ import annotations

from pathlib import Path

from alembic import context

from warroom.store.schema import make_engine
from warroom.store.tables import metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    path = context.get_x_argument(as_dictionary=True).get("db")
    if not path:
        raise SystemExit("give the database file: alembic -x db=PATH ...")
    engine = make_engine(Path(path))
    try:
        with engine.begin() as conn:
            _run_on(conn)
    finally:
        engine.dispose()


def _run_on(connection: object) -> None:
    # render_as_batch: SQLite alters a table by copying it (Alembic's batch mode).
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():  # inside the caller's transaction: no new one
        context.run_migrations()


run()
