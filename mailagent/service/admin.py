"""Library functions behind the admin commands: look at and fix quarantined mail, the outbox and
the templates. Every change to a thread is written to its event log with who did it."""

from __future__ import annotations

import getpass
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jinja2
import sqlalchemy as sa
from sqlmodel import Session, col, select

from mailagent.compose.environment import render
from mailagent.config.settings import Config
from mailagent.errors import MailagentError
from mailagent.service import leases
from mailagent.service.checks import SAMPLE_GUEST, sample_context, template_files
from mailagent.store.tables import (
    CANCELLED,
    FAILED,
    PENDING,
    QUARANTINED,
    RECEIVED,
    RELEASED,
    UNCERTAIN,
    Control,
    Event,
    Job,
    Message,
    Outbox,
    Suppression,
    Thread,
    Watermark,
)
from mailagent.store.threads import end_assignments

SUBJECT_LIMIT = 78
DROPPED = "dropped"


def actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "admin"


def quarantined(session: Session) -> list[Message]:
    stmt = select(Message).where(Message.status == QUARANTINED).order_by(col(Message.id))
    return list(session.exec(stmt).all())


def quarantine_row(session: Session, message_id: int) -> Message:
    row = session.get(Message, message_id)
    if row is None or row.direction != "in" or row.status not in (QUARANTINED, DROPPED):
        raise MailagentError(f"no quarantined message {message_id}")
    return row


def retry_quarantined(session: Session, message_id: int, now: datetime) -> Message:
    """Give a quarantined message back to the worker (its tries start again)."""
    row = quarantine_row(session, message_id)
    if not row.raw:
        raise MailagentError(f"message {message_id} has no stored bytes (over the size cap)")
    row.status, row.attempts, row.server_action, row.last_error = RECEIVED, 0, "", ""
    _note(session, row.thread_id, now, "quarantine_retry", f"message {message_id} handled again")
    return row


def drop_quarantined(session: Session, message_id: int, now: datetime) -> Message:
    """Mark a quarantined message as dealt with; its bytes stay for the record."""
    row = quarantine_row(session, message_id)
    row.status = DROPPED
    _note(session, row.thread_id, now, "quarantine_drop", f"message {message_id} dropped")
    return row


def outbox(session: Session, status: str | None) -> list[tuple[Outbox, Message]]:
    stmt = select(Outbox, Message).join(Message, col(Message.id) == Outbox.message_id)
    if status:
        stmt = stmt.where(Outbox.status == status)
    return list(session.exec(stmt.order_by(col(Outbox.id))).all())


def retry_outbox(session: Session, row_id: int, now: datetime) -> Outbox:
    """Send a failed or uncertain mail again (the same bytes and Message-ID)."""
    row = _outbox_row(session, row_id, (FAILED, UNCERTAIN))
    row.status, row.attempts, row.next_attempt_at, row.data_at = PENDING, 0, now, None
    _note(session, row.thread_id, now, "outbox_retry", f"{row.kind} to be sent again")
    return row


def cancel_outbox(session: Session, row_id: int, now: datetime) -> Outbox:
    row = _outbox_row(session, row_id, (PENDING, FAILED, UNCERTAIN))
    row.status = CANCELLED
    _note(session, row.thread_id, now, "outbox_cancel", f"{row.kind} cancelled")
    return row


def _outbox_row(session: Session, row_id: int, allowed: tuple[str, ...]) -> Outbox:
    row = session.get(Outbox, row_id)
    if row is None:
        raise MailagentError(f"no outbox row {row_id}")
    if row.status not in allowed:
        raise MailagentError(f"outbox row {row_id} is {row.status}; allowed: {', '.join(allowed)}")
    return row


def _note(session: Session, thread_id: int | None, now: datetime, what: str, detail: str) -> None:
    if thread_id is not None:
        session.add(Event(thread_id=thread_id, at=now, what=what, detail=detail, actor=actor()))


@dataclass(frozen=True)
class LintProblem:
    template: str
    problem: str


def lint(env: jinja2.Environment, config: Config) -> tuple[list[str], list[LintProblem]]:
    """Render every template in every language with sample data, with and without a guest
    name and request subject; report undefined variables, syntax errors and bad subjects."""
    checked, problems = [], []
    for lang, kind in template_files(env):
        name = f"{lang}/{kind}"
        checked.append(name)
        for variant in (
            {},
            {"guest": {"name": "", "email": SAMPLE_GUEST[1]}, "request_subject": ""},
        ):
            context = {**sample_context(config, lang), **variant}
            try:
                rendered = render(env, kind, lang, context)
            except MailagentError as exc:
                problems.append(LintProblem(name, str(exc)))
                break
            if len(rendered.subject) > SUBJECT_LIMIT:
                problems.append(
                    LintProblem(name, f"subject is {len(rendered.subject)} characters (max 78)")
                )
                break
    return checked, problems


