"""Outbound adapters: SMTP (smtplib) and a Maildir pickup folder.

An adapter sends one prepared mail and reports how it went by raising one of three errors:
:class:`TransportError` (nothing was accepted: retry later), :class:`PermanentSendError` (5xx) or
:class:`UncertainSendError` (the link failed after the body went out: it may have been delivered,
so it must not be resent blindly; mail-rules E.4).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Protocol

from mailagent import oauth
from mailagent.config import OutboxSettings
from mailagent.endpoints import Endpoint
from mailagent.errors import (
    PermanentSendError,
    SessionRefused,
    TransportError,
    UncertainSendError,
)

_LEADING_DOT = re.compile(rb"(?m)^\.")


@dataclass(frozen=True)
class Outgoing:
    """One mail as it goes on the wire: CRLF bytes, envelope sender and its one recipient."""

    message_id: str
    envelope_from: str
    recipient: str
    data: bytes
    notify_never: bool = False


def _nothing() -> None:
    return None


class Sender(Protocol):
    """A connection to the outgoing transport, used for one flush."""

    def __enter__(self) -> Sender: ...

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def send(self, mail: Outgoing, before_body: Callable[[], None] = _nothing) -> None:
        """Deliver ``mail``; ``before_body`` runs just before the body goes out (after that a
        failure is uncertain)."""

    def alive(self) -> bool:
        """False once the connection is gone (the rest of the flush waits for the next try)."""

    def already_sent(self, message_id: str) -> bool | None:
        """True/False when the transport can tell whether ``message_id`` went out; None if not."""


def open_sender(settings: OutboxSettings) -> Sender:
    endpoint = settings.endpoint
    if endpoint.is_maildir:
        return MaildirSender(Path(endpoint.path))
    return SmtpSender(endpoint, settings)


class MaildirSender:
    """Writes each mail into ``<path>/new`` under a name derived from its Message-ID.

    The name is deterministic, so writing the same row twice leaves one file: the folder itself
    tells whether a row was sent.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> MaildirSender:
        try:
            for sub in ("tmp", "new", "cur"):
                (self.path / sub).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TransportError(f"maildir:{self.path}: {exc.strerror or exc}") from exc
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    @staticmethod
    def file_name(message_id: str) -> str:
        return hashlib.sha256(message_id.encode()).hexdigest()[:32] + ".mailagent.eml"

    def send(self, mail: Outgoing, before_body: Callable[[], None] = _nothing) -> None:
        before_body()
        name = self.file_name(mail.message_id)
        tmp = self.path / "tmp" / name
        try:
            # Maildir readers expect local line endings.
            tmp.write_bytes(mail.data.replace(b"\r\n", b"\n"))
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.path / "new" / name)
        except OSError as exc:
            raise TransportError(f"maildir:{self.path}: {exc.strerror or exc}") from exc

    def alive(self) -> bool:
        return True

    def already_sent(self, message_id: str) -> bool | None:
        """True when the file is there (under any flags); None when absent, because the
        program collecting the mail may have taken it away."""
        stem = self.file_name(message_id)
        if any(any((self.path / sub).glob(f"{stem}*")) for sub in ("new", "cur")):
            return True
        return None


class SmtpSender:
    """One SMTP session per flush: MAIL, RCPT and DATA issued one by one so that every failure is
    known to have happened before or after the body went out."""

    def __init__(self, endpoint: Endpoint, settings: OutboxSettings) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.settings.ca_file or None)
        if not self.settings.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _login(self, smtp: smtplib.SMTP) -> None:
        e, s = self.endpoint, self.settings
        if s.auth == "xoauth2":
            what = f"SMTP {e.display()}"
            token = oauth.fetch_token(s.oauth2_token_command, s.oauth2_token_file, what)
            try:
                # On a refused token the server sends its error as a challenge: answer it empty.
                smtp.auth(
                    "XOAUTH2",
                    lambda challenge=None: (
                        oauth.sasl_string(e.user, token) if challenge is None else ""
                    ),
                )
            except smtplib.SMTPAuthenticationError as exc:
                raise oauth.refused(what, _reply(exc)) from None
            return
        password = s.password()
        if e.user and not password:
            raise SessionRefused(f"SMTP {e.display()}: set {s.password_env} to log in")
        if e.user and password:
            smtp.login(e.user, password)

    def __enter__(self) -> SmtpSender:
        e, s = self.endpoint, self.settings
        try:
            if e.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    e.host, e.port, timeout=s.timeout, context=self._context()
                )
            else:
                smtp = smtplib.SMTP(e.host, e.port, timeout=s.timeout)
            self.smtp = smtp
            smtp.ehlo()
            if e.scheme == "smtp" and s.starttls:
                smtp.starttls(context=self._context())
                smtp.ehlo()
            self._login(smtp)
        except SessionRefused:
            self._drop()
            raise
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            raise SessionRefused(f"SMTP {e.display()}: login refused: {_reply(exc)}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise TransportError(f"SMTP {e.display()}: {exc!r}") from exc
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
            self._drop()

    def _drop(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(OSError):
                self.smtp.close()
            self.smtp = None

    def send(self, mail: Outgoing, before_body: Callable[[], None] = _nothing) -> None:
        smtp = self.smtp
        if smtp is None:
            raise TransportError("SMTP connection lost earlier in this flush")
        where = self.endpoint.display()
        mail_options = ["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else []
        rcpt_options = ["NOTIFY=NEVER"] if mail.notify_never and smtp.has_extn("dsn") else []
        try:
            code, text = smtp.mail(mail.envelope_from, mail_options)
            if code >= 500:
                # MAIL FROM is the same for every mail: a 5xx here is about us, not the mail.
                self._reset(smtp)
                raise SessionRefused(
                    f"SMTP {where}: MAIL FROM: {code} {text.decode(errors='replace')}"
                )
            self._command((code, text), "MAIL FROM")
            self._command(smtp.rcpt(mail.recipient, rcpt_options), "RCPT TO")
            before_body()
            self._command(smtp.docmd("DATA"), "DATA", expect=354)
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise TransportError(f"SMTP {where}: before the message was sent: {exc!r}") from exc
        body = _LEADING_DOT.sub(b"..", mail.data)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        try:
            smtp.send(body + b".\r\n")
            code, text = smtp.getreply()
        except (TimeoutError, OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise UncertainSendError(
                f"SMTP {where}: connection failed after the message was sent: {exc!r}"
            ) from exc
        if code != 250:
            self._reset(smtp)
            reply = f"{code} {text.decode(errors='replace')}"
            if 400 <= code < 500:
                raise TransportError(f"SMTP {where}: end of DATA: {reply}")
            raise PermanentSendError(f"SMTP {where}: end of DATA: {reply}")

    def _command(self, result: tuple[int, bytes], what: str, expect: int = 250) -> None:
        code, text = result
        if code == expect or (expect == 250 and 200 <= code < 300):
            return
        reply = f"{what}: {code} {text.decode(errors='replace')}"
        if self.smtp is not None:
            self._reset(self.smtp)
        if 500 <= code < 600:
            raise PermanentSendError(f"SMTP {self.endpoint.display()}: {reply}")
        raise TransportError(f"SMTP {self.endpoint.display()}: {reply}")

    def _reset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def alive(self) -> bool:
        return self.smtp is not None

    def already_sent(self, message_id: str) -> bool | None:
        return None


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {text}".strip()
