"""The manager side of the conversation (mailagent.meeting_flow), as tables: given a thread and
what happened, which state follows, who gets which mail (with which invite and Auto-Submitted
value), and which timers are set or stopped."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mailagent.core import manager_replies as mr
from mailagent.core.commands import WITHDRAW
from mailagent.core.decision import (
    AUTO_GENERATED,
    AUTO_REPLIED,
    Assign,
    Decision,
    JobSpec,
    ThreadView,
)
from mailagent.core.guest_meeting import decide_guest_mail
from mailagent.core.invites import CANCEL, REQUEST
from mailagent.core.managers import Manager
from mailagent.core.meeting import MeetingRules, manager_timers, meeting_timers
from mailagent.core.meeting_flow import decide_impostor, decide_manager_mail
from mailagent.core.meeting_routing import decide_routing
from mailagent.core.meeting_timers import decide_meeting_timer
from mailagent.core.routing import Routing, route
from mailagent.core.slot_choice import NONE_FITS
from mailagent.core.states import (
    AWAITING_MANAGER,
    AWAITING_SLOT,
    CANCELLED,
    CLOSED,
    DECLINED,
    HELD,
    MATCHING,
    SCHEDULED,
    WITHDRAWN,
)

ZONE = "Europe/Berlin"
RULES = MeetingRules()  # 30 minutes, reminders 24 h before, 'held' 2 h after the end
# Thursday 3 December 2026, 10:00 in Berlin.
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
START = datetime(2026, 12, 10, 14, 0, tzinfo=UTC)  # Thursday 10 December, 15:00 in Berlin
LATER = datetime(2026, 12, 11, 10, 0, tzinfo=UTC)
SLOTS = (
    datetime(2026, 12, 8, 9, 0, tzinfo=UTC),
    datetime(2026, 12, 9, 13, 30, tzinfo=UTC),
)
# Thursday + 2 and + 3 working days, same clock time.
NUDGE_AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
REROUTE_AT = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
MANAGER_JOBS = (JobSpec("nudge_manager", NUDGE_AT), JobSpec("reroute_manager", REROUTE_AT))
MANAGER_TIMER_KINDS = {"nudge_manager", "reroute_manager"}
SLOT_TIMER_KINDS = {"slot_nudge", "slot_expire"}
MEETING_TIMER_KINDS = {"reminder_guest", "reminder_manager", "mark_held"}

Mail = tuple[str, str, str, bool, str]  # kind, recipient, Auto-Submitted, answers it, invite


def view(state: str, **fields: Any) -> ThreadView:
    base: dict[str, Any] = {
        "id": 7,
        "state": state,
        "guest_email": "dana@example.org",
        "language": "en",
        "answers": {"learn_goals": "logistics"},
        "timezone": ZONE,
        "manager_name": "Sam Lee",
        "manager_email": "sam.lee@firm.example",
    }
    return ThreadView(**{**base, **fields})


def mails(decision: Decision) -> list[Mail]:
    def recipient(to_guest: bool, to_admins: bool) -> str:
        return "guest" if to_guest else "admins" if to_admins else "manager"

    return [
        (
            m.kind,
            recipient(m.to_guest, m.to_admins),
            m.auto_submitted,
            m.in_reply_to_inbound,
            m.invite,
        )
        for m in decision.mails
    ]


def event_names(decision: Decision) -> list[str]:
    return [what for what, _ in decision.events]


def assert_no_change(decision: Decision) -> None:
    """The thread stays as it is: no state, timers, assignment, meeting or talent-pool change."""
    assert decision.state is None
    assert decision.jobs == ()
    assert decision.cancel_jobs == ()
    assert not decision.route
    assert decision.assign is None
    assert decision.end_assignment == ""
    assert decision.meeting_start is None
    assert not decision.cancel_meeting
    assert not decision.talent_pool


def assert_nothing_happens(decision: Decision) -> None:
    assert_no_change(decision)
    assert decision.mails == ()


# --- the manager's reply -------------------------------------------------------------------


def test_accept_schedules_with_invites_reminders_and_held_mark() -> None:
    reply = mr.read_reply("Thursday 15:00 works for me.", ZONE, NOW)
    assert (reply.command, reply.slots) == (mr.ACCEPT, (START,))
    d = decide_manager_mail(view(AWAITING_MANAGER), reply, RULES, NOW, ZONE)
    assert d.state == SCHEDULED
    assert d.meeting_start == START
    assert d.new_meeting
    assert d.end_assignment == "accepted"
    assert mails(d) == [
        ("confirmation", "guest", AUTO_GENERATED, False, REQUEST),
        ("confirmation_manager", "manager", AUTO_REPLIED, True, REQUEST),
    ]
    day_before = datetime(2026, 12, 9, 14, 0, tzinfo=UTC)
    after_the_end = datetime(2026, 12, 10, 16, 30, tzinfo=UTC)  # 14:30 end + 2 h
    assert d.jobs == (
        JobSpec("reminder_guest", day_before),
        JobSpec("reminder_manager", day_before),
        JobSpec("mark_held", after_the_end),
    )
    # The nudge and re-route are stopped (and any earlier meeting's timers replaced).
    # Agreeing a time also stops the reminder to pick one of the offered times.
    assert set(d.cancel_jobs) == MANAGER_TIMER_KINDS | MEETING_TIMER_KINDS | SLOT_TIMER_KINDS


def test_accept_less_than_a_day_ahead_sends_no_reminders() -> None:
    soon = NOW + timedelta(hours=20)
    reply = mr.ManagerReply(mr.ACCEPT, slots=(soon,))
    d = decide_manager_mail(view(AWAITING_MANAGER), reply, RULES, NOW, ZONE)
    assert d.state == SCHEDULED
    assert d.jobs == (JobSpec("mark_held", soon + timedelta(minutes=30, hours=2)),)


JO = ("Jo Berger", "jo.berger@firm.example")


@pytest.mark.parametrize(
    ("thread", "reply", "delegate", "state", "expected_mails", "expected", "events"),
    [
        pytest.param(
            view(AWAITING_SLOT, proposals=SLOTS),
            mr.ManagerReply(mr.ACCEPT, slots=(LATER,)),
            None,
            SCHEDULED,
            [
                ("confirmation", "guest", AUTO_GENERATED, False, REQUEST),
                ("confirmation_manager", "manager", AUTO_REPLIED, True, REQUEST),
            ],
            {"meeting_start": LATER, "new_meeting": True, "proposals": ()},
            ["scheduled"],
            id="one time while the guest is choosing: scheduled",
        ),
        pytest.param(
            view(AWAITING_MANAGER),
            mr.ManagerReply(mr.PROPOSE, slots=SLOTS),
            None,
            AWAITING_SLOT,
            [("slot_offer", "guest", AUTO_GENERATED, False, "")],
            {"proposals": SLOTS, "meeting_start": None},
            ["proposed"],
            id="several times: offered to the guest",
        ),
        pytest.param(
            view(AWAITING_MANAGER),
            mr.ManagerReply(mr.DECLINE, text="travelling all month"),
            None,
            MATCHING,
            [],
            {"route": True, "end_assignment": "declined"},
            ["manager_declined"],
            id="decline: back to matching, route again",
        ),
        pytest.param(
            view(AWAITING_MANAGER),
            mr.ManagerReply(mr.DELEGATE, delegate_to=JO[1]),
            JO,
            AWAITING_MANAGER,
            [("brief_manager", "manager", AUTO_GENERATED, False, "")],
            {
                "assign": Assign(
                    "Jo Berger", "jo.berger@firm.example", "Jo Berger: delegated by Sam Lee"
                ),
                "end_assignment": "delegated",
            },
            ["delegated"],
            id="delegate to a configured manager: brief to the delegate",
        ),
        pytest.param(
            view(AWAITING_MANAGER),
            mr.ManagerReply(mr.DELEGATE, delegate_to="friend@elsewhere.example"),
            None,
            None,
            [("clarify_manager", "manager", AUTO_REPLIED, True, "")],
            {"assign": None, "end_assignment": ""},
            ["clarify"],
            id="delegate to no manager of ours: asked once",
        ),
        pytest.param(
            view(AWAITING_MANAGER),
            mr.ManagerReply(mr.UNCLEAR, text="Let me think about it."),
            None,
            None,
            [("clarify_manager", "manager", AUTO_REPLIED, True, "")],
            {},
            ["clarify"],
            id="unclear: one clarify_manager",
        ),
        pytest.param(
            view(AWAITING_MANAGER, clarifications=1),
            mr.ManagerReply(mr.UNCLEAR, text="Hm."),
            None,
            None,
            [],
            {},
            ["not_understood"],
            id="unclear again: no second mail",
        ),
        pytest.param(
            view(SCHEDULED, meeting_start=START),
            mr.ManagerReply(mr.ACCEPT, slots=(LATER,)),
            None,
            SCHEDULED,
            [
                ("confirmation", "guest", AUTO_GENERATED, False, REQUEST),
                ("confirmation_manager", "manager", AUTO_REPLIED, True, REQUEST),
            ],
            {"meeting_start": LATER, "new_meeting": False},
            ["rescheduled"],
            id="scheduled and a new single time: rescheduled",
        ),
        pytest.param(
            view(SCHEDULED, meeting_start=START),
            mr.ManagerReply(mr.CANCEL, text="I am ill, sorry"),
            None,
            CANCELLED,
            [
                ("cancelled", "guest", AUTO_GENERATED, False, CANCEL),
                ("cancelled_manager", "manager", AUTO_REPLIED, True, CANCEL),
            ],
            {"cancel_meeting": True, "route": False},
            ["cancelled"],
            id="scheduled and cancel: CANCEL invites to both",
        ),
        pytest.param(
            view(SCHEDULED, meeting_start=START),
            mr.ManagerReply(mr.DECLINE, text="cannot make it after all"),
            None,
            None,
            [("clarify_manager", "manager", AUTO_REPLIED, True, "")],
            {"cancel_meeting": False, "route": False},
            ["clarify"],
            # Once agreed, only an explicit "cancel" cancels: a "no" may be about anything.
            id="scheduled and a decline-like reply: asked, nothing cancelled",
        ),
        pytest.param(
            view(SCHEDULED, meeting_start=START),
            mr.ManagerReply(mr.UNCLEAR, text="Looking forward to it! Bring your CV."),
            None,
            None,
            [("relay", "guest", "", False, "")],
            {"meeting_start": None},
            ["relayed"],
            id="scheduled and free words: passed on to the guest",
        ),
        pytest.param(
            view(AWAITING_MANAGER),
            mr.ManagerReply(mr.RELAY, text="Which city are you in?"),
            None,
            None,
            [("relay", "guest", "", False, "")],
            {},
            ["relayed"],
            id="guest: words relayed as they are",
        ),
        pytest.param(
            view(AWAITING_MANAGER),
            mr.ManagerReply(mr.NOTE, text="Knows my old team."),
            None,
            None,
            [],
            {},
            ["manager_note"],
            id="note: kept, nothing sent",
        ),
        pytest.param(
            view(DECLINED),
            mr.ManagerReply(mr.ACCEPT, slots=(START,)),
            None,
            None,
            [],
            {"meeting_start": None},
            ["manager_reply"],
            id="thread already declined: nothing to do",
        ),
        pytest.param(
            view(CANCELLED, meeting_start=START),
            mr.ManagerReply(mr.CANCEL),
            None,
            None,
            [],
            {"cancel_meeting": False},
            ["manager_reply"],
            id="thread already cancelled: no second CANCEL",
        ),
    ],
)
def test_manager_mail(
    thread: ThreadView,
    reply: mr.ManagerReply,
    delegate: tuple[str, str] | None,
    state: str | None,
    expected_mails: list[Mail],
    expected: dict[str, Any],
    events: list[str],
) -> None:
    d = decide_manager_mail(thread, reply, RULES, NOW, ZONE, delegate)
    assert d.state == state
    assert mails(d) == expected_mails
    for name, value in expected.items():
        assert getattr(d, name) == value, name
    assert event_names(d) == events


def test_decline_records_the_reason_and_stops_the_manager_timers() -> None:
    d = decide_manager_mail(
        view(AWAITING_MANAGER), mr.ManagerReply(mr.DECLINE, text="travelling"), RULES, NOW, ZONE
    )
    # The decline also clears any offered times and their reminder.
    assert set(d.cancel_jobs) == MANAGER_TIMER_KINDS | SLOT_TIMER_KINDS
    assert d.events == (("manager_declined", "Sam Lee: travelling"),)
    silent = decide_manager_mail(
        view(AWAITING_MANAGER), mr.ManagerReply(mr.DECLINE), RULES, NOW, ZONE
    )
    assert silent.events == (("manager_declined", "Sam Lee: no reason given"),)


def test_a_cancelled_meeting_stops_every_timer_and_tells_the_reason() -> None:
    by_manager = decide_manager_mail(
        view(SCHEDULED, meeting_start=START),
        mr.read_reply("Cancel: I am ill, sorry.", ZONE, NOW),
        RULES,
        NOW,
        ZONE,
    )
    assert by_manager.state == CANCELLED
    assert set(by_manager.cancel_jobs) == MANAGER_TIMER_KINDS | MEETING_TIMER_KINDS
    assert by_manager.jobs == ()
    guest_mail = next(m for m in by_manager.mails if m.to_guest)
    assert guest_mail.words == "I am ill, sorry."
    assert by_manager.events == (("cancelled", "Sam Lee cancelled: I am ill, sorry."),)
    by_guest = decide_guest_mail(
        view(SCHEDULED, meeting_start=START),
        "Please cancel, something came up.",
        WITHDRAW,
        None,
        False,
        "",
        RULES,
        NOW,
        ZONE,
    )
    assert by_guest is not None
    assert set(by_guest.cancel_jobs) == MANAGER_TIMER_KINDS | MEETING_TIMER_KINDS
    assert by_guest.events == (("cancelled", "the guest cancelled"),)


def test_relayed_words_are_carried_unchanged() -> None:
    words = "Looking forward to it!\nBring your CV."
    d = decide_manager_mail(
        view(SCHEDULED, meeting_start=START),
        mr.ManagerReply(mr.UNCLEAR, text=words),
        RULES,
        NOW,
        ZONE,
    )
    assert [m.words for m in d.mails] == [words]


def test_clarify_for_an_unknown_delegate_says_why() -> None:
    reply = mr.read_reply("Please ask friend@elsewhere.example instead.", ZONE, NOW)
    assert reply.command == mr.DELEGATE
    d = decide_manager_mail(view(AWAITING_MANAGER), reply, RULES, NOW, ZONE, None)
    assert [m.words for m in d.mails] == ["the delegate is not a manager of the programme"]


# --- the guest's reply ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("thread", "text", "command", "pick", "state", "expected_mails", "expected"),
    [
        pytest.param(
            view(AWAITING_SLOT, proposals=SLOTS),
            "The second one, please.",
            None,
            1,
            SCHEDULED,
            [
                ("confirmation", "guest", AUTO_REPLIED, True, REQUEST),
                ("confirmation_manager", "manager", AUTO_GENERATED, False, REQUEST),
            ],
            {"meeting_start": SLOTS[1], "new_meeting": True, "proposals": ()},
            id="pick: scheduled",
        ),
        pytest.param(
            view(AWAITING_SLOT, proposals=SLOTS),
            "Sorry, none of these work. Any time next week?",
            None,
            NONE_FITS,
            AWAITING_MANAGER,
            [("slots_declined", "manager", AUTO_GENERATED, False, "")],
            {"proposals": (), "jobs": MANAGER_JOBS, "meeting_start": None},
            id="none fits: back to the manager",
        ),
        pytest.param(
            view(AWAITING_SLOT, proposals=SLOTS),
            "Thanks!",
            None,
            None,
            None,
            [("slot_reask", "guest", AUTO_REPLIED, True, "")],
            {},
            id="no pick: asked once more",
        ),
        pytest.param(
            view(AWAITING_SLOT, proposals=SLOTS),
            "Option 5",
            None,
            4,
            None,
            [("slot_reask", "guest", AUTO_REPLIED, True, "")],
            {"meeting_start": None},
            id="a pick beyond the offers: asked once more",
        ),
        pytest.param(
            view(AWAITING_SLOT, proposals=SLOTS, slot_reasks=1),
            "Thanks!",
            None,
            None,
            None,
            [],
            {},
            id="no pick again: no second mail",
        ),
        pytest.param(
            view(SCHEDULED, meeting_start=START),
            "Please cancel, I found what I needed.",
            WITHDRAW,
            None,
            CANCELLED,
            [
                ("cancelled", "guest", AUTO_REPLIED, True, CANCEL),
                ("cancelled_manager", "manager", AUTO_GENERATED, False, CANCEL),
            ],
            {"cancel_meeting": True},
            id="please cancel when scheduled: cancelled for both",
        ),
        pytest.param(
            view(SCHEDULED, meeting_start=START),
            "Should I prepare anything?",
            None,
            None,
            None,
            [("relay_manager", "manager", "", False, "")],
            {},
            id="a question when scheduled: passed on to the manager",
        ),
        pytest.param(
            view(SCHEDULED, meeting_start=START),
            "   ",
            None,
            None,
            None,
            [],
            {},
            id="an empty reply when scheduled: nothing sent",
        ),
        pytest.param(
            view(HELD, meeting_start=START),
            "It was very helpful, thank you!",
            None,
            None,
            None,
            [],
            {"feedback": "It was very helpful, thank you!", "talent_pool": False},
            id="feedback before the debrief: kept, not closed yet",
        ),
    ],
)
def test_guest_mail(
    thread: ThreadView,
    text: str,
    command: str | None,
    pick: int | None,
    state: str | None,
    expected_mails: list[Mail],
    expected: dict[str, Any],
) -> None:
    d = decide_guest_mail(thread, text, command, pick, False, "", RULES, NOW, ZONE)
    assert d is not None
    assert d.state == state
    assert mails(d) == expected_mails
    for name, value in expected.items():
        assert getattr(d, name) == value, name


def test_none_fits_passes_the_guests_words_to_the_manager() -> None:
    text = "Sorry, none of these work. Any time next week?"
    d = decide_guest_mail(
        view(AWAITING_SLOT, proposals=SLOTS), text, None, NONE_FITS, False, "", RULES, NOW, ZONE
    )
    assert d is not None
    assert [m.words for m in d.mails] == [text]


@pytest.mark.parametrize(
    ("state", "command"),
    [
        pytest.param(AWAITING_SLOT, WITHDRAW, id="withdraw while choosing: the guest side"),
        pytest.param(AWAITING_MANAGER, WITHDRAW, id="withdraw before a time: the guest side"),
        pytest.param(MATCHING, None, id="matching: the guest side"),
        pytest.param(HELD, None, id="an empty reply after the meeting"),
    ],
)
def test_guest_mail_left_to_the_guest_side(state: str, command: str | None) -> None:
    text = "" if state == HELD else "please cancel"
    thread = view(state, proposals=SLOTS if state == AWAITING_SLOT else ())
    assert decide_guest_mail(thread, text, command, None, False, "", RULES, NOW, ZONE) is None


# --- after the meeting: debrief, feedback, close -------------------------------------------


@pytest.mark.parametrize(
    ("debrief", "keep", "consent", "talent_pool"),
    [
        pytest.param("Yes, let's keep in touch. Sharp questions.", True, True, True, id="both yes"),
        pytest.param(
            "Yes, let's keep in touch. Sharp questions.", True, False, False, id="no consent"
        ),
        pytest.param("Good chat; please don't keep in touch.", False, True, False, id="manager no"),
        pytest.param("Good chat, thanks.", None, True, False, id="manager did not say"),
    ],
)
@pytest.mark.parametrize("debrief_first", [True, False], ids=["debrief first", "feedback first"])
def test_closed_when_both_are_in_talent_pool_needs_both(
    debrief: str, keep: bool | None, consent: bool, talent_pool: bool, debrief_first: bool
) -> None:
    feedback = "Thank you, that was really useful." + (
        " Happy to keep in touch." if consent else ""
    )
    reply = mr.read_reply(debrief, ZONE, NOW)
    thread = view(HELD, meeting_start=START)

    def manager_says(t: ThreadView) -> Decision:
        return decide_manager_mail(t, reply, RULES, NOW, ZONE)

    wants_contact = mr.wants_contact(feedback)
    assert wants_contact == consent

    def guest_says(t: ThreadView) -> Decision:
        d = decide_guest_mail(t, feedback, None, None, wants_contact, "", RULES, NOW, ZONE)
        assert d is not None
        return d

    if debrief_first:
        first = manager_says(thread)
        assert first.keep_in_touch == keep
        assert first.manager_notes == debrief
        thread = replace(
            thread, manager_notes=first.manager_notes, keep_in_touch=bool(first.keep_in_touch)
        )
        last = guest_says(thread)
    else:
        first = guest_says(thread)
        assert first.feedback == feedback
        assert first.consent == consent
        thread = replace(thread, feedback=first.feedback, consent=first.consent)
        last = manager_says(thread)
    assert first.state is None  # waiting for the other half
    assert not first.talent_pool
    assert last.state == CLOSED
    assert last.talent_pool == talent_pool
    assert "close_held" in last.cancel_jobs
    assert mails(first) == mails(last) == []


@pytest.mark.parametrize(
    "debrief",
    [
        "No need to keep in touch.\nSolid questions, but very junior.",
        "No.\nNice chat, not a fit for us.",
    ],
)
def test_a_debrief_starting_with_no_is_kept_whole_and_means_no(debrief: str) -> None:
    thread = view(HELD, meeting_start=START, feedback="Thanks!", consent=True)
    d = decide_manager_mail(thread, mr.read_reply(debrief, ZONE, NOW), RULES, NOW, ZONE)
    assert d.state == CLOSED
    assert d.keep_in_touch is False
    assert not d.talent_pool
    assert d.manager_notes == debrief


# --- timers --------------------------------------------------------------------------------


def test_manager_and_meeting_timers() -> None:
    assert manager_timers(RULES, NOW, ZONE) == MANAGER_JOBS
    # Friday afternoon: the nudge is on Tuesday, the re-route on Wednesday.
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert manager_timers(RULES, friday, ZONE) == (
        JobSpec("nudge_manager", datetime(2026, 12, 8, 15, 0, tzinfo=UTC)),
        JobSpec("reroute_manager", datetime(2026, 12, 9, 15, 0, tzinfo=UTC)),
    )
    custom = MeetingRules(minutes=45, reminder_hours=2, held_after_hours=1)
    assert meeting_timers(START, custom, NOW) == (
        JobSpec("reminder_guest", START - timedelta(hours=2)),
        JobSpec("reminder_manager", START - timedelta(hours=2)),
        JobSpec("mark_held", START + timedelta(minutes=105)),
    )
    assert meeting_timers(START, RULES, START - timedelta(hours=1)) == (
        JobSpec("mark_held", START + timedelta(minutes=150)),
    )


@pytest.mark.parametrize(
    ("kind", "thread", "state", "expected_mails", "expected"),
    [
        pytest.param(
            "nudge_manager",
            view(AWAITING_MANAGER),
            None,
            [("nudge_manager", "manager", AUTO_GENERATED, False, "")],
            {},
            id="nudge the manager",
        ),
        pytest.param(
            "reroute_manager",
            view(AWAITING_MANAGER),
            MATCHING,
            [],
            {"route": True, "end_assignment": "timed_out"},
            id="no answer in time: route again",
        ),
        pytest.param(
            "reminder_guest",
            view(SCHEDULED, meeting_start=START),
            None,
            [("reminder_guest", "guest", AUTO_GENERATED, False, "")],
            {},
            id="remind the guest",
        ),
        pytest.param(
            "reminder_manager",
            view(SCHEDULED, meeting_start=START),
            None,
            [("reminder_manager", "manager", AUTO_GENERATED, False, "")],
            {},
            id="remind the manager",
        ),
        pytest.param(
            "mark_held",
            view(SCHEDULED, meeting_start=START),
            HELD,
            [
                ("thank_you", "guest", AUTO_GENERATED, False, ""),
                ("debrief_request", "manager", AUTO_GENERATED, False, ""),
            ],
            {"jobs": (JobSpec("close_held", NOW + timedelta(days=7)),)},
            id="held: thank-you and debrief request",
        ),
        pytest.param(
            "close_held",
            view(HELD, consent=True, keep_in_touch=True),
            CLOSED,
            [],
            {"talent_pool": True},
            id="closed after waiting, both agreed: talent pool",
        ),
        pytest.param(
            "close_held",
            view(HELD, consent=False, keep_in_touch=True),
            CLOSED,
            [],
            {"talent_pool": False},
            id="closed after waiting, no consent",
        ),
        pytest.param(
            "route_retry",
            view(MATCHING),
            None,
            [],
            {"route": True},
            id="waitlist: try again",
        ),
        pytest.param(
            "checkin_guest",
            view(CLOSED, consent=True),
            None,
            [("checkin_guest", "guest", AUTO_GENERATED, False, "")],
            {},
            id="check-in with consent",
        ),
    ],
)
def test_meeting_timer_fires(
    kind: str,
    thread: ThreadView,
    state: str | None,
    expected_mails: list[Mail],
    expected: dict[str, Any],
) -> None:
    d = decide_meeting_timer(thread, kind, RULES, NOW, ZONE)
    assert d.state == state
    assert mails(d) == expected_mails
    for name, value in expected.items():
        assert getattr(d, name) == value, name


@pytest.mark.parametrize(
    ("kind", "state"),
    [
        pytest.param("nudge_manager", AWAITING_SLOT, id="nudge after the manager proposed"),
        pytest.param("nudge_manager", SCHEDULED, id="nudge after the manager accepted"),
        pytest.param("nudge_manager", MATCHING, id="nudge after a decline"),
        pytest.param("reroute_manager", SCHEDULED, id="re-route after the manager accepted"),
        pytest.param("reroute_manager", WITHDRAWN, id="re-route after the guest withdrew"),
        pytest.param("reminder_guest", CANCELLED, id="guest reminder after cancel"),
        pytest.param("reminder_manager", CANCELLED, id="manager reminder after cancel"),
        pytest.param("reminder_guest", AWAITING_SLOT, id="reminder while a new time is sought"),
        pytest.param("mark_held", CANCELLED, id="held mark after cancel"),
        pytest.param("mark_held", WITHDRAWN, id="held mark after withdrawal"),
        pytest.param("mark_held", HELD, id="held mark twice"),
        pytest.param("close_held", CLOSED, id="close after both answered"),
        pytest.param("route_retry", AWAITING_MANAGER, id="retry after routing succeeded"),
        pytest.param("route_retry", DECLINED, id="retry after the waitlist ran out"),
    ],
)
def test_meeting_timer_does_nothing_once_moved_on(kind: str, state: str) -> None:
    d = decide_meeting_timer(view(state, meeting_start=START), kind, RULES, NOW, ZONE)
    assert_nothing_happens(d)
    assert d.events == ()
    assert state in d.log


def test_checkin_without_consent_sends_nothing() -> None:
    d = decide_meeting_timer(view(CLOSED, consent=False), "checkin_guest", RULES, NOW, ZONE)
    assert_nothing_happens(d)


def test_unknown_timer_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown timer"):
        decide_meeting_timer(view(SCHEDULED), "make_coffee", RULES, NOW, ZONE)


# --- impostors -----------------------------------------------------------------------------


@pytest.mark.parametrize("state", [AWAITING_MANAGER, AWAITING_SLOT, SCHEDULED, HELD])
def test_impostor_only_alerts_the_admins(state: str) -> None:
    d = decide_impostor(
        view(state, meeting_start=START), "mallory@evil.example", "(matched by from)"
    )
    assert_no_change(d)
    assert mails(d) == [("admin_alert", "admins", AUTO_GENERATED, False, "")]
    alert = d.mails[0].words
    assert "mallory@evil.example" in alert
    assert "Sam Lee" in alert
    assert event_names(d) == ["unverified_sender"]


# --- routing's outcome ---------------------------------------------------------------------

SAM = Manager(
    name="Sam Lee",
    addresses=("sam.lee@firm.example",),
    expertise=("logistics",),
    languages=("en", "de"),
    timezone=ZONE,
)


def test_routed_sends_the_brief_and_starts_the_manager_timers() -> None:
    chosen = route((SAM,), {"learn_goals": "logistics"}, "en", NOW, {}, {})
    d = decide_routing(view(MATCHING), chosen, RULES, NOW, SAM.timezone, None, True)
    assert d.state == AWAITING_MANAGER
    assert d.assign == Assign(
        "Sam Lee", "sam.lee@firm.example", "Sam Lee: expertise 'logistics', 1 of 2 this month"
    )
    assert mails(d) == [("brief_manager", "manager", AUTO_GENERATED, False, "")]
    assert d.jobs == MANAGER_JOBS
    assert d.cancel_jobs == ("route_retry",)
    assert d.events == (("routed", "Sam Lee: expertise 'logistics', 1 of 2 this month"),)


def test_routed_notes_who_was_skipped() -> None:
    routing = Routing(
        SAM,
        "Sam Lee: no expertise match; next in turn, 1 of 2 this month",
        ("Jo Berger: inactive",),
    )
    d = decide_routing(view(MATCHING), routing, RULES, NOW, ZONE, None, False)
    assert d.events[-1] == ("routing_skipped", "Jo Berger: inactive")


NOBODY = Routing(None, "no manager available", ("Sam Lee: at quota (2 of 2 this month)",))
WAITLIST = MeetingRules(waitlist=True)  # 14 days on the waitlist


@pytest.mark.parametrize(
    ("rules", "waiting_since", "answering", "state", "expected_mails", "jobs", "event"),
    [
        pytest.param(
            RULES,
            None,
            True,
            DECLINED,
            [("declined", "guest", AUTO_REPLIED, True, "")],
            (),
            "declined",
            id="declined, answering the guest's mail",
        ),
        pytest.param(
            RULES,
            None,
            False,
            DECLINED,
            [("declined", "guest", AUTO_GENERATED, False, "")],
            (),
            "declined",
            id="declined after a re-route, nothing to answer",
        ),
        pytest.param(
            WAITLIST,
            None,
            True,
            MATCHING,
            [("waitlisted", "guest", AUTO_REPLIED, True, "")],
            (JobSpec("route_retry", NOW + timedelta(days=1)),),
            "waitlisted",
            id="waitlisted the first time",
        ),
        pytest.param(
            WAITLIST,
            NOW - timedelta(days=3),
            False,
            MATCHING,
            [],
            (JobSpec("route_retry", NOW + timedelta(days=1)),),
            "still_waitlisted",
            id="still on the waitlist: no second mail",
        ),
        pytest.param(
            WAITLIST,
            NOW - timedelta(days=14),
            False,
            DECLINED,
            [("declined", "guest", AUTO_GENERATED, False, "")],
            (),
            "declined",
            id="waitlist ran out: declined",
        ),
    ],
)
def test_nobody_available(
    rules: MeetingRules,
    waiting_since: datetime | None,
    answering: bool,
    state: str,
    expected_mails: list[Mail],
    jobs: tuple[JobSpec, ...],
    event: str,
) -> None:
    d = decide_routing(view(MATCHING), NOBODY, rules, NOW, "UTC", waiting_since, answering)
    assert d.state == state
    assert d.assign is None
    assert mails(d) == expected_mails
    assert d.jobs == jobs
    assert d.events == ((event, "no manager available (Sam Lee: at quota (2 of 2 this month))"),)


def test_waitlist_retry_skips_the_weekend() -> None:
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    d = decide_routing(view(MATCHING), NOBODY, WAITLIST, friday, "UTC", None, False)
    assert d.jobs == (JobSpec("route_retry", datetime(2026, 12, 7, 9, 0, tzinfo=UTC)),)


# --- Auto-Submitted, across the whole flow -------------------------------------------------


def _every_decision() -> list[Decision]:
    accept = mr.ManagerReply(mr.ACCEPT, slots=(START,))
    words = mr.ManagerReply(mr.UNCLEAR, text="See you then.")
    decisions = [
        decide_manager_mail(view(AWAITING_MANAGER), accept, RULES, NOW, ZONE),
        decide_manager_mail(view(SCHEDULED, meeting_start=START), accept, RULES, NOW, ZONE),
        decide_manager_mail(
            view(AWAITING_MANAGER), mr.ManagerReply(mr.PROPOSE, slots=SLOTS), RULES, NOW, ZONE
        ),
        decide_manager_mail(view(AWAITING_MANAGER), words, RULES, NOW, ZONE),
        decide_manager_mail(view(SCHEDULED, meeting_start=START), words, RULES, NOW, ZONE),
        decide_manager_mail(
            view(SCHEDULED, meeting_start=START), mr.ManagerReply(mr.CANCEL), RULES, NOW, ZONE
        ),
        decide_manager_mail(
            view(AWAITING_MANAGER), mr.ManagerReply(mr.DELEGATE), RULES, NOW, ZONE, JO
        ),
        decide_impostor(view(SCHEDULED), "mallory@evil.example", "(matched by from)"),
        decide_routing(view(MATCHING), NOBODY, RULES, NOW, ZONE, None, True),
        decide_routing(view(MATCHING), NOBODY, RULES, NOW, ZONE, None, False),
        decide_routing(view(MATCHING), NOBODY, WAITLIST, NOW, ZONE, None, True),
        decide_routing(
            view(MATCHING), route((SAM,), {}, "en", NOW, {}, {}), RULES, NOW, ZONE, None, True
        ),
    ]
    offered = view(AWAITING_SLOT, proposals=SLOTS)
    for thread, text, command, pick in (
        (offered, "2", None, 1),
        (offered, "none of these", None, NONE_FITS),
        (offered, "hm", None, None),
        (view(SCHEDULED, meeting_start=START), "please cancel", WITHDRAW, None),
        (view(SCHEDULED, meeting_start=START), "Any preparation?", None, None),
    ):
        d = decide_guest_mail(thread, text, command, pick, False, "", RULES, NOW, ZONE)
        assert d is not None
        decisions.append(d)
    for kind, state in (
        ("nudge_manager", AWAITING_MANAGER),
        ("reminder_guest", SCHEDULED),
        ("reminder_manager", SCHEDULED),
        ("mark_held", SCHEDULED),
    ):
        decisions.append(decide_meeting_timer(view(state), kind, RULES, NOW, ZONE))
    decisions.append(
        decide_meeting_timer(view(CLOSED, consent=True), "checkin_guest", RULES, NOW, ZONE)
    )
    return decisions


def test_auto_submitted_says_what_kind_of_mail_it_is() -> None:
    """A mail that answers the recipient's own mail is auto-replied; one the recipient did not
    write to us about (scheduled, or caused by the other party) is auto-generated; someone's
    relayed words carry no Auto-Submitted at all."""
    seen = set()
    for d in _every_decision():
        for m in d.mails:
            seen.add(m.kind)
            if m.kind in ("relay", "relay_manager"):
                assert (m.auto_submitted, m.in_reply_to_inbound) == ("", False), m
                assert m.words
            elif m.in_reply_to_inbound:
                assert m.auto_submitted == AUTO_REPLIED, m
            else:
                assert m.auto_submitted == AUTO_GENERATED, m
    assert seen >= {
        "confirmation",
        "confirmation_manager",
        "slot_offer",
        "clarify_manager",
        "relay",
        "relay_manager",
        "cancelled",
        "cancelled_manager",
        "brief_manager",
        "admin_alert",
        "declined",
        "waitlisted",
        "slots_declined",
        "slot_reask",
        "nudge_manager",
        "reminder_guest",
        "reminder_manager",
        "thank_you",
        "debrief_request",
        "checkin_guest",
    }


# --- mends: times that have passed, a time confirmed twice, words and consent -----------------


def test_a_time_already_past_is_asked_about_not_scheduled() -> None:
    past = mr.ManagerReply(mr.ACCEPT, slots=(NOW - timedelta(hours=2),))
    d = decide_manager_mail(view(AWAITING_MANAGER), past, RULES, NOW, ZONE)
    assert d.state is None and d.meeting_start is None
    assert [(m.kind, m.words) for m in d.mails] == [
        ("clarify_manager", "the time named has already passed")
    ]


def test_a_picked_time_that_has_passed_goes_back_to_the_manager() -> None:
    stale = (NOW - timedelta(days=1), LATER)
    d = decide_guest_mail(
        view(AWAITING_SLOT, proposals=stale), "1", None, 0, False, "", RULES, NOW, ZONE
    )
    assert d is not None and d.state == AWAITING_MANAGER
    assert [m.kind for m in d.mails] == ["slots_declined"]


def test_the_agreed_time_confirmed_again_sends_nothing() -> None:
    again = mr.ManagerReply(mr.ACCEPT, slots=(START,))
    d = decide_manager_mail(view(SCHEDULED, meeting_start=START), again, RULES, NOW, ZONE)
    assert (d.state, d.mails, d.meeting_start) == (None, (), None)


def test_the_guests_answer_while_the_manager_decides_is_passed_on() -> None:
    d = decide_guest_mail(
        view(AWAITING_MANAGER), "Yes, I am in Berlin.", None, None, False, "", RULES, NOW, ZONE
    )
    assert d is not None and [(m.kind, m.words, m.auto_submitted) for m in d.mails] == [
        ("relay_manager", "Yes, I am in Berlin.", "")
    ]


def test_no_more_contact_after_close_drops_the_consent() -> None:
    d = decide_guest_mail(
        view(CLOSED, consent=True), "Unsubscribe", WITHDRAW, None, False, "", RULES, NOW, ZONE
    )
    assert d is not None and d.drop_consent and "checkin_guest" in d.cancel_jobs
    assert d.feedback == "" and not d.talent_pool


def test_a_delegate_is_chased_like_any_manager() -> None:
    d = decide_manager_mail(
        view(AWAITING_MANAGER),
        mr.ManagerReply(mr.DELEGATE, delegate_to="jo.berger@firm.example"),
        RULES,
        NOW,
        ZONE,
        ("Jo Berger", "jo.berger@firm.example"),
    )
    assert [j.kind for j in d.jobs] == ["nudge_manager", "reroute_manager"]


def test_a_decline_while_new_times_are_offered_clears_the_old_meeting() -> None:
    d = decide_manager_mail(
        view(AWAITING_SLOT, meeting_start=START, proposals=SLOTS),
        mr.ManagerReply(mr.DECLINE, text="sorry, after all no"),
        RULES,
        NOW,
        ZONE,
    )
    assert d.route and d.cancel_meeting
    assert [(m.kind, m.invite) for m in d.mails] == [("cancelled_manager", CANCEL)]


def test_the_scheduled_event_names_the_time_in_utc_whatever_zone_it_was_read_in() -> None:
    from zoneinfo import ZoneInfo

    from mailagent.core.meeting import schedule

    berlin = START.astimezone(ZoneInfo(ZONE))  # 15:00 in Berlin, as a manager's "2" is read
    decision = schedule(view(AWAITING_MANAGER), berlin, RULES, NOW, "Sam replied", True)
    assert decision.events == (("scheduled", "2026-12-10 14:00 UTC"),)
