"""PURE: the meeting's calendar invite (iCalendar, RFC 5545 / iTIP RFC 5546) via icalendar.

One meeting keeps one UID for its whole life; every change (reschedule, cancel) raises SEQUENCE,
so calendars update the entry instead of adding a second. Times are written in UTC (no
VTIMEZONE needed); each reader's calendar shows them in its own zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

REQUEST = "REQUEST"
CANCEL = "CANCEL"


@dataclass(frozen=True)
class Meeting:
    uid: str
    sequence: int
    start: datetime
    minutes: int
    summary: str
    description: str
    organizer_name: str
    organizer_email: str
    attendees: tuple[tuple[str, str], ...]  # (name, email)
    location: str = ""  # a room; the video link stands in when there is none
    url: str = ""  # the video link
    alarm_minutes: int = 0  # a reminder this long before (VALARM); 0: none


def invite(meeting: Meeting, method: str, stamp: datetime) -> bytes:
    """The ``.ics`` body for ``method`` (REQUEST or CANCEL); ``stamp`` is DTSTAMP (aware)."""
    from icalendar import Alarm, Calendar, Event, vCalAddress, vText

    cal = Calendar()
    cal.add("prodid", "-//mailagent//informational interviews//EN")
    cal.add("version", "2.0")
    cal.add("method", method)
    event = Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp.astimezone(UTC))
    # Elapsed minutes, counted in UTC: local wall-clock arithmetic slips an hour at DST.
    start = meeting.start.astimezone(UTC)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=meeting.minutes))
    event.add("summary", meeting.summary)
    event.add("description", meeting.description)
    if meeting.location or meeting.url:
        event.add("location", meeting.location or meeting.url)
    if meeting.url:
        event.add("url", meeting.url, parameters={"value": "URI"})
        # RFC 7986: clients that know CONFERENCE show a "join" button for it.
        event.add("conference", meeting.url, parameters={"value": "URI", "feature": "VIDEO"})
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("transp", "OPAQUE")
    organizer = vCalAddress(f"mailto:{meeting.organizer_email}")
    organizer.params["cn"] = vText(meeting.organizer_name)
    event.add("organizer", organizer)
    for name, email in meeting.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name or email)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("TRUE")  # their Accept/Decline is read back (iTIP REPLY)
        event.add("attendee", attendee, encode=False)
    if meeting.alarm_minutes and method == REQUEST:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", meeting.summary)
        alarm.add("trigger", timedelta(minutes=-meeting.alarm_minutes))
        event.add_component(alarm)
    cal.add_component(event)
    return bytes(cal.to_ical())
