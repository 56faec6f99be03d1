"""One stored inbound message, in one transaction: parse, classify, match a thread,
read the guest's or manager's words, decide, apply (outbox rows, jobs, events).

Its try is counted and committed before it is handled, so a message that crashes the process
still uses up its tries and is quarantined after ``max_attempts``; a message that takes longer
than ``message_seconds`` is quarantined at once.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from mailagent.core import bounces
from mailagent.core.classify import (
    BAD_SENDER,
    BOUNCE,
    MALFORMED,
    NOT_TO_US,
    SOFT_AUTO,
    classify,
)
from mailagent.core.headers import guest_address
from mailagent.core.language import load_models
from mailagent.core.mime import Limits, without_attachments
from mailagent.core.parse import parse_message
from mailagent.service import acting, bounce_handling
from mailagent.service.runtime import Runtime
from mailagent.store.database import transaction, write
from mailagent.store.inbound import message_id_seen, message_row, msgid_key, update_row
from mailagent.store.tables import DONE, DUPLICATE, PROCESSED, QUARANTINED, RECEIVED, Message

log = logging.getLogger("mailagent.intake")


ADMIN_CATEGORIES = frozenset({NOT_TO_US, MALFORMED, BAD_SENDER, SOFT_AUTO})


def prepare(rt: Runtime) -> None:
    """Pay this process's first-use costs before any try is counted: the template environment
    and the language models (half a second or more). A process killed during them did not fail
    on the mail, but a try counted first would be lost all the same, and a worker killed again
    and again while starting would quarantine the mail at the head of the queue."""
    load_models(rt.languages)  # finding the languages builds the template environment


def count_attempts(rt: Runtime, ids: list[int], step: int) -> None:
    """Add ``step`` to the tries of those of ``ids`` still to be handled, in one commit."""
    if not ids:
        return
    write(
        rt.engine,
        sa.update(Message)
        .where(col(Message.id).in_(ids), col(Message.status) == RECEIVED)
        .values(attempts=col(Message.attempts) + step),
    )


def handle_one(rt: Runtime, row_id: int, now: datetime) -> str:
    """Handle one stored inbound message; returns its final status. Never raises for bad mail."""
    with transaction(rt.engine) as session:
        # Counted and committed first: a message that crashes the process still uses up a try.
        attempts = session.execute(
            sa.update(Message)
            .where(Message.id == row_id)  # type: ignore[arg-type]
            .values(attempts=col(Message.attempts) + 1)
            .returning(col(Message.attempts))
        ).scalar_one()
    return handle_counted(rt, row_id, attempts, now)


def handle_counted(rt: Runtime, row_id: int, attempts: int, now: datetime) -> str:
    """Handle a message whose try number ``attempts`` is already committed."""
    max_attempts = rt.config.settings.inbox.max_attempts
    if attempts > max_attempts:
        return _quarantine(rt, row_id, f"failed {max_attempts} times")
    try:
        with transaction(rt.engine) as session:
            return _handle(rt, session, row_id, now)
    except OverBudget as exc:
        return _quarantine(rt, row_id, str(exc))
    except sa.exc.OperationalError:
        # The database, not the message, failed: give the try back and let the worker back off.
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            count_attempts(rt, [row_id], -1)
        raise
    except Exception as exc:  # a template that fails on this mail's data lands here too
        log.exception("inbox %s row %s: handling failed (attempt %s)", rt.mailbox, row_id, attempts)
        with transaction(rt.engine) as session:
            row = session.get(Message, row_id)
            if row is not None:
                row.last_error = repr(exc)[:2000]
        if attempts >= max_attempts:
            return _quarantine(rt, row_id, f"failed {attempts} times: {exc!r}")
        return RECEIVED


class OverBudget(BaseException):
    """Handling one message took longer than ``[inbox] message_seconds``.

    A BaseException, so the parser's own "never raise" net (``except Exception``) cannot
    swallow it and call the message merely malformed.
    """


@contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with OverBudget (main thread only, via SIGALRM).

    Elsewhere (a worker thread) the block runs unbounded: signals reach the main thread only.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise OverBudget(f"took longer than {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _quarantine(rt: Runtime, row_id: int, why: str) -> str:
    with transaction(rt.engine) as session:
        row = session.get(Message, row_id)
        if row is None:
            return QUARANTINED
        row.status, row.server_action = QUARANTINED, QUARANTINED
        row.last_error = why[:2000]
        log.error(
            "inbox %s uid %s Message-ID <%s>: quarantined: %s",
            row.mailbox,
            row.uid,
            row.message_id or "unknown",
            why,
        )
    return QUARANTINED


def _handle(rt: Runtime, session: Session, row_id: int, now: datetime) -> str:
    # Locked for this transaction, so a second worker cannot handle the same row at once.
    row = message_row(session, row_id)
    if row is None or row.status != RECEIVED:
        return row.status if row else DONE
    inbox = rt.config.settings.inbox
    with time_budget(inbox.message_seconds):
        msg = parse_message(row.raw, Limits(max_parts=inbox.max_parts, max_depth=inbox.max_depth))
        verdict = classify(msg, rt.us)
    key = msgid_key(msg.message_id)
    sender = (guest_address(msg.from_email) or msg.from_email).lower()
    read = {
        "message_id": msg.message_id[:998],
        "subject": msg.subject[:400],
        "from_addr": sender[:320],
        "category": verdict.category,
        "rule": verdict.rule[:200],
        "server_action": PROCESSED,
    }
    if message_id_seen(session, "in", rt.mailbox, key):
        update_row(session, row, **read, status=DUPLICATE)
        log.info("Message-ID <%s>: already handled; stored as a duplicate", msg.message_id)
        return DUPLICATE
    # Written before anything reads the thread's mail, which then includes this one.
    update_row(session, row, **read, dedupe_key=key)
    if verdict.category == BOUNCE:
        report = bounces.read_report(row.raw)
        if report is not None:
            return bounce_handling.apply_report(rt, session, row, msg, report, now)
    thread, decision = acting.decide(rt, session, msg, verdict, sender, now)
    done: dict[str, object] = {"status": DONE}
    if decision.strip_attachments:
        done["raw"] = without_attachments(row.raw)
    if decision.create_thread:
        done["kind"] = "request"
    elif thread is not None and decision.attach:
        done["kind"] = "reply" if verdict.is_human else verdict.category
    thread = acting.carry_out(rt, session, row, msg, decision, thread, sender, now, done)
    # Mail nobody will look at unless told (not for us, unreadable, odd sender) is a warning.
    level = logging.WARNING if verdict.category in ADMIN_CATEGORIES else logging.INFO
    log.log(
        level,
        "Message-ID <%s> from %s: %s%s",
        msg.message_id,
        msg.from_email or "(no sender)",
        decision.log,
        f" [thread {thread.id}]" if thread else "",
    )
    return DONE
