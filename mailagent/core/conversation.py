"""PURE: the guest's side of the conversation state machine. Given a thread (or none)
and what happened, decide.

``decide_inbound`` returns a :class:`~mailagent.core.decision.Decision`: the thread's next state,
the mails to write to the outbox, the jobs to schedule and the events to log. The worker applies
it in one transaction. ``decide_timer`` does the same for the guest's nudges and expiry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mailagent.core.classify import Classification
from mailagent.core.commands import FORGET, WITHDRAW
from mailagent.core.decision import (
    AUTO_GENERATED,
    AUTO_REPLIED,
    EXPIRE,
    GUEST_TIMERS,
    MANAGER_CANCELLATION,
    MANAGER_SIDE_TIMERS,
    NUDGE,
    Decision,
    GuestRules,
    JobSpec,
    MailSpec,
    ThreadView,
)
from mailagent.core.intent import APPLICATION, REQUEST, UNCLEAR
from mailagent.core.matching import Match
from mailagent.core.parse import Inbound
from mailagent.core.states import (
    AWAITING_GUEST,
    AWAITING_SLOT,
    EXPIRED,
    MATCHING,
    NEEDS_HUMAN,
    NOT_REQUEST,
    OPEN_STATES,
    SCHEDULED,
    WITHDRAWN,
)


def decide_inbound(
    thread: ThreadView | None,
    msg: Inbound,
    verdict: Classification,
    match: Match,
    required_keys: tuple[str, ...],
    now: datetime,
    found: Mapping[str, str] | None = None,
    rules: GuestRules | None = None,
    command: str | None = None,
    intent: str = REQUEST,
    intent_why: str = "",
) -> Decision:
    """Decide what one inbound mail does. ``now`` is the pass's instant (aware UTC); the first
    timing rules (nudges, expiry) arrive with the guest-side conversation.

    ``required_keys`` are the questions a new thread asks; ``found`` the answers read out of
    this mail (for a guest's reply), judged by ``rules``; ``command`` a plain-words command
    found at the start of the guest's text (:mod:`mailagent.commands`); ``intent`` what a first
    mail wants (:mod:`mailagent.intent`) and ``intent_why`` the evidence, for the log.
    """
    rules = rules or GuestRules(required=frozenset(required_keys))
    if thread is not None:
        if (
            thread.state == NOT_REQUEST
            and intent == REQUEST
            and verdict.is_human
            and command is None
            and msg.from_email.lower() == thread.guest_email.lower()
        ):
            return _new_request(msg, required_keys, found or {}, rules, now, reopen=True)
        return _on_thread(thread, msg, verdict, match, found or {}, rules, command, now)
    if not verdict.is_human:
        return Decision(
            attach=False, log=f"stored, not answered: {verdict.category} ({verdict.rule})"
        )
    if command == FORGET:
        # No open thread, but data may be held from earlier ones: erase it and confirm once.
        return _forget(create=True)
    if command == WITHDRAW:
        return Decision(
            attach=False, log="asks to stop, but has no open conversation: nothing to do"
        )
    if verdict.hold or verdict.suppress_auto_reply:
        why = verdict.hold or "X-Auto-Response-Suppress asks for no automatic answer"
        return Decision(
            attach=True,
            create_thread=True,
            state=NEEDS_HUMAN,
            events=(("needs_human", why),),
            log=f"new request held for an admin: {why}",
        )
    if intent == UNCLEAR:
        why = f"not clearly a request, held for an admin: {intent_why}"
        return Decision(
            attach=True,
            create_thread=True,
            state=NEEDS_HUMAN,
            events=(("needs_human", why),),
            log=f"first mail unclear, held for an admin ({intent_why[:120]})",
        )
    if intent == APPLICATION:
        return Decision(
            attach=True,
            create_thread=True,
            state=NOT_REQUEST,
            mails=(MailSpec("not_request", True, AUTO_REPLIED, True),),
            events=(("not_request", f"a job application, not a request: {intent_why}"),),
            strip_attachments=True,
            log="job application: told where applications go; attachments not kept",
        )
    if intent != REQUEST:
        return Decision(
            attach=True,
            create_thread=True,
            state=NOT_REQUEST,
            events=(("not_request", f"not a request, not answered: {intent_why}"),),
            log=f"not a request ({intent}); not answered",
        )
    return _new_request(msg, required_keys, found or {}, rules, now, why=intent_why)


def _new_request(
    msg: Inbound,
    required_keys: tuple[str, ...],
    found: Mapping[str, str],
    rules: GuestRules,
    now: datetime,
    reopen: bool = False,
    why: str = "",
) -> Decision:
    """A request: answers already given in it are kept and only the rest is asked."""
    missing = tuple(k for k in required_keys if k not in found)
    what = "asked for an informational conversation after all" if reopen else "new request"
    events = [("request", f"{what}: {msg.subject[:80]}" + (f" [{why}]" if why else ""))]
    if found:
        events.append(("answers", f"understood from the first mail: {', '.join(found)}"))
    if not any(k in rules.required for k in missing):
        events.append(("answers_complete", "every required answer is in; choosing a manager"))
        return Decision(
            attach=True,
            create_thread=not reopen,
            state=MATCHING,
            route=True,
            answers=dict(found),
            missing=(),
            events=tuple(events),
            log=f"{what}; answers complete already",
        )
    events.append(("questionnaire", "queued"))
    return Decision(
        attach=True,
        create_thread=not reopen,
        state=AWAITING_GUEST,
        missing=missing,
        answers=dict(found) if (found or reopen) else None,
        mails=(MailSpec("questionnaire", True, AUTO_REPLIED, True),),
        jobs=guest_timers(rules, now, ""),
        events=tuple(events),
        log=f"{what}; questionnaire queued",
    )


def _on_thread(
    thread: ThreadView,
    msg: Inbound,
    verdict: Classification,
    match: Match,
    found: Mapping[str, str],
    rules: GuestRules,
    command: str | None,
    now: datetime,
) -> Decision:
    how = f"matched by {match.how}" + (f" ({match.note})" if match.note else "")
    if not verdict.is_human:
        detail = f"{verdict.category}: {verdict.rule}; {how}; no state change"
        return Decision(attach=True, events=(("machine_mail", detail),), log=detail)
    if verdict.hold:
        detail = f"held for an admin: {verdict.hold}; {how}; nothing acted upon"
        return Decision(attach=True, events=(("held", detail),), log=detail)
    who = "guest" if msg.from_email.lower() == thread.guest_email.lower() else msg.from_email
    what = "guest_reply" if who == "guest" else "reply_from_other"
    detail = f"reply from {who}; {how}"
    if who == "guest" and command == FORGET:
        return forget_decision(thread.state)
    if who == "guest" and command == WITHDRAW and thread.state in OPEN_STATES:
        meeting: tuple[MailSpec, ...] = ()
        if thread.meeting_start is not None and thread.state == AWAITING_SLOT:
            # A meeting kept while other times were offered leaves the manager's calendar.
            meeting = (MANAGER_CANCELLATION,)
        return Decision(
            attach=True,
            cancel_meeting=bool(meeting),
            state=WITHDRAWN,
            mails=(MailSpec("withdrawn", True, AUTO_REPLIED, True), *meeting),
            events=((what, detail), ("withdrawn", "the guest asked to stop; nothing more is sent")),
            cancel_jobs=(*GUEST_TIMERS, *MANAGER_SIDE_TIMERS),
            end_assignment="released",
            log=f"{detail}; withdrawn at the guest's request",
        )
    if who == "guest" and thread.state == EXPIRED:
        # "Reply any time to reopen": the thread waits for answers again.
        reopened = _answers(replace(thread, state=AWAITING_GUEST), found, rules, detail, now)
        return replace(reopened, state=reopened.state or AWAITING_GUEST)
    if who == "guest" and thread.state == AWAITING_GUEST:
        return _answers(thread, found, rules, detail, now)
    return Decision(attach=True, events=((what, detail),), log=detail)


def forget_decision(state: str) -> Decision:
    """ "Forget me" on a thread in ``state`` (the guest's own words, or an admin's command)."""
    forget = _forget(create=False)
    if state == SCHEDULED:
        # The manager's calendar still holds the meeting: it is cancelled there too.
        return replace(forget, mails=(*forget.mails, MANAGER_CANCELLATION), cancel_meeting=True)
    return forget


def _forget(create: bool) -> Decision:
    """Erase the guest's personal data (every thread of the address) and confirm it once."""
    return Decision(
        attach=True,
        create_thread=create,
        state=WITHDRAWN,
        mails=(MailSpec("forgotten", True, AUTO_REPLIED, True),),
        events=(("forgotten", "personal data erased at the guest's request"),),
        forget=True,
        cancel_jobs=(*GUEST_TIMERS, *MANAGER_SIDE_TIMERS),
        end_assignment="released",
        log="personal data erased at the guest's request",
    )


def _answers(
    thread: ThreadView, found: Mapping[str, str], rules: GuestRules, detail: str, now: datetime
) -> Decision:
    """A guest's reply while we wait for answers: record them, then move on, re-ask once, or
    wait (a reply without answers is not pestered with another mail)."""
    merged = {**thread.answers, **found}
    # Optional questions are asked once; only required ones stay missing after a reply.
    missing = tuple(k for k in thread.missing if k not in merged and k in rules.required)
    events = [("guest_reply", detail)]
    if found:
        events.append(("answers", f"understood: {', '.join(found)}"))
    if not missing:
        events.append(("answers_complete", "every required answer is in; choosing a manager"))
        return Decision(
            attach=True,
            state=MATCHING,
            route=True,
            answers=merged,
            missing=(),
            events=tuple(events),
            cancel_jobs=GUEST_TIMERS,
            log=f"{detail}; answers complete",
        )
    asked_for = ", ".join(missing)
    mails: tuple[MailSpec, ...] = ()
    if found and thread.reasks < rules.max_reasks:
        mails = (MailSpec("reask", True, AUTO_REPLIED, True),)
        events.append(("reask", f"asking again for: {asked_for}"))
    elif found:
        events.append(("still_missing", f"{asked_for}; re-asked {thread.reasks} time(s) already"))
    else:
        events.append(("no_answers", f"no answers recognised; still missing {asked_for}"))
    # Any human reply stops the pending nudges; the clock starts again from this reply.
    return Decision(
        attach=True,
        answers=merged,
        missing=missing,
        mails=mails,
        events=tuple(events),
        cancel_jobs=GUEST_TIMERS,
        jobs=guest_timers(rules, now, thread.timezone, thread.nudges),
        log=f"{detail}; missing {asked_for}",
    )


def guest_timers(
    rules: GuestRules, now: datetime, timezone: str, nudges_sent: int = 0
) -> tuple[JobSpec, ...]:
    """The nudges still allowed and the expiry, counted from ``now`` (the last ask or reply),
    each moved out of the guest's night."""
    zone = timezone or rules.timezone
    left = rules.nudge_days[nudges_sent:]
    nudges = [
        JobSpec(NUDGE, out_of_quiet_hours(now + timedelta(days=d), zone, rules.quiet_hours))
        for d in left
    ]
    expiry = out_of_quiet_hours(now + timedelta(days=rules.expire_days), zone, rules.quiet_hours)
    return (*nudges, JobSpec(EXPIRE, expiry))


def out_of_quiet_hours(due: datetime, timezone: str, quiet: tuple[int, int]) -> datetime:
    """``due``, or the end of the quiet hours (in ``timezone``) when it falls inside them."""
    start, end = quiet
    local = due.astimezone(ZoneInfo(timezone))
    hour = local.hour
    inside = start <= hour or hour < end if start > end else start <= hour < end
    if not inside or start == end:
        return due
    wake = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(due.tzinfo)


def decide_timer(thread: ThreadView, kind: str, nudges_sent: int, rules: GuestRules) -> Decision:
    """A guest timer fired: nudge, or close the thread as expired. Nothing once the guest has
    answered, withdrawn or the thread moved on."""
    if thread.state != AWAITING_GUEST:
        return Decision(attach=True, log=f"{kind} not needed: thread is {thread.state}")
    if kind == NUDGE:
        return Decision(
            attach=True,
            mails=(MailSpec("nudge_guest", True, AUTO_GENERATED, False),),
            events=(("nudge", f"reminder {nudges_sent + 1} of {len(rules.nudge_days)}"),),
            log="guest nudged",
        )
    return Decision(
        attach=True,
        state=EXPIRED,
        mails=(MailSpec("expired", True, AUTO_GENERATED, False),),
        events=(("expired", "no answers; closed with a friendly note (a reply reopens it)"),),
        cancel_jobs=GUEST_TIMERS,
        log="thread expired",
    )
