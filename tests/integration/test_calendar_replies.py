"""A calendar's Accept/Decline read back (iTIP REPLY): given a scheduled conversation, the
guest's or manager's client answers our invitation the way Outlook and Gmail do (to the
organizer's plain address, often without In-Reply-To); after one pass the meeting is updated
and the reply itself is never answered. Maildir in and out, SQLite.
"""

from __future__ import annotations

import email.policy
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from harness import (
    ANSWERS,
    FIRM,
    guest_mail,
    maildir_steps,
    make_config,
    reply_to,
    session_for,
    shown,
)
from icalendar import Calendar
from sqlmodel import select

from mailagent.store.tables import Event, Thread

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GUEST = "dana.ruiz@example.org"
SAM = "sam.lee@firm.example"


def to(mail: EmailMessage) -> str:
    return str(mail["To"].addresses[0].addr_spec)


def ics_of(mail: EmailMessage) -> Calendar:
    [part] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


def calendar_reply(
    invitation: EmailMessage,
    attendee: str,
    partstat: str,
    client: str,
    sender: str | None = None,
    sequence: int | None = None,
    comment: str = "",
) -> bytes:
    """``attendee``'s answer to ``invitation`` as ``client`` ("outlook" or "gmail") sends it."""
    event = ics_of(invitation).walk("VEVENT")[0]
    seq = int(event["SEQUENCE"]) if sequence is None else sequence
    word = {"ACCEPTED": "Accepted", "DECLINED": "Declined", "TENTATIVE": "Tentative"}[partstat]
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN"
        if client == "gmail"
        else "PRODID:Microsoft Exchange Server 2010",
        "VERSION:2.0",
        "METHOD:REPLY",
        "BEGIN:VEVENT",
        f"DTSTART:{event.decoded('DTSTART'):%Y%m%dT%H%M%SZ}",
        f"DTEND:{event.decoded('DTEND'):%Y%m%dT%H%M%SZ}",
        f"DTSTAMP:{T0:%Y%m%dT%H%M%SZ}",
        f"ORGANIZER;CN=Interviews:mailto:{FIRM}",
        f"UID:{event['UID']}",
        f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};CN={attendee}:"
        f"mailto:{attendee}",
        f"SEQUENCE:{seq}",
        *([f"COMMENT:{comment}"] if comment else []),
        f"SUMMARY:{word}: {event['SUMMARY']}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    ics = "\r\n".join(lines) + "\r\n"
    msg = EmailMessage()
    sender = sender or attendee
    msg["Return-Path"] = f"<{sender}>"
    msg["From"] = sender
    msg["To"] = FIRM  # the ORGANIZER: the plain address, no reply token
    msg["Subject"] = f"{word}: {event['SUMMARY']}"
    msg["Date"] = format_datetime(T0 + timedelta(days=1))
    msg["Message-ID"] = make_msgid(domain="mail.example.org")
    if client == "outlook":
        msg["Thread-Topic"] = str(event["SUMMARY"])
        msg.set_content(comment or "")
        msg.add_alternative(ics, subtype="calendar", params={"method": "REPLY"})
    else:
        msg.set_content(f"{attendee} has {word.lower()} this invitation.")
        msg.add_alternative(ics, subtype="calendar", params={"method": "REPLY"})
        msg.add_attachment(
            ics.encode(), maintype="application", subtype="ics", filename="invite.ics"
        )
    return msg.as_bytes(policy=email.policy.SMTP)


class Scheduled:
    """A conversation booked for Thursday 26 November, 15:00 in Berlin."""

    def __init__(self, folder: Path) -> None:
        self.config = make_config(folder, f"maildir:{folder / 'in'}", f"maildir:{folder / 'out'}")
        self.step = maildir_steps(self.config, folder)
        [questionnaire] = self.step(T0, guest_mail(sender=f"Dana Ruiz <{GUEST}>"))
        [brief] = self.step(T0 + timedelta(hours=2), reply_to(questionnaire, ANSWERS))
        confirmations = self.step(
            T0 + timedelta(days=1), reply_to(brief, "Thursday 3pm works\n\nSam")
        )
        self.for_guest = next(m for m in confirmations if to(m) == GUEST)
        self.for_sam = next(m for m in confirmations if to(m) == SAM)

    def thread(self) -> Thread:
        with session_for(self.config) as session:
            return session.exec(select(Thread)).one()

    def events(self, what: str) -> list[str]:
        with session_for(self.config) as session:
            return [e.detail for e in session.exec(select(Event).where(Event.what == what))]


