"""Self-tests of the integration fixtures: each server really runs and behaves as documented."""

from __future__ import annotations

import secrets
import smtplib
from email.message import EmailMessage

import psycopg
import pytest
from servers import Dovecot, ImapAccount, SmtpServer, SmtpServerFactory, SmtpStage

RAW = (
    b"From: Ann Example <ann@example.test>\r\n"
    b"To: interviews@firm.example\r\n"
    b"Subject: hello\r\n"
    b"Message-ID: <fixture-selftest@example.test>\r\n"
    b"\r\n"
    b"Body line.\r\n"
)


def _message(subject: str = "hello") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "interviews@firm.example"
    msg["To"] = "ann@example.test"
    msg["Subject"] = subject
    msg.set_content("Body line.\n")
    return msg


def test_append_then_fetch_returns_bytes_and_uid(imap_account: ImapAccount) -> None:
    assert imap_account.messages() == []
    first = imap_account.append(RAW)
    second = imap_account.append(RAW, flags=(b"\\Seen",))
    assert second > first
    assert imap_account.messages() == [(first, set(), RAW), (second, {b"\\Seen"}, RAW)]
    assert imap_account.url() == f"imap://{imap_account.user}@127.0.0.1:{imap_account.port}/INBOX"


def test_imap_accounts_are_isolated(dovecot: Dovecot, imap_account: ImapAccount) -> None:
    imap_account.append(RAW)
    other = dovecot.add_user(f"other-{secrets.token_hex(4)}", "secret")
    assert other.messages() == []
    with pytest.raises(ValueError, match="already exists"):
        dovecot.add_user(other.user, "secret")


def test_recreate_folder_changes_uidvalidity(imap_account: ImapAccount) -> None:
    imap_account.create_folder("Processed")
    imap_account.append(RAW, folder="Processed")
    before = imap_account.uidvalidity("Processed")
    imap_account.recreate_folder("Processed")
    assert imap_account.uidvalidity("Processed") != before
    assert imap_account.messages("Processed") == []
    with pytest.raises(ValueError, match="INBOX"):
        imap_account.recreate_folder("INBOX")


def test_lmtp_delivers_into_inbox(dovecot: Dovecot, imap_account: ImapAccount) -> None:
    with smtplib.LMTP(dovecot.host, dovecot.lmtp_port) as lmtp:
        lmtp.sendmail("ann@example.test", [f"{imap_account.user}@firm.example"], RAW)
    [(_, _, raw)] = imap_account.messages()
    assert raw.endswith(RAW)  # LMTP prepends Return-Path and Received


def test_smtp_records_envelope_and_data(smtp_server: SmtpServer) -> None:
    assert smtp_server.url == f"smtp://127.0.0.1:{smtp_server.port}"
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.sendmail(
            "bounce@firm.example", ["ann@example.test", "bob@example.test"], RAW, ["BODY=8BITMIME"]
        )
    [received] = smtp_server.wait_for(1)
    assert received.mail_from == "bounce@firm.example"
    assert received.rcpt_tos == ["ann@example.test", "bob@example.test"]
    assert "BODY=8BITMIME" in received.mail_options  # smtplib adds SIZE=n on its own
    assert received.rcpt_options == []
    assert received.data == RAW
    assert received.message["Subject"] == "hello"


def test_wait_for_reports_what_arrived(smtp_server: SmtpServer) -> None:
    with pytest.raises(AssertionError, match="got 0"):
        smtp_server.wait_for(1, timeout=0.1)


@pytest.mark.parametrize(
    ("at", "error"),
    [("RCPT", smtplib.SMTPRecipientsRefused), ("DATA", smtplib.SMTPDataError)],
)
def test_fail_next_refuses_then_accepts(
    smtp_server: SmtpServer, at: SmtpStage, error: type[smtplib.SMTPException]
) -> None:
    smtp_server.fail_next("451 4.3.0 try later", at=at)
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        with pytest.raises(error) as caught:
            client.send_message(_message("refused"))
        if isinstance(caught.value, smtplib.SMTPRecipientsRefused):
            assert caught.value.recipients == {"ann@example.test": (451, b"4.3.0 try later")}
        else:
            assert isinstance(caught.value, smtplib.SMTPDataError)
            assert (caught.value.smtp_code, caught.value.smtp_error) == (451, b"4.3.0 try later")
        client.send_message(_message("accepted"))
    [received] = smtp_server.wait_for(1)
    assert received.message["Subject"] == "accepted"


def test_smtp_auth_accepts_only_the_configured_pair(
    smtp_server_factory: SmtpServerFactory,
) -> None:
    server = smtp_server_factory(auth_user="mailer", auth_password="s3cret")
    with smtplib.SMTP(server.host, server.port, timeout=10) as client:
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.send_message(_message("unauthenticated"))
        assert refused.value.smtp_code == 530
        with pytest.raises(smtplib.SMTPAuthenticationError):
            client.login("mailer", "wrong")
        client.login("mailer", "s3cret")
        client.send_message(_message("authenticated"))
    [received] = server.wait_for(1)
    assert received.message["Subject"] == "authenticated"


def test_pg_url_points_at_a_fresh_database(pg_url: str) -> None:
    prefix = "postgresql+psycopg://postgres@127.0.0.1:5432/mailagent_test_"
    assert pg_url.startswith(prefix)
    name = pg_url.rsplit("/", 1)[1]
    with psycopg.connect(host="127.0.0.1", port=5432, user="postgres", dbname=name) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
