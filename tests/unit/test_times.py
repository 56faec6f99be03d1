"""Meeting times in people's words (mailagent.times): which slots a mail names, working days,
how a slot is written for a reader, and which offered slot a guest picks."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mailagent.core.dates import add_working_days, describe
from mailagent.core.slot_choice import NONE_FITS, pick_slot
from mailagent.core.times import find_slots

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
# Thursday 3 December 2026, 10:00 in Berlin (CET, UTC+1), 04:00 in New York (EST, UTC-5).
THU = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
# Monday 30 November 2026.
MON = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "timezone", "sent", "expected"),
    [
        pytest.param(
            "Thursday 3pm works for me",
            BERLIN,
            THU,
            [utc(2026, 12, 10, 14)],
            id="weekday named on that weekday means next week",
        ),
        pytest.param(
            "Friday 3pm works for me", BERLIN, THU, [utc(2026, 12, 4, 14)], id="next weekday"
        ),
        pytest.param("Do 3.12. 15:00", BERLIN, THU, [utc(2026, 12, 3, 14)], id="de dotted today"),
        pytest.param(
            "Donnerstag, 10. Dezember um 15 Uhr",
            BERLIN,
            THU,
            [utc(2026, 12, 10, 14)],
            id="de weekday, named date and Uhr",
        ),
        pytest.param(
            "Tue 10:00 or Wed 14:30",
            BERLIN,
            THU,
            [utc(2026, 12, 8, 9), utc(2026, 12, 9, 13, 30)],
            id="en two slots in order",
        ),
        pytest.param(
            "Di 10:00 oder Mi 14:30",
            BERLIN,
            THU,
            [utc(2026, 12, 8, 9), utc(2026, 12, 9, 13, 30)],
            id="de short weekdays",
        ),
        pytest.param("tomorrow at 9:30", BERLIN, THU, [utc(2026, 12, 4, 8, 30)], id="en tomorrow"),
        pytest.param("morgen um 14 Uhr", BERLIN, THU, [utc(2026, 12, 4, 13)], id="de morgen"),
        pytest.param(
            "Guten Morgen! Dienstag 10:00 passt",
            BERLIN,
            THU,
            [utc(2026, 12, 8, 9)],
            id="Guten Morgen is no tomorrow",
        ),
        pytest.param(
            "Monday 7 December at noon", BERLIN, THU, [utc(2026, 12, 7, 11)], id="en noon"
        ),
        pytest.param(
            "2026-12-07 15:00 CET",
            NEW_YORK,
            THU,
            [utc(2026, 12, 7, 14)],
            id="ISO date with CET written in New York",
        ),
        pytest.param(
            "Friday 15:00 CET", NEW_YORK, THU, [utc(2026, 12, 4, 14)], id="15:00 CET from NY"
        ),
        pytest.param(
            "Friday 3pm EST", BERLIN, THU, [utc(2026, 12, 4, 20)], id="3pm EST from Berlin"
        ),
        pytest.param(
            "Friday 3pm Europe/London",
            NEW_YORK,
            THU,
            [utc(2026, 12, 4, 15)],
            id="IANA zone named",
        ),
        pytest.param(
            "12/3 at 3pm",
            NEW_YORK,
            MON,
            [utc(2026, 12, 3, 20)],
            id="America month/day: 12/3 is 3 December",
        ),
        pytest.param(
            "12/3 at 3pm",
            BERLIN,
            MON,
            [utc(2027, 3, 12, 14)],
            id="Europe day/month: 12/3 is 12 March",
        ),
        pytest.param(
            "I have 5 years of experience", BERLIN, THU, [], id="years of experience no slot"
        ),
        pytest.param("Thursday works", BERLIN, THU, [], id="weekday without a time"),
        pytest.param("How about 8 December?", BERLIN, THU, [], id="date without a time"),
        pytest.param("3pm works", BERLIN, THU, [], id="time without a day"),
        pytest.param("I do 10 pushups", BERLIN, THU, [], id="English do is no Donnerstag"),
        pytest.param(
            "Do 3.12. 15:00",
            BERLIN,
            utc(2026, 12, 3, 14, 30),
            [],
            id="a time already past is dropped",
        ),
        pytest.param("Do 3.12. 10:00", BERLIN, THU, [], id="the very minute the mail was written"),
        pytest.param(
            "Thursday 15:00–15:30",
            BERLIN,
            THU,
            [utc(2026, 12, 10, 14)],
            id="a span starts at its first time",
        ),
        pytest.param("2027-06-01 10:00", BERLIN, THU, [], id="more than 120 days ahead is dropped"),
        pytest.param(
            "Thursday 3pm, or Thursday 15:00",
            BERLIN,
            THU,
            [utc(2026, 12, 10, 14)],
            id="the same slot twice once",
        ),
    ],
)
def test_find_slots(text: str, timezone: str, sent: datetime, expected: list[datetime]) -> None:
    slots = find_slots(text, timezone, sent)
    assert slots == expected
    assert all(s.utcoffset() == UTC.utcoffset(None) for s in slots)


def test_day_month_order_in_sao_paulo() -> None:
    # São Paulo is UTC-3 all year.
    assert find_slots("3/12 15:00", "America/Sao_Paulo", MON) == [utc(2026, 12, 3, 18)]


@pytest.mark.parametrize(
    ("start", "days", "timezone", "expected"),
    [
        pytest.param(utc(2026, 12, 3, 10), 2, BERLIN, utc(2026, 12, 7, 10), id="Thu+2 is Mon"),
        pytest.param(utc(2026, 12, 4, 10), 1, BERLIN, utc(2026, 12, 7, 10), id="Fri+1 is Mon"),
        pytest.param(
            utc(2026, 12, 4, 10), 5, BERLIN, utc(2026, 12, 11, 10), id="Fri+5 is next Fri"
        ),
        pytest.param(utc(2026, 12, 5, 10), 1, BERLIN, utc(2026, 12, 7, 10), id="Sat+1 is Mon"),
        pytest.param(utc(2026, 12, 6, 10), 3, BERLIN, utc(2026, 12, 9, 10), id="Sun+3 is Wed"),
        pytest.param(utc(2026, 12, 3, 10), 0, BERLIN, utc(2026, 12, 3, 10), id="zero days"),
        # Friday 23:30 UTC is already Saturday 00:30 in Berlin: one working day is Monday
        # 00:30 there, which is still Sunday in UTC.
        pytest.param(
            utc(2026, 12, 4, 23, 30),
            1,
            BERLIN,
            utc(2026, 12, 6, 23, 30),
            id="weekend counted in Berlin",
        ),
        pytest.param(
            utc(2026, 12, 4, 23, 30),
            1,
            "UTC",
            utc(2026, 12, 7, 23, 30),
            id="the same instant counted in UTC",
        ),
        # Saturday 02:00 UTC is still Friday 21:00 in New York: one working day is Monday.
        pytest.param(
            utc(2026, 12, 5, 2),
            1,
            NEW_YORK,
            utc(2026, 12, 8, 2),
            id="still Friday in New York",
        ),
        # Friday 15:00 CEST, over the October switch: Monday 15:00 CET (one hour later in UTC).
        pytest.param(
            utc(2026, 10, 23, 13),
            1,
            BERLIN,
            utc(2026, 10, 26, 14),
            id="same clock time across the DST switch",
        ),
    ],
)
def test_add_working_days(start: datetime, days: int, timezone: str, expected: datetime) -> None:
    result = add_working_days(start, days, timezone)
    assert result == expected
    assert result.utcoffset() == UTC.utcoffset(None)


@pytest.mark.parametrize(
    ("start", "timezone", "language", "expected", "weekday"),
    [
        pytest.param(
            utc(2026, 12, 3, 14),
            BERLIN,
            "en",
            "Thursday, 3 December 2026, 15:00–15:30 (CET, Europe/Berlin)",
            "Thursday",
            id="en Berlin",
        ),
        pytest.param(
            utc(2026, 12, 3, 14),
            BERLIN,
            "de",
            "Donnerstag, 3. Dezember 2026, 15:00–15:30 (CET, Europe/Berlin)",
            "Donnerstag",
            id="de Berlin",
        ),
        pytest.param(
            utc(2026, 12, 3, 14),
            NEW_YORK,
            "en",
            "Thursday, 3 December 2026, 09:00–09:30 (EST, America/New_York)",
            "Thursday",
            id="en New York reader",
        ),
        pytest.param(
            utc(2026, 12, 3, 14),
            NEW_YORK,
            "de",
            "Donnerstag, 3. Dezember 2026, 09:00–09:30 (EST, America/New_York)",
            "Donnerstag",
            id="de New York reader",
        ),
        pytest.param(
            utc(2026, 12, 3, 14),
            "UTC",
            "en",
            "Thursday, 3 December 2026, 14:00–14:30 (UTC)",
            "Thursday",
            id="UTC once",
        ),
        pytest.param(
            utc(2026, 12, 3, 15),
            "Asia/Tokyo",
            "en",
            "Friday, 4 December 2026, 00:00–00:30 (JST, Asia/Tokyo)",
            "Friday",
            id="next day for a reader in Tokyo",
        ),
        pytest.param(
            utc(2026, 12, 3, 14),
            BERLIN,
            "fr",
            "Thursday, 3 December 2026, 15:00–15:30 (CET, Europe/Berlin)",
            "Thursday",
            id="unknown language in English",
        ),
    ],
)
def test_describe(
    start: datetime, timezone: str, language: str, expected: str, weekday: str
) -> None:
    text = describe(start, 30, timezone, language)
    assert weekday in text
    assert text == expected


@pytest.mark.parametrize(
    ("written", "sent", "utc_start", "berlin", "new_york"),
    [
        # Written in October while Berlin is on CEST; the meeting is after the switch to CET.
        # New York changes a week later, so that Monday it is five hours behind, not six.
        pytest.param(
            "Monday 26 October 15:00",
            utc(2026, 10, 20, 8),
            utc(2026, 10, 26, 14),
            "Monday, 26 October 2026, 15:00–15:30 (CET, Europe/Berlin)",
            "Monday, 26 October 2026, 10:00–10:30 (EDT, America/New_York)",
            id="autumn switch",
        ),
        pytest.param(
            "Montag, 30. März 15:00",
            utc(2026, 3, 24, 8),
            utc(2026, 3, 30, 13),
            "Monday, 30 March 2026, 15:00–15:30 (CEST, Europe/Berlin)",
            "Monday, 30 March 2026, 09:00–09:30 (EDT, America/New_York)",
            id="spring switch",
        ),
        pytest.param(
            "Friday 23 October 15:00",
            utc(2026, 10, 20, 8),
            utc(2026, 10, 23, 13),
            "Friday, 23 October 2026, 15:00–15:30 (CEST, Europe/Berlin)",
            "Friday, 23 October 2026, 09:00–09:30 (EDT, America/New_York)",
            id="before the switch",
        ),
    ],
)
def test_wall_clock_time_survives_a_dst_change(
    written: str, sent: datetime, utc_start: datetime, berlin: str, new_york: str
) -> None:
    slots = find_slots(written, BERLIN, sent)
    assert slots == [utc_start]
    assert describe(slots[0], 30, BERLIN, "en") == berlin
    assert describe(slots[0], 30, NEW_YORK, "en") == new_york


OFFERED = (utc(2026, 12, 8, 9), utc(2026, 12, 9, 13, 30))  # Tue 10:00, Wed 14:30 in Berlin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2", 1, id="a bare number"),
        pytest.param("Option 1 please", 0, id="option N"),
        pytest.param("The second one, thanks", 1, id="an ordinal"),
        pytest.param("Wednesday works", 1, id="the weekday of one offer"),
        pytest.param("Tuesday 10:00 please", 0, id="the time itself"),
        pytest.param("Mittwoch 14:30 passt", 1, id="de the time itself"),
        pytest.param("Tuesday doesn't work for me, Wednesday is fine", 1, id="the day not negated"),
        pytest.param("None of these work for me", NONE_FITS, id="none fits"),
        pytest.param("Leider passt mir keiner davon", NONE_FITS, id="de none fits"),
        pytest.param("Thanks!", None, id="says nothing"),
        pytest.param("3", None, id="a number not offered"),
        pytest.param("Friday?", None, id="a weekday not offered"),
    ],
)
def test_pick_slot(text: str, expected: int | None) -> None:
    assert pick_slot(text, OFFERED, BERLIN, THU) == expected
