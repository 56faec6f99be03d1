"""A link lost after the message body went out: the row is ``uncertain``, never resent blindly,
and settled when its Message-ID turns up in the IMAP Sent folder."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness import guest_mail, make_config, one_pass, outbox_rows, session_for
from servers import ImapAccount, SmtpServer, free_port
from sqlmodel import select

from mailagent.config.settings import Config
from mailagent.store.tables import Outbox


class DropsAfterData:
    """An SMTP server that accepts everything and hangs up instead of answering the final dot."""

    def __init__(self) -> None:
        self.port = free_port()
        self.bodies: list[bytes] = []
        self._sock = socket.create_server(("127.0.0.1", self.port))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                self._session(conn)

    def _session(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        conn.sendall(b"220 drops.test ESMTP\r\n")
        for line in reader:
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                conn.sendall(b"250 drops.test\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 go ahead\r\n")
                body = b""
                for data_line in reader:
                    if data_line == b".\r\n":
                        break
                    body += data_line
                self.bodies.append(body)
                return  # the body is in; the "250" never comes
            elif verb == b"QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            else:
                conn.sendall(b"250 ok\r\n")

    def close(self) -> None:
        self._sock.close()


@pytest.fixture
def dropping_server() -> Iterator[DropsAfterData]:
    server = DropsAfterData()
    yield server
    server.close()


@pytest.fixture
def config(
    tmp_path: Path,
    imap_account: ImapAccount,
    dropping_server: DropsAfterData,
    monkeypatch: pytest.MonkeyPatch,
) -> Config:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    imap_account.create_folder("Sent")
    return make_config(
        tmp_path,
        imap_account.url(),
        f"smtp://127.0.0.1:{dropping_server.port}",
        outbox={"sent_folder": "Sent", "timeout": 5},
    )


def test_uncertain_mail_is_not_resent_and_is_settled_from_the_sent_folder(
    config: Config, imap_account: ImapAccount, dropping_server: DropsAfterData
) -> None:
    imap_account.append(guest_mail())

    first = one_pass(config)

    assert first.outbox.uncertain == 1
    [row] = outbox_rows(config)
    assert row.status == "uncertain" and "after the message was sent" in row.last_error
    assert len(dropping_server.bodies) == 1

    assert one_pass(config).outbox.sent == 0  # never resent blindly
    assert len(dropping_server.bodies) == 1 and outbox_rows(config)[0].status == "uncertain"

    # The provider filed a copy in Sent (as Gmail and Microsoft 365 do): now we know.
    imap_account.append(dropping_server.bodies[0].replace(b"\r\n..", b"\r\n."), folder="Sent")
    settled = one_pass(config)

    assert settled.outbox.reconciled == 1
    [row] = outbox_rows(config)
    assert row.status == "sent" and row.last_error == "found in the Sent folder"
    assert len(dropping_server.bodies) == 1


def test_a_dead_senders_rows_are_retried_unless_their_body_may_have_gone_out(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    config = make_config(tmp_path, imap_account.url(), smtp_server.url, outbox={"timeout": 5})
    smtp_server.fail_next("451 4.3.0 not now", at="RCPT", times=2)
    imap_account.append(guest_mail(sender="Ana <ana@example.org>"))
    imap_account.append(guest_mail(sender="Ben <ben@example.org>"))
    start = datetime.now(UTC)
    one_pass(config, start)
    # Make it look as if a worker died holding both rows: Ana's before DATA, Ben's after.
    with session_for(config) as session:
        for row in session.exec(select(Outbox)).all():
            row.status, row.claimed_at = "sending", start
            row.data_at = start if row.recipient == "ben@example.org" else None

    one_pass(config, start + timedelta(seconds=71))

    assert {r.recipient: r.status for r in outbox_rows(config)} == {
        "ana@example.org": "sent",
        "ben@example.org": "uncertain",
    }
    assert [r.rcpt_tos for r in smtp_server.wait_for(1)] == [["ana@example.org"]]
