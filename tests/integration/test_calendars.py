"""Managers pick from their real free time: the brief offers three times free in the manager's
calendar (CalDAV on a real Radicale, an ICS feed, Microsoft Graph from recorded responses),
inside office hours and the guest's stated availability; the manager answers "2". A calendar
that cannot be read never stops the brief. Maildir in and out, SQLite, ``run --once --now``.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from calendar_servers import GraphServer, Radicale
from harness import (
    ANSWERS,
    guest_mail,
    maildir_steps,
    make_config,
    reply_to,
    session_for,
    shown,
)
from icalendar import Calendar
from sqlmodel import select

from mailagent.cli.app import main
from mailagent.config.settings import Config
from mailagent.core.free_time import free_slots, lookup_window
from mailagent.core.managers import Manager
from mailagent.service.digest import context as digest_context
from mailagent.service.runtime import opened
from mailagent.store.tables import CalendarOutage, Thread
from mailagent.transports.calendars import CalendarError, read_busy

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday; times may be offered from Wednesday
GUEST = "dana.ruiz@example.org"
SAM = "sam.lee@firm.example"
# Sam's calendar, as Radicale stores it: a weekly leadership meeting on Wednesdays and
# Thursdays 12:00-14:00 (Thursday 26 November cancelled), an all-day offsite on Friday 27, and
# a "free" focus block on Monday 30 that blocks nothing.
WEEKLY = """BEGIN:VEVENT
UID:leadership@firm.example
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:20261104T120000
DTEND;TZID=Europe/Berlin:20261104T140000
RRULE:FREQ=WEEKLY;BYDAY=WE,TH
SUMMARY:Leadership meeting
END:VEVENT
BEGIN:VEVENT
UID:leadership@firm.example
DTSTAMP:20261101T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20261126T120000
DTSTART;TZID=Europe/Berlin:20261126T120000
DTEND;TZID=Europe/Berlin:20261126T140000
STATUS:CANCELLED
SUMMARY:Leadership meeting (cancelled)
END:VEVENT"""
OFFSITE = """BEGIN:VEVENT
UID:offsite@firm.example
DTSTAMP:20261101T000000Z
DTSTART;VALUE=DATE:20261127
DTEND;VALUE=DATE:20261128
SUMMARY:Team offsite
END:VEVENT"""
FOCUS = """BEGIN:VEVENT
UID:focus@firm.example
DTSTAMP:20261101T000000Z
DTSTART;TZID=Europe/Berlin:20261130T120000
DTEND;TZID=Europe/Berlin:20261130T170000
TRANSP:TRANSPARENT
SUMMARY:Focus time
END:VEVENT"""


def managers_file(folder: Path, calendar: str, extra: str = "") -> Path:
    """One manager, Sam, in Berlin, office hours 9-17 on weekdays, with ``calendar``."""
    path = folder / "managers.toml"
    path.write_text(
        f"""[[managers]]
