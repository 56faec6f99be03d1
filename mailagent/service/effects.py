"""Applying a :class:`Decision` to a thread, inside the caller's transaction.

The state machine decides; this writes: state, answers, events, the manager's assignment, the
meeting, feedback, outbox rows and jobs. When a decision asks for routing, the routing decision
is made and applied right after, in the same transaction.
"""

from __future__ import annotations

import logging
import secrets
from collections import Counter
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from sqlmodel import Session

from mailagent.core.decision import Decision, MailSpec, ThreadView
from mailagent.core.meeting import OFFERS_TIMES
from mailagent.core.parse import Inbound
from mailagent.service import calendars, outgoing, staffing
from mailagent.service.runtime import Runtime
from mailagent.store.outbox import thread_outbox
from mailagent.store.tables import Assignment, Event, TalentPool, Thread
from mailagent.store.threads import end_assignments

log = logging.getLogger("mailagent.effects")


def thread_view(
    session: Session, thread: Thread | None, now: datetime | None = None
) -> ThreadView | None:
    """What the state machine needs to know of ``thread`` (None for a new conversation)."""
    if thread is None or thread.id is None:
        return None
    until = thread.consent_until
    # One query for every count the machine needs: a thread has a handful of outgoing mails.
    sent = thread_outbox(session, thread.id)
    kinds = Counter(o.kind for o in sent)
    last_offer = max((o.id or 0 for o in sent if o.kind == "slot_offer"), default=0)
    return ThreadView(
        thread.id,
        thread.state,
        thread.guest_email,
        thread.language,
        answers=dict(thread.answers),
        missing=tuple(thread.missing),
        reasks=kinds["reask"],
        nudges=kinds["nudge_guest"],
        timezone=thread.timezone,
        manager_name=thread.manager_name,
        manager_email=thread.manager_email,
        meeting_start=thread.meeting_start,
        meeting_uid=thread.meeting_uid,
        meeting_sequence=thread.meeting_sequence,
        proposals=tuple(datetime.fromisoformat(p) for p in thread.proposals),
        offered=tuple(thread.offered),
        feedback=thread.feedback,
        manager_notes=thread.manager_notes,
        consent=until is not None and until > (now or thread.updated_at),
        keep_in_touch=thread.keep_in_touch,
        # Each manager is asked to clarify at most once; a new manager may be asked too.
        clarifications=sum(
            1 for o in sent if o.kind == "clarify_manager" and o.recipient == thread.manager_email
        ),
        # The guest is asked once per offer of times.
        slot_reasks=sum(1 for o in sent if o.kind == "slot_reask" and (o.id or 0) > last_offer),
    )


def apply(
    rt: Runtime,
    session: Session,
    thread: Thread,
    decision: Decision,
    parent: Inbound | None,
    now: datetime,
    actor: str = "mailagent",
) -> None:
    """Write ``decision`` for ``thread``; ``parent`` is the mail being answered, if any;
    ``actor`` is who the events are logged for (an admin's name for CLI actions)."""
    assert thread.id is not None
    if decision.state and thread.state != decision.state:
        thread.state = decision.state
    if decision.answers is not None:
        # New objects, so the JSON columns are written (in-place changes go unnoticed).
        thread.answers = dict(decision.answers)
        thread.missing = list(decision.missing)
    if decision.state or decision.answers is not None or decision.events or decision.mails:
        thread.updated_at = now  # a timer that found nothing to do is no change
    _manager(session, thread, decision, now)
    _meeting(rt, thread, decision, now)
    _feedback(rt, session, thread, decision, now)
    if decision.events:
        # One multi-row INSERT on the session's connection: nothing needs the new rows' ids
        # or objects, and the thread they name is written already.
        session.connection().execute(
            _insert_event(),
            [
                dict(thread_id=thread.id, at=now, what=what, detail=detail[:2000], actor=actor)
                for what, detail in decision.events
            ],
        )
    if any(spec.kind in OFFERS_TIMES for spec in decision.mails):
        # Stored as offered, so the manager's "the second one" means what this mail shows.
        manager = rt.config.managers.by_address(thread.manager_email)
        times, thread.offered_from = (
            calendars.offer_times(rt, session, manager, thread, now) if manager else ((), "")
        )
        thread.offered = [t.isoformat() for t in times]
    for spec in decision.mails:
        if spec.to_admins:
            _tell_admins(rt, session, thread, spec, now)
        else:
            outgoing.queue_mail(rt, session, thread, spec, parent, now)
    if decision.cancel_meeting:
        # The cancellation went out under the old UID (the events keep its time); there is no
        # meeting now, and a later one is a new calendar entry.
        thread.meeting_uid, thread.meeting_sequence = "", 0
        thread.meeting_start = thread.meeting_end = None
    outgoing.schedule(session, thread.id, decision, now)
    if decision.route:
        view = thread_view(session, thread, now)
        assert view is not None
        # The guest's own mail is answered directly; a manager's decline is not theirs to thread.
        from_guest = parent is not None and parent.from_email.lower() == thread.guest_email.lower()
        routed = staffing.decide(rt, session, view, now, answering=from_guest)
        log.info("thread %s: %s", thread.id, routed.log)
        apply(rt, session, thread, routed, parent if from_guest else None, now)


