"""Held mail: opening a hold (and the confirmation mail it asks for), finding and listing holds.

A hold keeps an inbound mail from acting for a party it could not be shown to come from
(:mod:`mailagent.core.identity`); :mod:`mailagent.service.acting` carries it out once the party
confirms or an admin releases it.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from mailagent.core.decision import HoldSpec
from mailagent.service import outgoing
from mailagent.service.runtime import Runtime
from mailagent.store.tables import HELD_NOW, REFUSED, Event, Hold, Message, Thread
from mailagent.store.tokens import new_token

log = logging.getLogger("mailagent.holding")
# How long a confirmation token works.
CONFIRM_DAYS = 7


def open_hold(
    rt: Runtime, session: Session, thread: Thread, row: Message, spec: HoldSpec, now: datetime
) -> Hold:
    """Record the hold of ``row``'s action and send its confirmation, unless the same request
    of the same party already awaits one (a forger repeating it must not flood the person)."""
    assert thread.id is not None and row.id is not None
    waiting = session.exec(
        select(Hold).where(
            Hold.thread_id == thread.id,
            Hold.party == spec.party,
            Hold.action == spec.action,
            Hold.status == HELD_NOW,
            col(Hold.token).is_not(None),
        )
    ).first()
    confirm = spec.confirm if waiting is None else None
    to_addr = (thread.guest_email if spec.party == "guest" else thread.manager_email).lower()
    hold = Hold(
        message_id=row.id,
        thread_id=thread.id,
        party=spec.party,
        action=spec.action,
        reason=spec.reason[:2000],
        address=to_addr if spec.confirm else "",
        token=new_token() if confirm else None,
        at=now,
        expires_at=now + timedelta(days=CONFIRM_DAYS) if spec.confirm else None,
    )
    session.add(hold)
    session.flush()
    if confirm is not None:
        outgoing.queue_mail(rt, session, thread, confirm, None, now, reply_token=hold.token or "")
    elif spec.confirm is not None and waiting is not None:
        detail = f"hold {hold.id}: the same request already awaits confirmation (hold {waiting.id})"
        session.add(Event(thread_id=thread.id, at=now, what="held", detail=detail))
    log.warning(
        "thread %s hold %s Message-ID <%s>: %s of the %s held: %s",
        thread.id,
        hold.id,
        row.message_id,
        spec.action,
        spec.party,
        spec.reason,
    )
    return hold


def holds(session: Session, status: str | None = HELD_NOW) -> list[Hold]:
    """Holds, oldest first (only those in ``status``; all when None)."""
    query = select(Hold).order_by(col(Hold.id))
    if status is not None:
        query = query.where(Hold.status == status)
    return list(session.exec(query).all())


def holds_of(session: Session, thread_id: int) -> list[Hold]:
    return list(
        session.exec(select(Hold).where(Hold.thread_id == thread_id).order_by(col(Hold.id))).all()
    )


def as_dict(hold: Hold) -> dict[str, object]:
    """A hold for the CLI's JSON (keys may be added, never renamed)."""
    return {
        "id": hold.id,
        "thread": hold.thread_id,
        "message": hold.message_id,
        "party": hold.party,
        "action": hold.action,
        "reason": hold.reason,
        "status": hold.status,
        "at": hold.at.isoformat(),
        "confirmation_to": hold.address,
        "expires_at": hold.expires_at.isoformat() if hold.expires_at else None,
        "resolved_by": hold.resolved_by,
    }


def waiting_hold(session: Session, hold_id: int) -> Hold | None:
    """The hold, locked, while it still waits; None when there is none or it is settled."""
    hold = session.get(Hold, hold_id, with_for_update=True)
    return hold if hold is not None and hold.status == HELD_NOW else None


def refuse(session: Session, hold: Hold, now: datetime, by: str) -> None:
    """Never carry ``hold`` out (its confirmation token stops working too)."""
    hold.status, hold.resolved_at, hold.resolved_by = REFUSED, now, by[:320]
    detail = f"hold {hold.id} ({hold.party} {hold.action}) refused by {by}"
    session.add(Event(thread_id=hold.thread_id, at=now, what="refused", detail=detail, actor=by))
    log.warning("thread %s hold %s: refused by %s", hold.thread_id, hold.id, by)
