"""Migrations (alembic, ``mailagent/store/migrations``): applied on start and by
``mailagent db upgrade``; concurrent upgrades on PostgreSQL are serialised by an advisory lock.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

_PG_MIGRATION_LOCK = 0x6D61696C  # "mail": serialises concurrent `db upgrade` on PostgreSQL


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "mailagent.store:migrations")
    return cfg


def upgrade(engine: Engine) -> str | None:
    """Apply every pending migration; returns the revision now current."""
    cfg = _alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()
