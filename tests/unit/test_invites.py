"""The meeting's calendar invite (mailagent.invites), read back the way a calendar would read it
(icalendar's parser), field by field."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from mailagent.core.invites import CANCEL, REQUEST, Meeting, invite
from mailagent.core.times import find_slots

BERLIN = "Europe/Berlin"
STAMP = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
START = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)
MEETING = Meeting(
    uid="3f9a0c1e2b4d6f8a0c1e2b4d@mailagent.firm.example",
    sequence=0,
    start=START,
    minutes=30,
    summary="Informational interview: Dana Scully and Sam Lee (Firm)",
    description="An informational interview at Firm (not a job interview).",
    organizer_name="Firm Interviews",
    organizer_email="interviews@firm.example",
    attendees=(("Dana Scully", "dana@example.org"), ("Sam Lee", "sam.lee@firm.example")),
)


def parse(ics: bytes) -> tuple[Calendar, Event]:
    cal = Calendar.from_ical(ics)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    return cal, events[0]


def attendees(event: Event) -> list[tuple[str, str]]:
    """(CN, address) of each ATTENDEE, in order."""
    found = event.get("ATTENDEE")
    items = found if isinstance(found, list) else [found]
    return [(str(a.params["CN"]), str(a)) for a in items]


def utc_of(event: Event, name: str) -> datetime:
    value = event.decoded(name)
    assert isinstance(value, datetime)
    assert value.utcoffset() == timedelta(0), f"{name} is not in UTC"
    return value


@pytest.mark.parametrize(
    ("method", "status"),
    [
        pytest.param(REQUEST, "CONFIRMED", id="request"),
        pytest.param(CANCEL, "CANCELLED", id="cancel"),
    ],
)
def test_fields_round_trip(method: str, status: str) -> None:
    ics = invite(MEETING, method, STAMP)
    cal, event = parse(ics)
    assert str(cal["METHOD"]) == method
    assert str(cal["PRODID"]) == "-//mailagent//informational interviews//EN"
    assert str(cal["VERSION"]) == "2.0"
    assert str(event["UID"]) == MEETING.uid
    assert event.decoded("SEQUENCE") == 0
    assert utc_of(event, "DTSTART") == START
    assert utc_of(event, "DTEND") == START + timedelta(minutes=30)
    assert utc_of(event, "DTSTAMP") == STAMP
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:interviews@firm.example"
    assert str(organizer.params["CN"]) == "Firm Interviews"
    assert attendees(event) == [
        ("Dana Scully", "mailto:dana@example.org"),
        ("Sam Lee", "mailto:sam.lee@firm.example"),
    ]
    assert str(event["SUMMARY"]) == MEETING.summary
    assert str(event["DESCRIPTION"]) == MEETING.description
    assert str(event["STATUS"]) == status
    # On the wire: UTC times (no VTIMEZONE needed), CRLF lines folded at 75 octets.
    assert b"DTSTART:20261210T140000Z\r\n" in ics
    assert b"DTEND:20261210T143000Z\r\n" in ics
    assert b"VTIMEZONE" not in ics
    lines = ics.split(b"\r\n")
    assert lines[0] == b"BEGIN:VCALENDAR"
    assert all(b"\n" not in line and len(line) <= 75 for line in lines)


@pytest.mark.parametrize(
    ("written", "sent", "expected", "on_the_wire"),
    [
        # Agreed on 20 October (CEST, UTC+2) for a Monday after the switch to CET (UTC+1).
        pytest.param(
            "Monday 26 October 15:00",
            datetime(2026, 10, 20, 8, 0, tzinfo=UTC),
            datetime(2026, 10, 26, 14, 0, tzinfo=UTC),
            b"DTSTART:20261026T140000Z",
            id="autumn: CEST mail, CET meeting",
        ),
        # Agreed on 24 March (CET) for a Monday after the switch to CEST.
        pytest.param(
            "Monday 30 March 15:00",
            datetime(2026, 3, 24, 8, 0, tzinfo=UTC),
            datetime(2026, 3, 30, 13, 0, tzinfo=UTC),
            b"DTSTART:20260330T130000Z",
            id="spring: CET mail, CEST meeting",
        ),
    ],
)
def test_dst_crossing_meeting_is_written_in_utc(
    written: str, sent: datetime, expected: datetime, on_the_wire: bytes
) -> None:
    slots = find_slots(written, BERLIN, sent)
    assert slots == [expected]
    ics = invite(replace(MEETING, start=slots[0]), REQUEST, sent)
    _, event = parse(ics)
    assert utc_of(event, "DTSTART") == expected
    assert utc_of(event, "DTEND") == expected + timedelta(minutes=30)
    assert on_the_wire in ics
    # A Berlin calendar shows the time that was agreed.
    assert event.decoded("DTSTART").astimezone(ZoneInfo(BERLIN)).strftime("%H:%M") == "15:00"


def test_reschedule_then_cancel_keeps_the_uid_and_raises_the_sequence() -> None:
    first = invite(MEETING, REQUEST, STAMP)
    moved_to = START + timedelta(days=1, hours=2)
    second = invite(
        replace(MEETING, sequence=1, start=moved_to), REQUEST, STAMP + timedelta(days=1)
    )
    cancelled = invite(
        replace(MEETING, sequence=2, start=moved_to), CANCEL, STAMP + timedelta(days=2)
    )
    seen = []
    for ics in (first, second, cancelled):
        cal, event = parse(ics)
        seen.append(
            (
                str(cal["METHOD"]),
                str(event["UID"]),
                event.decoded("SEQUENCE"),
                utc_of(event, "DTSTART"),
                str(event["STATUS"]),
                utc_of(event, "DTSTAMP"),
            )
        )
    assert seen == [
        (REQUEST, MEETING.uid, 0, START, "CONFIRMED", STAMP),
        (REQUEST, MEETING.uid, 1, moved_to, "CONFIRMED", STAMP + timedelta(days=1)),
        (CANCEL, MEETING.uid, 2, moved_to, "CANCELLED", STAMP + timedelta(days=2)),
    ]


def test_non_ascii_and_punctuation_survive_a_round_trip() -> None:
    meeting = replace(
        MEETING,
        summary="Informationsgespräch: Jürgen Groß und Zoë Ångström",
        description="Ein Gespräch über Logistik; Fragen, Antworten \\ und mehr.\nZweite Zeile.",
        organizer_name="Jürgen Groß",
        organizer_email="juergen.gross@firm.example",
        attendees=(("Zoë Ångström", "zoe@example.se"), ("Lee, Sam", "sam.lee@firm.example")),
    )
    ics = invite(meeting, REQUEST, STAMP)
    ics.decode("utf-8")  # valid UTF-8 throughout, even where long lines are folded
    _, event = parse(ics)
    assert str(event["SUMMARY"]) == meeting.summary
    assert str(event["DESCRIPTION"]) == meeting.description
    assert str(event["ORGANIZER"].params["CN"]) == "Jürgen Groß"
    assert str(event["ORGANIZER"]) == "mailto:juergen.gross@firm.example"
    assert attendees(event) == [
        ("Zoë Ångström", "mailto:zoe@example.se"),
        ("Lee, Sam", "mailto:sam.lee@firm.example"),
    ]


def test_an_attendee_without_a_name_is_shown_by_address() -> None:
    meeting = replace(MEETING, attendees=(("", "dana@example.org"),))
    _, event = parse(invite(meeting, REQUEST, STAMP))
    assert attendees(event) == [("dana@example.org", "mailto:dana@example.org")]


def test_local_times_given_are_written_in_utc() -> None:
    berlin = ZoneInfo(BERLIN)
    meeting = replace(MEETING, start=datetime(2026, 12, 10, 15, 0, tzinfo=berlin), minutes=45)
    ics = invite(meeting, REQUEST, datetime(2026, 11, 30, 10, 15, tzinfo=berlin))
    _, event = parse(ics)
    assert utc_of(event, "DTSTART") == START
    assert utc_of(event, "DTEND") == START + timedelta(minutes=45)
    assert utc_of(event, "DTSTAMP") == STAMP


def test_dtend_is_elapsed_minutes_even_for_a_local_start_across_the_switch() -> None:
    # 01:30 CEST on the night of the autumn switch; 90 minutes later it is 02:00 CET.
    start = datetime(2026, 10, 25, 1, 30, tzinfo=ZoneInfo(BERLIN))
    _, event = parse(invite(replace(MEETING, start=start, minutes=90), REQUEST, STAMP))
    assert utc_of(event, "DTSTART") == datetime(2026, 10, 24, 23, 30, tzinfo=UTC)
    assert utc_of(event, "DTEND") == datetime(2026, 10, 25, 1, 0, tzinfo=UTC)


PLACED = replace(
    MEETING,
    location="Room 4.12, Hafenstraße 3",
    url="https://meet.firm.example/interview-3f9a",
    alarm_minutes=15,
    description="What the guest wants to learn: planning, peaks; and more\nVideo link: x",
)


@pytest.mark.parametrize(
    ("meeting", "location"),
    [
        pytest.param(PLACED, "Room 4.12, Hafenstraße 3", id="a room and a link"),
        pytest.param(replace(PLACED, location=""), PLACED.url, id="a link alone"),
    ],
)
def test_the_place_the_link_and_the_goals_reach_the_calendar(
    meeting: Meeting, location: str
) -> None:
    _, event = parse(invite(meeting, REQUEST, STAMP))
    assert str(event["LOCATION"]) == location
    assert str(event["URL"]) == meeting.url
    assert str(event["CONFERENCE"]) == meeting.url
    assert event["CONFERENCE"].params["FEATURE"] == "VIDEO"
    # Commas, semicolons and line breaks in people's words come back as written.
    assert str(event["DESCRIPTION"]) == meeting.description
    [alarm] = event.walk("VALARM")
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)
    [guest] = [a for a in event["ATTENDEE"] if "dana" in str(a)]
    assert guest.params["RSVP"] == "TRUE"


def test_a_cancellation_carries_no_alarm_and_no_meeting_without_a_place_gets_one() -> None:
    _, cancelled = parse(invite(replace(PLACED, sequence=2), CANCEL, STAMP))
    assert cancelled.walk("VALARM") == [] and cancelled["SEQUENCE"] == 2
    _, plain = parse(invite(MEETING, REQUEST, STAMP))
    assert "LOCATION" not in plain and "URL" not in plain and plain.walk("VALARM") == []
