"""The rows the reports read: the remarks behind ``mailagent insights`` and the stories
behind ``mailagent stats``, for a period. The grouping and the arithmetic are pure
(:mod:`mailagent.core.insights`, :mod:`mailagent.core.stats`); this only reads.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mailagent.core.insights import Remark
from mailagent.core.stats import TRACKED, Story
from mailagent.store.tables import Assignment, Event, Thread


def collect_remarks(
    session: Session, since: datetime | None, until: datetime | None
) -> list[Remark]:
    """The give_back answers and feedback of threads updated in [since, until)."""
    stmt = select(Thread)
    if since is not None:
        stmt = stmt.where(col(Thread.updated_at) >= since)
    if until is not None:
        stmt = stmt.where(col(Thread.updated_at) < until)
    remarks = []
    for thread in session.exec(stmt.order_by(col(Thread.id))).all():
        assert thread.id is not None
        if thread.answers.get("give_back"):
            remarks.append(
                Remark(thread.id, thread.updated_at, "give_back", thread.answers["give_back"])
            )
        if thread.feedback:
            remarks.append(Remark(thread.id, thread.updated_at, "feedback", thread.feedback))
    return remarks


def collect_stories(
    session: Session, since: datetime | None, until: datetime | None
) -> tuple[list[Story], list[tuple[str, str]]]:
    """Stories and assignments of the threads created in [since, until)."""
    stmt = select(Thread)
    if since is not None:
        stmt = stmt.where(col(Thread.created_at) >= since)
    if until is not None:
        stmt = stmt.where(col(Thread.created_at) < until)
    threads = {t.id: t for t in session.exec(stmt).all() if t.id is not None}
    if not threads:
        return [], []
    firsts: dict[int, dict[str, datetime]] = defaultdict(dict)
    rows = session.exec(
        select(Event.thread_id, Event.what, sa.func.min(Event.at))
        .where(col(Event.thread_id).in_(threads), col(Event.what).in_(TRACKED))
        .group_by(col(Event.thread_id), col(Event.what))
    ).all()
    for thread_id, what, at in rows:
        firsts[thread_id][what] = at
    stories = [
        Story(tid, t.created_at, t.state, firsts.get(tid, {}), t.manager_name)
        for tid, t in threads.items()
    ]
    assignments = [
        (name, status)
        for name, status in session.exec(
            select(Assignment.manager_name, Assignment.status).where(
                col(Assignment.thread_id).in_(threads)
            )
        ).all()
    ]
    return stories, assignments
