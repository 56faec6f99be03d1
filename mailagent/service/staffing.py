"""Routing against the database: how busy each manager is, then :mod:`mailagent.routing`.

Thin: it reads the counts routing needs and hands back the pure decision.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mailagent.core import routing
from mailagent.core.decision import Decision, ThreadView
from mailagent.core.managers import Manager
from mailagent.core.meeting import MeetingRules
from mailagent.core.meeting_routing import decide_routing
from mailagent.service.runtime import Runtime
from mailagent.store.tables import ACCEPTED, ASKED, Assignment, Event

BUSY = (ASKED, ACCEPTED)


def meeting_rules(rt: Runtime) -> MeetingRules:
    meetings, managers = rt.config.settings.meetings, rt.config.settings.managers
    return MeetingRules(
        minutes=meetings.minutes,
        reminder_hours=meetings.reminder_hours,
        held_after_hours=meetings.held_after_hours,
        feedback_days=meetings.feedback_days,
        nudge_working_days=managers.nudge_working_days,
        answer_working_days=managers.answer_working_days,
        waitlist=managers.when_none_available == "waitlist",
        waitlist_days=managers.waitlist_days,
    )


def manager_of(rt: Runtime, address: str) -> Manager | None:
    return rt.config.managers.by_address(address) if address else None


def manager_timezone(rt: Runtime, address: str) -> str:
    manager = manager_of(rt, address)
    return manager.timezone if manager else rt.config.settings.guest.timezone


def month_start(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def load(session: Session, now: datetime) -> dict[str, int]:
    """Conversations each manager was given this month (declined or timed-out ones not counted)."""
    stmt = (
        select(Assignment.manager_name, sa.func.count())
        .where(col(Assignment.at) >= month_start(now), col(Assignment.status).in_(BUSY))
        .group_by(col(Assignment.manager_name))
    )
    return {name: int(n) for name, n in session.exec(stmt).all()}


def last_asked(session: Session) -> dict[str, datetime]:
    stmt = select(Assignment.manager_name, sa.func.max(Assignment.at)).group_by(
        col(Assignment.manager_name)
    )
    return {name: at for name, at in session.exec(stmt).all() if at is not None}


def asked_in_thread(session: Session, thread_id: int) -> set[str]:
    stmt = select(Assignment.manager_name).where(Assignment.thread_id == thread_id)
    return set(session.exec(stmt).all())


def waitlisted_since(session: Session, thread_id: int) -> datetime | None:
    stmt = select(sa.func.min(Event.at)).where(
        Event.thread_id == thread_id, Event.what == "waitlisted"
    )
    return session.exec(stmt).one()


def decide(
    rt: Runtime, session: Session, view: ThreadView, now: datetime, answering: bool
) -> Decision:
    """Choose a manager for the thread and say what follows (brief, decline or waitlist)."""
    chosen = routing.route(
        rt.config.managers.managers,
        view.answers,
        view.language,
        now,
        load(session, now),
        last_asked(session),
        asked_in_thread(session, view.id),
        rt.config.settings.firm.default_language,
    )
    zone = chosen.manager.timezone if chosen.manager else "UTC"
    return decide_routing(
        view,
        chosen,
        meeting_rules(rt),
        now,
        zone,
        waitlisted_since(session, view.id),
        answering,
    )
