"""Whole informational interviews by email alone, through the worker with time stepped by hand
(``mailagent run --once --now T``): request -> questionnaire -> answers -> brief -> the
manager's answer -> confirmations with invites -> reminders -> held -> thank-you and debrief ->
closed. Maildir in and out, SQLite.
"""

from __future__ import annotations

import email.policy
import email.utils
import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from harness import (
    ANSWERS,
    events,
    guest_mail,
    maildir_steps,
    make_config,
    sent_mail,
    session_for,
    shown,
)
from icalendar import Calendar
from sqlmodel import select

from mailagent.cli.app import main
from mailagent.config.settings import Config
from mailagent.store.tables import Message, ReplyToken, TalentPool, Thread

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
GUEST = "dana.ruiz@example.org"
SAM = "sam.lee@firm.example"
JO = "jo.berger@firm.example"
ALEX = "alex.kim@firm.example"


def at(days: float, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def reply(ours: EmailMessage, body: str, when: datetime, sender: str | None = None) -> bytes:
    """A reply to one of our mails, as a person's mail client writes it (quote below)."""
    msg = EmailMessage()
    sender = sender or str(ours["To"])
    msg["Return-Path"] = f"<{email.utils.parseaddr(sender)[1]}>"  # added by the final MTA
    msg["From"] = sender
    msg["To"] = str(ours["Reply-To"])
    msg["Subject"] = f"Re: {ours['Subject']}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="mail.example.org")
    msg["In-Reply-To"] = str(ours["Message-ID"])
    msg["References"] = f"{ours['References'] or ''} {ours['Message-ID']}".strip()
    quoted = "\n".join(f"> {line}" for line in text_of(ours).splitlines())
    msg.set_content(f"{body}\n\nOn {ours['Date']}, {ours['From']} wrote:\n{quoted}\n")
    return msg.as_bytes(policy=email.policy.SMTP)


def text_of(mail: EmailMessage) -> str:
    return shown(mail)


def to(mail: EmailMessage) -> str:
    return str(mail["To"].addresses[0].addr_spec)


def invite_of(mail: EmailMessage) -> Calendar:
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "exactly one text/calendar alternative"
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def the_thread(config: Config) -> Thread:
    with session_for(config) as session:
        [thread] = session.exec(select(Thread)).all()
        return thread


class Conversation:
    """Drives one guest's conversation and remembers what has been sent so far."""

    def __init__(
        self, folder: Path, database_url: str | None = None, **sections: dict[str, object]
    ) -> None:
        self.folder = folder
        in_, out = f"maildir:{folder / 'in'}", f"maildir:{folder / 'out'}"
        self.config = make_config(folder, in_, out, database_url, **sections)
        # Deliver mails, run one pass at a time, return the mail it sent.
        self.step = maildir_steps(self.config, folder)

    def up_to_the_brief(self) -> EmailMessage:
        [questionnaire] = self.step(T0, guest_mail(sender=f"Dana Ruiz <{GUEST}>"))
        [brief] = self.step(at(0, 2), reply(questionnaire, ANSWERS, at(0, 2)))
        return brief


def test_a_whole_interview_by_email_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()

    assert to(brief) == SAM
    assert brief["Auto-Submitted"] == "auto-generated"
    # The brief carries Sam's own reply token, never the one the guest's mail carries.
    guest_token = the_thread(talk.config).token
    local, _, domain = str(brief["Reply-To"].addresses[0].addr_spec).partition("@")
    assert domain == "firm.example" and local.startswith("interviews+")
    with session_for(talk.config) as session:
        given = session.get(ReplyToken, local.removeprefix("interviews+"))
    assert given is not None and given.token != guest_token
    assert (given.party, given.address) == ("manager", SAM)
    text = text_of(brief)
    assert "not a job interview" in text.lower()
    assert "peak season" in text and "careers page" in text
    assert the_thread(talk.config).state == "awaiting_manager"

    # Sam answers from his own client on Tuesday: Thursday 3pm in his zone (Berlin).
    sam_reply = reply(brief, "Thursday 3pm works for me.\n\nSam", at(1))
    confirmations = talk.step(at(1), sam_reply)
    guest_conf, sam_conf = sorted(confirmations, key=lambda m: to(m) != GUEST)
    assert (to(guest_conf), to(sam_conf)) == (GUEST, SAM)
    start = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 15:00 CET
    for mail in (guest_conf, sam_conf):
        event = invite_of(mail).walk("VEVENT")[0]
        assert invite_of(mail)["METHOD"] == "REQUEST"
        assert event.decoded("DTSTART") == start
        assert event.decoded("DTEND") == start + timedelta(minutes=30)
        assert int(event["SEQUENCE"]) == 0
        assert any(p.get_filename() == "invite.ics" for p in mail.walk())
    uid = str(invite_of(guest_conf).walk("VEVENT")[0]["UID"])
    assert uid == str(invite_of(sam_conf).walk("VEVENT")[0]["UID"])
    # Each in their own zone: Sam's is configured, Dana wrote "Berlin time" in her answers.
    for mail in (guest_conf, sam_conf):
        assert "Thursday, 26 November 2026, 15:00–15:30 (CET, Europe/Berlin)" in text_of(mail)
    # Sam's answers his reply; Dana's continues her conversation with us.
    assert sam_conf["In-Reply-To"] == email.message_from_bytes(sam_reply)["Message-ID"]
    assert guest_conf["In-Reply-To"] == sent_mail(tmp_path)[0]["Message-ID"]  # questionnaire
    thread = the_thread(talk.config)
    assert (thread.state, thread.meeting_start) == ("scheduled", start)

    # 24 hours before: a reminder each; after the end + 2 hours: thank-you and debrief request.
    assert talk.step(start - timedelta(hours=25)) == []
    reminders = talk.step(start - timedelta(hours=23))
    assert sorted(to(m) for m in reminders) == [GUEST, SAM]
    assert talk.step(start + timedelta(hours=2)) == []
    after = talk.step(start + timedelta(hours=2, minutes=31))
    thank_you = next(m for m in after if to(m) == GUEST)
    debrief = next(m for m in after if to(m) == SAM)
    assert the_thread(talk.config).state == "held"

    feedback = "It was really helpful, thank you. Yes, please keep in touch."
    assert talk.step(at(4), reply(thank_you, feedback, at(4))) == []
    notes = "Yes, keep in touch. Sharp and curious; her view of our careers page was useful."
    assert talk.step(at(4, 3), reply(debrief, notes, at(4, 3))) == []

    thread = the_thread(talk.config)
    assert thread.state == "closed"
    assert "really helpful" in thread.feedback and "careers page" in thread.manager_notes
    assert thread.keep_in_touch and thread.consent_at is not None
    with session_for(talk.config) as session:
        [entry] = session.exec(select(TalentPool)).all()
        assert (entry.email, entry.thread_id) == (GUEST, thread.id)

    # The thread's story, as an admin reads it.
    capsys.readouterr()
    assert (
        main(["--config", str(talk.config.path), "threads", "show", str(thread.id), "--json"]) == 0
    )
    story = json.loads(capsys.readouterr().out)
    assert story["state"] == "closed"
    assert story["manager"] == {"name": "Sam Lee", "email": SAM}
    assert story["meeting"]["start"] == start.isoformat()
    assert story["meeting"]["uid"] == uid
    whats = [e["what"] for e in story["events"]]
    for step in ("request", "answers_complete", "routed", "scheduled", "held", "closed"):
        assert step in whats, step
    routed = next(e["detail"] for e in story["events"] if e["what"] == "routed")
    assert routed == "Sam Lee: expertise 'logistics', 'operations', 1 of 2 this month"
    out_kinds = [m["kind"] for m in story["messages"] if m["direction"] == "out"]
    assert out_kinds == [
        "questionnaire",
        "brief_manager",
        "confirmation",
        "confirmation_manager",
        "reminder_guest",
        "reminder_manager",
        "thank_you",
        "debrief_request",
    ]


def test_proposals_and_the_guest_picks_one(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()

    [offer] = talk.step(at(1), reply(brief, "Tue 10:00 or Wed 14:30", at(1)))
    assert to(offer) == GUEST
    assert the_thread(talk.config).state == "awaiting_slot"
    lines = text_of(offer)
    assert "1." in lines and "2." in lines

    confirmations = talk.step(at(1, 4), reply(offer, "2 please!", at(1, 4)))
    assert sorted(to(m) for m in confirmations) == [GUEST, SAM]
    thread = the_thread(talk.config)
    # Wednesday 25 November 14:30 in Berlin, written on Tuesday the 24th.
    assert thread.state == "scheduled"
    assert thread.meeting_start == datetime(2026, 11, 25, 13, 30, tzinfo=UTC)


def test_a_decline_goes_to_the_next_manager_and_silence_too(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()

    # Nobody else knows logistics: the next in turn (equals are taken by name) gets it.
    [second_brief] = talk.step(at(1), reply(brief, "Decline - travelling all month.", at(1)))
    assert to(second_brief) == ALEX
    thread = the_thread(talk.config)
    assert (thread.state, thread.manager_email) == ("awaiting_manager", ALEX)
    assert ("manager_declined", "Sam Lee: travelling all month.") in events(talk.config, thread.id)

    # Alex stays silent: one nudge after two working days, then the next manager.
    assert talk.step(at(2, 23)) == []
    [nudge] = talk.step(at(3, 1))
    assert (to(nudge), nudge["Auto-Submitted"]) == (ALEX, "auto-generated")
    [third_brief] = talk.step(at(4, 1))
    assert to(third_brief) == JO
    whats = [w for w, _ in events(talk.config, thread.id)]
    assert whats.count("routed") == 3 and "manager_timeout" in whats


def test_a_spoofed_manager_reply_changes_nothing(tmp_path: Path) -> None:
    talk = Conversation(tmp_path, managers={"admins": ["ops@firm.example"]})
    brief = talk.up_to_the_brief()

    forged = reply(brief, "Thursday 3pm works", at(1), sender="Sam Lee <sam.lee@evil.example>")
    [alert] = talk.step(at(1), forged)
    assert to(alert) == "ops@firm.example"
    assert "sam.lee@evil.example" in text_of(alert)
    thread = the_thread(talk.config)
    assert (thread.state, thread.meeting_start) == ("awaiting_manager", None)
    assert "unverified_sender" in [w for w, _ in events(talk.config, thread.id)]

    # The real Sam's answer still works.
    real = talk.step(at(1, 1), reply(brief, "Thursday 3pm works", at(1, 1)))
    assert sorted(to(m) for m in real) == [GUEST, SAM]
    assert the_thread(talk.config).state == "scheduled"


def test_reschedule_raises_the_sequence_and_cancel_sends_a_cancellation(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()
    first = talk.step(at(1), reply(brief, "Thursday 3pm works", at(1)))
    sam_conf = next(m for m in first if to(m) == SAM)

    moved = talk.step(at(1, 5), reply(sam_conf, "Friday 10:00 instead, sorry!", at(1, 5)))
    assert sorted(to(m) for m in moved) == [GUEST, SAM]
    for mail in moved:
        event = invite_of(mail).walk("VEVENT")[0]
        assert int(event["SEQUENCE"]) == 1
        assert event.decoded("DTSTART") == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    sam_moved = next(m for m in moved if to(m) == SAM)

    cancelled = talk.step(at(2), reply(sam_moved, "cancel: I am ill, so sorry.", at(2)))
    assert sorted(to(m) for m in cancelled) == [GUEST, SAM]
    for mail in cancelled:
        cal = invite_of(mail)
        event = cal.walk("VEVENT")[0]
        assert (cal["METHOD"], int(event["SEQUENCE"]), event["STATUS"]) == (
            "CANCEL",
            2,
            "CANCELLED",
        )
    thread = the_thread(talk.config)
    assert (thread.state, thread.meeting_start, thread.meeting_uid) == ("cancelled", None, "")
    assert any(w == "cancelled" for w, _ in events(talk.config, thread.id))
    # No reminder or thank-you follows a cancelled meeting.
    assert talk.step(at(10)) == []


def test_an_unclear_manager_reply_is_asked_about_once(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()
    [clarify] = talk.step(at(1), reply(brief, "Let me check my calendar.", at(1)))
    assert (to(clarify), clarify["Auto-Submitted"]) == (SAM, "auto-replied")
    assert talk.step(at(1, 1), reply(brief, "Still checking, sorry.", at(1, 1))) == []
    assert the_thread(talk.config).state == "awaiting_manager"


def test_a_guest_who_picks_no_time_is_reminded_once_then_the_thread_expires(
    tmp_path: Path,
) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()
    [offer] = talk.step(at(1), reply(brief, "Tue 10:00 or Wed 14:30", at(1)))
    assert to(offer) == GUEST

    assert talk.step(at(3, 23)) == []
    [reminder] = talk.step(at(4, 1))
    assert (to(reminder), reminder["Auto-Submitted"]) == (GUEST, "auto-generated")
    assert "1." in text_of(reminder) and "2." in text_of(reminder)
    [closing] = talk.step(at(8, 1))
    assert to(closing) == GUEST
    thread = the_thread(talk.config)
    assert (thread.state, thread.proposals) == ("expired", [])
    assert talk.step(at(30)) == []


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_admin_reassigns_and_reads_the_insights(
    tmp_path: Path,
    database: str,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = str(request.getfixturevalue("pg_url")) if database == "postgresql" else None
    talk = Conversation(tmp_path, url)
    talk.up_to_the_brief()
    thread = the_thread(talk.config)

    path = str(talk.config.path)
    assert main(["--config", path, "threads", "reassign", str(thread.id), "Jo Berger"]) == 0
    assert "reassigned to Jo Berger" in capsys.readouterr().out
    # The CLI queued the brief on the real clock; the worker's next pass sends it.
    [brief] = talk.step(datetime.now(UTC) + timedelta(minutes=1))
    assert to(brief) == JO
    story = [(w, d) for w, d in events(talk.config, thread.id) if w == "reassigned"]
    assert len(story) == 1 and story[0][1].startswith("Jo Berger: reassigned by ")
    assert main(["--config", path, "threads", "reassign", str(thread.id), "Nobody"]) == 1
    assert "no manager named or addressed 'Nobody'" in capsys.readouterr().err

    assert main(["--config", path, "insights", "--json"]) == 0
    grouped = json.loads(capsys.readouterr().out)
    [remark] = grouped["web_page"]
    assert remark["thread"] == thread.id and "careers page" in remark["text"]
    assert main(["--config", path, "insights"]) == 0
    assert "web_page (1)" in capsys.readouterr().out


def test_words_between_manager_and_guest_are_passed_on_threaded(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()
    first = talk.step(at(1), reply(brief, "Thursday 3pm works", at(1)))
    guest_conf = next(m for m in first if to(m) == GUEST)
    sam_conf = next(m for m in first if to(m) == SAM)

    note = "guest: Please bring two or three questions about route planning."
    [relayed] = talk.step(at(1, 2), reply(sam_conf, note, at(1, 2)))
    assert to(relayed) == GUEST
    assert relayed["Auto-Submitted"] is None  # a person's words, not an automatic mail
    assert relayed["In-Reply-To"] == guest_conf["Message-ID"]
    assert "bring two or three questions about route planning" in text_of(relayed)

    [to_sam] = talk.step(at(1, 4), reply(relayed, "Will do. Is parking available?", at(1, 4)))
    assert to(to_sam) == SAM and "Is parking available?" in text_of(to_sam)
    assert the_thread(talk.config).state == "scheduled"


def test_forget_me_after_scheduling_cancels_the_managers_invite_and_erases_the_guest(
    tmp_path: Path,
) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()
    first = talk.step(at(1), reply(brief, "Thursday 3pm works", at(1)))
    guest_conf = next(m for m in first if to(m) == GUEST)

    out = talk.step(at(1, 3), reply(guest_conf, "Please delete my data.", at(1, 3)))
    assert sorted(to(m) for m in out) == [GUEST, SAM]
    cancel = next(m for m in out if to(m) == SAM)
    cal = invite_of(cancel)
    assert (cal["METHOD"], int(cal.walk("VEVENT")[0]["SEQUENCE"])) == ("CANCEL", 1)
    thread = the_thread(talk.config)
    assert thread.state == "withdrawn" and thread.guest_email.endswith("@forgotten.invalid")
    assert (thread.answers, thread.guest_name) == ({}, "")
    with session_for(talk.config) as session:
        stored = session.exec(select(Message).where(Message.thread_id == thread.id)).all()
        # Every stored copy is blanked, the two owed mails too once they went out.
        assert all(m.raw == b"" for m in stored), [m.kind for m in stored if m.raw]
    # No reminder, thank-you or anything else follows.
    assert talk.step(at(10)) == []


def test_a_manager_writing_afresh_is_not_taken_for_a_guest(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    fresh = guest_mail(sender=f"Sam Lee <{SAM}>", subject="Question about the programme")
    assert talk.step(T0, fresh) == []
    with session_for(talk.config) as session:
        assert session.exec(select(Thread)).all() == []
