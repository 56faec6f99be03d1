"""Microsoft 365 and Google mailboxes log in with XOAUTH2: the token comes from a command or a
file, is read again for every connection, and an expired one is named as such. Against Dovecot
(tokens checked by introspection with a small HTTP server of the test's own) and aiosmtpd."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from harness import guest_mail, make_config, one_pass, threads
from servers import DovecotFactory, SmtpServerFactory

from mailagent.cli.app import main
from mailagent.errors import SessionRefused
from mailagent.transports.imap import ImapInbox

USER = "agent"
VALID = "ya29.valid-token"


@pytest.fixture
def introspection() -> Iterator[str]:
    """An RFC 7662 endpoint: the token VALID is active for USER, everything else is not."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            token = (form.get("token") or [""])[0]
            if not token and self.headers.get("Authorization", "").startswith("Bearer "):
                token = self.headers["Authorization"].removeprefix("Bearer ")
            body = {"active": True, "username": USER} if token == VALID else {"active": False}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/introspect"
    finally:
        server.shutdown()
        server.server_close()


def test_imap_and_smtp_with_a_token_from_a_file_then_an_expired_one(
    tmp_path: Path,
    introspection: str,
    dovecot_factory: DovecotFactory,
    smtp_server_factory: SmtpServerFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dovecot = dovecot_factory(oauth2_introspection=introspection)
    account = dovecot.add_user(USER, "unused-password")
    sink = smtp_server_factory(auth_user=USER, auth_password=VALID)
    token_file = tmp_path / "token"
    token_file.write_text(VALID + "\n")
    oauth = {"auth": "xoauth2", "oauth2_token_file": str(token_file)}
    config = make_config(
        tmp_path,
        f"imap://{USER}@{dovecot.host}:{dovecot.port}/INBOX",
        f"smtp://{USER}@{sink.host}:{sink.port}",
        inbox=oauth,
        outbox=oauth,
    )
    account.append(guest_mail())

    report = one_pass(config)
    assert report.inbox_error == "" and report.outbox.sent == 1
    [sent] = sink.wait_for(1)
    assert sent.rcpt_tos == ["dana.ruiz@example.org"]
    assert [t.state for t in threads(config)] == ["awaiting_guest"]

    # The token expires: the next connection says so, in one line, on both sides.
    token_file.write_text("ya29.expired-token\n")
    with pytest.raises(SessionRefused, match=r"XOAUTH2 login refused.*expired"):
        ImapInbox(config.settings.inbox.endpoint, config.settings.inbox).open()
    capsys.readouterr()
    assert main(["--config", str(config.path), "check-config"]) == 1
    out = capsys.readouterr().out
    assert "inbox: FAILED" in out and "XOAUTH2 login refused" in out
    assert "outbox: FAILED" in out and "token has probably expired" in out


def test_a_token_command_that_fails_is_named(tmp_path: Path) -> None:
    oauth = {"auth": "xoauth2", "oauth2_token_command": "sh -c 'echo refresh failed >&2; exit 3'"}
    config = make_config(
        tmp_path,
        f"imap://{USER}@127.0.0.1:1/INBOX",
        "maildir:out",
        inbox={**oauth, "starttls": False},
    )
    with pytest.raises(SessionRefused, match="oauth2_token_command exited 3: refresh failed"):
        ImapInbox(config.settings.inbox.endpoint, config.settings.inbox)._login(object())
