"""Inbound mail once a manager is involved: the manager's own replies (verified), mail that
only pretends to be the manager's, and the guest's replies about times, the meeting and
feedback. Reads the mail, then lets :mod:`mailagent.meeting_flow` decide."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from mailagent.core import answers
from mailagent.core import manager_replies as mr
from mailagent.core.classify import Classification
from mailagent.core.commands import FORGET, guest_command
from mailagent.core.decision import Decision, ThreadView
from mailagent.core.guest_meeting import decide_guest_mail
from mailagent.core.identity import guest_doubt, hold_guest_mail, hold_manager_mail, manager_doubt
from mailagent.core.managers import Manager, ManagersFile
from mailagent.core.matching import Match
from mailagent.core.meeting_flow import decide_impostor, decide_manager_mail
from mailagent.core.parse import Inbound
from mailagent.core.sender_auth import SenderCheck
from mailagent.core.slot_choice import pick_slot
from mailagent.core.states import AWAITING_MANAGER, AWAITING_SLOT, CLOSED, HELD, SCHEDULED
from mailagent.service import questions, staffing
from mailagent.service.runtime import Runtime

log = logging.getLogger("mailagent.meeting_mail")
# Our token or our Message-IDs: the channel a manager's answer must come through.
OUR_CHANNEL = ("token", "in-reply-to", "references")
GUEST_STATES = (AWAITING_MANAGER, AWAITING_SLOT, SCHEDULED, HELD, CLOSED)


def decide(
    rt: Runtime,
    msg: Inbound,
    verdict: Classification,
    match: Match,
    view: ThreadView | None,
    sender: str,
    now: datetime,
    check: SenderCheck,
    vouched: bool = False,
) -> Decision | None:
    """The decision for ``msg`` when it is manager-side mail, else None (the guest side decides).

    ``check`` says whether the sender is vouched for; ``vouched``: a held mail now confirmed
    or released, which is not held again."""
    staff = rt.config.managers.by_address(sender) or sender in rt.config.settings.managers.admins
    if view is None and verdict.is_human and staff:
        # A manager or admin writing afresh (or answering the digest) is no guest's request.
        detail = "mail from a manager or admin that belongs to no conversation; not answered"
        log.warning("Message-ID <%s> from %s: %s", msg.message_id, sender, detail)
        return Decision(attach=False, log=detail)
    if view is None or not verdict.is_human:
        return None
    manager = rt.config.managers.by_address(view.manager_email) if view.manager_email else None
    if verdict.hold and not (manager is not None and manager.owns(sender)):
        return None
    if sender in rt.config.settings.managers.admins:
        # An admin answering an alert: kept as a note, never an alert again.
        own, _ = answers.split_reply(msg.text, questions.languages_for(view.language))
        detail = f"{sender}: {own[:1500]}"
        return Decision(attach=True, events=(("admin_note", detail),), log="an admin's note")
    calendar = any(t == "text/calendar" for t in msg.content_types)
    if calendar and not guest_command(answers.split_reply(msg.text)[0]):
        # A calendar's accept/decline button: the person's words, if any, decide instead.
        detail = f"a calendar response from {sender}; nothing to do"
        return Decision(attach=True, events=(("calendar_reply", detail),), log=detail)
    if sender != view.guest_email.lower():
        if not view.manager_email:
            return None
        return _from_other(rt, msg, verdict, match, view, sender, now, check, vouched)
    if view.state not in GUEST_STATES:
        return None
    own, quoted = answers.split_reply(msg.text, questions.languages_for(view.language))
    command = guest_command(own)
    if command == FORGET:
        return None
    zone = view.timezone or rt.config.settings.guest.timezone
    written = written_at(msg, now)
    pick = pick_slot(own, view.proposals, zone, written) if view.state == AWAITING_SLOT else None
    wants_contact = mr.wants_contact(own)
    doubt = "" if vouched else guest_doubt(match, check, view.guest_email)
    if doubt and pick is not None:
        return hold_guest_mail(view, "pick", doubt)
    if doubt and wants_contact:
        # Consent is given by the guest alone: the rest of the mail (feedback) still counts.
        wants_contact = False
        log.warning(
            "Message-ID <%s> [thread %s]: consent to keep in touch not recorded: %s",
            msg.message_id,
            view.id,
            doubt,
        )
    give_back = ""
    if view.state in (HELD, CLOSED) and "give_back" not in view.answers:
        asked = [a for a in questions.first_asked(rt) if a.key == "give_back"]
        give_back = answers.extract_split(own, quoted or msg.text, asked).get("give_back", "")
    return decide_guest_mail(
        view,
        own,
        command,
        pick,
        wants_contact,
        give_back,
        staffing.meeting_rules(rt),
        now,
        staffing.manager_timezone(rt, view.manager_email),
    )


def _from_other(
    rt: Runtime,
    msg: Inbound,
    verdict: Classification,
    match: Match,
    view: ThreadView,
    sender: str,
    now: datetime,
    check: SenderCheck,
    vouched: bool,
) -> Decision:
    manager = rt.config.managers.by_address(view.manager_email)
    if manager is None or not manager.owns(sender) or match.how not in OUR_CHANNEL:
        return decide_impostor(view, sender, f"(matched by {match.how})")
    reply = read_manager_reply(
        rt.config.managers, manager, msg, view.language, view.offered, written_at(msg, now)
    )
    doubt = "" if vouched else manager_doubt(match, check, view.manager_email, rt.us.authserv_id)
    if verdict.hold and not vouched:
        doubt = doubt or verdict.hold
    if doubt:
        return hold_manager_mail(view, reply.command, doubt)
    delegate = None
    if reply.command == mr.DELEGATE:
        other = rt.config.managers.by_address(reply.delegate_to)
        if other is not None and other.active and other.name != manager.name:
            delegate = (other.name, other.email)
    return decide_manager_mail(
        view, reply, staffing.meeting_rules(rt), now, manager.timezone, delegate
    )


def read_manager_reply(
    managers: ManagersFile,
    manager: Manager,
    msg: Inbound,
    language: str,
    offered: Sequence[str],
    written: datetime,
) -> mr.ManagerReply:
    """What ``manager``'s mail says, read in their zone and office hours against the times the
    mail they answer ``offered`` (ISO strings, in its order), with the other active managers as
    the colleagues they may hand over to."""
    own, _ = answers.split_reply(msg.text, questions.languages_for(language))
    context = mr.ReplyContext(
        manager.timezone,
        written,
        office=(manager.office_hours.start, manager.office_hours.end),
        offered=tuple(datetime.fromisoformat(t) for t in offered),
        colleagues={
            m.name.casefold(): m.email
            for m in managers.managers
            if m.active and m.name != manager.name
        },
    )
    return mr.read_reply(own, manager.timezone, written, context)


def written_at(msg: Inbound, now: datetime) -> datetime:
    """When the mail was written (its Date), unless that is missing or implausible."""
    if msg.date is None or msg.date.tzinfo is None:
        return now
    if not now - timedelta(days=30) <= msg.date <= now + timedelta(hours=1):
        return now
    return msg.date
