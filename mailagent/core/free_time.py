"""PURE: a manager's busy periods read from what their calendar returned, and the free times
to offer them.

Busy periods come from iCalendar (a CalDAV server's events or an ICS feed: recurrences expanded
with ``recurring-ical-events``, so a weekly meeting, an EXDATE and a moved or cancelled
occurrence count as the calendar shows them) or from Microsoft Graph's ``getSchedule``. An event
marked free (TRANSP:TRANSPARENT, Graph "free"/"workingElsewhere") or cancelled blocks nothing;
an all-day event blocks the manager's whole day in their zone, as a day off does.

:func:`free_slots` picks the offered times: inside office hours, clear of every busy period and
absence, from two working days on (as the times without a calendar), one a day at the earliest
free half hour, preferring times inside the guest's stated availability.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mailagent.core.availability import Availability
from mailagent.core.dates import add_working_days
from mailagent.core.managers import Manager

Busy = tuple[datetime, datetime]  # aware UTC, start < end
STEP = timedelta(minutes=30)
# More occurrences than this inside the looked-at weeks is no calendar a person keeps.
MAX_OCCURRENCES = 5000
_GRAPH_BUSY = frozenset({"busy", "tentative", "oof"})


class CalendarUnreadable(ValueError):
    """What a calendar returned cannot be read as one (the message says why)."""


def busy_from_ics(
    data: Iterable[bytes | str], start: datetime, end: datetime, timezone: str
) -> list[Busy]:
    """The busy periods between ``start`` and ``end`` in the iCalendar objects ``data``;
    floating times and all-day events are read in ``timezone`` (the manager's)."""
    import icalendar
    import recurring_ical_events

    zone = ZoneInfo(timezone)
    found: list[Busy] = []
    for chunk in data:
        text = chunk.decode("utf-8", "replace") if isinstance(chunk, bytes) else chunk
        try:
            calendars = icalendar.Calendar.from_ical(_near(text, start, end), multiple=True)
            _check_readable(calendars)
            occurrences = [
                event
                for cal in calendars
                for event in recurring_ical_events.of(cal, skip_bad_series=True).between(start, end)
            ]
        except CalendarUnreadable:
            raise
        except Exception as exc:
            raise CalendarUnreadable(f"not iCalendar: {type(exc).__name__}: {exc}"[:300]) from None
        if len(found) + len(occurrences) > MAX_OCCURRENCES:
            raise CalendarUnreadable(f"more than {MAX_OCCURRENCES} events in the weeks looked at")
        found.extend(b for b in (_event_busy(e, zone) for e in occurrences) if b)
    return merge(found)


_UNFOLD = re.compile(r"\r?\n[ \t]")
_EVENT = re.compile(r"^BEGIN:VEVENT\r?$.*?^END:VEVENT\r?$\n?", re.DOTALL | re.MULTILINE)
_WHEN = re.compile(r"^(DTSTART|DTEND)[;:][^\n]*?(\d{8})(?:T\d{6}Z?)?\r?$", re.MULTILINE)
_REPEATS = re.compile(r"^(?:RRULE|RDATE|RECURRENCE-ID|DURATION)[;:]", re.MULTILINE)


def _near(text: str, start: datetime, end: datetime) -> str:
    """``text`` without the single events that lie wholly outside ``start``..``end`` (a day of
    margin for zones): a feed of years of events is read in a fraction of the time, and a
    series, an override or an event whose end cannot be seen here is always kept."""
    text = _UNFOLD.sub("", text)
    low = (start - timedelta(days=1)).strftime("%Y%m%d")
    high = (end + timedelta(days=1)).strftime("%Y%m%d")

    def keep(block: re.Match[str]) -> str:
        event = block.group(0)
        if _REPEATS.search(event):
            return event
        when = dict((m.group(1), m.group(2)) for m in _WHEN.finditer(event))
        first, last = when.get("DTSTART"), when.get("DTEND")
        if first is None or last is None or (first <= high and last >= low):
            return event
        return ""

    return _EVENT.sub(keep, text)


# A broken one of these leaves the busy times unknown; other broken properties do not matter.
_TIMING = frozenset({"DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"})


def _check_readable(calendars: Sequence[Any]) -> None:
    if not calendars:
        raise CalendarUnreadable("no VCALENDAR in it")
    for component in (c for cal in calendars for c in cal.walk()):
        broken = [name for name, _ in component.errors if name.upper() in _TIMING]
        if broken:
            raise CalendarUnreadable(f"a {component.name} whose {broken[0]} cannot be read")


def _event_busy(event: Any, zone: ZoneInfo) -> Busy | None:
    if str(event.get("status", "")).upper() == "CANCELLED":
        return None
    if str(event.get("transp", "OPAQUE")).upper() == "TRANSPARENT":
        return None
    if event.get("dtstart") is None:
        return None
    first = _instant(event["dtstart"].dt, zone)
    if event.get("dtend") is not None:
        last = _instant(event["dtend"].dt, zone)
    elif event.get("duration") is not None:
        last = first + event["duration"].dt
    else:  # RFC 5545: a day without an end is one day, a time without an end is an instant
        day = not isinstance(event["dtstart"].dt, datetime)
        last = first + (timedelta(days=1) if day else timedelta(0))
    return (first, last) if last > first else None


def _instant(value: date | datetime, zone: ZoneInfo) -> datetime:
    if not isinstance(value, datetime):
        return datetime.combine(value, time(0), tzinfo=zone).astimezone(UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def busy_from_graph(payload: Mapping[str, Any]) -> list[Busy]:
    """The busy periods in a Graph ``getSchedule`` response (asked for in UTC)."""
    try:
        items = [item for entry in payload["value"] for item in entry.get("scheduleItems", [])]
        errors = [e["error"] for e in payload["value"] if e.get("error")]
        if errors and not items:
            error = errors[0]
            said = error.get("message", error) if isinstance(error, dict) else error
            raise CalendarUnreadable(f"getSchedule: {said}"[:300])
        found = [
            (_graph_time(item.get("start")), _graph_time(item.get("end")))
            for item in items
            if str(item.get("status", "")).lower() in _GRAPH_BUSY
        ]
    except (KeyError, TypeError, AttributeError):
        raise CalendarUnreadable("not a getSchedule response") from None
    return merge([b for b in found if b[1] > b[0]])


def _graph_time(value: Any) -> datetime:
    try:
        stamp = datetime.fromisoformat(value["dateTime"][:26])
        zone = ZoneInfo(value.get("timeZone") or "UTC")
    except (KeyError, TypeError, ValueError) as exc:
        raise CalendarUnreadable(f"getSchedule: a time cannot be read: {exc}"[:300]) from None
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=zone)).astimezone(UTC)


