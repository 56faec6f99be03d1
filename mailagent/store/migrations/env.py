"""Alembic environment: run by :func:`mailagent.store.migrate.upgrade` with a live connection."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import mailagent.store.tables  # noqa: F401 - registers the tables on SQLModel.metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - mailagent always passes its own connection
    raise RuntimeError("run migrations through `mailagent db upgrade`")

context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