name = "Sam Lee"
addresses = ["{SAM}"]
expertise = ["logistics"]
languages = ["en", "de"]
timezone = "Europe/Berlin"
monthly_quota = 5
calendar = {calendar}
{extra}"""
    )
    return path


class Programme:
    def __init__(
        self, folder: Path, calendar: str, extra: str = "", **sections: dict[str, object]
    ) -> None:
        self.folder = folder
        self.config: Config = make_config(
            folder,
            f"maildir:{folder / 'in'}",
            f"maildir:{folder / 'out'}",
            managers={
                "file": str(managers_file(folder, calendar, extra)),
                "admins": ["ops@firm.example"],
            },
            **sections,
        )
        self.step = maildir_steps(self.config, folder)

    def brief(self, guest: str = f"Dana Ruiz <{GUEST}>", when: datetime = T0) -> EmailMessage:
        [questionnaire] = self.step(when, guest_mail(sender=guest))
        [brief] = self.step(when + timedelta(hours=2), reply_to(questionnaire, ANSWERS))
        assert to(brief) == SAM
        return brief

    def threads(self) -> list[Thread]:
        with session_for(self.config) as session:
            return list(session.exec(select(Thread).order_by(Thread.id)))

    def outages(self) -> list[CalendarOutage]:
        with session_for(self.config) as session:
            return list(session.exec(select(CalendarOutage)))


def to(mail: EmailMessage) -> str:
    return str(mail["To"].addresses[0].addr_spec)


def offered(brief: EmailMessage) -> list[str]:
    """The numbered times the brief shows."""
    return [line for line in shown(brief).splitlines() if line[:3] in ("1. ", "2. ", "3. ")][-3:]


def invite_start(mail: EmailMessage) -> datetime:
    [part] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    event = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
    return event["DTSTART"].dt


def caldav(url: str, password: str = Radicale.password) -> str:
    return (
        f'{{ kind = "caldav", url = "{url}", user = "{Radicale.user}", '
        f'password_env = "MAILAGENT_TEST_CALDAV" }}'
    ), password


@pytest.fixture
def caldav_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILAGENT_TEST_CALDAV", Radicale.password)


@pytest.mark.usefixtures("caldav_password")
def test_the_brief_offers_three_free_times_from_caldav_and_the_manager_picks_one_by_number(
    tmp_path: Path, radicale: Radicale
) -> None:
    url = radicale.new_calendar(WEEKLY, OFFSITE, FOCUS)
    programme = Programme(tmp_path, caldav(url)[0])
    brief = programme.brief()

    text = shown(brief)
    assert "free in your calendar" in text
    # Afternoons (the guest's words), clear of the weekly meeting on Wednesday, on Thursday
    # because that occurrence is cancelled, never on the offsite Friday, and Monday's "free"
    # block blocks nothing.
    assert offered(brief) == [
        "1. Wednesday, 25 November 2026, 14:00–14:30 (CET, Europe/Berlin)",
        "2. Thursday, 26 November 2026, 12:00–12:30 (CET, Europe/Berlin)",
        "3. Monday, 30 November 2026, 12:00–12:30 (CET, Europe/Berlin)",
    ]
    [thread] = programme.threads()
    assert thread.offered_from == "calendar"

    confirmations = programme.step(T0 + timedelta(days=1), reply_to(brief, "2\n\nSam"))
    assert sorted(to(m) for m in confirmations) == [GUEST, SAM]
    for mail in confirmations:
        assert invite_start(mail) == datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    assert programme.threads()[0].state == "scheduled"


@pytest.mark.usefixtures("caldav_password")
def test_an_ics_feed_gives_the_same_free_times(tmp_path: Path, radicale: Radicale) -> None:
    # Radicale serves a whole calendar as one .ics on GET: the feed a calendar app publishes.
    url = radicale.new_calendar(WEEKLY, OFFSITE, FOCUS)
    feed = (
        f'{{ kind = "ics", url = "{url}", user = "sam", password_env = "MAILAGENT_TEST_CALDAV" }}'
    )
    brief = Programme(tmp_path, feed).brief()
    assert [line[3:13] for line in offered(brief)] == ["Wednesday,", "Thursday, ", "Monday, 30"]


@pytest.mark.usefixtures("caldav_password")
def test_a_weekly_meeting_keeps_its_local_time_across_the_change_to_summer_time(
    radicale: Radicale,
) -> None:
    # Mondays 09:00-12:00 in Berlin since January: 08:00 UTC in winter, 07:00 UTC from 29 March.
    url = radicale.new_calendar(
        """BEGIN:VEVENT
