"""The configured transports, opened from their URLs: ``maildir:`` folders, IMAP, SMTP.

imapclient and smtplib are imported only when an IMAP inbox or SMTP outbox is configured, so
the embedded default (Maildir folders) never pays for them.
"""

from __future__ import annotations

from pathlib import Path

from mailagent.config.transport import InboxSettings, OutboxSettings
from mailagent.transports.inbox import Inbox
from mailagent.transports.sender import Sender


def open_inbox(settings: InboxSettings) -> Inbox:
    endpoint = settings.endpoint
    if endpoint.is_maildir:
        from mailagent.transports.maildir import MaildirInbox

        return MaildirInbox(Path(endpoint.path), settings)
    from mailagent.transports.imap import ImapInbox

    return ImapInbox(endpoint, settings)


def open_sender(settings: OutboxSettings) -> Sender:
    endpoint = settings.endpoint
    if endpoint.is_maildir:
        from mailagent.transports.pickup import MaildirSender

        return MaildirSender(Path(endpoint.path))
    from mailagent.transports.smtp import SmtpSender

    return SmtpSender(endpoint, settings)
