"""PURE: a calendar's Accept/Decline read back (iTIP REPLY, RFC 5546 section 3.2.3).

When a guest or manager presses Accept, Tentative or Decline on our invitation, their client
mails the organizer (our address) a ``METHOD:REPLY`` with the meeting's UID, the SEQUENCE it
answers and their own ATTENDEE line with PARTSTAT. :func:`read_reply` reads that;
:func:`decide_calendar_reply` decides what it changes. Nothing here ever answers the mail: the
reply is calendar software talking, and answering it would start a loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailagent.core.decision import AUTO_GENERATED, Decision, ThreadView
from mailagent.core.invites import CANCEL
from mailagent.core.meeting import MEETING_TIMERS, MeetingRules, manager_timers, to_manager
from mailagent.core.states import AWAITING_MANAGER, SCHEDULED

ACCEPTED, TENTATIVE, DECLINED = "ACCEPTED", "TENTATIVE", "DECLINED"


@dataclass(frozen=True)
class CalendarReply:
    uid: str
    sequence: int
    attendee: str  # lower case, without mailto:
    partstat: str  # upper case
    comment: str = ""


def read_reply(data: bytes) -> CalendarReply | None:
    """The REPLY in ``data``; None when it is no single-attendee iTIP REPLY."""
    if not data or b"REPLY" not in data.upper():
        return None
    from icalendar import Calendar

    try:
        cal = Calendar.from_ical(data)
    except Exception:
        return None
    if str(cal.get("method", "")).upper() != "REPLY":
        return None
    events = cal.walk("VEVENT")
    if len(events) != 1:
        return None
    event = events[0]
    attendees = event.get("attendee")
    if not isinstance(attendees, list):
        attendees = [attendees] if attendees is not None else []
    if len(attendees) != 1:
        return None
    attendee = attendees[0]
    address = str(attendee).strip()
    if address.lower().startswith("mailto:"):
        address = address[7:]
    try:
        sequence = int(event.get("sequence", 0))
    except (TypeError, ValueError):
        return None
    return CalendarReply(
        uid=str(event.get("uid", "")).strip(),
        sequence=sequence,
        attendee=address.strip().lower(),
        partstat=str(attendee.params.get("PARTSTAT", "")).upper(),
        comment=" ".join(str(event.get("comment", "")).split())[:500],
    )


def decide_calendar_reply(
    view: ThreadView,
    reply: CalendarReply,
    sender: str,
    vouched: bool,
    rules: MeetingRules,
    now: datetime,
    manager_timezone: str,
) -> Decision:
    """What ``reply`` (from ``sender``, vouched for or not) does on ``view``'s meeting.

    Accepted or tentative: noted. Declined by the guest: the time is given up and the manager
    asked for others (re-offer; the manager's calendar entry is cancelled). Declined by the
    manager: they are asked whether the conversation is off (calendars decline clashing
    invitations on their own, so the guest is told nothing yet). Anything else, or a reply to
    an older invitation or from someone not invited: noted, nothing done.
    """
    party = _party(view, reply.attendee)
    who = f"{party or reply.attendee}"
    if not party or sender.lower() != reply.attendee:
        return _noted(f"calendar reply for {reply.attendee} from {sender}: not a party here")
    if view.state != SCHEDULED or reply.uid != view.meeting_uid:
        return _noted(f"the {who}'s calendar reply ({reply.partstat}) is for no current meeting")
    if view.meeting_start is not None and view.meeting_start <= now:
        return _noted(f"the {who}'s calendar reply ({reply.partstat}) came after the meeting began")
    if reply.sequence < view.meeting_sequence:
        return _noted(f"the {who}'s calendar reply ({reply.partstat}) answers an older invitation")
    said = f"the {who} {reply.partstat.lower()} the invitation in their calendar"
    if reply.comment:
        said += f": {reply.comment}"
    if reply.partstat in (ACCEPTED, TENTATIVE):
        return Decision(
            attach=True, events=((f"calendar_{reply.partstat.lower()}", said),), log=said
        )
    if reply.partstat != DECLINED:
        return _noted(said)
    if not vouched:
        return _noted(f"{said}; its sender is not vouched for, so nothing was changed")
    if party == "guest":
        return Decision(
            attach=True,
            state=AWAITING_MANAGER,
            proposals=(),
            cancel_meeting=True,
            # One mail: the calendar entry goes, and the manager is asked for other times.
            mails=(
                to_manager("guest_declined_manager", AUTO_GENERATED, False, CANCEL, reply.comment),
            ),
            cancel_jobs=MEETING_TIMERS,
            jobs=manager_timers(rules, now, manager_timezone),
            events=(("calendar_declined", f"{said}; the manager is asked for other times"),),
            log=f"{said}; manager asked for other times",
        )
    return Decision(
        attach=True,
        mails=(
            to_manager("calendar_declined_manager", AUTO_GENERATED, False, words=reply.comment),
        ),
        events=(("calendar_declined", f"{said}; asked whether the meeting is off"),),
        log=f"{said}; manager asked whether it is off",
    )


def _party(view: ThreadView, address: str) -> str:
    if address == view.guest_email.lower():
        return "guest"
    if view.manager_email and address == view.manager_email.lower():
        return "manager"
    return ""


def _noted(detail: str) -> Decision:
    return Decision(attach=True, events=(("calendar_reply", detail[:2000]),), log=detail[:200])
