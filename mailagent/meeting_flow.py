"""PURE: the manager's side of the conversation, from routing to close.

States (design section 4): ``matching`` -> ``awaiting_manager`` -> (``awaiting_slot`` ->)
``scheduled`` -> ``held`` -> ``closed``; ``declined`` and ``cancelled`` end early. Each function
takes the thread as a :class:`ThreadView` and what happened, and returns a :class:`Decision`
the worker applies in one transaction, like the guest's side does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mailagent import manager_replies as mr
from mailagent.commands import WITHDRAW
from mailagent.conversation import (
    AUTO_GENERATED,
    AUTO_REPLIED,
    AWAITING_MANAGER,
    AWAITING_SLOT,
    CANCELLED,
    CLOSED,
    HELD,
    MANAGER_SIDE_TIMERS,
    MATCHING,
    SCHEDULED,
    Assign,
    Decision,
    JobSpec,
    MailSpec,
    ThreadView,
)
from mailagent.invites import CANCEL, REQUEST
from mailagent.times import NONE_FITS, add_working_days

NUDGE_MANAGER, REROUTE, REMINDER_GUEST, REMINDER_MANAGER = MANAGER_SIDE_TIMERS[:4]
MARK_HELD, CLOSE_HELD, ROUTE_RETRY, CHECKIN = MANAGER_SIDE_TIMERS[4:8]
SLOT_NUDGE, SLOT_EXPIRE = MANAGER_SIDE_TIMERS[8:]
MANAGER_TIMERS = (NUDGE_MANAGER, REROUTE)
SLOT_TIMERS = (SLOT_NUDGE, SLOT_EXPIRE)
# A meeting is agreed at least this far ahead: a time already past (or about to be) is asked about.
LEAD = timedelta(hours=1)
MEETING_TIMERS = (REMINDER_GUEST, REMINDER_MANAGER, MARK_HELD)
TIMERS = MANAGER_SIDE_TIMERS


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


# --- the manager's mail --------------------------------------------------------------------


def decide_impostor(view: ThreadView, sender: str, how: str) -> Decision:
    """A mail that reached the manager's channel but not from the manager: nothing changes; it
    is stored, flagged and the admins are told (the real manager can still answer)."""
    detail = (
        f"mail from {sender} {how} is not from {view.manager_name or 'the manager'}'s "
        "configured addresses; nothing acted upon, admins told"
    )
    return Decision(
        attach=True,
        mails=(
            MailSpec("admin_alert", False, AUTO_GENERATED, False, to_admins=True, words=detail),
        ),
        events=(("unverified_sender", detail),),
        log=detail,
    )


def decide_manager_mail(
    view: ThreadView,
    reply: mr.ManagerReply,
    rules: MeetingRules,
    now: datetime,
    manager_timezone: str,
    delegate: tuple[str, str] | None = None,
) -> Decision:
    """A verified reply from the thread's manager. ``delegate``: (name, address) of the
    configured manager a DELEGATE names, or None when that address is no manager of ours."""
    said = f"{view.manager_name} replied: {reply.command}"
    state = view.state
    if reply.command == mr.NOTE:
        return Decision(attach=True, events=(("manager_note", reply.text[:2000]),), log=said)
    if reply.command == mr.RELAY:
        return _relay(view, reply.text, said)
    if state in (HELD, CLOSED):
        return _debrief(view, reply, said)
    if state not in (AWAITING_MANAGER, AWAITING_SLOT, SCHEDULED):
        return Decision(
            attach=True,
            events=(("manager_reply", f"{said}; thread is {state}, nothing to do"),),
            log=said,
        )
    if reply.command in (mr.ACCEPT, mr.PROPOSE):
        slots = tuple(s for s in reply.slots if s > now + LEAD)
        if not slots:
            return _clarify(view, said, "the time named has already passed")
        if len(slots) == 1 and slots[0] == view.meeting_start:
            detail = f"{said}; the agreed time confirmed again, nothing to send"
            return Decision(attach=True, events=(("manager_reply", detail),), log=detail)
        if len(slots) == 1:
            return _schedule(view, slots[0], rules, now, said, manager_answered=True)
        return Decision(
            attach=True,
            state=AWAITING_SLOT,
            proposals=slots,
            mails=(to_guest("slot_offer", AUTO_GENERATED, False),),
            cancel_jobs=(*MANAGER_TIMERS, *SLOT_TIMERS),
            jobs=(
                JobSpec(SLOT_NUDGE, now + timedelta(days=rules.slot_nudge_days)),
                JobSpec(SLOT_EXPIRE, now + timedelta(days=rules.slot_expire_days)),
            ),
            events=(("proposed", f"{len(slots)} times offered to the guest"),),
            log=f"{said}; {len(slots)} times offered to the guest",
        )
    if reply.command == mr.DECLINE and state == SCHEDULED:
        # Once agreed, only an explicit "cancel" cancels; anything less is asked about.
        return _clarify(view, said)
    if reply.command in (mr.DECLINE, mr.CANCEL):
        if state == SCHEDULED:
            why = f"{view.manager_name} cancelled: {reply.text or 'no reason given'}"
            return _cancel(view, why, by_guest=False, words=reply.text)
        return Decision(
            attach=True,
            state=MATCHING,
            route=True,
            end_assignment="declined",
            proposals=(),
            # A meeting kept while other times were offered leaves this manager's calendar.
            mails=calendar_cancel(view),
            cancel_meeting=view.meeting_start is not None,
            cancel_jobs=(*MANAGER_TIMERS, *SLOT_TIMERS),
            events=(
                ("manager_declined", f"{view.manager_name}: {reply.text or 'no reason given'}"),
            ),
            log=f"{said}; choosing another manager",
        )
    if reply.command == mr.DELEGATE and delegate is not None and state == AWAITING_MANAGER:
        name, email = delegate
        why = f"{name}: delegated by {view.manager_name}"
        return Decision(
            attach=True,
            state=AWAITING_MANAGER,
            end_assignment="delegated",
            assign=Assign(name, email, why),
            mails=(to_manager("brief_manager", AUTO_GENERATED, False),),
            cancel_jobs=MANAGER_TIMERS,
            jobs=manager_timers(rules, now, manager_timezone),
            events=(("delegated", why),),
            log=f"{said}; brief sent to {name}",
        )
    if state == SCHEDULED and reply.command == mr.UNCLEAR and reply.text:
        # Once the meeting is agreed, the manager's free words are for the guest.
        return _relay(view, reply.text, said)
    if reply.command == mr.DELEGATE:
        return _clarify(view, said, "the delegate is not a manager of the programme")
    return _clarify(view, said)


def calendar_cancel(view: ThreadView) -> tuple[MailSpec, ...]:
    """The manager's calendar cancellation when a meeting exists (it is being given up)."""
    if view.meeting_start is None:
        return ()
    return (to_manager("cancelled_manager", AUTO_GENERATED, False, CANCEL),)


