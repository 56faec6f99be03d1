"""What one parsed inbound mail does to its thread, inside the caller's transaction: match a
thread, check whose voice it may speak with, read the guest's or manager's words, decide,
apply. Also a held mail carried out later, once its party confirms or an admin releases it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from sqlmodel import Session

from mailagent.core import answers, identity, intent, itip
from mailagent.core.classify import Classification, classify
from mailagent.core.commands import WITHDRAW, guest_command, may_hold_command
from mailagent.core.conversation import decide_inbound
from mailagent.core.decision import AUTO_GENERATED, Decision, MailSpec, ThreadView
from mailagent.core.headers import guest_address
from mailagent.core.language import detect_language
from mailagent.core.matching import Match, match_thread, tokens_in
from mailagent.core.mime import Limits
from mailagent.core.parse import Inbound, parse_message
from mailagent.core.reply_text import name_words
from mailagent.core.sender_auth import SenderCheck, check_sender
from mailagent.core.states import AWAITING_GUEST, EXPIRED, NOT_REQUEST
from mailagent.core.zones import detect_timezone
from mailagent.service import effects, holding, meeting_mail, questions, staffing
from mailagent.service.effects import thread_view
from mailagent.service.runtime import Runtime
from mailagent.store.erasure import forget_address
from mailagent.store.inbound import message_row, update_row
from mailagent.store.tables import (
    CONFIRMED,
    ERASED,
    HELD_NOW,
    HOLD_EXPIRED,
    REFUSED,
    RELEASED_BY_ADMIN,
    Event,
    Hold,
    Message,
    Thread,
)
from mailagent.store.threads import (
    add_thread,
    open_threads_for,
    thread_by_meeting_uid,
    threads_by_message_ids,
)
from mailagent.store.tokens import new_token, token_owner

log = logging.getLogger("mailagent.intake")


def decide(
    rt: Runtime,
    session: Session,
    msg: Inbound,
    verdict: Classification,
    sender: str,
    now: datetime,
    vouched: bool = False,
) -> tuple[Thread | None, Decision]:
    """The thread ``msg`` belongs to (locked) and what it does there. ``vouched``: its sender
    was confirmed or released by an admin, so nothing is held for want of proof."""
    with session.no_autoflush:
        # A calendar's Accept/Decline is read once: it may name the thread and decides there.
        reply = itip.read_reply(msg.calendar) if msg.calendar else None
        match = _match(rt, session, msg, reply)
        # Locked, so a timer on another worker cannot act on the thread at the same time.
        thread = (
            session.get(Thread, match.thread_id, with_for_update=True) if match.thread_id else None
        )
        view = thread_view(session, thread, now)
    if match.party == identity.CONFIRM and view is not None and not vouched:
        # Outside the block above: a "yes" carries the held mail out, which writes and reads
        # again as any handling does.
        return thread, _confirmation_reply(rt, session, msg, verdict, match, sender, now)
    with session.no_autoflush:
        check = SenderCheck(True, "confirmed") if vouched else check_sender(msg, rt.us.authserv_id)
        decision = _calendar_reply(rt, msg, reply, view, sender, check, now)
        if decision is None and not vouched:
            decision = _guest_gate(msg, verdict, match, view, sender, check)
        if decision is None:
            decision = meeting_mail.decide(
                rt, msg, verdict, match, view, sender, now, check, vouched
            )
        if decision is None:
            found, command, wants = _read_guest(rt, session, msg, verdict, thread, view, sender)
            decision = decide_inbound(
                view,
                msg,
                verdict,
                match,
                rt.config.questionnaire.keys,
                now,
                found,
                questions.guest_rules(rt),
                command,
                wants.category if wants else intent.REQUEST,
                wants.explain() if wants else "",
            )
    return thread, decision


def carry_out(
    rt: Runtime,
    session: Session,
    row: Message,
    msg: Inbound,
    decision: Decision,
    thread: Thread | None,
    sender: str,
    now: datetime,
    row_values: dict[str, object] | None = None,
) -> Thread | None:
    """Apply ``decision`` for ``row``'s mail: the thread, its effects, a hold, an erasure.
    ``row_values`` are written to ``row`` in the same UPDATE as its thread (or alone)."""
    thread = _apply(rt, session, row, msg, decision, thread, now, row_values or {})
    if decision.hold is not None and thread is not None:
        holding.open_hold(rt, session, thread, row, decision.hold, now)
    if decision.forget and thread is not None:
        touched = forget_address(session, sender, now)
        log.warning(
            "Message-ID <%s>: personal data erased at the guest's request [threads %s]",
            msg.message_id,
            ", ".join(map(str, touched)),
        )
    return thread


def release(rt: Runtime, session: Session, hold: Hold, now: datetime, by: str) -> str:
    """Carry out the mail ``hold`` kept, as vouched for (its party confirmed, or the admin
    ``by`` released it); returns what it did. The hold is settled in the same transaction."""
    row = message_row(session, hold.message_id)
    hold.status = CONFIRMED if by == hold.address and hold.address else RELEASED_BY_ADMIN
    hold.resolved_at, hold.resolved_by = now, by[:320]
    detail = f"hold {hold.id} ({hold.party} {hold.action}) {hold.status} by {by}"
    session.add(Event(thread_id=hold.thread_id, at=now, what=hold.status, detail=detail, actor=by))
    if row is None or not row.raw:
        hold.status = ERASED
        return "the held mail is gone (erased); nothing to carry out"
    thread = session.get(Thread, hold.thread_id)
    if thread is not None:
        rt = rt.for_mailbox(thread.mailbox)
    inbox = rt.config.settings.inbox
    msg = parse_message(row.raw, Limits(max_parts=inbox.max_parts, max_depth=inbox.max_depth))
    # What held it (a DMARC failure, a spam flag) is what the confirmation answered.
    verdict = replace(classify(msg, rt.us), hold="")
    sender = (guest_address(msg.from_email) or msg.from_email).lower()
    thread, decision = decide(rt, session, msg, verdict, sender, now, vouched=True)
    carry_out(rt, session, row, msg, decision, thread, sender, now)
    log.warning(
        "hold %s Message-ID <%s>: %s by %s: %s",
        hold.id,
        msg.message_id,
        hold.status,
        by,
        decision.log,
    )
    return decision.log


def _guest_gate(
    msg: Inbound,
    verdict: Classification,
    match: Match,
    view: ThreadView | None,
    sender: str,
    check: SenderCheck,
) -> Decision | None:
    """A guest's "delete my data" or "cancel" that this mail cannot carry alone: confirmed
    first. None when the mail asks neither, or may."""
    if not verdict.is_human or (view and sender != view.guest_email.lower()):
        return None
    if not may_hold_command(msg.text):
        return None  # the common case, without splitting the reply a third time
    own, _ = answers.split_reply(msg.text, questions.languages_for(view.language if view else "en"))
    command = guest_command(own)
    if not identity.guest_command_needs_proof(command) or (view is None and command == WITHDRAW):
        return None
    assert command is not None
    doubt = identity.guest_doubt(match, check, view.guest_email if view else sender)
    doubt = doubt or verdict.hold
    return identity.confirm_guest_command(view, command, doubt) if doubt else None


def _confirmation_reply(
    rt: Runtime,
    session: Session,
    msg: Inbound,
    verdict: Classification,
    match: Match,
    sender: str,
    now: datetime,
) -> Decision:
    """A reply to a confirmation mail: yes carries the held mail out, no refuses it (and tells
    the admins: someone wrote in this person's name), anything else leaves it held."""
    owner = token_owner(session, match.token)
    hold_id = owner.hold_id if owner is not None else None
    hold = session.get(Hold, hold_id, with_for_update=True) if hold_id is not None else None
    if hold is None or hold.status != HELD_NOW:
        return _noted("a reply to a confirmation already settled; nothing to do")
    if not verdict.is_human:
        return _noted(f"{verdict.category} on the confirmation of hold {hold.id}; no change")
    if sender != hold.address:
        return _noted(f"{sender} answered the confirmation of hold {hold.id}, sent to another")
    if hold.expires_at is not None and hold.expires_at < now:
        hold.status, hold.resolved_at = HOLD_EXPIRED, now
        return _noted(f"the confirmation of hold {hold.id} came after it expired; not carried out")
    own, _ = answers.split_reply(msg.text)
    said = identity.read_confirmation(own)
    if said is None and guest_command(own) == hold.action:
        said = identity.YES
    if said == identity.YES:
        done = release(rt, session, hold, now, hold.address)
        return _noted(f"hold {hold.id} confirmed by {hold.address}: {done}")
    if said == identity.NO:
        hold.status, hold.resolved_at, hold.resolved_by = REFUSED, now, hold.address[:320]
        words = (
            f"{hold.address} says they did not ask for the held {hold.action} (hold {hold.id}): "
            "someone may be writing in their name. Nothing was carried out."
        )
        alert = MailSpec("admin_alert", False, AUTO_GENERATED, False, to_admins=True, words=words)
        return Decision(attach=True, mails=(alert,), events=(("refused", words),), log=words)
    return _noted(f"the reply to the confirmation of hold {hold.id} says neither yes nor no")


def _noted(detail: str, what: str = "confirmation_reply") -> Decision:
    return Decision(attach=True, events=((what, detail),), log=detail)


def _read_guest(
    rt: Runtime,
    session: Session,
    msg: Inbound,
    verdict: Classification,
    thread: Thread | None,
    view: ThreadView | None,
    sender: str,
) -> tuple[dict[str, str], str | None, intent.Intent | None]:
    """Answers, a plain-words command and the intent in a guest's mail (where they apply)."""
    if not verdict.is_human:
        return {}, None, None
    # The command and the intent read the guest's own text; the answers are read below.
    language = thread.language if thread is not None else "en"
    own_text, _ = answers.split_reply(msg.text, questions.languages_for(language))
    found: dict[str, str] = {}
    if thread is not None and thread.state in (AWAITING_GUEST, EXPIRED) and msg.text.strip():
        # The questionnaire or re-ask being answered: its lines are never the guest's words,
        # however their client quotes them.
        ours = questions.last_mail_text(session, thread)
        found = answers.extract(
            msg.text,
            questions.asked(rt, thread),
            questions.languages_for(language),
            ours,
            name_words(msg.from_name, msg.from_email),
        )
    if view is not None and sender != view.guest_email.lower():
        return found, None, None
    wants = None
    if view is None or view.state == NOT_REQUEST:
        wants = intent.judge(
            msg.subject,
            own_text,
            msg.attachments,
            rt.intent_categories,
            rt.config.settings.intent.min_confidence,
        )
        if view is None:
            found = answers.extract_labeled(own_text, questions.first_asked(rt))
    return found, guest_command(own_text), wants


def _calendar_reply(
    rt: Runtime,
    msg: Inbound,
    reply: itip.CalendarReply | None,
    view: ThreadView | None,
    sender: str,
    check: SenderCheck,
    now: datetime,
) -> Decision | None:
    """What a calendar's Accept/Decline does on the thread, or None when ``msg`` is none."""
    if reply is None or view is None:
        return None
    decision = itip.decide_calendar_reply(
        view,
        reply,
        sender,
        check.passed,
        staffing.meeting_rules(rt),
        now,
        staffing.manager_timezone(rt, view.manager_email),
    )
    log.info("Message-ID <%s> [thread %s]: %s", msg.message_id, view.id, decision.log)
    return decision


def _match(rt: Runtime, session: Session, msg: Inbound, reply: itip.CalendarReply | None) -> Match:
    owners = {}
    for token in tokens_in([*msg.recipients, *msg.delivered_to], rt.us.address):
        owner = token_owner(session, token)
        if owner is not None:
            owners[token] = owner
    ids = [*msg.in_reply_to, *msg.references]
    msgid_threads = threads_by_message_ids(session, ids)
    sender = guest_address(msg.from_email) if msg.from_email else None
    open_threads = open_threads_for(session, rt.mailbox, sender) if sender else []
    token_threads = {token: owner.thread_id for token, owner in owners.items()}
    match = match_thread(msg, token_threads, msgid_threads, open_threads)
    if match.how != "token" and reply is not None:
        # Accept/Decline goes to the invitation's organizer (our plain address), often without
        # In-Reply-To: the UID it answers names the meeting, better than the sender's newest
        # open thread does.
        found = thread_by_meeting_uid(session, rt.mailbox, reply.uid)
        if found is not None:
            return Match(found, "calendar uid")
    if match.how != "token":
        return match
    mine = [(t, o) for t, o in owners.items() if o.thread_id == match.thread_id]
    if len({(o.party, o.address) for _, o in mine}) > 1:
        # Sent to several parties' tokens at once: it speaks for none of them.
        return replace(match, note=f"{match.note} tokens of several parties".strip())
    token, owner = mine[0]
    return replace(match, party=owner.party, address=owner.address, token=token)


def _apply(
    rt: Runtime,
    session: Session,
    row: Message,
    msg: Inbound,
    decision: Decision,
    thread: Thread | None,
    now: datetime,
    row_values: dict[str, object],
) -> Thread | None:
    # A new thread's zone is read from this mail as it is made: not read twice.
    created = False
    if decision.create_thread and decision.state:
        created = True
        thread = Thread(
            token=new_token(),
            state=decision.state,
            mailbox=rt.mailbox,
            guest_email=guest_address(msg.from_email) or msg.from_email,
            guest_key=(guest_address(msg.from_email) or msg.from_email).lower(),
            guest_name=msg.from_name or answers.signature_name(msg.text),
            language=detect_language(
                msg.text, rt.languages, rt.config.settings.firm.default_language
            ),
            timezone=detect_timezone(msg.text) or "",
            missing=list(decision.missing),
            # Given, not defaulted: pydantic inspects a default_factory on every construction.
            answers={},
            proposals=[],
            offered=[],
            created_at=now,
            updated_at=now,
        )
        add_thread(session, thread)
    if thread is None or not decision.attach:
        if row_values:
            update_row(session, row, **row_values)
        return None
    assert thread.id is not None
    update_row(session, row, **row_values, thread_id=thread.id)
    if not created and not thread.timezone and msg.from_email.lower() == thread.guest_email.lower():
        thread.timezone = detect_timezone(msg.text) or ""
    effects.apply(rt, session, thread, decision, msg, now)
    return thread
