"""Phrasings that once produced a wrong action or a wrong time: each must now be read right or
not at all (a question is always better than a wrong meeting)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from mailagent.core import manager_replies as mr
from mailagent.core.slot_choice import pick_slot
from mailagent.core.times import find_slots

BERLIN = "Europe/Berlin"
SENT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin


def local(slots: list[datetime], zone: str = BERLIN) -> list[str]:
    return [s.astimezone(ZoneInfo(zone)).strftime("%a %d.%m %H:%M") for s in slots]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thursday 11-1pm", ["Thu 03.12 11:00"]),
        ("Thursday 10-12pm", ["Thu 03.12 10:00"]),
        ("Thursday from 2 to 3pm", ["Thu 03.12 14:00"]),
        ("between 2 and 4pm Thursday", ["Thu 03.12 14:00"]),
        ("Thursday 2pm-3pm", ["Thu 03.12 14:00"]),
        ("Do 14-15 Uhr", ["Thu 03.12 14:00"]),
        ("Tues 10am, Weds 2pm", ["Tue 01.12 10:00", "Wed 02.12 14:00"]),
        ("Thursday next week 3pm", ["Thu 10.12 15:00"]),
        ("Thursday 3pm works, room 4.12", ["Thu 03.12 15:00"]),
        ("Do 3.12. 15.00", ["Thu 03.12 15:00"]),
        ("Thursday 3pm ET", ["Thu 03.12 21:00"]),
        ("Thursday 3pm London time", ["Thu 03.12 16:00"]),
        ("Thursday 10am my time", ["Thu 03.12 10:00"]),
        # Not understood rather than misread:
        ("Thursday 3pm Mars time", []),
        ("Thursday 3pm AET", []),
        ("Thu 12/3 3pm", []),  # in Berlin 12/3 is a Saturday in March, not a Thursday
        ("Thursday 12am", []),
        ("Mobile: 0171 12.34", []),
    ],
)
def test_times_read_right_or_not_at_all(text: str, expected: list[str]) -> None:
    assert local(find_slots(text, BERLIN, SENT)) == expected


def test_a_us_date_agreeing_with_its_weekday() -> None:
    zone = "America/New_York"
    assert local(find_slots("Thu 12/3 3pm", zone, SENT), zone) == ["Thu 03.12 15:00"]


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("No need to bring a CV, just come along.", mr.UNCLEAR),
        ("Nein, das ist nicht nötig.", mr.UNCLEAR),
        ("No, sorry - I'm travelling all of December.", mr.DECLINE),
        ("Cancel Thursday 3pm, let's do Friday 10am instead", mr.UNCLEAR),
        ("Thursday 3pm works.\n\nNext training: Mon 7.12. 10:00", mr.ACCEPT),
    ],
)
def test_replies_that_must_not_cancel_or_offer_by_accident(text: str, command: str) -> None:
    assert mr.read_reply(text, BERLIN, SENT).command == command


@pytest.mark.parametrize(
    ("text", "consent"),
    [
        ("Yes, please keep in touch!", True),
        ("I don't want to keep in touch.", False),
        ("I would not like to keep in touch", False),
        ("Please never keep in touch with me", False),
        ("Ich möchte nicht in Kontakt bleiben.", False),
    ],
)
def test_consent_only_when_given(text: str, consent: bool) -> None:
    assert mr.wants_contact(text) is consent


def test_a_clock_time_is_no_option_number() -> None:
    slots = [datetime(2026, 12, 1, 13, 0, tzinfo=UTC), datetime(2026, 12, 2, 9, 0, tzinfo=UTC)]
    assert pick_slot("2 pm on Tuesday works", slots, BERLIN, SENT) == 0
    assert pick_slot("2", slots, BERLIN, SENT) == 1
