"""Building blocks for conversation tests: a config on disk, guests' mails, one worker pass.

Imported as a top-level module (pytest puts this directory on ``sys.path`` for its conftest).
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, cast

from sqlmodel import Session, col, select

from mailagent.cli.app import main as cli_main
from mailagent.compose.flowed import from_flowed
from mailagent.config.loading import load_config
from mailagent.config.settings import Config
from mailagent.service.runtime import build_runtime
from mailagent.service.worker import PassReport, run_once
from mailagent.store.database import make_engine, transaction
from mailagent.store.tables import Message, Outbox, Thread
from mailagent.store.threads import list_threads, thread_events
from mailagent.transports.opening import open_inbox
from mailagent.transports.sender import Sender

if TYPE_CHECKING:
    from servers import ImapAccount, SmtpServer

REPO = Path(__file__).resolve().parents[2]
FIRM = "interviews@firm.example"
# A guest's answers to the questionnaire, numbered as a person replying to it writes them.
ANSWERS = """Thank you! Here are my answers.

1. I manage a retail store and have 8 years of experience in retail operations.
2. I want to understand the nature of work in logistics and the expertise it takes.
3. How do you plan capacity for the peak season?
4. I find your careers page hard to navigate; happy to say more.
5. Weekday afternoons, Berlin time.

Best,
Dana Ruiz
"""


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return json.dumps(list(value))
    return json.dumps(str(value))


def write_config(
    folder: Path, sections: Mapping[str, Mapping[str, object]], name: str = "mailagent.toml"
) -> Path:
    """Write a config file: the repo's templates and questionnaire plus ``sections``."""
    merged: dict[str, dict[str, object]] = {
        "firm": {"name": "Example Firm", "address": FIRM},
        "templates": {"dir": str(REPO / "templates")},
        "questionnaire": {"file": str(REPO / "config" / "questionnaire.toml")},
        "intent": {"file": str(REPO / "config" / "intent.toml")},
        "managers": {"file": str(REPO / "config" / "managers.toml")},
    }
    for section, values in sections.items():
        merged.setdefault(section, {}).update(values)
    lines = []
    for section, values in merged.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
        lines.append("")
    path = folder / name
    path.write_text("\n".join(lines))
    return path


def make_config(
    folder: Path,
    inbox_url: str,
    outbox_url: str,
    database_url: str | None = None,
    **sections: Mapping[str, object],
) -> Config:
    """A validated Config for these transports (SQLite in ``folder`` unless ``database``)."""
    base: dict[str, dict[str, object]] = {
        "inbox": {"url": inbox_url, "starttls": False, "poll_seconds": 0.2},
        "outbox": {"url": outbox_url, "starttls": False, "retry_first_seconds": 60},
        "database": {"url": database_url or f"sqlite:///{folder / 'mailagent.db'}"},
        "templates": {"cache_dir": str(folder / "cache")},
    }
    for section, values in sections.items():
        base.setdefault(section, {}).update(values)
    return load_config(write_config(folder, base))


def guest_mail(
    sender: str = "Dana Ruiz <dana.ruiz@example.org>",
    subject: str = "Informational interview about logistics?",
    body: str = "Hello, could I talk to one of your managers about logistics for half an hour?",
    to: str = FIRM,
    headers: Mapping[str, str] | None = None,
    message_id: str | None = None,
) -> bytes:
    """A guest's mail as delivered: Return-Path added by the final MTA, CRLF line endings."""
    msg = EmailMessage()
    address = email.utils.parseaddr(sender)[1]
    msg["Return-Path"] = f"<{address}>"
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    msg["Message-ID"] = message_id or make_msgid(domain="mail.example.org")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes(policy=email.policy.SMTP)


def reply_to(
    ours: EmailMessage,
    body: str = "Thank you! My answers are below.",
    use_token: bool = True,
    use_headers: bool = True,
) -> bytes:
    """The guest's reply to one of our mails, as a mail client would write it."""
    sender = str(ours["To"])
    to = str(ours["Reply-To"]) if use_token else FIRM
    headers: dict[str, str] = {}
    if use_headers:
        headers["In-Reply-To"] = str(ours["Message-ID"])
        headers["References"] = f"{ours['References'] or ''} {ours['Message-ID']}".strip()
    return guest_mail(
        sender=sender, subject=f"Re: {ours['Subject']}", body=body, to=to, headers=headers
    )


