"""The few exception classes mailagent raises on purpose."""

from __future__ import annotations


class MailagentError(Exception):
    """Base class: an error the CLI reports as one line and exits non-zero."""


class ConfigError(MailagentError):
    """The configuration (TOML, environment, templates) is invalid; the message names the key."""


class TransportError(MailagentError):
    """A mail server could not be reached or refused us; the worker retries with backoff."""


class SessionRefused(TransportError):
    """The SMTP server refused the session itself (login, MAIL FROM): no message is at fault."""


class PermanentSendError(MailagentError):
    """The SMTP server rejected a message permanently (5xx): retrying cannot help."""


class UncertainSendError(MailagentError):
    """The link failed after the message body was sent: it may or may not have been accepted."""


class UidValidityChanged(MailagentError):
    """The mailbox's UIDVALIDITY differs from the stored watermark; the stored UIDs mean nothing."""