@pytest.mark.parametrize("client", ["outlook", "gmail"])
@pytest.mark.parametrize("partstat", ["ACCEPTED", "TENTATIVE"])
def test_an_accept_is_noted_and_never_answered(tmp_path: Path, client: str, partstat: str) -> None:
    talk = Scheduled(tmp_path)
    for who, invitation in ((GUEST, talk.for_guest), (SAM, talk.for_sam)):
        sent = talk.step(
            T0 + timedelta(days=1, hours=1), calendar_reply(invitation, who, partstat, client)
        )
        assert sent == []
    assert talk.thread().state == "scheduled"
    said = talk.events(f"calendar_{partstat.lower()}")
    assert [d.split(" ")[1] for d in said] == ["guest", "manager"]


@pytest.mark.parametrize("client", ["outlook", "gmail"])
def test_the_guest_declining_gives_the_time_up_and_asks_the_manager_for_others(
    tmp_path: Path, client: str
) -> None:
    talk = Scheduled(tmp_path)
    declined = calendar_reply(
        talk.for_guest, GUEST, "DECLINED", client, comment="Sorry, I have an exam that day"
    )
    [to_sam] = talk.step(T0 + timedelta(days=1, hours=1), declined)

    # Nothing goes back to the guest; Sam is told, with the cancellation for his calendar.
    assert to(to_sam) == SAM
    text = shown(to_sam)
    assert "declined our invitation in their calendar" in text
    assert "Sorry, I have an exam that day" in text
    cancel = ics_of(to_sam)
    assert cancel["METHOD"] == "CANCEL"
    assert cancel.walk("VEVENT")[0]["UID"] == ics_of(talk.for_sam).walk("VEVENT")[0]["UID"]
    thread = talk.thread()
    assert (thread.state, thread.meeting_start, thread.meeting_uid) == (
        "awaiting_manager",
        None,
        "",
    )
    assert len(thread.offered) == 3 and "1. " in text  # fresh times to pick from

    # Sam picks one of them by number: both sides get a new invitation.
    confirmations = talk.step(T0 + timedelta(days=2), reply_to(to_sam, "2\n\nSam"))
    assert sorted(to(m) for m in confirmations) == [GUEST, SAM]
    assert talk.thread().state == "scheduled"
    new = ics_of(confirmations[0]).walk("VEVENT")[0]
    assert new.decoded("DTSTART") == datetime.fromisoformat(thread.offered[1])


def test_the_manager_declining_is_asked_about_and_the_guest_keeps_the_meeting(
    tmp_path: Path,
) -> None:
    talk = Scheduled(tmp_path)
    [asked] = talk.step(
        T0 + timedelta(days=1, hours=1), calendar_reply(talk.for_sam, SAM, "DECLINED", "outlook")
    )
    assert to(asked) == SAM and asked["Auto-Submitted"] == "auto-generated"
    assert "Calendars sometimes decline an invitation on their own" in shown(asked)
    assert talk.thread().state == "scheduled"

    # Sam answers "cancel": now the guest is told.
    sent = talk.step(T0 + timedelta(days=1, hours=2), reply_to(asked, "cancel\n\nSam"))
    assert sorted(to(m) for m in sent) == [GUEST, SAM]
    assert talk.thread().state == "cancelled"


@pytest.mark.parametrize(
    ("attendee", "sender", "sequence", "why"),
    [
        pytest.param(GUEST, "mallory@evil.example", None, "not a party here", id="someone else"),
        pytest.param("other@example.org", "other@example.org", None, "not a party", id="stranger"),
        pytest.param(GUEST, GUEST, -1, "older invitation", id="an older invitation"),
    ],
)
def test_a_reply_that_is_not_the_partys_own_changes_nothing(
    tmp_path: Path, attendee: str, sender: str, sequence: int | None, why: str
) -> None:
    talk = Scheduled(tmp_path)
    if sequence == -1:
        # Sam moves the meeting (SEQUENCE 1); an answer to the first invitation comes late.
        talk.step(
            T0 + timedelta(days=1, hours=1), reply_to(talk.for_sam, "Friday 10am instead\n\nSam")
        )
        sequence = 0
    reply = calendar_reply(talk.for_guest, attendee, "DECLINED", "outlook", sender, sequence)
    assert talk.step(T0 + timedelta(days=1, hours=3), reply) == []
    assert talk.thread().state == "scheduled"
    assert any(why in d for d in talk.events("calendar_reply"))


def test_a_forged_decline_whose_sender_is_not_vouched_for_changes_nothing(tmp_path: Path) -> None:
    talk = Scheduled(tmp_path)
    forged = calendar_reply(talk.for_guest, GUEST, "DECLINED", "outlook")
    forged = forged.replace(
        f"Return-Path: <{GUEST}>".encode(), b"Return-Path: <bounce@evil.example>"
    )
    assert talk.step(T0 + timedelta(days=1, hours=1), forged) == []
    assert talk.thread().state == "scheduled"
    assert any("not vouched for" in d for d in talk.events("calendar_reply"))
