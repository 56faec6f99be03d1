"""Answering privacy requests and keeping data no longer than configured.

``export`` gathers everything held about an address; ``forget`` does what a guest's own
"forget me" does; ``enforce_retention`` blanks what has outlived its retention period, once a
day from the worker (remembered in the shared ``control`` table, so several workers run it once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mailagent.core.conversation import forget_decision
from mailagent.core.mime import Limits
from mailagent.core.parse import parse_message
from mailagent.core.states import NEEDS_HUMAN, OPEN_STATES
from mailagent.service import effects, views
from mailagent.service.housekeeping import RETENTION_KEY
from mailagent.service.runtime import Runtime
from mailagent.store.control import set_control
from mailagent.store.erasure import forget_address
from mailagent.store.tables import (
    FAILED,
    PENDING,
    QUARANTINED,
    RECEIVED,
    SENDING,
    UNCERTAIN,
    Event,
    Message,
    Outbox,
    Suppression,
    TalentPool,
    Thread,
)
from mailagent.store.threads import thread_messages

log = logging.getLogger("mailagent.privacy")


def export(session: Session, address: str) -> dict[str, Any]:
    """Everything held about ``address``: threads with their mail (decoded text), events,
    jobs and assignments, mail from it that opened no thread, suppression, talent pool."""
    address = address.strip().lower()
    threads = session.exec(
        select(Thread).where(Thread.guest_key == address).order_by(col(Thread.id))
    ).all()
    data: dict[str, Any] = {"email": address, "threads": []}
    for thread in threads:
        item = views.thread_json(session, thread)
        item["mail"] = [_mail(m) for m in thread_messages(session, thread.id or 0)]
        data["threads"].append(item)
    loose = session.exec(
        select(Message).where(
            col(Message.thread_id).is_(None), sa.func.lower(Message.from_addr) == address
        )
    ).all()
    data["mail_without_thread"] = [_mail(m) for m in loose]
    suppression = session.get(Suppression, address)
    data["suppression"] = (
        {
            "status": suppression.status,
            "reason": suppression.reason,
            "at": suppression.at.isoformat(),
        }
        if suppression
        else None
    )
    entry = session.get(TalentPool, address)
    data["talent_pool"] = (
        {
            "name": entry.name,
            "consent_at": entry.consent_at.isoformat(),
            "consent_until": entry.consent_until.isoformat(),
            "notes": entry.notes,
        }
        if entry
        else None
    )
    return data


def _mail(m: Message) -> dict[str, Any]:
    # The same text the worker read (HTML turned to text, quoted-printable decoded).
    text = parse_message(m.raw, Limits()).text if m.raw else ""
    return {
        "direction": m.direction,
        "kind": m.kind,
        "message_id": m.message_id,
        "at": m.at.isoformat(),
        "from": m.from_addr,
        "to": m.to_addr,
        "subject": m.subject,
        "text": text,
    }


def forget(rt: Runtime, session: Session, address: str, now: datetime, who: str) -> list[int]:
    """The guest's own "forget me", done by an admin: the newest thread gets the confirmation
    (and a scheduled meeting's cancellation goes to its manager), then every thread of the
    address is erased. Returns the thread ids touched."""
    address = address.strip().lower()
    newest = session.exec(
        select(Thread).where(Thread.guest_key == address).order_by(col(Thread.id).desc())
    ).first()
    if newest is not None:
        effects.apply(rt, session, newest, forget_decision(newest.state), None, now, actor=who)
    touched = forget_address(session, address, now)
    log.warning("privacy forget by %s: %s erased [threads %s]", who, address, touched or "none")
    return touched


@dataclass
class RetentionReport:
    raw_mail: int = 0
    answers: int = 0
    feedback: int = 0
    talent_pool: int = 0
    threads: set[int] = field(default_factory=set)


def enforce_retention(rt: Runtime, session: Session, now: datetime) -> RetentionReport:
    """Blank raw mail, answers and feedback of ended conversations past their retention, and
    drop talent-pool entries whose consent has expired. Open conversations keep everything."""
    keep = rt.config.settings.retention
    report = RetentionReport()
    # Ended conversations only: open ones and those waiting for an admin keep everything.
    ended = col(Thread.state).not_in((*OPEN_STATES, NEEDS_HUMAN))
    # Mail that may still be handled or sent again keeps its bytes.
    owed = sa.select(col(Outbox.message_id)).where(
        col(Outbox.status).in_((PENDING, SENDING, FAILED, UNCERTAIN))
    )

    cutoff = now - _days(keep.raw_mail_days)
    old_threads = sa.select(col(Thread.id)).where(ended, col(Thread.updated_at) < cutoff)
    raw = (
        sa.update(Message)
        .where(
            col(Message.raw) != b"",
            col(Message.at) < cutoff,
            col(Message.thread_id).in_(old_threads) | col(Message.thread_id).is_(None),
            col(Message.status).not_in((RECEIVED, QUARANTINED)),  # never dropped unhandled
            col(Message.id).not_in(owed),
        )
        .values(raw=b"", size=0)
    )
    report.raw_mail = int(getattr(session.execute(raw), "rowcount", 0) or 0)

    cleared = _clear_old_answers(session, ended, now, keep.answers_days, keep.feedback_days)
    report.answers = sum("answers" in c for c in cleared.values())
    report.feedback = sum("feedback and notes" in c for c in cleared.values())
    report.threads.update(cleared)
    if cleared:
        session.execute(
            sa.insert(Event),
            [
                {
                    "thread_id": thread_id,
                    "at": now,
                    "what": "retention",
                    "detail": ", ".join(parts) + " removed after the retention period",
                    "actor": "mailagent",
                }
                for thread_id, parts in sorted(cleared.items())
            ],
        )

    expired = session.exec(select(TalentPool).where(col(TalentPool.consent_until) <= now)).all()
    for entry in expired:
        session.delete(entry)
        report.talent_pool += 1
    set_control(session, RETENTION_KEY, now.isoformat(), "mailagent", now)
    log.info(
        "retention: raw mail of %s message(s), answers of %s thread(s), feedback of %s, "
        "%s talent-pool entr(ies) removed",
        report.raw_mail,
        report.answers,
        report.feedback,
        report.talent_pool,
    )
    return report


def _clear_old_answers(
    session: Session,
    ended: sa.ColumnElement[bool],
    now: datetime,
    answers_days: float,
    feedback_days: float,
) -> dict[int, list[str]]:
    """Blank the answers, and the feedback and notes, of ended threads past their retention;
    returns what was cleared per thread id. Done in SQL: only threads that still hold
    something are touched, so the daily run costs the same whatever the database holds."""
    old_answers = (
        ended,
        sa.cast(col(Thread.answers), sa.String) != "{}",
        col(Thread.updated_at) < now - _days(answers_days),
    )
    old_feedback = (
        ended,
        (col(Thread.feedback) != "") | (col(Thread.manager_notes) != ""),
        col(Thread.updated_at) < now - _days(feedback_days),
    )
    answers = session.execute(sa.select(col(Thread.id)).where(*old_answers)).scalars().all()
    feedback = session.execute(sa.select(col(Thread.id)).where(*old_feedback)).scalars().all()
    # By the same conditions, not by id: the first run over an old database clears many.
    plain = {"synchronize_session": False}  # no loaded thread is read after this
    if answers:
        session.execute(
            sa.update(Thread).where(*old_answers).values(answers={}, missing=[]),
            execution_options=plain,
        )
    if feedback:
        session.execute(
            sa.update(Thread).where(*old_feedback).values(feedback="", manager_notes=""),
            execution_options=plain,
        )
    cleared: dict[int, list[str]] = {}
    for found in answers:
        cleared.setdefault(found, []).append("answers")
    for found in feedback:
        cleared.setdefault(found, []).append("feedback and notes")
    return cleared


def _days(n: float) -> timedelta:
    return timedelta(days=n)
