"""Claiming due work (outbox rows, jobs) so two workers never take the same row, and
giving back what a dead worker held.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from mailagent.store.tables import (
    PENDING,
    RUNNING,
    SENDING,
    Job,
    Outbox,
)


def _claim(
    session: Session,
    table: type[Outbox] | type[Job],
    due_at: Any,
    claimed: str,
    now: datetime,
    limit: int,
) -> list[int]:
    """Move up to ``limit`` due ``pending`` rows of ``table`` to ``claimed``; return their ids.

    One UPDATE ... RETURNING over a SKIP LOCKED sub-select, so two workers never claim one row
    (SQLAlchemy drops FOR UPDATE on SQLite, where BEGIN IMMEDIATE serialises writers instead).
    The claim time is recorded and the attempt counted before any work starts.
    """
    row_id = col(table.id)
    due = (
        sa.select(row_id)
        .where(col(table.status) == PENDING, due_at <= now)
        .order_by(due_at, row_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(table)
        .where(row_id.in_(due.scalar_subquery()))
        .values(status=claimed, claimed_at=now, attempts=col(table.attempts) + 1)
        .returning(row_id)
    )
    return sorted(int(i) for i in session.execute(stmt).scalars().all() if i is not None)


def claim_outbox(session: Session, now: datetime, limit: int) -> list[int]:
    """Claim due pending outbox rows: they become ``sending``."""
    return _claim(session, Outbox, col(Outbox.next_attempt_at), SENDING, now, limit)


def claim_jobs(session: Session, now: datetime, limit: int) -> list[int]:
    """Claim due pending jobs: they become ``running``."""
    return _claim(session, Job, col(Job.due_at), RUNNING, now, limit)


def release_stale_jobs(session: Session, claimed_before: datetime, max_attempts: int) -> None:
    """Jobs left ``running`` by a worker that died: back to ``pending``, or ``failed`` when they
    have used up their tries (a job that kills its worker must not do so forever)."""
    stale = (col(Job.status) == RUNNING) & (col(Job.claimed_at) < claimed_before)
    session.execute(
        sa.update(Job).where(stale & (col(Job.attempts) >= max_attempts)).values(status="failed")
    )
    session.execute(sa.update(Job).where(stale).values(status=PENDING))
