"""The engine and transactions.

SQLite: WAL, ``synchronous=FULL``, foreign keys, a busy timeout, and every transaction opened with
``BEGIN IMMEDIATE`` so a read-then-write can never deadlock with another writer (mail-rules E.6).
PostgreSQL: the same code; work is claimed with ``FOR UPDATE SKIP LOCKED``
(:mod:`mailagent.store.claims`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

READONLY = "mailagent_readonly"


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with mailagent's SQLite discipline; creates a SQLite file's folder."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        # Fail fast instead of hanging when the server is away or a lock is held too long.
        connect_args={"connect_timeout": 10, "options": "-c lock_timeout=30000"},
    )


def insert_for(dialect: str) -> Any:
    """The dialect's INSERT (with ``on_conflict_do_nothing``), imported when first needed:
    PostgreSQL's dialect module costs a SQLite worker 20 ms of start-up for nothing."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the driver so that _sqlite_begin decides how transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        # FULL: a commit survives power loss, so mail marked on the server after it is never
        # lost and mail sent after it never goes out twice (mail-rules E.2).
        "synchronous=FULL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # Readers (the CLI's listings) must not take the write lock the worker needs.
    readonly = conn.get_execution_options().get(READONLY, False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine | sa.Connection, readonly: bool = False) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back if it raises.

    ``readonly`` opens a plain (deferred) transaction on SQLite, which never blocks the worker.
    """
    if isinstance(engine, sa.Connection):
        if not engine.in_transaction() and readonly:
            # A held connection's transactions write: a read goes through the pool instead.
            engine = engine.engine
        else:
            # A dry run's one connection: each unit of work is a savepoint inside its
            # transaction. A connection held for a batch (see :func:`held`) is in none: the
            # session begins one on it and commits it.
            with (
                Session(
                    engine, expire_on_commit=False, join_transaction_mode="create_savepoint"
                ) as session,
                session.begin(),
            ):
                yield session
            return
    bind = engine.execution_options(**{READONLY: True}) if readonly else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def core_transaction(engine: Engine | sa.Connection) -> Iterator[sa.Connection]:
    """A transaction for Core statements only: commits when the block ends, rolls back if it
    raises. The ORM's session and its bookkeeping are skipped: on the send path they cost more
    than the statements."""
    if isinstance(engine, sa.Connection):
        # A dry run's savepoint, as in :func:`transaction`, or a transaction on a held one.
        with engine.begin_nested() if engine.in_transaction() else engine.begin():
            yield engine
        return
    with engine.begin() as conn:
        yield conn


@contextmanager
def held(engine: Engine | sa.Connection) -> Iterator[Engine]:
    """One connection for a run of short transactions (a batch of mail), to pass where the
    engine goes: checking a connection out of the pool and back in costs more than a small
    transaction's statement (about 45 us of 120 in a session on SQLite). A dry run's
    connection passes as it is. Not for sharing between threads."""
    if isinstance(engine, sa.Connection):
        yield cast(Engine, engine)
        return
    with engine.connect() as conn:
        # Typed as the engine, as the dry run's: every transaction helper here takes either.
        yield cast(Engine, conn)


@contextmanager
def grouped(engine: Engine | sa.Connection) -> Iterator[None]:
    """Commit the units of work run in the block together, each still a savepoint of its
    own: a unit that fails is undone alone, and one commit (SQLite's fsync) serves them all.

    Only on a connection held for a batch (see :func:`held`), and only where the database
    takes one writer at a time anyway: on SQLite the block holds the write lock no longer
    than its units would one after the other. On PostgreSQL each unit keeps its own commit,
    since row locks held across units of several workers could deadlock. Units whose effect
    must be durable before the next step (a try counted before its handling) do not belong
    in the block. A crash or a failed commit undoes every unit of the block.
    """
    if (
        not isinstance(engine, sa.Connection)
        or engine.in_transaction()
        or engine.dialect.name != "sqlite"
    ):
        yield
        return
    with engine.begin():
        yield


def write(
    engine: Engine | sa.Connection, statement: sa.Executable, params: dict[str, Any] | None = None
) -> None:
    """Run one Core statement (an UPDATE of known rows), with its ``params``, as a transaction
    of its own."""
    with core_transaction(engine) as conn:
        conn.execute(statement, params)