UID:monday-review@firm.example
DTSTAMP:20270101T000000Z
DTSTART;TZID=Europe/Berlin:20270104T090000
DTEND;TZID=Europe/Berlin:20270104T120000
RRULE:FREQ=WEEKLY;BYDAY=MO
SUMMARY:Monday review
END:VEVENT"""
    )
    sam = Manager(
        name="Sam Lee",
        addresses=(SAM,),
        timezone="Europe/Berlin",
        office_hours={"days": ["mon"], "start": "09:00:00", "end": "12:30:00"},
        calendar={
            "kind": "caldav",
            "url": url,
            "user": Radicale.user,
            "password_env": "MAILAGENT_TEST_CALDAV",
        },
    )
    lookup = lookup_window(sam, datetime(2027, 3, 17, 9, 0, tzinfo=UTC), 14)
    busy = read_busy(sam, lookup, timeout=5, max_bytes=10**6)
    assert busy == [
        (datetime(2027, 3, 22, 8, 0, tzinfo=UTC), datetime(2027, 3, 22, 11, 0, tzinfo=UTC)),
        (datetime(2027, 3, 29, 7, 0, tzinfo=UTC), datetime(2027, 3, 29, 10, 0, tzinfo=UTC)),
    ]
    # Only the half hour after the review is free on either Monday, whatever the UTC offset.
    slots = free_slots(sam, busy, lookup, 30)
    assert [s.strftime("%d %H:%M %Z") for s in slots] == ["22 12:00 CET", "29 12:00 CEST"]


def test_microsoft_graph_free_busy_from_recorded_responses(
    tmp_path: Path, graph_server: GraphServer
) -> None:
    graph_server.answers[SAM] = "sam_week.json"
    token = tmp_path / "token"
    token.write_text(graph_server.token)
    calendar = f'{{ kind = "graph", url = "{graph_server.url}", oauth2_token_file = "{token}" }}'
    brief = Programme(tmp_path, calendar).brief()

    # Wednesday is busy all day; Thursday's stand-up, Friday's tentative hold and Monday's
    # absence push the afternoon times back; "free" and "working elsewhere" block nothing.
    assert offered(brief) == [
        "1. Thursday, 26 November 2026, 12:30–13:00 (CET, Europe/Berlin)",
        "2. Friday, 27 November 2026, 13:00–13:30 (CET, Europe/Berlin)",
        "3. Monday, 30 November 2026, 14:00–14:30 (CET, Europe/Berlin)",
    ]
    [request] = graph_server.requests
    assert request["path"] == "/v1.0/users/sam.lee%40firm.example/calendar/getSchedule"
    assert request["headers"]["Prefer"] == 'outlook.timezone="UTC"'
    assert request["body"]["schedules"] == [SAM]
    assert request["body"]["startTime"] == {"dateTime": "2026-11-24T23:00:00", "timeZone": "UTC"}


def test_an_expired_graph_token_leaves_the_brief_on_office_hours(
    tmp_path: Path, graph_server: GraphServer
) -> None:
    token = tmp_path / "token"
    token.write_text("an-expired-token")
    calendar = f'{{ kind = "graph", url = "{graph_server.url}", oauth2_token_file = "{token}" }}'
    programme = Programme(tmp_path, calendar)
    brief = programme.brief()
    assert "could not be read just now" in shown(brief)
    assert len(offered(brief)) == 3
    [outage] = programme.outages()
    assert "refused us (401)" in outage.error and "expired" in outage.error


@pytest.mark.parametrize(
    "calendar",
    [
        pytest.param('{ kind = "ics", url = "http://127.0.0.1:9/nothing.ics" }', id="unreachable"),
        pytest.param("wrong-password", id="401"),
        pytest.param("malformed", id="malformed-feed"),
    ],
)
def test_a_calendar_that_cannot_be_read_never_stops_the_brief(
    tmp_path: Path,
    radicale: Radicale,
    calendar: str,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if calendar == "wrong-password":
        monkeypatch.setenv("MAILAGENT_TEST_CALDAV", "not-the-password")
        calendar = caldav(radicale.new_calendar(OFFSITE))[0]
    elif calendar == "malformed":
        feed = tmp_path / "feed.ics"
        feed.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026112\nEND:VCALENDAR\n")
        calendar = f'{{ kind = "ics", url = "{feed}" }}'
    programme = Programme(tmp_path, calendar)
    with caplog.at_level(logging.WARNING, logger="mailagent"):
        first = programme.brief()
        second = programme.brief(guest="Lea Park <lea.park@example.org>", when=T0)
    for brief in (first, second):
        assert "Your calendar could not be read just now" in shown(brief)
        # The office-hours times, as without a calendar: 10:00 from Wednesday on.
        assert (
            offered(brief)[0] == "1. Wednesday, 25 November 2026, 10:00–10:30 (CET, Europe/Berlin)"
        )
    assert [t.offered_from for t in programme.threads()] == ["unreachable", "unreachable"]
    # Logged once for the outage, naming the thread whose brief found it.
    said = [r.getMessage() for r in caplog.records if "cannot be read" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("thread 1: calendar of Sam Lee")
    [outage] = programme.outages()
    # The second brief, a moment later, did not wait for the calendar again.
    assert outage.failures == 1

    capsys.readouterr()
    assert main(["--config", str(programme.config.path), "check-config"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "calendar (Sam Lee)" in x)
    assert "WARNING" in line


@pytest.mark.usefixtures("caldav_password")
def test_an_outage_ends_when_the_calendar_answers_again_and_the_digest_shows_it_meanwhile(
    tmp_path: Path, radicale: Radicale, caplog: pytest.LogCaptureFixture
) -> None:
    feed = tmp_path / "feed.ics"
    feed.write_text("not a calendar")
    programme = Programme(tmp_path, f'{{ kind = "ics", url = "{feed}" }}')
    programme.brief()
    assert [o.manager for o in programme.outages()] == ["Sam Lee"]

    with opened(programme.config) as rt, session_for(programme.config) as session:
        shown_calendars = digest_context(rt, session, T0 + timedelta(days=1))["calendars"]
    assert [c["manager"] for c in shown_calendars] == ["Sam Lee"]
    assert "unreadable" in shown_calendars[0]["error"]

    feed.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n" + OFFSITE + "\r\nEND:VCALENDAR\r\n"
    )
    with caplog.at_level(logging.WARNING, logger="mailagent"):
        # Past [calendars] retry_minutes (10): the calendar is tried again.
        brief = programme.brief(
            guest="Lea Park <lea.park@example.org>", when=T0 + timedelta(hours=1)
        )
    assert "free in your calendar" in shown(brief)
    assert programme.outages() == []
    assert any("can be read again" in r.getMessage() for r in caplog.records)


def test_a_feed_of_fifty_thousand_events_is_read_within_the_pass(tmp_path: Path) -> None:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//feed//EN"]
    first = datetime(2016, 1, 1, 8, 0, tzinfo=UTC)
    for i in range(50_000):
        start = first + timedelta(hours=2 * i)  # years of two-hourly events, 2016 to 2027
        lines += [
            "BEGIN:VEVENT",
            f"UID:e{i}@feed.example",
            "DTSTAMP:20160101T000000Z",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}",
            "SUMMARY:Busy",
            "END:VEVENT",
        ]
    feed = tmp_path / "big.ics"
    feed.write_text("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n")
    programme = Programme(tmp_path, f'{{ kind = "ics", url = "{feed}" }}')
    brief = programme.brief()
    assert "free in your calendar" in shown(brief)
    # Busy every even UTC hour (odd hours in Berlin): the afternoon's first free half hour.
    assert [line[3:] for line in offered(brief)] == [
        "Wednesday, 25 November 2026, 12:00–12:30 (CET, Europe/Berlin)",
        "Thursday, 26 November 2026, 12:00–12:30 (CET, Europe/Berlin)",
        "Friday, 27 November 2026, 12:00–12:30 (CET, Europe/Berlin)",
    ]
    assert programme.outages() == []


def test_check_config_reads_each_calendar_once(
    tmp_path: Path, graph_server: GraphServer, capsys: pytest.CaptureFixture[str]
) -> None:
    graph_server.answers[SAM] = "sam_week.json"
    token = tmp_path / "token"
    token.write_text(graph_server.token)
    calendar = f'{{ kind = "graph", url = "{graph_server.url}", oauth2_token_file = "{token}" }}'
    programme = Programme(tmp_path, calendar)
    capsys.readouterr()
    assert main(["--config", str(programme.config.path), "check-config"]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("calendar (Sam Lee)")]
    assert len(lines) == 1
    assert lines[0].startswith("calendar (Sam Lee): ok: graph: 4 busy periods in the 14 days")
    assert len(graph_server.requests) == 1


def test_a_bad_calendar_setting_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="graph calendar needs oauth2_token_command"):
        Programme(tmp_path, '{ kind = "graph" }')


def test_read_busy_says_why_it_failed(radicale: Radicale) -> None:
    sam = Manager(
        name="Sam Lee",
        addresses=(SAM,),
        calendar={"kind": "caldav", "url": f"{radicale.base}/sam/missing-calendar/", "user": "x"},
    )
    with pytest.raises(CalendarError, match="caldav calendar"):
        read_busy(sam, lookup_window(sam, T0, 14), timeout=5, max_bytes=10**6)


@pytest.mark.usefixtures("caldav_password")
def test_the_invite_carries_the_room_the_video_link_both_sides_goals_and_a_reminder(
    tmp_path: Path, radicale: Radicale
) -> None:
    programme = Programme(
        tmp_path,
        caldav(radicale.new_calendar())[0],
        extra='location = "Room 4.12, Hafenstraße 3"\n',
        meetings={"video_url": "https://meet.firm.example/{{ manager }}-{{ uid[:8] }}"},
    )
    brief = programme.brief()
    confirmations = programme.step(T0 + timedelta(days=1), reply_to(brief, "1 works\n\nSam"))
    [thread] = programme.threads()
    link = f"https://meet.firm.example/sam-lee-{thread.meeting_uid[:8]}"
    for mail in confirmations:
        text = shown(mail)
        assert "Where: Room 4.12, Hafenstraße 3" in text
        assert f"Video link: {link}" in text
        [part] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
        event = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
        assert str(event["LOCATION"]) == "Room 4.12, Hafenstraße 3"
        assert str(event["URL"]) == link
        description = str(event["DESCRIPTION"])
        assert "What the guest wants to learn: I want to understand the nature of work" in (
            description
        )
        assert "hopes to learn from the guest: I find your careers page hard" in description
        [alarm] = event.walk("VALARM")
        assert alarm.decoded("TRIGGER") == timedelta(minutes=-15)


@pytest.mark.usefixtures("caldav_password")
def test_any_of_them_lets_the_guest_pick_among_the_free_times(
    tmp_path: Path, radicale: Radicale
) -> None:
    programme = Programme(tmp_path, caldav(radicale.new_calendar(WEEKLY, OFFSITE, FOCUS))[0])
    brief = programme.brief()
    [offer] = programme.step(T0 + timedelta(days=1), reply_to(brief, "Any of them\n\nSam"))
    assert to(offer) == GUEST
    text = shown(offer)
    for day in ("Wednesday, 25 November 2026", "Thursday, 26 November 2026", "Monday, 30 November"):
        assert day in text
    [thread] = programme.threads()
    assert thread.state == "awaiting_slot" and len(thread.proposals) == 3


def test_a_calendar_that_does_not_answer_holds_up_one_brief_not_each(tmp_path: Path) -> None:
    # A server that takes the connection and never answers (a firewall, a hung proxy).
    with socket.create_server(("127.0.0.1", 0)) as silent:
        port = silent.getsockname()[1]
        programme = Programme(
            tmp_path,
            f'{{ kind = "ics", url = "http://127.0.0.1:{port}/sam.ics" }}',
            calendars={"timeout": 0.5},
        )
        briefs = [
            programme.brief(
                guest=f"Guest {n} <guest{n}@example.org>", when=T0 + timedelta(minutes=n)
            )
            for n in range(3)
        ]
        later = programme.brief(
            guest="Lea Park <lea.park@example.org>", when=T0 + timedelta(hours=1)
        )
    for brief in [*briefs, later]:
        assert "Your calendar could not be read just now" in shown(brief)
    [outage] = programme.outages()
    assert "timed out" in outage.error
    assert outage.failures == 2  # the first brief, and the one after retry_minutes


def test_a_redirect_never_carries_the_calendar_password_along(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from threading import Thread as Worker

    seen: dict[str, str | None] = {}

    class Elsewhere(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen["authorization"] = self.headers.get("Authorization")
            body = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), Elsewhere)

    class Redirect(Elsewhere):
        def do_GET(self) -> None:
            seen["first"] = self.headers.get("Authorization")
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{other.server_address[1]}/feed.ics")
            self.send_header("Content-Length", "0")
            self.end_headers()

    first = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    for server in (first, other):
        Worker(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("MAILAGENT_TEST_CALDAV", "s3cret")
        sam = Manager(
            name="Sam Lee",
            addresses=(SAM,),
            calendar={
                "kind": "ics",
                "url": f"http://127.0.0.1:{first.server_address[1]}/sam.ics",
                "user": "sam",
                "password_env": "MAILAGENT_TEST_CALDAV",
            },
        )
        assert read_busy(sam, lookup_window(sam, T0, 14), timeout=5, max_bytes=10**6) == []
    finally:
        for server in (first, other):
            server.shutdown()
            server.server_close()
    assert seen["first"] is not None and seen["first"].startswith("Basic ")
    assert seen["authorization"] is None
