"""PURE: the manager's own mail, from the brief to the debrief: accept, propose,
decline, delegate, cancel, notes and words for the guest, or one clarification when unclear; and
mail that only pretends to be the manager's.

Each function takes the thread as a :class:`~mailagent.core.decision.ThreadView` and what
happened, and returns a :class:`~mailagent.core.decision.Decision` the worker applies in one
transaction, like the guest's side does.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mailagent.core import manager_replies as mr
from mailagent.core.decision import (
    AUTO_GENERATED,
    AUTO_REPLIED,
    Assign,
    Decision,
    JobSpec,
    MailSpec,
    ThreadView,
)
from mailagent.core.meeting import (
    LEAD,
    MANAGER_TIMERS,
    SLOT_EXPIRE,
    SLOT_NUDGE,
    SLOT_TIMERS,
    MeetingRules,
    calendar_cancel,
    cancel,
    manager_timers,
    maybe_close,
    schedule,
    to_guest,
    to_manager,
)
from mailagent.core.states import (
    AWAITING_MANAGER,
    AWAITING_SLOT,
    CLOSED,
    HELD,
    MATCHING,
    SCHEDULED,
)


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
            return schedule(view, slots[0], rules, now, said, manager_answered=True)
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
            return cancel(view, why, by_guest=False, words=reply.text)
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
    return maybe_close(view, events, said, manager_notes=notes, keep=keep, closing=closing)
