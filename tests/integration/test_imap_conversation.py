"""The first conversation on real servers: Dovecot (IMAP) in, aiosmtpd (SMTP) out, SQLite.

Each test reads like a conversation: given these mails arrive, after one pass this went out and
the thread is in this state.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness import (
    events,
    guest_mail,
    make_config,
    messages,
    one_pass,
    outbox_rows,
    reply_to,
    session_for,
    shown,
    threads,
)
from servers import ImapAccount, SmtpServer

from mailagent.config.settings import Config
from mailagent.core.matching import tokens_in
from mailagent.store.inbound import get_watermark
from mailagent.transports.imap import ImapInbox

PROCESSED = b"$MailagentProcessed"


@pytest.fixture
def config(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Config:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    return make_config(tmp_path, imap_account.url(), smtp_server.url)


def test_a_request_is_answered_with_the_questionnaire(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    request = guest_mail(message_id="<req-1@mail.example.org>")
    imap_account.append(request)

    report = one_pass(config)

    assert report.outbox.sent == 1
    [sent] = smtp_server.wait_for(1)
    mail = sent.message
    assert sent.rcpt_tos == ["dana.ruiz@example.org"]
    assert sent.mail_from.startswith("interviews+b-") and sent.mail_from.endswith("@firm.example")
    assert mail["To"].addresses[0].addr_spec == "dana.ruiz@example.org"
    assert mail["From"].addresses[0].addr_spec == "interviews@firm.example"
    assert mail["Subject"] == "Re: Informational interview about logistics?"
    assert mail["In-Reply-To"] == "<req-1@mail.example.org>"
    assert mail["References"] == "<req-1@mail.example.org>"
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["X-Auto-Response-Suppress"] == "All"
    assert mail["X-Mailagent-Loop"] == "mailagent"
    assert mail["Message-ID"].endswith("@mailagent.firm.example>")
    assert mail.get_all("Cc") is None and mail.get_all("Bcc") is None
    [thread] = threads(config)
    assert thread.state == "awaiting_guest"
    assert tokens_in([mail["Reply-To"].addresses[0].addr_spec], "interviews@firm.example") == [
        thread.token
    ]
    text = shown(mail)
    html = " ".join(mail.get_body(("html",)).get_content().split())
    assert "Dear Dana Ruiz" in text and "not a job interview" in text
    assert "What could we learn from you in return?" in text
    assert '<li value="4">What could we learn from you in return?' in html
    assert "It is not a job interview</strong>" in html
    # The guest's mail is marked, never \Seen, never deleted.
    [(_, flags, raw)] = imap_account.messages()
    assert raw == request
    assert PROCESSED in flags and b"\\Seen" not in flags


def test_the_guests_reply_joins_the_same_thread(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    imap_account.append(guest_mail())
    one_pass(config)
    [questionnaire] = smtp_server.wait_for(1)

    imap_account.append(reply_to(questionnaire.message, body="Thanks, I will answer tonight."))
    one_pass(config)

    [thread] = threads(config)
    assert thread.state == "awaiting_guest"
    kinds = [(m.direction, m.kind) for m in messages(config, thread.id)]
    assert kinds == [("in", "request"), ("out", "questionnaire"), ("in", "reply")]
    assert ("guest_reply", "reply from guest; matched by token") in events(config, thread.id)
    assert len(smtp_server.received) == 1  # a reply is not a new request: nothing more is sent


@pytest.mark.parametrize(
    ("use_token", "use_headers", "how"),
    [
        pytest.param(False, True, "in-reply-to", id="headers-only"),
        pytest.param(False, False, "sender", id="neither-token-nor-headers"),
    ],
)
def test_a_reply_without_the_token_still_finds_its_thread(
    config: Config,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    use_token: bool,
    use_headers: bool,
    how: str,
) -> None:
    imap_account.append(guest_mail())
    one_pass(config)
    [questionnaire] = smtp_server.wait_for(1)

    imap_account.append(
        reply_to(questionnaire.message, use_token=use_token, use_headers=use_headers)
    )
    one_pass(config)

    [thread] = threads(config)
    assert f"matched by {how}" in dict(events(config, thread.id))["guest_reply"]
    assert len(smtp_server.received) == 1


def test_machine_mail_is_stored_and_never_answered(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    imap_account.append(guest_mail(headers={"Auto-Submitted": "auto-replied (vacation)"}))
    imap_account.append(guest_mail(headers={"List-Id": "<careers.lists.example.edu>"}))
    imap_account.append(guest_mail(sender="MAILER-DAEMON@mx.example.org", subject="Undelivered"))

    report = one_pass(config)

    assert report.intake.handled == 3
    assert report.outbox.sent == 0 and smtp_server.received == []
    assert threads(config) == []
    assert [(m.category, m.rule.split()[0]) for m in messages(config)] == [
        ("auto", "A2"),
        ("list", "A4"),
        ("system", "A7"),
    ]
    assert all(PROCESSED in flags for _, flags, _ in imap_account.messages())


def test_restarting_never_answers_twice(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    request = guest_mail()
    imap_account.append(request)
    one_pass(config)
    assert one_pass(config).intake.fetched == 0  # a second process start: nothing new
    # Lost progress: the mail is fetched again, but its server identity is already stored.
    with session_for(config) as session:
        mark = get_watermark(session, "inbox")
        assert mark is not None
        mark.last_uid = 0
    assert one_pass(config).intake.handled == 0
    # The same mail delivered a second time (new UID): its Message-ID is already handled.
    imap_account.append(request)
    report = one_pass(config)

    assert report.intake.duplicates == 1
    assert len(smtp_server.wait_for(1)) == 1
    assert [m.status for m in messages(config) if m.direction == "in"] == ["done", "duplicate"]
    assert len(threads(config)) == 1


def test_a_crash_between_commit_and_marking_answers_once(
    config: Config,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    imap_account.append(guest_mail())

    def die(self: ImapInbox, uids: list[int]) -> None:
        raise SystemExit("killed after the commit, before the server was touched")

    with monkeypatch.context() as patch:
        patch.setattr(ImapInbox, "mark_processed", die)
        with pytest.raises(SystemExit):
            one_pass(config)
    [(_, flags, _)] = imap_account.messages()
    assert PROCESSED not in flags  # the process died before marking

    one_pass(config)

    [(_, flags, _)] = imap_account.messages()
    assert PROCESSED in flags
    assert len(smtp_server.wait_for(1)) == 1
    assert [r.status for r in outbox_rows(config)] == ["sent"]


def test_a_uidvalidity_change_neither_loses_nor_duplicates(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    imap_account.create_folder("Requests")
    config = make_config(tmp_path, imap_account.url("Requests"), smtp_server.url)
    first = guest_mail(sender="Ana <ana@example.org>", message_id="<a@example.org>")
    second = guest_mail(sender="Ben <ben@example.org>", message_id="<b@example.org>")
    imap_account.append(first, folder="Requests")
    imap_account.append(second, folder="Requests")
    one_pass(config)
    before = imap_account.uidvalidity("Requests")

    # The server rebuilds the folder: same mail, new UIDs under a new UIDVALIDITY, plus a new one.
    imap_account.recreate_folder("Requests")
    third = guest_mail(sender="Cem <cem@example.org>", message_id="<c@example.org>")
    for raw in (first, second, third):
        imap_account.append(raw, folder="Requests")
    assert imap_account.uidvalidity("Requests") != before
    report = one_pass(config)

    assert report.intake.duplicates == 2
    received = smtp_server.wait_for(3)
    assert sorted(r.rcpt_tos[0] for r in received) == [
        "ana@example.org",
        "ben@example.org",
        "cem@example.org",
    ]
    assert len(threads(config)) == 3
    assert all(PROCESSED in flags for _, flags, _ in imap_account.messages("Requests"))


def test_processed_mail_can_move_to_a_folder(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    config = make_config(
        tmp_path,
        imap_account.url(),
        smtp_server.url,
        inbox={"processed_folder": "Processed"},
    )
    request = guest_mail()
    imap_account.append(request)

    one_pass(config)

    assert imap_account.messages() == []
    [(_, flags, raw)] = imap_account.messages("Processed")
    assert raw == request and PROCESSED in flags


def test_a_temporary_smtp_refusal_is_retried_and_a_permanent_one_fails(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    imap_account.append(guest_mail(sender="Ana <ana@example.org>"))
    smtp_server.fail_next("451 4.3.0 try later", at="RCPT")
    now = datetime.now(UTC)

    first = one_pass(config, now)
    assert (first.outbox.sent, first.outbox.retry) == (0, 1)
    [row] = outbox_rows(config)
    assert row.status == "pending" and row.next_attempt_at == now + timedelta(seconds=60)
    assert "451" in row.last_error

    early = one_pass(config, now + timedelta(seconds=30))  # not due yet
    assert early.outbox.sent == 0
    later = one_pass(config, now + timedelta(seconds=61))
    assert later.outbox.sent == 1
    [sent] = smtp_server.wait_for(1)
    [row] = outbox_rows(config)
    assert row.status == "sent" and row.attempts == 2
    assert sent.message["Message-ID"] == f"<{messages(config)[1].message_id}>"

    imap_account.append(guest_mail(sender="Ben <ben@example.org>"))
    smtp_server.fail_next("554 5.7.1 rejected", at="DATA")
    final = one_pass(config, now + timedelta(seconds=120))
    assert final.outbox.failed == 1
    assert [r.status for r in outbox_rows(config)] == ["sent", "failed"]
