"""Outgoing mail as the ledger: sequence numbers per thread and kind, a thread's mail,
the row a bounce returns (by VERP address or Message-ID), and the counts the breaker and status
need.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mailagent.store.tables import (
    PENDING,
    Message,
    Outbox,
)

# ``session.info`` key: for each thread the session inserted, the last seq it used per kind.
_NEW_THREADS = "mailagent.new_threads"


def note_new_thread(session: Session, thread_id: int) -> None:
    """``thread_id`` was inserted by ``session``: it has no mail but what ``session`` writes."""
    session.info.setdefault(_NEW_THREADS, {})[thread_id] = {}


def next_outbox_seq(session: Session, thread_id: int | None, kind: str) -> int:
    """The next sequence number of ``kind`` in the thread (or among mail of no thread).

    For a thread this session inserted (see :func:`note_new_thread`), counted without a query:
    most requests open one and write its first mail at once."""
    used: dict[str, int] | None = session.info.get(_NEW_THREADS, {}).get(thread_id)
    if used is not None:
        used[kind] = used.get(kind, 0) + 1
        return used[kind]
    if thread_id is None:
        same = col(Outbox.thread_id).is_(None)
        stmt = sa.select(sa.func.max(Outbox.seq)).where(same, col(Outbox.kind) == kind)
        return int(session.execute(stmt).scalar_one() or 0) + 1
    found = session.execute(_seq_query(), {"thread_id": thread_id, "kind": kind}).scalar_one()
    return int(found or 0) + 1


@cache
def _seq_query() -> sa.Select[Any]:
    return sa.select(sa.func.max(Outbox.seq)).where(
        col(Outbox.thread_id) == sa.bindparam("thread_id"),
        col(Outbox.kind) == sa.bindparam("kind"),
    )


def thread_outbox(session: Session, thread_id: int) -> list[Outbox]:
    return list(session.execute(_thread_outbox_query(), {"thread_id": thread_id}).scalars())


@cache
def _thread_outbox_query() -> sa.Select[Any]:
    return (
        sa.select(Outbox)
        .where(col(Outbox.thread_id) == sa.bindparam("thread_id"))
        .order_by(col(Outbox.id))
    )


def sent_since(session: Session, since: datetime) -> int:
    stmt = (
        select(sa.func.count())
        .select_from(Outbox)
        .where(
            col(Outbox.sent_at).is_not(None),
            Outbox.sent_at >= since,  # type: ignore[operator]
        )
    )
    return int(session.exec(stmt).one())


def outbox_by_envelope(session: Session, envelope_from: str) -> Outbox | None:
    stmt = select(Outbox).where(sa.func.lower(Outbox.envelope_from) == envelope_from.lower())
    return session.exec(stmt).first()


def outbox_by_message_id(session: Session, message_id: str) -> Outbox | None:
    stmt = (
        select(Outbox)
        .join(Message, col(Message.id) == Outbox.message_id)
        .where(Message.direction == "out", Message.message_id == message_id)
    )
    return session.exec(stmt).first()


def count_due(session: Session, now: datetime) -> int:
    stmt = (
        select(sa.func.count())
        .select_from(Outbox)
        .where(Outbox.status == PENDING, Outbox.next_attempt_at <= now)
    )
    return int(session.exec(stmt).one())


def uncertain_rows(session: Session, limit: int) -> list[tuple[int, str]]:
    """(outbox id, Message-ID) of rows whose delivery is uncertain, oldest first."""
    stmt = (
        select(Outbox.id, Message.message_id)
        .join(Message, col(Message.id) == Outbox.message_id)
        .where(Outbox.status == "uncertain")
        .order_by(col(Outbox.id))
        .limit(limit)
    )
    return [(i, mid) for i, mid in session.exec(stmt).all() if i is not None]