def _manager(session: Session, thread: Thread, decision: Decision, now: datetime) -> None:
    if decision.end_assignment:
        assert thread.id is not None
        end_assignments(session, thread.id, decision.end_assignment)
    if decision.assign is not None:
        assert thread.id is not None
        thread.manager_name, thread.manager_email = decision.assign.name, decision.assign.email
        session.add(
            Assignment(
                thread_id=thread.id,
                manager_name=decision.assign.name,
                manager_email=decision.assign.email,
                at=now,
                reason=decision.assign.why[:2000],
            )
        )


def _meeting(rt: Runtime, thread: Thread, decision: Decision, now: datetime) -> None:
    if decision.proposals is not None:
        thread.proposals = [p.isoformat() for p in decision.proposals]
    if decision.meeting_start is not None:
        if decision.new_meeting or not thread.meeting_uid:
            thread.meeting_uid = (
                f"{secrets.token_hex(12)}@{rt.config.settings.firm.message_id_domain}"
            )
            thread.meeting_sequence = 0
        else:
            thread.meeting_sequence += 1
        thread.meeting_start = decision.meeting_start
        thread.meeting_end = decision.meeting_start + timedelta(
            minutes=rt.config.settings.meetings.minutes
        )
    if decision.cancel_meeting and thread.meeting_uid:
        thread.meeting_sequence += 1


def _feedback(
    rt: Runtime, session: Session, thread: Thread, decision: Decision, now: datetime
) -> None:
    if decision.feedback:
        joined = (
            f"{thread.feedback}\n\n{decision.feedback}" if thread.feedback else decision.feedback
        )
        thread.feedback = joined[:20000]
    if decision.manager_notes:
        notes = thread.manager_notes
        thread.manager_notes = (f"{notes}\n\n" if notes else "") + decision.manager_notes[:20000]
    if decision.keep_in_touch is not None:
        thread.keep_in_touch = decision.keep_in_touch
    if decision.consent:
        months = rt.config.settings.meetings.consent_months
        thread.consent_at, thread.consent_until = now, now + timedelta(days=round(months * 30.44))
    if decision.talent_pool:
        _add_to_pool(rt, session, thread, now)
    if decision.drop_consent:
        thread.consent_at, thread.consent_until, thread.keep_in_touch = None, None, False
        entry = session.get(TalentPool, thread.guest_email.lower())
        if entry is not None:
            session.delete(entry)


def _add_to_pool(rt: Runtime, session: Session, thread: Thread, now: datetime) -> None:
    """Kept in touch with only when the guest consented (the manager's wish alone is not enough)."""
    if thread.consent_at is None or thread.consent_until is None or thread.consent_until <= now:
        return
    assert thread.id is not None
    entry = session.get(TalentPool, thread.guest_email.lower()) or TalentPool(
        email=thread.guest_email.lower(), consent_at=thread.consent_at, added_at=now
    )
    entry.name, entry.thread_id = thread.guest_name, thread.id
    entry.consent_at, entry.consent_until = thread.consent_at, thread.consent_until
    entry.notes = thread.manager_notes[:5000]
    session.add(entry)
    session.add(Event(thread_id=thread.id, at=now, what="talent_pool", detail="added with consent"))
    months = rt.config.settings.meetings.checkin_months
    if months:
        due = now + timedelta(days=round(months * 30.44))
        outgoing.schedule_one(session, thread.id, "checkin_guest", due)


def _tell_admins(
    rt: Runtime, session: Session, thread: Thread, spec: MailSpec, now: datetime
) -> None:
    admins = rt.config.settings.managers.admins
    if not admins:
        log.warning("thread %s: admins should be told, but [managers] admins is empty", thread.id)
        return
    for address in admins:
        outgoing.queue_mail(rt, session, thread, spec, None, now, to_addr=address)


@cache
def _insert_event() -> sa.Insert:
    # Built once: SQLAlchemy then reuses its cache key instead of computing it each time.
    return sa.insert(Event)
