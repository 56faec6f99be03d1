"""Timers that fire without new mail: a quiet guest is nudged, then the thread expires.

Registered with the worker's job runner; each runs in the job's own transaction and decides
through :func:`mailagent.conversation.decide_timer` like inbound mail does.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from mailagent import outgoing
from mailagent.conversation import EXPIRE, NUDGE, decide_timer
from mailagent.intake import thread_view
from mailagent.models import Event, Job, Thread
from mailagent.questions import guest_rules
from mailagent.runtime import Runtime

log = logging.getLogger("mailagent.followups")


def guest_timer(rt: Runtime, session: Session, job: Job, now: datetime) -> None:
    """Run a nudge or expiry job for its thread (nothing if the thread has moved on)."""
    thread = session.get(Thread, job.thread_id)
    view = thread_view(session, thread)
    if thread is None or view is None:
        return
    decision = decide_timer(view, job.kind, view.nudges, guest_rules(rt))
    if decision.state:
        thread.state = decision.state
    for what, detail in decision.events:
        session.add(Event(thread_id=view.id, at=now, what=what, detail=detail))
    for spec in decision.mails:
        outgoing.queue_mail(rt, session, thread, spec, None, now)
    outgoing.schedule(session, view.id, decision, now)
    thread.updated_at = now
    log.info("thread %s: %s", thread.id, decision.log)


HANDLERS = {NUDGE: guest_timer, EXPIRE: guest_timer}