def _clarify(view: ThreadView, said: str, why: str = "") -> Decision:
    """One short question to the manager (``why``: what was wrong, when we know)."""
    if view.clarifications >= 1:
        detail = f"{said}; still not understood, already asked once: an admin should look"
        return Decision(attach=True, events=(("not_understood", detail),), log=detail)
    return Decision(
        attach=True,
        mails=(to_manager("clarify_manager", AUTO_REPLIED, True, words=why),),
        events=(("clarify", f"{said}; asked once what was meant{': ' + why if why else ''}"),),
        log=f"{said}; asked for a clearer answer",
    )


def _relay(view: ThreadView, words: str, said: str) -> Decision:
    return Decision(
        attach=True,
        mails=(to_guest("relay", "", False, words=words),),
        events=(("relayed", f"{view.manager_name}'s message passed on to the guest"),),
        log=f"{said}; message passed on to the guest",
    )


def _debrief(view: ThreadView, reply: mr.ManagerReply, said: str) -> Decision:
    keep, notes = mr.read_debrief(reply.said or reply.text)
    events = [("debrief", f"{view.manager_name}'s notes received")]
    if keep is not None:
        events.append(("keep_in_touch", f"{view.manager_name}: {'yes' if keep else 'no'}"))
    closing = bool(view.feedback) and view.state == HELD
    return _maybe_close(view, events, said, manager_notes=notes, keep=keep, closing=closing)


