"""PURE: may this mail act for the party whose From it shows, and what happens when it may not.

A mail acts for a party only when it came to that party's own reply token on the thread (a
token authorises its own party only: the guest's token does not carry a manager's "yes") and
its sender is vouched for (:mod:`mailagent.core.sender_auth`). With our border's
Authentication-Results configured, a manager's reply to the firm's plain address that cites our
Message-IDs is accepted too, since the results then vouch for the From.

What may not act is held (:class:`HoldSpec`): destructive requests (a guest's erasure or
cancellation; a manager's decline, hand-over or cancellation) are confirmed by a mail to the
party's address on record with a one-time token; anything else that changes the conversation
(a manager's acceptance, times or message for the guest; a guest's choice of time) waits for an
admin, and a guest's consent to be kept in touch is simply not recorded. Nothing the held mail
says reaches the other party.
"""

from __future__ import annotations

import re

from mailagent.core import manager_replies as mr
from mailagent.core.commands import FORGET, WITHDRAW
from mailagent.core.decision import AUTO_GENERATED, Decision, HoldSpec, MailSpec, ThreadView
from mailagent.core.matching import Match
from mailagent.core.sender_auth import SenderCheck
from mailagent.core.states import NOT_REQUEST

GUEST = "guest"
MANAGER = "manager"
ADMIN = "admin"
CONFIRM = "confirm"  # a one-time token that confirms one held mail

# A manager's commands that end or hand over their part: confirmed by the manager.
MANAGER_CONFIRMS = (mr.DECLINE, mr.DELEGATE, mr.CANCEL)

YES, NO = "yes", "no"


def manager_doubt(match: Match, check: SenderCheck, manager_email: str, authserv_id: str) -> str:
    """Why a mail from the thread's manager may not act for them; "" when it may."""
    if match.how == "token":
        if match.party != MANAGER:
            where = f"the {match.party}'s" if match.party else "another party's"
            return f"it came to {where} reply address, not the manager's"
        if match.address != manager_email.lower():
            return "it came to the reply address of another manager's brief"
    elif not authserv_id:
        return "it came to the firm's plain address, not to the manager's own reply address"
    if not check.passed:
        return f"the sender is not vouched for: {check.why}"
    return ""


def guest_doubt(match: Match, check: SenderCheck, guest_email: str) -> str:
    """Why a guest's erasure or cancellation may not be carried out on this mail alone."""
    if match.how != "token" or match.party != GUEST:
        return "it did not come to the guest's own reply address"
    if match.address != guest_email.lower():
        return "it came to another guest's reply address"
    if not check.passed:
        return f"the sender is not vouched for: {check.why}"
    return ""


def hold_manager_mail(view: ThreadView, command: str, doubt: str) -> Decision:
    """A mail from the manager's address that cannot be shown to be theirs: nothing is acted
    upon. A decline, hand-over or cancellation is put to the manager to confirm; anything else
    waits for an admin."""
    detail = f"a reply from {view.manager_email} ({command}) held: {doubt}"
    if command in MANAGER_CONFIRMS:
        confirm = MailSpec("confirm_manager", False, AUTO_GENERATED, False, action=command)
        return Decision(
            attach=True,
            hold=HoldSpec(MANAGER, command, doubt, confirm),
            events=(("held", f"{detail}; the manager is asked to confirm"),),
            log=f"{detail}; the manager is asked to confirm",
        )
    return _held_for_admin(MANAGER, command, detail, doubt, "Nothing was acted upon")


def hold_guest_mail(view: ThreadView, action: str, doubt: str) -> Decision:
    """A guest's choice of time (``action``) from a mail that cannot be shown to be theirs:
    nothing is booked or passed on; an admin may release it."""
    detail = f"a reply from {view.guest_email} ({action}) held: {doubt}"
    return _held_for_admin(GUEST, action, detail, doubt, "Nothing was booked or passed on")


def _held_for_admin(party: str, action: str, detail: str, doubt: str, undone: str) -> Decision:
    words = (
        f"{detail}. {undone}. If the {party} did write it, release it with "
        "'mailagent held release ID' (the id is in 'mailagent held list')."
    )
    return Decision(
        attach=True,
        hold=HoldSpec(party, action, doubt),
        mails=(MailSpec("admin_alert", False, AUTO_GENERATED, False, to_admins=True, words=words),),
        events=(("held", f"{detail}; admins told"),),
        log=f"{detail}; admins told",
    )


def confirm_guest_command(view: ThreadView | None, command: str, doubt: str) -> Decision:
    """A guest's erasure or cancellation that this mail alone cannot carry: the guest is asked
    to confirm it from their address on record (a new thread holds it when there is none)."""
    what = "erasure" if command == FORGET else "cancellation"
    detail = f"{what} requested, held for the guest's confirmation: {doubt}"
    confirm = MailSpec("confirm_guest", True, AUTO_GENERATED, False, action=command)
    return Decision(
        attach=True,
        create_thread=view is None,
        state=NOT_REQUEST if view is None else None,
        hold=HoldSpec(GUEST, command, doubt, confirm),
        events=(("held", detail),),
        log=detail,
    )


def guest_command_needs_proof(command: str | None) -> bool:
    return command in (FORGET, WITHDRAW)


_NO = re.compile(
    r"\b(no|nope|nein|not me|wasn'?t me|war ich nicht|did not|didn'?t|do not|don'?t|never|"
    r"nicht|keine?)\b"
)
_YES = re.compile(
    r"\b(yes|yep|ja|confirm|confirmed|i confirm|bestätigt?|bestätige|ok|okay|correct|richtig|"
    r"please do|go ahead|genau|stimmt)\b"
)


def read_confirmation(own_text: str) -> str | None:
    """YES, NO or None (unclear) for the new text of a reply to a confirmation mail. Only its
    first lines count; anything that says both, or neither, is unclear."""
    head = " ".join(own_text.strip().lower().replace("’", "'").splitlines()[:3])[:300]
    said_no, said_yes = bool(_NO.search(head)), bool(_YES.search(head))
    if said_yes and not said_no:
        return YES
    if said_no and not said_yes:
        return NO
    return None
