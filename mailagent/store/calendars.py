"""Calendars that could not be read (:class:`CalendarOutage`): one row per manager while the
outage lasts, so it is logged once, and shown until the calendar answers again."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from mailagent.store.tables import CalendarOutage


def note_outage(session: Session, manager: str, error: str, now: datetime) -> bool:
    """Record a failed read; True when this starts an outage (the caller logs it)."""
    row = session.get(CalendarOutage, manager)
    if row is None:
        session.add(CalendarOutage(manager=manager, since=now, checked_at=now, error=error[:500]))
        return True
    row.checked_at, row.error, row.failures = now, error[:500], row.failures + 1
    session.add(row)
    return False


def outage_of(session: Session, manager: str) -> CalendarOutage | None:
    return session.get(CalendarOutage, manager)


def end_outage(session: Session, manager: str) -> CalendarOutage | None:
    """Forget the manager's outage after a good read; the row that ended it, if any."""
    row = session.get(CalendarOutage, manager)
    if row is not None:
        session.delete(row)
    return row


def outages(session: Session) -> list[CalendarOutage]:
    """The outages going on, oldest first."""
    return list(session.exec(select(CalendarOutage).order_by(col(CalendarOutage.since))))
