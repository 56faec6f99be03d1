"""PURE: the values the state machines decide over and decide: a thread as they see it
(:class:`ThreadView`), the guest rules, and the :class:`Decision` with its mails and jobs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

AUTO_REPLIED = "auto-replied"


AUTO_GENERATED = "auto-generated"


@dataclass(frozen=True)
class ThreadView:
    """What the state machine needs to know about an existing thread."""

    id: int
    state: str
    guest_email: str
    language: str
    answers: Mapping[str, str] = field(default_factory=dict)
    missing: tuple[str, ...] = ()
    reasks: int = 0
    nudges: int = 0
    timezone: str = ""
    manager_name: str = ""
    manager_email: str = ""
    meeting_start: datetime | None = None
    # The meeting's calendar identity (UID, SEQUENCE), as in its last invitation.
    meeting_uid: str = ""
    meeting_sequence: int = 0
    proposals: tuple[datetime, ...] = ()
    # ISO 8601 times the last mail to the manager offered, in its order.
    offered: tuple[str, ...] = ()
    feedback: str = ""
    manager_notes: str = ""
    consent: bool = False
    keep_in_touch: bool = False
    clarifications: int = 0
    slot_reasks: int = 0


@dataclass(frozen=True)
class GuestRules:
    """Which questionnaire keys must be answered, how often a partial answer is re-asked, and
    when a quiet guest is nudged (days after the last ask) and the thread expires."""

    required: frozenset[str]
    max_reasks: int = 1
    nudge_days: tuple[float, ...] = (3, 7)
    expire_days: float = 14
    quiet_hours: tuple[int, int] = (21, 8)
    timezone: str = "UTC"


@dataclass(frozen=True)
class JobSpec:
    kind: str
    due_at: datetime


NUDGE = "nudge_guest"


EXPIRE = "expire_guest"


GUEST_TIMERS = (NUDGE, EXPIRE)


# The manager side's timers (mailagent.meeting_flow), stopped when a guest withdraws.
MANAGER_SIDE_TIMERS = (
    "nudge_manager",
    "reroute_manager",
    "reminder_guest",
    "reminder_manager",
    "mark_held",
    "close_held",
    "route_retry",
    "checkin_guest",
    "slot_nudge",
    "slot_expire",
)


@dataclass(frozen=True)
class MailSpec:
    """A mail to write to the outbox. ``in_reply_to_inbound``: it answers the mail being handled.

    It goes to the guest (``to_guest``), else to the admins (``to_admins``), else to the thread's
    manager. ``invite`` attaches the meeting's calendar invite (REQUEST or CANCEL); ``words`` is
    someone's own text the mail carries (a relayed message, a reason), shown as plain text.
    """

    kind: str
    to_guest: bool
    auto_submitted: str
    in_reply_to_inbound: bool
    to_admins: bool = False
    invite: str = ""
    words: str = ""
    # The held request a confirmation mail asks about (a guest or manager command).
    action: str = ""


# The calendar cancellation a manager gets when the guest ends a meeting already agreed.
MANAGER_CANCELLATION = MailSpec("cancelled_manager", False, AUTO_GENERATED, False, invite="CANCEL")


@dataclass(frozen=True)
class HoldSpec:
    """Keep the mail being handled from acting for ``party`` (its ``action``, held for
    ``reason``) until ``confirm``, a mail to the party's address on record with a one-time
    reply token, is answered, or until an admin releases it."""

    party: str
    action: str
    reason: str
    confirm: MailSpec | None = None


@dataclass(frozen=True)
class Assign:
    """Give the thread to a manager (``why``: the routing reason)."""

    name: str
    email: str
    why: str


@dataclass(frozen=True)
class Decision:
    """``create_thread`` starts a thread in ``state``; ``state`` None leaves the state alone.

    ``attach`` is False when the mail belongs to no thread (it is stored and logged only).
    """

    attach: bool
    create_thread: bool = False
    state: str | None = None
    mails: tuple[MailSpec, ...] = ()
    events: tuple[tuple[str, str], ...] = ()
    missing: tuple[str, ...] = field(default=())
    answers: Mapping[str, str] | None = None
    forget: bool = False
    jobs: tuple[JobSpec, ...] = ()
    cancel_jobs: tuple[str, ...] = ()
    strip_attachments: bool = False
    log: str = ""
    # The manager side (see mailagent.meeting_flow).
    route: bool = False
    assign: Assign | None = None
    end_assignment: str = ""
    meeting_start: datetime | None = None
    new_meeting: bool = False
    cancel_meeting: bool = False
    proposals: tuple[datetime, ...] | None = None
    feedback: str = ""
    manager_notes: str = ""
    keep_in_touch: bool | None = None
    consent: bool = False
    talent_pool: bool = False
    drop_consent: bool = False
    # The mail's action is held (see mailagent.core.identity).
    hold: HoldSpec | None = None
