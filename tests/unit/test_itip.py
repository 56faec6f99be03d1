"""Tables: a calendar's Accept/Decline (iTIP REPLY) read, and what it does to the meeting."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailagent.core.decision import ThreadView
from mailagent.core.itip import CalendarReply, decide_calendar_reply, read_reply
from mailagent.core.meeting import MeetingRules

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
UID = "3f9a0c1e@mailagent.firm.example"
VIEW = ThreadView(
    7,
    "scheduled",
    "Dana@Example.org",
    "en",
    manager_name="Sam Lee",
    manager_email="sam.lee@firm.example",
    meeting_start=datetime(2026, 11, 26, 14, 0, tzinfo=UTC),
    meeting_uid=UID,
    meeting_sequence=1,
)


def ics(
    method: str = "REPLY", attendees: int = 1, partstat: str = "DECLINED", seq: str = "1"
) -> bytes:
    people = "".join(
        f"ATTENDEE;PARTSTAT={partstat};CN=Dana:MAILTO:Dana@Example.org\r\n"
        for _ in range(attendees)
    )
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\n"
        f"METHOD:{method}\r\nBEGIN:VEVENT\r\nUID:{UID}\r\nSEQUENCE:{seq}\r\n"
        f"DTSTAMP:20261124T090000Z\r\nDTSTART:20261126T140000Z\r\n{people}"
        "COMMENT:Sorry\\, exam\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("data", "read"),
    [
        (ics(), CalendarReply(UID, 1, "dana@example.org", "DECLINED", "Sorry, exam")),
        (
            ics(partstat="accepted"),
            CalendarReply(UID, 1, "dana@example.org", "ACCEPTED", "Sorry, exam"),
        ),
        (ics(method="REQUEST"), None),
        (ics(attendees=2), None),
        (ics(attendees=0), None),
        (ics(seq="x"), None),
        (b"REPLY but no calendar", None),
        (b"", None),
    ],
    ids=[
        "decline",
        "accept in lower case",
        "an invitation",
        "two attendees",
        "no attendee",
        "a broken sequence",
        "garbage",
        "nothing",
    ],
)
def test_reading_a_reply(data: bytes, read: CalendarReply | None) -> None:
    assert read_reply(data) == read


RULES = MeetingRules()


def reply(
    partstat: str, who: str = "dana@example.org", seq: int = 1, uid: str = UID
) -> CalendarReply:
    return CalendarReply(uid, seq, who, partstat)


@pytest.mark.parametrize(
    ("given", "sender", "vouched", "state", "mails", "event"),
    [
        (reply("ACCEPTED"), "dana@example.org", True, None, [], "calendar_accepted"),
        (
            reply("TENTATIVE", "sam.lee@firm.example"),
            "sam.lee@firm.example",
            False,
            None,
            [],
            "calendar_tentative",
        ),
        (
            reply("DECLINED"),
            "dana@example.org",
            True,
            "awaiting_manager",
            ["guest_declined_manager"],
            "calendar_declined",
        ),
        (
            reply("DECLINED", "sam.lee@firm.example"),
            "sam.lee@firm.example",
            True,
            None,
            ["calendar_declined_manager"],
            "calendar_declined",
        ),
        (reply("DECLINED"), "dana@example.org", False, None, [], "calendar_reply"),
        (reply("DECLINED"), "mallory@evil.example", True, None, [], "calendar_reply"),
        (reply("DECLINED", seq=0), "dana@example.org", True, None, [], "calendar_reply"),
        (reply("DECLINED", uid="other@x"), "dana@example.org", True, None, [], "calendar_reply"),
        (reply("DELEGATED"), "dana@example.org", True, None, [], "calendar_reply"),
    ],
    ids=[
        "guest accepts",
        "manager tentative (unvouched is fine: nothing changes)",
        "guest declines: re-offer",
        "manager declines: asked",
        "guest decline not vouched",
        "someone else's",
        "an older invitation",
        "another meeting",
        "delegated",
    ],
)
def test_what_a_reply_does(
    given: CalendarReply,
    sender: str,
    vouched: bool,
    state: str | None,
    mails: list[str],
    event: str,
) -> None:
    d = decide_calendar_reply(VIEW, given, sender, vouched, RULES, NOW, "Europe/Berlin")
    assert d.state == state
    assert [m.kind for m in d.mails] == mails
    assert [e for e, _ in d.events] == [event]
    assert all(not m.to_guest for m in d.mails)  # a calendar's reply is never answered
    assert d.cancel_meeting == (state == "awaiting_manager")


def test_a_reply_to_a_thread_with_no_meeting_changes_nothing() -> None:
    waiting = ThreadView(
        7, "awaiting_manager", "dana@example.org", "en", manager_email="sam.lee@firm.example"
    )
    d = decide_calendar_reply(
        waiting, reply("DECLINED"), "dana@example.org", True, RULES, NOW, "UTC"
    )
    assert (d.state, d.mails) == (None, ())


def test_a_decline_after_the_meeting_began_changes_nothing() -> None:
    late = datetime(2026, 11, 26, 14, 10, tzinfo=UTC)
    d = decide_calendar_reply(VIEW, reply("DECLINED"), "dana@example.org", True, RULES, late, "UTC")
    assert (d.state, d.mails, d.cancel_meeting) == (None, (), False)
    assert "after the meeting began" in d.events[0][1]
