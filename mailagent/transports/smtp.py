"""The SMTP outbox (smtplib): one connection reused per flush, STARTTLS or implicit TLS,
password or XOAUTH2 login, a VERP envelope sender per mail, and replies mapped to the three
outcomes of :mod:`mailagent.transports.sender`.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Callable
from types import TracebackType

from mailagent.config.endpoints import Endpoint
from mailagent.config.transport import OutboxSettings
from mailagent.errors import (
    PermanentSendError,
    SessionRefused,
    TransportError,
    UncertainSendError,
)
from mailagent.transports import oauth
from mailagent.transports.sender import Outgoing, nothing_yet

_LEADING_DOT = re.compile(rb"(?m)^\.")


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

    def send(
        self,
        mail: Outgoing,
        before_body: Callable[[], None] = nothing_yet,
        while_waiting: Callable[[], None] = nothing_yet,
    ) -> None:
        smtp = self.smtp
        if smtp is None:
            raise TransportError("SMTP connection lost earlier in this flush")
        where = self.endpoint.display()
        mail_options = ["BODY=8BITMIME"] if smtp.has_extn("8bitmime") else []
        rcpt_options = ["NOTIFY=NEVER"] if mail.notify_never and smtp.has_extn("dsn") else []
        try:
            # Each reply is read after the caller's commit that can go meanwhile: the server
            # works on the command while the database makes the other step durable. Still one
            # command in flight at a time, as SMTP without PIPELINING wants.
            smtp.putcmd(
                "mail", f"FROM:{smtplib.quoteaddr(mail.envelope_from)}{_options(mail_options)}"
            )
            self._meanwhile(while_waiting)
            code, text = smtp.getreply()
            if code >= 500:
                # MAIL FROM is the same for every mail: a 5xx here is about us, not the mail.
                self._reset(smtp)
                raise SessionRefused(
                    f"SMTP {where}: MAIL FROM: {code} {text.decode(errors='replace')}"
                )
            self._command((code, text), "MAIL FROM")
            smtp.putcmd("rcpt", f"TO:{smtplib.quoteaddr(mail.recipient)}{_options(rcpt_options)}")
            self._meanwhile(before_body)
            self._command(smtp.getreply(), "RCPT TO")
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

    def _meanwhile(self, step: Callable[[], None]) -> None:
        try:
            step()
        except BaseException:
            # A reply is still due on this connection: reading the next command's reply would
            # get it instead. The connection goes; the rows after this one wait for the next.
            self._drop()
            raise

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


def _options(options: list[str]) -> str:
    return "".join(f" {option}" for option in options)


def _reply(exc: smtplib.SMTPResponseException) -> str:
    text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
    return f"{exc.smtp_code} {text}".strip()
