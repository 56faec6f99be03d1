"""The times a mail offers a manager: free in their calendar when they have one configured,
else inside their office hours (as before calendars existed).

A calendar that cannot be read never stops the mail: the office-hours times go out instead,
the mail says so, and the outage is logged once when it starts and once when it ends
(``calendar_outage`` rows, shown by ``check-config`` and the digest). During an outage the
calendar is tried again only every ``[calendars] retry_minutes``, so one that times out holds up
one brief, not each.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session

from mailagent.core.availability import read_availability
from mailagent.core.free_time import Busy, Lookup, free_slots, lookup_window
from mailagent.core.managers import Manager
from mailagent.service.runtime import Runtime
from mailagent.store.calendars import end_outage, note_outage, outage_of
from mailagent.store.tables import (
    OFFERED_FROM_CALENDAR,
    OFFERED_FROM_FALLBACK,
    OFFERED_FROM_HOURS,
    Thread,
)
from mailagent.transports.calendars import CalendarError, read_busy

log = logging.getLogger(__name__)


def offer_times(
    rt: Runtime, session: Session, manager: Manager, thread: Thread, now: datetime
) -> tuple[tuple[datetime, ...], str]:
    """The times to offer ``manager`` on ``thread`` and where they came from
    (``OFFERED_FROM_*``)."""
    if manager.calendar is None:
        return manager.suggested_times(now), OFFERED_FROM_HOURS
    lookup = lookup_window(manager, now, rt.config.settings.calendars.days)
    busy = busy_or_none(rt, session, manager, lookup, now, f"thread {thread.id}")
    if busy is None:
        return manager.suggested_times(now), OFFERED_FROM_FALLBACK
    zone = thread.timezone or rt.config.settings.guest.timezone
    wanted = read_availability(thread.answers.get("availability", ""), zone)
    minutes = rt.config.settings.meetings.minutes
    return free_slots(manager, busy, lookup, minutes, wanted), OFFERED_FROM_CALENDAR


def busy_or_none(
    rt: Runtime, session: Session, manager: Manager, lookup: Lookup, now: datetime, about: str
) -> list[Busy] | None:
    """The manager's busy periods, or None when the calendar cannot be read (recorded)."""
    settings = rt.config.settings.calendars
    outage = outage_of(session, manager.name)
    if outage is not None and now - outage.checked_at < timedelta(minutes=settings.retry_minutes):
        log.debug("%s: calendar of %s still unreadable; not tried again yet", about, manager.name)
        return None
    try:
        busy = read_busy(manager, lookup, timeout=settings.timeout, max_bytes=settings.max_bytes)
    except CalendarError as exc:
        if note_outage(session, manager.name, str(exc), now):
            log.warning(
                "%s: calendar of %s cannot be read, offering office-hours times until it can: %s",
                about,
                manager.name,
                exc,
            )
        return None
    ended = end_outage(session, manager.name)
    if ended is not None:
        log.warning(
            "%s: calendar of %s can be read again (unreadable since %s, %d failed reads)",
            about,
            manager.name,
            ended.since.isoformat(timespec="minutes"),
            ended.failures,
        )
    return busy
