"""Threads and what hangs on them: lookups by reply token, Message-ID and the guest's
address; their messages, events, jobs and manager assignments.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from mailagent.core.states import OPEN_STATES
from mailagent.store.outbox import note_new_thread
from mailagent.store.tables import (
    ASKED,
    Assignment,
    Event,
    Job,
    Message,
    Thread,
)


def thread_by_token(session: Session, token: str) -> Thread | None:
    return session.exec(select(Thread).where(Thread.token == token)).first()


def threads_by_message_ids(session: Session, message_ids: Sequence[str]) -> dict[str, int]:
    """Message-ID -> thread id for the ids we know (ours or the guests')."""
    if not message_ids:
        return {}
    stmt = select(Message.message_id, Message.thread_id).where(
        col(Message.message_id).in_(list(message_ids)), col(Message.thread_id).is_not(None)
    )
    return {mid: tid for mid, tid in session.exec(stmt).all() if tid is not None}


def thread_by_meeting_uid(session: Session, mailbox: str, uid: str) -> int | None:
    """The thread of ``mailbox`` whose meeting has calendar UID ``uid`` (a calendar's reply
    names only it)."""
    if not uid:
        return None
    stmt = select(Thread.id).where(Thread.meeting_uid == uid, Thread.mailbox == mailbox)
    return session.exec(stmt.limit(1)).first()


def open_threads_for(session: Session, mailbox: str, email: str) -> list[int]:
    rows = session.execute(_open_threads_query(), {"mailbox": mailbox, "key": email.lower()})
    return [int(i) for i in rows.scalars().all() if i is not None]


@cache
def _open_threads_query() -> sa.Select[Any]:
    return sa.select(col(Thread.id)).where(
        col(Thread.mailbox) == sa.bindparam("mailbox"),
        col(Thread.guest_key) == sa.bindparam("key"),
        col(Thread.state).in_(OPEN_STATES),
    )


def thread_messages(session: Session, thread_id: int) -> list[Message]:
    stmt = select(Message).where(Message.thread_id == thread_id).order_by(col(Message.id))
    return list(session.exec(stmt).all())


def list_threads(
    session: Session,
    state: str | None = None,
    guest: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    manager: str | None = None,
) -> list[Thread]:
    """Threads, oldest first; ``guest`` and ``manager`` match part of an address or name, the
    dates bound when the thread was created."""
    stmt = select(Thread).order_by(col(Thread.id))
    if manager:
        wanted = f"%{manager.lower()}%"
        stmt = stmt.where(
            sa.func.lower(Thread.manager_email).like(wanted)
            | sa.func.lower(Thread.manager_name).like(wanted)
        )
    if state:
        stmt = stmt.where(Thread.state == state)
    if guest:
        pattern = f"%{guest.lower()}%"
        stmt = stmt.where(
            sa.func.lower(Thread.guest_email).like(pattern)
            | sa.func.lower(Thread.guest_name).like(pattern)
        )
    if since:
        stmt = stmt.where(Thread.created_at >= since)
    if until:
        stmt = stmt.where(Thread.created_at < until)
    return list(session.exec(stmt).all())


def thread_events(session: Session, thread_id: int) -> list[Event]:
    stmt = select(Event).where(Event.thread_id == thread_id).order_by(col(Event.id))
    return list(session.exec(stmt).all())


def thread_jobs(session: Session, thread_id: int) -> list[Job]:
    stmt = select(Job).where(Job.thread_id == thread_id).order_by(col(Job.due_at), col(Job.id))
    return list(session.exec(stmt).all())


def last_mail_to(session: Session, thread_id: int, address: str) -> str:
    """The Message-ID of the last mail written to ``address`` in the thread, or ""."""
    stmt = (
        select(Message.message_id)
        .where(
            Message.thread_id == thread_id,
            Message.direction == "out",
            sa.func.lower(Message.to_addr) == address.lower(),
        )
        .order_by(col(Message.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first() or ""


def last_mail_raw(session: Session, thread_id: int, address: str) -> bytes:
    """The bytes of the last mail written to ``address`` in the thread, or b"" (also once
    retention has blanked them)."""
    stmt = (
        select(Message.raw)
        .where(
            Message.thread_id == thread_id,
            Message.direction == "out",
            sa.func.lower(Message.to_addr) == address.lower(),
        )
        .order_by(col(Message.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first() or b""


def end_assignments(session: Session, thread_id: int, status: str) -> None:
    """Close the thread's open assignment (a manager still asked) with ``status``."""
    session.execute(
        sa.update(Assignment)
        .where(col(Assignment.thread_id) == thread_id, col(Assignment.status) == ASKED)
        .values(status=status)
    )


def thread_assignments(session: Session, thread_id: int) -> list[Assignment]:
    stmt = select(Assignment).where(Assignment.thread_id == thread_id).order_by(col(Assignment.id))
    return list(session.exec(stmt).all())


def add_thread(session: Session, thread: Thread) -> Thread:
    """Write a new ``thread`` with one Core INSERT and return it persistent in ``session``,
    its id set.

    The same row as ``session.add`` plus a flush, without the unit of work's bookkeeping for
    it (a flush was the largest single SQLAlchemy cost in a request's profile). Later changes
    to the object are written as UPDATEs by the session, as for any loaded row.
    """
    values = {
        column.key: getattr(thread, column.key)
        for column in Thread.__table__.columns  # type: ignore[attr-defined]
        if column.key != "id"
    }
    thread.id = session.connection().execute(_insert_thread(), values).scalar_one()
    note_new_thread(session, thread.id)
    make_transient_to_detached(thread)
    session.add(thread)
    return thread


@cache
def _insert_thread() -> sa.Insert:
    return sa.insert(Thread).returning(col(Thread.id))
