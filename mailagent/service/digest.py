"""The admins' weekly digest: the week's funnel, stalled conversations, bounces, quarantined
mail and what guests told the firm about itself.

Sent once a week (``[digest] weekday`` and ``hour`` in ``timezone``) to ``[managers] admins``.
Whether this week's digest went out is kept in the shared ``control`` table and written in the
same transaction as the digest's outbox rows, so it goes out once even with several workers.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, func, select

from mailagent.core.insights import group
from mailagent.core.states import NEEDS_HUMAN, OPEN_STATES
from mailagent.core.stats import funnel as tally_funnel
from mailagent.service import outgoing
from mailagent.service.housekeeping import DIGEST_KEY
from mailagent.service.reports import collect_remarks, collect_stories
from mailagent.service.runtime import Runtime
from mailagent.store.calendars import outages
from mailagent.store.control import set_control
from mailagent.store.tables import (
    HELD_NOW,
    QUARANTINED,
    Event,
    Hold,
    Message,
    Suppression,
    Thread,
)

log = logging.getLogger("mailagent.digest")
LIST_CAP = 50


def context(rt: Runtime, session: Session, now: datetime) -> dict[str, Any]:
    """The digest's template variables for the week up to ``now``."""
    since = now - timedelta(days=7)
    stories, assignments = collect_stories(session, since, now)
    funnel = tally_funnel(stories, assignments, since, now)
    stalled_before = now - timedelta(days=rt.config.settings.digest.stalled_days)
    stalled = session.exec(
        select(Thread)
        .where(col(Thread.state).in_(OPEN_STATES), col(Thread.updated_at) < stalled_before)
        .order_by(col(Thread.updated_at))
        .limit(LIST_CAP)
    ).all()
    waiting = waiting_for_admin(session)
    bounces = session.exec(
        select(Suppression).where(col(Suppression.at) >= since).limit(LIST_CAP)
    ).all()
    quarantined = session.exec(
        select(Message)
        .where(Message.status == QUARANTINED, col(Message.at) >= since)
        .limit(LIST_CAP)
    ).all()
    grouped = group(collect_remarks(session, since, now), rt.config.settings.insights.themes)
    firm = rt.config.settings.firm
    return {
        "firm": {"name": firm.name, "address": firm.address, "sender_name": firm.sender_name},
        "week": {"since": f"{since:%Y-%m-%d}", "until": f"{now:%Y-%m-%d}"},
        "funnel": [{"step": k, "count": v} for k, v in funnel.counts.items()],
        "median_days": [
            {"step": k, "days": "-" if v is None else f"{v:.1f}"}
            for k, v in funnel.median_days.items()
        ],
        "managers": [{"name": name, **counts} for name, counts in sorted(funnel.managers.items())],
        "stalled": [
            {
                "id": t.id,
                "state": t.state,
                "since": f"{t.updated_at:%Y-%m-%d}",
                "manager": t.manager_name,
            }
            for t in stalled
        ],
        "waiting": waiting,
        "bounces": [
            {"address": b.address, "status": b.status, "reason": b.reason[:200]} for b in bounces
        ],
        "quarantined": [
            {"id": m.id, "message_id": m.message_id, "reason": m.last_error[:200]}
            for m in quarantined
        ],
        "held": held_mail(session, since),
        "calendars": [
            {
                "manager": o.manager,
                "since": f"{o.since:%Y-%m-%d %H:%M} UTC",
                "failures": o.failures,
                "error": o.error[:200],
            }
            for o in outages(session)
        ],
        "insights": [
            {"theme": theme, "remarks": [" ".join(r.text.split())[:300] for r in items]}
            for theme, items in grouped.items()
        ],
    }


def held_mail(session: Session, since: datetime) -> dict[str, Any]:
    """Mail held for want of proof of its sender: how many this week, and those still waiting
    (by hold and thread id: the digest names no guest)."""
    this_week = session.exec(select(func.count()).where(col(Hold.at) >= since)).one()
    waiting = session.exec(
        select(Hold).where(Hold.status == HELD_NOW).order_by(col(Hold.id)).limit(LIST_CAP)
    ).all()
    return {
        "this_week": int(this_week),
        "waiting": [
            {
                "id": h.id,
                "thread": h.thread_id,
                "party": h.party,
                "action": h.action,
                "reason": h.reason[:200],
            }
            for h in waiting
        ],
    }


def waiting_for_admin(session: Session) -> list[dict[str, Any]]:
    """Threads held for an admin (``needs_human``), however old, each with the reason it was
    held: the digest lists them until someone acts (by id: the digest names no guest)."""
    held = session.exec(
        select(Thread)
        .where(Thread.state == NEEDS_HUMAN)
        .order_by(col(Thread.updated_at))
        .limit(LIST_CAP)
    ).all()
    rows = []
    for t in held:
        why = session.exec(
            select(Event.detail)
            .where(Event.thread_id == t.id, Event.what == "needs_human")
            .order_by(col(Event.id).desc())
            .limit(1)
        ).first()
        rows.append(
            {
                "id": t.id,
                "since": f"{t.updated_at:%Y-%m-%d}",
                "why": (why or "")[:200],
            }
        )
    return rows


def send(rt: Runtime, session: Session, now: datetime, at: datetime) -> int:
    """Queue the digest due at ``at`` (see :func:`housekeeping.digest_due`) to every admin and
    record it sent, in ``session``; returns the mails queued."""
    data = context(rt, session, now)
    for address in rt.config.settings.managers.admins:
        outgoing.queue_system_mail(rt, session, "digest", data, address, now)
    set_control(session, DIGEST_KEY, at.isoformat(), "mailagent", now)
    log.info("weekly digest queued for %s admin(s)", len(rt.config.settings.managers.admins))
    return len(rt.config.settings.managers.admins)
