"""PURE: the guest's mail once a manager is involved: a pick among offered times,
words passed on to the manager, a cancel, feedback and consent after the meeting.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from mailagent.core.commands import WITHDRAW
from mailagent.core.decision import (
    AUTO_GENERATED,
    AUTO_REPLIED,
    Decision,
    ThreadView,
)
from mailagent.core.meeting import (
    CHECKIN,
    LEAD,
    SLOT_TIMERS,
    MeetingRules,
    cancel,
    manager_timers,
    maybe_close,
    schedule,
    to_guest,
    to_manager,
)
from mailagent.core.slot_choice import NONE_FITS
from mailagent.core.states import (
    AWAITING_MANAGER,
    AWAITING_SLOT,
    CLOSED,
    HELD,
    SCHEDULED,
)


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
                return schedule(
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
            return cancel(view, "the guest cancelled", by_guest=True)
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
        decision = maybe_close(
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