def _maybe_close(
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


def _schedule(
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
        events=((what, f"{start:%Y-%m-%d %H:%M} UTC"),),
        log=f"{said}; {what} for {start:%Y-%m-%d %H:%M} UTC",
    )


def _cancel(view: ThreadView, why: str, by_guest: bool, words: str = "") -> Decision:
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


# --- the guest's mail once a manager is involved -------------------------------------------


def decide_guest_mail(
    view: ThreadView,
    own_text: str,
    command: str | None,
    pick: int | None,
    wants_contact: bool,
    give_back: str,
    rules: MeetingRules,
    now: datetime,
    manager_timezone: str,
) -> Decision | None:
    """A guest's reply in a manager-side state, or None when the guest side decides.

    ``pick``: the offered slot the reply picks (:func:`mailagent.times.pick_slot`);
    ``wants_contact``: the guest agrees to be kept in touch; ``give_back``: their answer to the
    firm's own questions, when the thank-you asked for it.
    """
    said = "reply from guest"
    if view.state == AWAITING_MANAGER:
        if command is not None or not own_text.strip():
            return None
        # Most likely an answer to the manager's question passed on to them: it goes back.
        return _pass_to_manager(own_text, said)
    if view.state == AWAITING_SLOT:
        if command == WITHDRAW:
            return None
        if pick is not None and pick != NONE_FITS and pick < len(view.proposals):
            if view.proposals[pick] > now + LEAD:
                return _schedule(
                    view, view.proposals[pick], rules, now, f"{said}: picked {pick + 1}", False
                )
            pick = NONE_FITS  # the time picked has passed meanwhile: the manager offers others
        if pick == NONE_FITS:
            return Decision(
                attach=True,
                state=AWAITING_MANAGER,
                proposals=(),
                mails=(to_manager("slots_declined", AUTO_GENERATED, False, words=own_text[:1000]),),
                jobs=manager_timers(rules, now, manager_timezone),
                cancel_jobs=SLOT_TIMERS,
                events=(
                    (
                        "no_slot_fits",
                        "the guest can make none of the offered times; manager asked again",
                    ),
                ),
                log=f"{said}: none of the times fits",
            )
        if view.slot_reasks >= 1:
            return Decision(attach=True, events=(("not_understood", "no time picked"),), log=said)
        return Decision(
            attach=True,
            mails=(to_guest("slot_reask", AUTO_REPLIED, True),),
            events=(("clarify", "the guest's reply picks no time; asked once more"),),
            log=f"{said}: no time picked; asked once more",
        )
    if view.state == SCHEDULED:
        if command == WITHDRAW:
            return _cancel(view, "the guest cancelled", by_guest=True)
        if not own_text.strip():
            return Decision(attach=True, events=(("guest_reply", "empty"),), log=said)
        return _pass_to_manager(own_text, said)
    if view.state == CLOSED and command == WITHDRAW:
        return Decision(
            attach=True,
            drop_consent=True,
            cancel_jobs=(CHECKIN,),
            events=(("consent_withdrawn", "the guest asked us not to keep in touch"),),
            log=f"{said}: no more contact; consent and talent-pool entry removed",
        )
    if view.state == HELD and command == WITHDRAW:
        return None
    if view.state in (HELD, CLOSED) and (own_text.strip() or wants_contact):
        events = [("feedback", "the guest's feedback received")]
        if wants_contact:
            events.append(("consent", "the guest agreed to be kept in touch"))
        if give_back:
            events.append(("answers", "understood: give_back"))
        if view.state == CLOSED:
            return Decision(
                attach=True,
                feedback=own_text,
                consent=wants_contact,
                answers={**view.answers, "give_back": give_back} if give_back else None,
                events=tuple(events),
                log=f"{said}: feedback after close",
            )
        decision = _maybe_close(
            view,
            events,
            said,
            closing=bool(view.manager_notes),
            feedback=own_text,
            consent=wants_contact,
        )
        if give_back:
            decision = _with_answers(decision, {**view.answers, "give_back": give_back})
        return decision
    return None


def _pass_to_manager(own_text: str, said: str) -> Decision:
    return Decision(
        attach=True,
        mails=(to_manager("relay_manager", "", False, words=own_text),),
        events=(("relayed", "the guest's message passed on to the manager"),),
        log=f"{said}; passed on to the manager",
    )


def _with_answers(decision: Decision, answers: dict[str, str]) -> Decision:
    return replace(decision, answers=answers, missing=())
