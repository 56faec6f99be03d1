"""PURE: what follows the choice of a manager (brief, decline, waitlist), and reassignment.

Part of the manager side's state machine (:mod:`mailagent.meeting_flow`): takes the thread as a
:class:`ThreadView` and returns a :class:`Decision` the worker applies in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mailagent.core.dates import add_working_days
from mailagent.core.decision import (
    AUTO_GENERATED,
    AUTO_REPLIED,
    Assign,
    Decision,
    JobSpec,
    ThreadView,
)
from mailagent.core.meeting import (
    MANAGER_TIMERS,
    ROUTE_RETRY,
    MeetingRules,
    manager_timers,
    to_guest,
    to_manager,
)
from mailagent.core.routing import Routing
from mailagent.core.states import AWAITING_MANAGER, AWAITING_SLOT, DECLINED, MATCHING, NEEDS_HUMAN


def decide_routing(
    view: ThreadView,
    routing: Routing,
    rules: MeetingRules,
    now: datetime,
    manager_timezone: str,
    waiting_since: datetime | None,
    answering: bool,
) -> Decision:
    """The outcome of choosing a manager. ``waiting_since``: when the thread went on the
    waitlist (None if it is not on it); ``answering``: a guest's mail is being answered now."""
    skipped = "; ".join(routing.skipped)
    if routing.manager is not None:
        m = routing.manager
        events = [("routed", routing.reason)]
        if skipped:
            events.append(("routing_skipped", skipped[:1500]))
        return Decision(
            attach=True,
            state=AWAITING_MANAGER,
            assign=Assign(m.name, m.email, routing.reason),
            mails=(to_manager("brief_manager", AUTO_GENERATED, False),),
            jobs=manager_timers(rules, now, manager_timezone),
            cancel_jobs=(ROUTE_RETRY,),
            events=tuple(events),
            log=f"routed to {routing.reason}",
        )
    detail = f"{routing.reason}" + (f" ({skipped})" if skipped else "")
    auto = AUTO_REPLIED if answering else AUTO_GENERATED
    if rules.waitlist and (
        waiting_since is None or now - waiting_since < timedelta(days=rules.waitlist_days)
    ):
        first = waiting_since is None
        return Decision(
            attach=True,
            state=MATCHING,
            mails=(to_guest("waitlisted", auto, answering),) if first else (),
            jobs=(JobSpec(ROUTE_RETRY, add_working_days(now, 1, "UTC")),),
            events=(("waitlisted" if first else "still_waitlisted", detail[:1500]),),
            log=f"waitlisted: {routing.reason}",
        )
    return Decision(
        attach=True,
        state=DECLINED,
        mails=(to_guest("declined", auto, answering),),
        events=(("declined", detail[:1500]),),
        log=f"declined: {routing.reason}",
    )


REASSIGNABLE = (MATCHING, AWAITING_MANAGER, AWAITING_SLOT, DECLINED, NEEDS_HUMAN)


def decide_reassign(
    view: ThreadView,
    manager: tuple[str, str],
    who: str,
    rules: MeetingRules,
    now: datetime,
    manager_timezone: str,
) -> Decision:
    """An admin gives the thread to ``manager`` (name, address): a fresh brief goes out.
    A thread with a meeting agreed is not reassigned (cancel it first), nor a finished one."""
    if view.state not in REASSIGNABLE:
        raise ValueError(
            f"thread {view.id} is {view.state}; only {', '.join(REASSIGNABLE)} can be reassigned"
        )
    name, email = manager
    why = f"{name}: reassigned by {who}"
    return Decision(
        attach=True,
        state=AWAITING_MANAGER,
        end_assignment="released",
        assign=Assign(name, email, why),
        proposals=(),
        mails=(to_manager("brief_manager", AUTO_GENERATED, False),),
        cancel_jobs=(*MANAGER_TIMERS, ROUTE_RETRY),
        jobs=manager_timers(rules, now, manager_timezone),
        events=(("reassigned", why),),
        log=why,
    )