def shown(mail: EmailMessage) -> str:
    """The plain-text part as a reader sees it: soft line breaks of format=flowed joined."""
    body = mail.get_body(("plain",))
    assert body is not None, "no text/plain part"
    text = str(body.get_content())
    return from_flowed(text) if body.get_param("format") == "flowed" else text


def parse(raw: bytes) -> EmailMessage:
    return cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))


def spawn_worker(config: Config, env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``mailagent run`` as its own process, with ``env`` added to this one's environment.

    Its output goes to the file ``log``: a pipe nobody drains would stall the worker once full.
    """
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "mailagent", "--config", str(config.path), "run"],
            cwd=REPO,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def one_pass(
    config: Config,
    now: datetime | None = None,
    stopping: Callable[[], bool] = lambda: False,
    sender: Sender | None = None,
) -> PassReport:
    """One worker pass as ``mailagent run --once`` does it (fresh runtime, like a new process);
    ``stopping`` and ``sender`` as for :func:`mailagent.worker.run_once`."""
    rt = build_runtime(config)
    inbox = open_inbox(config.settings.inbox)
    try:
        return run_once(rt, inbox, now or datetime.now(UTC), stopping, sender)
    finally:
        inbox.close()
        rt.engine.dispose()


def maildir_steps(config: Config, folder: Path) -> Callable[..., list[EmailMessage]]:
    """``step(when, *mails)``: deliver ``mails`` to the Maildir inbox, run one pass at ``when``
    as ``mailagent run --once --now`` does, return the mail it wrote to ``folder``/out."""
    seen = 0

    def step(when: datetime, *mails: bytes) -> list[EmailMessage]:
        nonlocal seen
        deliver(config, *mails)
        run = ["--config", str(config.path), "--log-level", "WARNING", "run", "--once"]
        assert cli_main([*run, "--now", when.isoformat()]) == 0
        out = sent_mail(folder)
        new, seen = out[seen:], len(out)
        return new

    return step


def server_steps(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> Callable[..., list[EmailMessage]]:
    """``step(when, *mails)``: APPEND ``mails`` to the Dovecot account, run one pass at
    ``when``, return what aiosmtpd received during it."""

    def step(when: datetime, *mails: bytes) -> list[EmailMessage]:
        before = len(smtp_server.received)
        for raw in mails:
            imap_account.append(raw)
        one_pass(config, when)
        return [r.message for r in smtp_server.received[before:]]

    return step


@contextmanager
def session_for(config: Config) -> Iterator[Session]:
    """A read-write session on ``config``'s database, closed (and its engine disposed) after."""
    engine = make_engine(config.settings.database.url)
    try:
        with transaction(engine) as session:
            yield session
    finally:
        engine.dispose()


def threads(config: Config) -> list[Thread]:
    with session_for(config) as session:
        return list_threads(session)


def messages(config: Config, thread_id: int | None = None) -> list[Message]:
    with session_for(config) as session:
        stmt = select(Message).order_by(col(Message.id))
        if thread_id is not None:
            stmt = stmt.where(Message.thread_id == thread_id)
        return list(session.exec(stmt).all())


def outbox_rows(config: Config) -> list[Outbox]:
    with session_for(config) as session:
        return list(session.exec(select(Outbox).order_by(col(Outbox.id))).all())


def events(config: Config, thread_id: int) -> list[tuple[str, str]]:
    with session_for(config) as session:
        return [(e.what, e.detail) for e in thread_events(session, thread_id)]


def maildir_config(folder: Path, **sections: Mapping[str, object]) -> Config:
    """The embedded-default transports in ``folder``: Maildir ``in`` and ``out``, SQLite."""
    return make_config(folder, f"maildir:{folder / 'in'}", f"maildir:{folder / 'out'}", **sections)


def deliver(config: Config, *mails: bytes) -> None:
    """Put ``mails`` into the configured inbox, as `mailagent inject` does."""
    inbox = open_inbox(config.settings.inbox)
    for raw in mails:
        inbox.append(raw)


def sent_mail(folder: Path) -> list[EmailMessage]:
    """What went out through the Maildir outbox in ``folder``, oldest first."""
    new = folder / "out" / "new"
    if not new.exists():
        return []
    files = sorted(new.iterdir(), key=lambda p: p.stat().st_mtime_ns)
    return [parse(p.read_bytes()) for p in files]
