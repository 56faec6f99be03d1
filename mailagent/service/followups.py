"""Timers that fire without new mail: nudges and expiry on the guest's side; the manager's
nudge and re-routing, reminders, the 'held' mark, closing and check-ins on the manager's side.

Registered with the worker's job runner; each runs in the job's own transaction and decides
through the pure state machines like inbound mail does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlmodel import Session

from mailagent.core.conversation import decide_timer
from mailagent.core.decision import EXPIRE, NUDGE, Decision, ThreadView
from mailagent.core.meeting import TIMERS
from mailagent.core.meeting_timers import decide_meeting_timer
from mailagent.service import effects, staffing
from mailagent.service.questions import guest_rules
from mailagent.service.runtime import Runtime
from mailagent.store.tables import Job, Thread

log = logging.getLogger("mailagent.followups")


def guest_timer(rt: Runtime, session: Session, job: Job, now: datetime) -> None:
    """Run a nudge or expiry job for its thread (nothing if the thread has moved on)."""
    _run(
        rt,
        session,
        job,
        now,
        lambda view: decide_timer(view, job.kind, view.nudges, guest_rules(rt)),
    )


def meeting_timer(rt: Runtime, session: Session, job: Job, now: datetime) -> None:
    """Run a manager-side timer (see :data:`mailagent.meeting_flow.TIMERS`)."""

    def decide(view: ThreadView) -> Decision:
        zone = staffing.manager_timezone(rt, view.manager_email)
        return decide_meeting_timer(view, job.kind, staffing.meeting_rules(rt), now, zone)

    _run(rt, session, job, now, decide)


def _run(
    rt: Runtime,
    session: Session,
    job: Job,
    now: datetime,
    decide: Callable[[ThreadView], Decision],
) -> None:
    thread = session.get(Thread, job.thread_id, with_for_update=True)
    view = effects.thread_view(session, thread, now)
    if thread is None or view is None:
        return
    decision = decide(view)
    effects.apply(rt, session, thread, decision, None, now)
    log.info("thread %s: %s", thread.id, decision.log)


HANDLERS = {NUDGE: guest_timer, EXPIRE: guest_timer, **dict.fromkeys(TIMERS, meeting_timer)}
