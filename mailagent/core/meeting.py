"""PURE: the manager side's shared steps and rules: the timers (nudges, re-routing,
reminders, the held mark), the mails to either side, and scheduling, cancelling and closing a
meeting. States (design section 4): ``matching`` -> ``awaiting_manager`` -> (``awaiting_slot``
->) ``scheduled`` -> ``held`` -> ``closed``; ``declined`` and ``cancelled`` end early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailagent.core.dates import add_working_days
from mailagent.core.decision import (
    AUTO_GENERATED,
    AUTO_REPLIED,
    MANAGER_SIDE_TIMERS,
    Decision,
    JobSpec,
    MailSpec,
    ThreadView,
)
from mailagent.core.invites import CANCEL, REQUEST
from mailagent.core.states import (
    CANCELLED,
    CLOSED,
    SCHEDULED,
)

NUDGE_MANAGER, REROUTE, REMINDER_GUEST, REMINDER_MANAGER = MANAGER_SIDE_TIMERS[:4]


MARK_HELD, CLOSE_HELD, ROUTE_RETRY, CHECKIN = MANAGER_SIDE_TIMERS[4:8]


SLOT_NUDGE, SLOT_EXPIRE = MANAGER_SIDE_TIMERS[8:]


MANAGER_TIMERS = (NUDGE_MANAGER, REROUTE)


SLOT_TIMERS = (SLOT_NUDGE, SLOT_EXPIRE)


# A meeting is agreed at least this far ahead: a time already past (or about to be) is asked about.
LEAD = timedelta(hours=1)


MEETING_TIMERS = (REMINDER_GUEST, REMINDER_MANAGER, MARK_HELD)


TIMERS = MANAGER_SIDE_TIMERS
# Mail that offers the manager a few times inside their office hours, numbered.
OFFERS_TIMES = ("brief_manager", "slots_declined", "guest_declined_manager")


@dataclass(frozen=True)
class MeetingRules:
    minutes: int = 30
    reminder_hours: float = 24
    held_after_hours: float = 2
    feedback_days: float = 7
    nudge_working_days: int = 2
    answer_working_days: int = 3
    waitlist: bool = False
    waitlist_days: float = 14
    slot_nudge_days: float = 3
    slot_expire_days: float = 7


def to_guest(kind: str, auto: str, reply: bool, invite: str = "", words: str = "") -> MailSpec:
    return MailSpec(kind, True, auto, reply, invite=invite, words=words)


def to_manager(kind: str, auto: str, reply: bool, invite: str = "", words: str = "") -> MailSpec:
    return MailSpec(kind, False, auto, reply, invite=invite, words=words)


def manager_timers(rules: MeetingRules, now: datetime, timezone: str) -> tuple[JobSpec, ...]:
    """One nudge, then re-routing, counted in the manager's working days."""
    return (
        JobSpec(NUDGE_MANAGER, add_working_days(now, rules.nudge_working_days, timezone)),
        JobSpec(REROUTE, add_working_days(now, rules.answer_working_days, timezone)),
    )


def meeting_timers(start: datetime, rules: MeetingRules, now: datetime) -> tuple[JobSpec, ...]:
    """Reminders before the meeting (those still in the future) and the 'held' mark after it."""
    remind = start - timedelta(hours=rules.reminder_hours)
    held = start + timedelta(minutes=rules.minutes, hours=rules.held_after_hours)
    jobs = (
        [JobSpec(REMINDER_GUEST, remind), JobSpec(REMINDER_MANAGER, remind)] if remind > now else []
    )
    return (*jobs, JobSpec(MARK_HELD, held))


def calendar_cancel(view: ThreadView) -> tuple[MailSpec, ...]:
    """The manager's calendar cancellation when a meeting exists (it is being given up)."""
    if view.meeting_start is None:
        return ()
    return (to_manager("cancelled_manager", AUTO_GENERATED, False, CANCEL),)


def maybe_close(
    view: ThreadView,
    events: list[tuple[str, str]],
    said: str,
    *,
    closing: bool,
    manager_notes: str = "",
    feedback: str = "",
    keep: bool | None = None,
    consent: bool = False,
) -> Decision:
    state = None
    talent = False
    if closing:
        state = CLOSED
        events.append(("closed", "feedback and debrief are in"))
        keeping = view.keep_in_touch if keep is None else keep
        talent = keeping and (consent or view.consent)
    return Decision(
        attach=True,
        state=state,
        manager_notes=manager_notes,
        feedback=feedback,
        keep_in_touch=keep,
        consent=consent,
        talent_pool=talent,
        cancel_jobs=(CLOSE_HELD,) if closing else (),
        events=tuple(events),
        log=said + ("; closed" if closing else ""),
    )


def schedule(
    view: ThreadView,
    start: datetime,
    rules: MeetingRules,
    now: datetime,
    said: str,
    manager_answered: bool,
) -> Decision:
    """Agree ``start``: both sides get a confirmation with an invite (an update if the meeting
    existed), reminders and the 'held' mark are scheduled."""
    again = view.meeting_start is not None
    what = "rescheduled" if again else "scheduled"
    manager_auto = AUTO_REPLIED if manager_answered else AUTO_GENERATED
    guest_auto = AUTO_GENERATED if manager_answered else AUTO_REPLIED
    return Decision(
        attach=True,
        state=SCHEDULED,
        meeting_start=start,
        new_meeting=not again,
        proposals=(),
        end_assignment="accepted",
        mails=(
            to_guest("confirmation", guest_auto, not manager_answered, invite=REQUEST),
            to_manager("confirmation_manager", manager_auto, manager_answered, invite=REQUEST),
        ),
        cancel_jobs=(*MANAGER_TIMERS, *MEETING_TIMERS, *SLOT_TIMERS),
        jobs=meeting_timers(start, rules, now),
        events=((what, f"{start.astimezone(UTC):%Y-%m-%d %H:%M} UTC"),),
        log=f"{said}; {what} for {start.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
    )


def cancel(view: ThreadView, why: str, by_guest: bool, words: str = "") -> Decision:
    """Both sides are told, each with the calendar's cancellation; ``words``: the reason the
    one who cancelled gave, shown to the other."""
    return Decision(
        attach=True,
        state=CANCELLED,
        cancel_meeting=True,
        mails=(
            to_guest(
                "cancelled",
                AUTO_REPLIED if by_guest else AUTO_GENERATED,
                by_guest,
                CANCEL,
                words,
            ),
            to_manager(
                "cancelled_manager",
                AUTO_GENERATED if by_guest else AUTO_REPLIED,
                not by_guest,
                CANCEL,
                words,
            ),
        ),
        cancel_jobs=(*MEETING_TIMERS, *MANAGER_TIMERS),
        events=(("cancelled", why[:2000]),),
        log=why[:200],
    )
