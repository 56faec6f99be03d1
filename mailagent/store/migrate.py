"""Migrations (alembic, ``mailagent/store/migrations``): applied on start and by
``mailagent db upgrade``; concurrent upgrades on PostgreSQL are serialised by an advisory lock.

Alembic is imported only when there is something to do: a database already at :data:`HEAD`
is recognised with one SELECT, so a start-up against a current schema costs no alembic import
(a third of a second). A test keeps :data:`HEAD` equal to the newest migration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

#: The newest migration's revision (``versions/0008_offered_times.py``).
HEAD = "0010"

_PG_MIGRATION_LOCK = 0x6D61696C  # "mail": serialises concurrent `db upgrade` on PostgreSQL


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "mailagent.store:migrations")
    return cfg


def upgrade(engine: Engine) -> str | None:
    """Apply every pending migration; returns the revision now current."""
    if _stamped(engine) == HEAD:
        return HEAD
    from alembic import command

    cfg = _alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return current_revision(engine)


def _stamped(engine: Engine) -> str | None:
    """The revision recorded in ``alembic_version``, or None (no table yet, or not one row)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    return rows[0][0] if len(rows) == 1 else None


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()