def close_thread(session: Session, thread_id: int, now: datetime) -> Thread:
    """End a conversation by hand: state ``closed``, pending timers cancelled."""
    thread = session.get(Thread, thread_id)
    if thread is None:
        raise MailagentError(f"no thread {thread_id}")
    before, thread.state, thread.updated_at = thread.state, "closed", now
    end_assignments(session, thread_id, RELEASED)  # no longer in the manager's quota
    session.execute(
        sa.update(Job)
        .where(col(Job.thread_id) == thread_id, col(Job.status) == PENDING)
        .values(status=CANCELLED, last_error="thread closed by an admin")
    )
    _note(session, thread_id, now, "closed", f"closed by hand (was {before})")
    return thread


def merge_threads(session: Session, keep_id: int, other_id: int, now: datetime) -> Thread:
    """Fold thread ``other_id`` into ``keep_id`` (the same person wrote twice): its mail and
    events move over, answers fill what the kept thread lacks, its timers are cancelled and it
    is closed with a pointer. A thread with a meeting agreed is not merged away."""
    if keep_id == other_id:
        raise MailagentError("a thread cannot be merged into itself")
    keep, other = session.get(Thread, keep_id), session.get(Thread, other_id)
    if keep is None or other is None:
        raise MailagentError(f"no thread {other_id if keep else keep_id}")
    if other.state == "scheduled":
        raise MailagentError(f"thread {other_id} has a meeting agreed; cancel it first")
    session.execute(
        sa.update(Message).where(col(Message.thread_id) == other_id).values(thread_id=keep_id)
    )
    session.execute(
        sa.update(Event).where(col(Event.thread_id) == other_id).values(thread_id=keep_id)
    )
    session.execute(
        sa.update(Job)
        .where(col(Job.thread_id) == other_id, col(Job.status) == PENDING)
        .values(status=CANCELLED, last_error=f"thread merged into {keep_id}")
    )
    answers = {**other.answers, **keep.answers}
    keep.answers = answers
    keep.missing = [k for k in keep.missing if k not in answers]
    keep.updated_at = other.updated_at = now
    before, other.state = other.state, "closed"
    end_assignments(session, other_id, RELEASED)
    _note(session, keep_id, now, "merged", f"thread {other_id} (was {before}) merged into this")
    _note(session, other_id, now, "merged", f"merged into thread {keep_id}")
    return keep


def suppressions(session: Session) -> list[Suppression]:
    return list(session.exec(select(Suppression).order_by(col(Suppression.at))).all())


def lift_suppression(session: Session, address: str, now: datetime) -> None:
    """Write to ``address`` again (an admin knows the mailbox works now); noted on its thread."""
    row = session.get(Suppression, address.strip().lower())
    if row is None:
        raise MailagentError(f"{address} is not suppressed")
    session.delete(row)
    _note(session, row.thread_id, now, "unsuppressed", f"{row.address} is written to again")


def note_thread(session: Session, thread_id: int, text: str, now: datetime) -> None:
    if session.get(Thread, thread_id) is None:
        raise MailagentError(f"no thread {thread_id}")
    _note(session, thread_id, now, "note", text[:2000])


def jobs(session: Session, status: str | None) -> list[Job]:
    stmt = select(Job).order_by(col(Job.due_at), col(Job.id))
    if status:
        stmt = stmt.where(Job.status == status)
    return list(session.exec(stmt).all())


def cancel_job(session: Session, job_id: int, now: datetime) -> Job:
    job = session.get(Job, job_id)
    if job is None or job.status != PENDING:
        raise MailagentError(f"no pending job {job_id}")
    job.status = CANCELLED
    _note(
        session,
        job.thread_id,
        now,
        "job_cancel",
        f"{job.kind} due {job.due_at:%Y-%m-%d %H:%M} cancelled",
    )
    return job


def status(session: Session, mailboxes: Sequence[str], now: datetime) -> dict[str, Any]:
    """What a supervisor wants to know: queue depths, when each inbox was last read and which
    worker holds it, the last send, the pause switch. ``last_fetch`` is the oldest of the
    inboxes' (None while any was never read), so a health check covers every inbox."""

    def count(model: Any, column: Any, value: str) -> int:
        stmt = select(sa.func.count()).select_from(model).where(column == value)
        return int(session.exec(stmt).one())

    marks = {m.mailbox: m.updated_at for m in session.exec(select(Watermark)).all()}
    held = leases.holders(session, now)
    inboxes = {
        name: {
            "last_fetch": _iso(marks.get(name)),
            "worker": held[name][0] if name in held else None,
            "lease_until": _iso(held[name][1]) if name in held else None,
        }
        for name in mailboxes
    }
    fetched = [marks.get(name) for name in mailboxes]
    last_fetch = None if None in fetched else min(f for f in fetched if f is not None)
    last_send = session.exec(select(sa.func.max(Outbox.sent_at))).one()
    paused = session.get(Control, "paused")
    return {
        "inbound_waiting": count(Message, Message.status, RECEIVED),
        "quarantined": count(Message, Message.status, QUARANTINED),
        "outbox": {
            s: count(Outbox, Outbox.status, s) for s in (PENDING, "sending", FAILED, UNCERTAIN)
        },
        "jobs_pending": count(Job, Job.status, PENDING),
        "last_fetch": _iso(last_fetch),
        "inboxes": inboxes,
        "last_send": _iso(last_send),
        "paused": paused.value if paused is not None and paused.value else None,
    }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value)
