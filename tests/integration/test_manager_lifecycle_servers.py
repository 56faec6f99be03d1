"""One whole informational interview on real servers: Dovecot (IMAP) in, aiosmtpd (SMTP) out,
PostgreSQL. Each mail a person sends is what they would write in reply to what arrived."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from harness import guest_mail, make_config, server_steps, session_for
from icalendar import Calendar
from servers import ImapAccount, SmtpServer
from sqlmodel import select
from test_manager_lifecycle import ANSWERS, GUEST, SAM, T0, at, reply

from mailagent.cli.app import main
from mailagent.store.tables import Thread


def test_the_lifecycle_on_dovecot_aiosmtpd_and_postgresql(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    pg_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    config = make_config(tmp_path, imap_account.url(), smtp_server.url, pg_url)

    step = server_steps(config, imap_account, smtp_server)

    def only(mails: list[EmailMessage], address: str) -> EmailMessage:
        [found] = [m for m in mails if m["To"].addresses[0].addr_spec == address]
        return found

    [questionnaire] = step(T0, guest_mail(sender=f"Dana Ruiz <{GUEST}>"))
    [brief] = step(at(0, 2), reply(questionnaire, ANSWERS, at(0, 2)))
    assert brief["To"].addresses[0].addr_spec == SAM

    confirmations = step(at(1), reply(brief, "Do 26.11. 15:00 passt.", at(1)))
    start = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    for mail in (only(confirmations, GUEST), only(confirmations, SAM)):
        [part] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
        event = Calendar.from_ical(part.get_payload(decode=True)).walk("VEVENT")[0]
        assert event.decoded("DTSTART") == start

    assert len(step(start - timedelta(hours=23))) == 2  # both reminders
    after = step(start + timedelta(hours=3))
    thank_you, debrief = only(after, GUEST), only(after, SAM)
    assert step(at(4), reply(thank_you, "Great talk. Please keep in touch!", at(4))) == []
    assert step(at(4, 1), reply(debrief, "yes - keep in touch. Very prepared.", at(4, 1))) == []

    with session_for(config) as session:
        [thread] = session.exec(select(Thread)).all()
        assert thread.state == "closed" and thread.keep_in_touch
    # Every handled mail in the inbox was marked, none deleted.
    assert len(imap_account.messages()) == 5
    assert all(b"$MailagentProcessed" in flags for _, flags, _ in imap_account.messages())

    capsys.readouterr()
    assert main(["--config", str(config.path), "threads", "show", str(thread.id), "--json"]) == 0
    story = json.loads(capsys.readouterr().out)
    assert story["state"] == "closed"
    assert [a["status"] for a in story["assignments"]] == ["accepted"]
    assert story["meeting"]["start"] == start.isoformat()
