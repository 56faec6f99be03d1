"""PURE: timers on the manager's side: nudges, re-routing, reminders, the held mark, closing.

Part of the manager side's state machine (:mod:`mailagent.meeting_flow`): takes the thread as a
:class:`ThreadView` and returns a :class:`Decision` the worker applies in one transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mailagent.core.decision import AUTO_GENERATED, Decision, JobSpec, MailSpec, ThreadView
from mailagent.core.meeting import (
    CHECKIN,
    CLOSE_HELD,
    MANAGER_TIMERS,
    MARK_HELD,
    MEETING_TIMERS,
    NUDGE_MANAGER,
    REMINDER_GUEST,
    REMINDER_MANAGER,
    REROUTE,
    ROUTE_RETRY,
    SLOT_EXPIRE,
    SLOT_NUDGE,
    SLOT_TIMERS,
    MeetingRules,
    calendar_cancel,
    to_guest,
    to_manager,
)
from mailagent.core.states import (
    AWAITING_MANAGER,
    AWAITING_SLOT,
    CLOSED,
    EXPIRED,
    HELD,
    MATCHING,
    SCHEDULED,
)


def decide_meeting_timer(
    view: ThreadView, kind: str, rules: MeetingRules, now: datetime, manager_timezone: str
) -> Decision:
    """A manager-side timer fired. Each does nothing once the thread has moved on."""
    state = view.state
    if kind in MANAGER_TIMERS and state != AWAITING_MANAGER:
        return Decision(attach=True, log=f"{kind} not needed: thread is {state}")
    if kind == NUDGE_MANAGER:
        return Decision(
            attach=True,
            mails=(to_manager("nudge_manager", AUTO_GENERATED, False),),
            events=(("nudge_manager", f"{view.manager_name} reminded"),),
            log="manager nudged",
        )
    if kind == REROUTE:
        return Decision(
            attach=True,
            state=MATCHING,
            route=True,
            end_assignment="timed_out",
            events=(("manager_timeout", f"{view.manager_name} did not answer in time"),),
            log="no answer from the manager; choosing another",
        )
    if kind in MEETING_TIMERS and state != SCHEDULED:
        return Decision(attach=True, log=f"{kind} not needed: thread is {state}")
    if kind == REMINDER_GUEST:
        return _mail_only(
            to_guest("reminder_guest", AUTO_GENERATED, False), "reminder to the guest"
        )
    if kind == REMINDER_MANAGER:
        return _mail_only(
            to_manager("reminder_manager", AUTO_GENERATED, False), "reminder to the manager"
        )
    if kind == MARK_HELD:
        return Decision(
            attach=True,
            state=HELD,
            mails=(
                to_guest("thank_you", AUTO_GENERATED, False),
                to_manager("debrief_request", AUTO_GENERATED, False),
            ),
            jobs=(JobSpec(CLOSE_HELD, now + timedelta(days=rules.feedback_days)),),
            events=(("held", "the meeting time has passed; thank-you and debrief request sent"),),
            log="meeting held",
        )
    if kind == CLOSE_HELD:
        if state != HELD:
            return Decision(attach=True, log=f"{kind} not needed: thread is {state}")
        return Decision(
            attach=True,
            state=CLOSED,
            talent_pool=view.consent and view.keep_in_touch,
            events=(("closed", "feedback or debrief did not come in time; closed"),),
            log="closed after waiting for feedback and debrief",
        )
    if kind in SLOT_TIMERS and state != AWAITING_SLOT:
        return Decision(attach=True, log=f"{kind} not needed: thread is {state}")
    if kind == SLOT_NUDGE:
        return _mail_only(to_guest("slot_reminder", AUTO_GENERATED, False), "times offered again")
    if kind == SLOT_EXPIRE:
        return Decision(
            attach=True,
            state=EXPIRED,
            proposals=(),
            end_assignment="released",
            # A meeting kept while other times were offered is given up in both calendars.
            mails=(
                to_guest("expired", AUTO_GENERATED, False),
                *calendar_cancel(view),
            ),
            cancel_meeting=view.meeting_start is not None,
            events=(("expired", "the guest picked none of the offered times; closed for now"),),
            log="no time picked; thread expired",
        )
    if kind == ROUTE_RETRY:
        if state != MATCHING:
            return Decision(attach=True, log=f"{kind} not needed: thread is {state}")
        return Decision(attach=True, route=True, log="waitlist: trying to route again")
    if kind == CHECKIN:
        if not view.consent:
            return Decision(attach=True, log="check-in skipped: no consent (or it expired)")
        return _mail_only(
            to_guest("checkin_guest", AUTO_GENERATED, False), "keep-in-touch check-in"
        )
    raise ValueError(f"unknown timer {kind}")


def _mail_only(spec: MailSpec, what: str) -> Decision:
    return Decision(attach=True, mails=(spec,), events=((spec.kind, what),), log=what + " sent")
