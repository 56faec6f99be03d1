"""How managers really phrase an answer to a brief, read against what the brief offered.

The brief went out on Tuesday 1 December 2026 at 09:30 Berlin time offering Thursday 3 December
15:00 and Friday 4 December 10:00; the manager (Europe/Berlin, office hours 09:00-17:00) answers
the same morning. Expected slots are wall-clock times in Berlin. A time that is negated, hedged
or cannot be read without guessing must give UNCLEAR (one clarification mail), never a booking.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from mailagent.core import manager_replies as mr

BERLIN = ZoneInfo("Europe/Berlin")
SENT = datetime(2026, 12, 1, 9, 30, tzinfo=BERLIN)
OFFERED = (datetime(2026, 12, 3, 15, 0, tzinfo=BERLIN), datetime(2026, 12, 4, 10, 0, tzinfo=BERLIN))
COLLEAGUES = {"jo berger": "jo.berger@firm.example", "alex kim": "alex.kim@firm.example"}


def read(text: str, offered: tuple[datetime, ...] = OFFERED) -> tuple[str, tuple[str, ...]]:
    context = mr.ReplyContext("Europe/Berlin", SENT, (time(9), time(17)), offered, COLLEAGUES)
    reply = mr.read_reply(text, "Europe/Berlin", SENT, context)
    slots = tuple(s.astimezone(BERLIN).strftime("%m-%d %H:%M") for s in reply.slots)
    return reply.command, slots


@pytest.mark.parametrize(
    ("text", "command", "slots"),
    [
        # negated, hedged, conditional: never booked
        ("Sorry, Thursday 3pm is impossible for me.", mr.UNCLEAR, ()),
        ("Thursday 3pm doesn't work for me, sorry.", mr.UNCLEAR, ()),
        (
            "Thursday 3pm, unless my board meeting runs over - I'll confirm on Wednesday.",
            mr.UNCLEAR,
            (),
        ),
        ("Probably Thursday afternoon, let me check.", mr.UNCLEAR, ()),
        ("Donnerstag 15 Uhr geht leider nicht.", mr.UNCLEAR, ()),
        # partial and relative times, resolved by the reply's date and the office hours
        ("Thursday at 3", mr.ACCEPT, ("12-03 15:00",)),
        ("Do um 3 passt", mr.ACCEPT, ("12-03 15:00",)),
        ("next Monday morning", mr.UNCLEAR, ()),
        ("Thursday at 5 or so", mr.UNCLEAR, ()),
        # zones
        ("Thursday 9am ET works", mr.ACCEPT, ("12-03 15:00",)),
        ("Thursday 2pm London time", mr.ACCEPT, ("12-03 15:00",)),
        ("Thursday 3pm my time", mr.ACCEPT, ("12-03 15:00",)),
        ("Thursday 3pm CET", mr.ACCEPT, ("12-03 15:00",)),
        # ranges and alternatives
        ("I can do 2-2:30 on Thursday", mr.ACCEPT, ("12-03 14:00",)),
        (
            "either the 14th at 10 or the 15th at 16:00",
            mr.PROPOSE,
            ("12-14 10:00", "12-15 16:00"),
        ),
        ("Not Thursday - Friday 10am instead", mr.ACCEPT, ("12-04 10:00",)),
        ("Thursday 3pm doesn't work, but Thursday 4pm does", mr.ACCEPT, ("12-03 16:00",)),
        ("3pm doesn't work, 4pm does", mr.UNCLEAR, ()),  # which day? asked, not guessed
        # picks among the offered times
        ("the later one works", mr.ACCEPT, ("12-04 10:00",)),
        ("The first suggestion is fine.", mr.ACCEPT, ("12-03 15:00",)),
        ("option 2", mr.ACCEPT, ("12-04 10:00",)),
        ("2", mr.ACCEPT, ("12-04 10:00",)),
        ("der zweite Termin passt", mr.ACCEPT, ("12-04 10:00",)),
        ("Yes, that works", mr.UNCLEAR, ()),  # two were offered: which?
        ("any of them is fine", mr.PROPOSE, ("12-03 15:00", "12-04 10:00")),
        # declines and "ask someone else"
        ("I'm out that week", mr.DECLINE, ()),
        ("Sorry, I can't this time", mr.DECLINE, ()),
        ("Please ask someone else.", mr.DECLINE, ()),
        ("Leider bin ich die ganze Woche unterwegs.", mr.DECLINE, ()),
        ("Diesmal klappt es leider nicht.", mr.DECLINE, ()),
        ("Jo Berger would be better for this one.", mr.DELEGATE, ()),
    ],
)
def test_a_managers_words(text: str, command: str, slots: tuple[str, ...]) -> None:
    assert read(text) == (command, slots)


def test_yes_to_a_single_offered_time_accepts_it() -> None:
    assert read("Yes, that works", OFFERED[:1]) == (mr.ACCEPT, ("12-03 15:00",))


def test_a_pick_without_offered_times_is_asked_about() -> None:
    assert read("the later one works", ()) == (mr.UNCLEAR, ())


def test_the_later_one_among_three_is_asked_about_but_the_last_one_is_not() -> None:
    three = (*OFFERED, datetime(2026, 12, 7, 11, 0, tzinfo=BERLIN))
    assert read("the later one works", three) == (mr.UNCLEAR, ())
    assert read("the last one works", three) == (mr.ACCEPT, ("12-07 11:00",))