def merge(busy: Iterable[Busy]) -> list[Busy]:
    """Overlapping or touching periods joined, in order."""
    out: list[Busy] = []
    for first, last in sorted(busy):
        if out and first <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], last))
        else:
            out.append((first, last))
    return out


@dataclass(frozen=True)
class Lookup:
    """The stretch of time the offered times are chosen from."""

    start: datetime
    end: datetime


def lookup_window(manager: Manager, after: datetime, days: int) -> Lookup:
    """From the first day times may be offered (two working days on) for ``days`` days."""
    zone = ZoneInfo(manager.timezone)
    first = add_working_days(after, 2, manager.timezone).astimezone(zone).date()
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    # Counted in local days: across a change of clocks the window ends at local midnight too.
    end = datetime.combine(first + timedelta(days=days), time(0), tzinfo=zone).astimezone(UTC)
    return Lookup(start, end)


def free_slots(
    manager: Manager,
    busy: Sequence[Busy],
    lookup: Lookup,
    minutes: int,
    wanted: Availability | None = None,
    count: int = 3,
) -> tuple[datetime, ...]:
    """Up to ``count`` free times (aware, in the manager's zone), one a day, earliest first;
    those inside ``wanted`` first, the others only to make up the count."""
    zone = ZoneInfo(manager.timezone)
    length = timedelta(minutes=minutes)
    candidates = [s for s in _half_hours(manager, lookup, minutes, zone) if _clear(s, length, busy)]
    preferred = [s for s in candidates if wanted is None or wanted.fits(s, minutes)]
    chosen = _one_a_day(preferred, count, zone)
    if len(chosen) < count:
        days = {c.date() for c in chosen}
        rest = [s for s in candidates if s.astimezone(zone).date() not in days]
        chosen += _one_a_day(rest, count - len(chosen), zone)
    return tuple(sorted(chosen))


def _half_hours(
    manager: Manager, lookup: Lookup, minutes: int, zone: ZoneInfo
) -> Iterable[datetime]:
    hours = manager.office_hours
    day = lookup.start.astimezone(zone).date()
    while datetime.combine(day, time(0), tzinfo=zone) < lookup.end:
        noon = datetime.combine(day, time(12), tzinfo=zone)
        if manager.absent_on(noon) is None:
            at = datetime.combine(day, hours.start, tzinfo=zone)
            while hours.contains(at, minutes) and at.date() == day:
                yield at
                # Wall-clock steps: on a DST day 09:00, 09:30 ... stay on the half hour.
                at = (at.astimezone(UTC) + STEP).astimezone(zone)
        day += timedelta(days=1)


def _clear(start: datetime, length: timedelta, busy: Sequence[Busy]) -> bool:
    first = start.astimezone(UTC)
    last = first + length
    return not any(b0 < last and first < b1 for b0, b1 in busy)


def _one_a_day(slots: Iterable[datetime], count: int, zone: ZoneInfo) -> list[datetime]:
    chosen: list[datetime] = []
    days: set[date] = set()
    for s in slots:
        if len(chosen) == count:
            break
        if s.astimezone(zone).date() not in days:
            days.add(s.astimezone(zone).date())
            chosen.append(s)
    return chosen
