"""conversation.decide_inbound: what one inbound mail does to a thread (mail-rules A.2, A.3)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mailagent.core.classify import Us, classify
from mailagent.core.conversation import decide_inbound, out_of_quiet_hours
from mailagent.core.decision import GuestRules, MailSpec, ThreadView
from mailagent.core.matching import Match
from mailagent.core.parse import parse_message

US = Us(
    address="interviews@firm.example",
    msgid_domain="mailagent.firm.example",
    instance_id="mailagent",
)
NOW = datetime(2025, 11, 25, 10, 0, tzinfo=UTC)
KEYS = ("background", "availability")
THREAD = ThreadView(
    id=7, state="awaiting_guest", guest_email="dana@example.org", language="en", missing=KEYS
)
QUESTIONNAIRE = MailSpec(
    "questionnaire", to_guest=True, auto_submitted="auto-replied", in_reply_to_inbound=True
)
NEW = Match(None, "new")
BY_TOKEN = Match(7, "token")


@pytest.mark.parametrize(
    ("thread", "headers", "match", "expected", "log_parts"),
    [
        pytest.param(
            None,
            {},
            NEW,
            {
                "attach": True,
                "create_thread": True,
                "state": "awaiting_guest",
                "mails": (QUESTIONNAIRE,),
                "events": ("request", "questionnaire"),
                "missing": KEYS,
            },
            ["questionnaire"],
            id="new human request creates a thread and one questionnaire",
        ),
        pytest.param(
            None,
            {"Auto_Submitted": "auto-replied"},
            NEW,
            {"attach": False, "create_thread": False, "state": None, "mails": (), "events": ()},
            ["auto", "A2"],
            id="machine mail without thread stored only",
        ),
        pytest.param(
            None,
            {"Return_Path": "<>"},
            NEW,
            {"attach": False, "create_thread": False, "state": None, "mails": (), "events": ()},
            ["bounce", "A1"],
            id="bounce without thread stored only",
        ),
        pytest.param(
            None,
            {"Subject": "Out of Office: back Monday"},
            NEW,
            {"attach": False, "create_thread": False, "state": None, "mails": (), "events": ()},
            ["soft_auto"],
            id="soft auto-reply without thread creates nothing",
        ),
        pytest.param(
            None,
            {"To": "someone@example.org"},
            NEW,
            {"attach": False, "create_thread": False, "state": None, "mails": (), "events": ()},
            ["not_to_us"],
            id="mail not to us creates nothing",
        ),
        pytest.param(
            THREAD,
            {"Auto_Submitted": "auto-replied"},
            BY_TOKEN,
            {
                "attach": True,
                "create_thread": False,
                "state": None,
                "mails": (),
                "events": ("machine_mail",),
            },
            ["auto", "matched by token", "no state change"],
            id="machine mail on a thread logged, no state change, no mails",
        ),
        pytest.param(
            THREAD,
            {"Subject": "Automatic reply: Informational interview"},
            Match(7, "in-reply-to"),
            {
                "attach": True,
                "create_thread": False,
                "state": None,
                "mails": (),
                "events": ("machine_mail",),
            },
            ["soft_auto", "matched by in-reply-to"],
            id="soft auto-reply on a thread logged only",
        ),
        pytest.param(
            None,
            {"X_Auto_Response_Suppress": "OOF, AutoReply"},
            NEW,
            {
                "attach": True,
                "create_thread": True,
                "state": "needs_human",
                "mails": (),
                "events": ("needs_human",),
            },
            ["X-Auto-Response-Suppress"],
            id="suppressed new request held for a human, no mails",
        ),
        pytest.param(
            THREAD,
            {},
            Match(7, "token", "token says thread 7, headers say 3; token wins"),
            {
                "attach": True,
                "create_thread": False,
                "state": None,
                "mails": (),
                "events": ("guest_reply", "no_answers"),
            },
            ["reply from guest", "token wins"],
            id="human reply on a thread is a guest reply, no mails",
        ),
        pytest.param(
            ThreadView(
                id=7,
                state="awaiting_guest",
                guest_email="Dana@Example.org",
                language="en",
                missing=KEYS,
            ),
            {},
            Match(7, "sender"),
            {"attach": True, "state": None, "mails": (), "events": ("guest_reply", "no_answers")},
            ["reply from guest", "matched by sender"],
            id="guest address compared case-insensitively",
        ),
        pytest.param(
            THREAD,
            {"X_Auto_Response_Suppress": "All"},
            BY_TOKEN,
            {"attach": True, "state": None, "mails": (), "events": ("guest_reply", "no_answers")},
            ["reply from guest"],
            id="suppressed guest reply on a thread, no mails",
        ),
        pytest.param(
            THREAD,
            {"From": "Fox Mulder <fox@example.org>", "Return_Path": "<fox@example.org>"},
            BY_TOKEN,
            {
                "attach": True,
                "create_thread": False,
                "state": None,
                "mails": (),
                "events": ("reply_from_other",),
            },
            ["reply from fox@example.org"],
            id="reply from another address",
        ),
    ],
)
def test_decide_inbound(
    raw_mail: Any,
    thread: ThreadView | None,
    headers: dict[str, str],
    match: Match,
    expected: dict[str, Any],
    log_parts: list[str],
) -> None:
    msg = parse_message(raw_mail(**headers))
    verdict = classify(msg, US)

    decision = decide_inbound(thread, msg, verdict, match, KEYS, NOW)

    got = {
        "attach": decision.attach,
        "create_thread": decision.create_thread,
        "state": decision.state,
        "mails": decision.mails,
        "events": tuple(what for what, _ in decision.events),
        "missing": decision.missing,
    }
    assert {key: got[key] for key in expected} == expected
    for part in log_parts:
        assert part in decision.log, decision.log
    # Event details are what the admin reads; each one is non-empty.
    assert all(detail for _, detail in decision.events)


REASK = MailSpec("reask", to_guest=True, auto_submitted="auto-replied", in_reply_to_inbound=True)
RULES = GuestRules(required=frozenset(KEYS), max_reasks=1)


@pytest.mark.parametrize(
    ("thread", "found", "expected"),
    [
        pytest.param(
            THREAD,
            {"background": "Retail, 8 years", "availability": "Tuesdays, CET"},
            {
                "state": "matching",
                "mails": (),
                "missing": (),
                "events": ("guest_reply", "answers", "answers_complete"),
            },
            id="complete answers move the thread to matching",
        ),
        pytest.param(
            THREAD,
            {"background": "Retail, 8 years"},
            {
                "state": None,
                "mails": (REASK,),
                "missing": ("availability",),
                "events": ("guest_reply", "answers", "reask"),
            },
            id="a partial answer is re-asked, naming only what is missing",
        ),
        pytest.param(
            replace(THREAD, answers={"background": "Retail"}, missing=("availability",), reasks=1),
            {"questions_for_us": "How big is the team?"},
            {
                "state": None,
                "mails": (),
                "missing": ("availability",),
                "events": ("guest_reply", "answers", "still_missing"),
            },
            id="no second re-ask",
        ),
        pytest.param(
            replace(THREAD, answers={"background": "Retail"}, missing=("availability",), reasks=1),
            {"availability": "Fridays"},
            {
                "state": "matching",
                "mails": (),
                "missing": (),
                "events": ("guest_reply", "answers", "answers_complete"),
            },
            id="the missing answer after the re-ask completes it",
        ),
        pytest.param(
            replace(THREAD, missing=("background", "availability", "give_back")),
            {"background": "Retail", "availability": "Fridays"},
            {
                "state": "matching",
                "mails": (),
                "missing": (),
                "events": ("guest_reply", "answers", "answers_complete"),
            },
            id="an optional question left open does not hold the thread",
        ),
        pytest.param(
            replace(THREAD, state="matching"),
            {"background": "Retail"},
            {"state": None, "mails": (), "missing": (), "events": ("guest_reply",)},
            id="after the answers are in, a reply changes nothing here",
        ),
    ],
)
def test_answers_decide_the_next_step(
    raw_mail: Any, thread: ThreadView, found: dict[str, str], expected: dict[str, Any]
) -> None:
    msg = parse_message(raw_mail(From="Dana <dana@example.org>"))
    decision = decide_inbound(thread, msg, classify(msg, US), BY_TOKEN, KEYS, NOW, found, RULES)
    assert decision.state == expected["state"]
    assert decision.mails == expected["mails"]
    assert decision.missing == expected["missing"]
    assert tuple(what for what, _ in decision.events) == expected["events"]
    if decision.answers is not None:
        assert {**thread.answers, **found} == decision.answers


@pytest.mark.parametrize(
    ("due", "zone", "expected"),
    [
        pytest.param("2026-11-26T10:00", "UTC", "2026-11-26T10:00", id="daytime stays"),
        pytest.param("2026-11-26T22:00", "UTC", "2026-11-27T08:00", id="late evening to morning"),
        pytest.param("2026-11-27T03:00", "UTC", "2026-11-27T08:00", id="small hours to morning"),
        pytest.param("2026-11-26T20:30", "Europe/Berlin", "2026-11-27T07:00", id="21:30 in Berlin"),
        pytest.param(
            "2026-11-26T14:00", "America/New_York", "2026-11-26T14:00", id="09:00 in New York"
        ),
    ],
)
def test_out_of_quiet_hours(due: str, zone: str, expected: str) -> None:
    moved = out_of_quiet_hours(datetime.fromisoformat(due).replace(tzinfo=UTC), zone, (21, 8))
    assert moved == datetime.fromisoformat(expected).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        # Berlin leaves summer time on 2026-10-25 (03:00 CEST -> 02:00 CET).
        pytest.param("2026-10-24T20:00", "2026-10-25T07:00", id="night across the autumn change"),
        # ...and enters it on 2027-03-28 (02:00 CET -> 03:00 CEST).
        pytest.param("2027-03-27T21:00", "2027-03-28T06:00", id="night across the spring change"),
        pytest.param("2026-10-25T10:00", "2026-10-25T10:00", id="the changeover day itself"),
    ],
)
def test_quiet_hours_across_daylight_saving_changes(due: str, expected: str) -> None:
    moved = out_of_quiet_hours(
        datetime.fromisoformat(due).replace(tzinfo=UTC), "Europe/Berlin", (21, 8)
    )
    assert moved == datetime.fromisoformat(expected).replace(tzinfo=UTC)
    assert moved.astimezone(ZoneInfo("Europe/Berlin")).hour in (8, 11)
