"""Bounces, limits, the pause switch, the circuit breaker, the time budget, forged signals:
each as a short conversation on the Maildir transports."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from harness import (
    deliver,
    events,
    guest_mail,
    maildir_config,
    messages,
    one_pass,
    outbox_rows,
    parse,
    session_for,
    threads,
)

from mailagent.cli.app import main
from mailagent.config.settings import Config
from mailagent.core.mime import Limits
from mailagent.core.parse import Inbound, parse_message
from mailagent.service import handling
from mailagent.store.tables import Thread

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def sent_files(tmp_path: Path) -> list[EmailMessage]:
    folder = tmp_path / "out" / "new"
    return [parse(p.read_bytes()) for p in sorted(folder.iterdir())] if folder.exists() else []


def dsn(to: str, recipient: str, action: str, status: str, quoted_id: str = "") -> bytes:
    quoted = f"Message-ID: <{quoted_id}>\r\n" if quoted_id else "Subject: (headers lost)\r\n"
    return (
        "Return-Path: <>\r\n"
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
        f"To: {to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <dsn-" + status + action + "@mx.example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=b1\r\n\r\n"
        "--b1\r\nContent-Type: text/plain\r\n\r\nYour mail could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: {action}\r\nStatus: {status}\r\n"
        f"Diagnostic-Code: smtp; {status} mailbox unavailable\r\n\r\n"
        f"--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n{quoted}\r\n--b1--\r\n"
    ).encode()


def reopen_as_new_request(config: Config, thread_id: int, state: str = "expired") -> None:
    with session_for(config) as session:
        thread = session.get(Thread, thread_id)
        assert thread is not None
        thread.state = state


@pytest.mark.parametrize("by", ["verp", "message-id"])
def test_a_permanent_bounce_stops_mail_to_that_address(tmp_path: Path, by: str) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail(sender="Gone <gone@example.org>"))
    one_pass(config, NOW)
    [row] = outbox_rows(config)
    [questionnaire] = sent_files(tmp_path)
    our_id = questionnaire["Message-ID"].strip("<>")
    to = row.envelope_from if by == "verp" else "interviews@firm.example"
    deliver(config, dsn(to, "gone@example.org", "failed", "5.1.1", our_id))

    report = one_pass(config, NOW + timedelta(minutes=5))

    assert report.outbox.sent == 0
    [row] = outbox_rows(config)
    assert row.status == "bounced"
    [thread] = threads(config)
    assert (
        "bounce",
        "gone@example.org: 5.1.1 smtp; 5.1.1 mailbox unavailable; no more mail to it",
    ) in events(config, thread.id)
    assert messages(config, thread.id)[-1].kind == "bounce"
    # The guest writes again after the thread ended: nothing is written to a dead address.
    reopen_as_new_request(config, thread.id)
    deliver(config, guest_mail(sender="Gone <gone@example.org>", subject="Hello again"))
    one_pass(config, NOW + timedelta(days=9))
    assert len(sent_files(tmp_path)) == 1
    newest = threads(config)[-1]
    [detail] = [d for what, d in events(config, newest.id) if what == "limited"]
    assert detail.startswith(
        "questionnaire to gone@example.org not sent: address suppressed: 5.1.1"
    )


def test_a_delay_notice_changes_nothing(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail(sender="Slow <slow@example.org>"))
    one_pass(config, NOW)
    [row] = outbox_rows(config)
    deliver(config, dsn(row.envelope_from, "slow@example.org", "delayed", "4.4.7"))

    one_pass(config, NOW + timedelta(minutes=5))

    [row] = outbox_rows(config)
    assert row.status == "sent"
    [thread] = threads(config)
    assert ("bounce_ignored", "slow@example.org: delayed 4.4.7") in events(config, thread.id)


def test_one_questionnaire_per_address_per_week(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail())
    one_pass(config, NOW)
    [first] = threads(config)
    reopen_as_new_request(config, first.id, "withdrawn")
    deliver(config, guest_mail(subject="Another question"))

    one_pass(config, NOW + timedelta(days=2))

    assert len(sent_files(tmp_path)) == 1
    second = threads(config)[-1]
    assert second.id != first.id
    assert any(w == "limited" for w, _ in events(config, second.id))


def test_pause_holds_all_sending_until_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = maildir_config(tmp_path)
    assert main(["--config", str(config.path), "pause", "--reason", "template review"]) == 0
    deliver(config, guest_mail())
    assert main(["--config", str(config.path), "run", "--once"]) == 0
    assert "sending held: paused by" in capsys.readouterr().out
    assert sent_files(tmp_path) == [] and [r.status for r in outbox_rows(config)] == ["pending"]

    assert main(["--config", str(config.path), "resume"]) == 0
    assert main(["--config", str(config.path), "run", "--once"]) == 0
    assert len(sent_files(tmp_path)) == 1


def test_the_circuit_breaker_spreads_a_burst_over_minutes(tmp_path: Path) -> None:
    config = maildir_config(tmp_path, limits={"global_per_minute": 2})
    deliver(config, *(guest_mail(sender=f"G{n} <g{n}@example.org>") for n in range(5)))

    first = one_pass(config, NOW)
    assert first.outbox.sent == 2 and first.outbox.held.startswith("circuit breaker")
    assert one_pass(config, NOW + timedelta(seconds=30)).outbox.sent == 0
    assert one_pass(config, NOW + timedelta(seconds=61)).outbox.sent == 2
    assert one_pass(config, NOW + timedelta(seconds=122)).outbox.sent == 1
    assert len(sent_files(tmp_path)) == 5


def test_a_message_over_the_time_budget_is_quarantined_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = maildir_config(tmp_path, inbox={"message_seconds": 0.5})

    def slow(raw: bytes, limits: Limits) -> Inbound:
        if b"SLOW" in raw:
            time.sleep(5)
        return parse_message(raw, limits)

    monkeypatch.setattr(handling, "parse_message", slow)
    deliver(config, guest_mail(body="SLOW"), guest_mail(sender="Ben <ben@example.org>"))

    started = time.monotonic()
    report = one_pass(config, NOW)

    assert time.monotonic() - started < 4
    assert report.intake.quarantined == 1 and report.outbox.sent == 1
    slow_row = messages(config)[0]
    assert slow_row.status == "quarantined" and slow_row.last_error == "took longer than 0.5 s"


@pytest.mark.parametrize(
    ("headers", "answered", "category"),
    [
        pytest.param({"X-Mailagent-Loop": "mailagent"}, False, "loop", id="our loop header"),
        pytest.param({"X-Mailagent-Loop": "other-instance"}, True, "human", id="foreign loop id"),
        pytest.param({"X-Spam-Flag": "YES"}, False, "spam", id="our spam verdict"),
        pytest.param(
            {"Authentication-Results": "mx.firm.example; dmarc=fail header.from=example.org"},
            False,
            "human",
            id="DMARC fail from our border: held",
        ),
        pytest.param(
            {"Authentication-Results": "evil.example; dmarc=fail"},
            True,
            "human",
            id="forged results from another server: ignored",
        ),
    ],
)
def test_signals_only_we_set_are_trusted(
    tmp_path: Path, headers: dict[str, str], answered: bool, category: str
) -> None:
    config = maildir_config(
        tmp_path, inbox={"authserv_id": "mx.firm.example", "spam_header": "X-Spam-Flag"}
    )
    deliver(config, guest_mail(headers=headers))

    one_pass(config, NOW)

    assert (len(sent_files(tmp_path)) == 1) is answered
    [row] = [m for m in messages(config) if m.direction == "in"]
    assert row.category == category
    if "dmarc=fail" in headers.get("Authentication-Results", "") and not answered:
        [thread] = threads(config)
        assert thread.state == "needs_human"
