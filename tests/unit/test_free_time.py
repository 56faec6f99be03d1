"""Tables: a guest's stated availability, busy periods from iCalendar and Graph, and the free
times offered to a manager."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from mailagent.core.availability import read_availability
from mailagent.core.free_time import (
    CalendarUnreadable,
    busy_from_graph,
    busy_from_ics,
    free_slots,
    lookup_window,
)
from mailagent.core.managers import Manager

BERLIN = ZoneInfo("Europe/Berlin")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in Berlin in the week of Monday 30 November 2026."""
    return datetime(2026, 11, 30, hour, minute, tzinfo=BERLIN) + timedelta(days=day)


# (what the guest wrote, times that fit, times that do not), 30-minute meetings, Berlin.
AVAILABILITY = [
    (
        "Tuesday and Thursday afternoons CET",
        [local(TUE, 14), local(THU, 12)],
        [local(TUE, 10), local(WED, 14), local(THU, 16, 45)],
    ),
    ("weekdays after 4pm", [local(MON, 16), local(FRI, 18)], [local(MON, 15), local(SAT, 17)]),
    ("Mo-Mi vormittags", [local(MON, 9), local(WED, 11, 30)], [local(THU, 9), local(MON, 12)]),
    ("any time except Fridays", [local(MON, 9), local(SAT, 15)], [local(FRI, 10)]),
    (
        "Tuesday mornings or Thursday after 3pm",
        [local(TUE, 9), local(THU, 15)],
        [local(TUE, 15), local(THU, 9)],
    ),
    (
        "Mornings, ideally Tuesday or Wednesday.",
        [local(TUE, 9), local(WED, 8)],
        [local(MON, 9), local(TUE, 13)],
    ),
    (
        "between 10 and 12 on Mondays",
        [local(MON, 10), local(MON, 11, 30)],
        [local(MON, 12), local(TUE, 10)],
    ),
    ("Dienstags ab 14 Uhr, nicht am Freitag", [local(TUE, 14)], [local(TUE, 13), local(FRI, 15)]),
    (
        "Ich kann Di und Do ab 15 Uhr",
        [local(TUE, 15), local(THU, 17)],
        [local(WED, 15), local(TUE, 14)],
    ),
    ("Weekends only", [local(SAT, 10), local(SUN, 15)], [local(FRI, 10)]),
    (
        "I do mornings, so Tue or Wed",
        [local(TUE, 9), local(WED, 11)],
        [local(SUN, 9), local(TUE, 14)],
    ),
    ("any day but Monday", [local(TUE, 9), local(SUN, 15)], [local(MON, 10)]),
    (
        "Mornings on Monday, afternoons on Friday",
        [local(MON, 9), local(FRI, 14)],
        [local(MON, 14), local(FRI, 9)],
    ),
    ("Mo.-Mi. vormittags", [local(TUE, 9)], [local(THU, 9), local(TUE, 13)]),
    ("Freitag ab 13.30 Uhr", [local(FRI, 13, 30)], [local(FRI, 13)]),
    ("between 9 a.m. and 11 a.m.", [local(WED, 9), local(WED, 10, 30)], [local(WED, 11)]),
    ("Ich kann ab 7 Uhr", [local(WED, 7, 30)], [local(WED, 6, 30)]),
    ("2-4pm most days", [local(WED, 14), local(SUN, 15, 30)], [local(WED, 16), local(WED, 13, 30)]),
]


@pytest.mark.parametrize(("text", "fits", "misses"), AVAILABILITY, ids=[a[0] for a in AVAILABILITY])
def test_what_a_guest_says_about_when_they_are_free(
    text: str, fits: list[datetime], misses: list[datetime]
) -> None:
    wanted = read_availability(text, "Europe/Berlin")
    assert wanted is not None
    assert [t for t in fits if not wanted.fits(t, 30)] == []
    assert [t for t in misses if wanted.fits(t, 30)] == []


@pytest.mark.parametrize(
    "text",
    [
        "flexible",
        "Whenever suits you!",
        "20-30 minutes is fine, I am free most days",
        "",
        "asap",
        # Said of when the guest is NOT free: never read as when they are.
        "not before 10am",
        "I can't do mornings",
        "anytime but mornings",
        "keine Termine vormittags",
        "Montags nicht",
        "I'm busy on Monday",
        "any time except Friday afternoon",
        "I work until 5pm, so after that",
        # More than a plain answer (two sentences, or past PLAIN_WORDS): not read.
        "I'm free on Wednesdays; Fridays from 9 to 11am",
        "Tuesday mornings work, and Thursday after 3pm is also fine for me",
        # Dates are no hours.
        "I'm free May 13-15",
        "available 3-5 March",
    ],
)
def test_an_answer_without_days_or_hours_limits_nothing(text: str) -> None:
    assert read_availability(text, "Europe/Berlin") is None


def test_the_guests_zone_decides_what_afternoon_means() -> None:
    wanted = read_availability("afternoons", "America/New_York")
    assert wanted is not None
    assert wanted.fits(local(TUE, 19), 30)  # 13:00 in New York
    assert not wanted.fits(local(TUE, 14), 30)  # 08:00 in New York


def calendar(*events: str) -> str:
    body = "\r\n".join(e.strip().replace("\n", "\r\n") for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n{body}\r\nEND:VCALENDAR\r\n"


START, END = datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 14, tzinfo=UTC)
U = UTC

# (events, busy periods between START and END in UTC)
ICS = [
    pytest.param(
        ["BEGIN:VEVENT\nUID:a\nDTSTART:20261201T090000Z\nDTEND:20261201T100000Z\nEND:VEVENT"],
        [(datetime(2026, 12, 1, 9, tzinfo=U), datetime(2026, 12, 1, 10, tzinfo=U))],
        id="one UTC event",
    ),
    pytest.param(
        ["BEGIN:VEVENT\nUID:a\nDTSTART:20261201T090000\nDTEND:20261201T100000\nEND:VEVENT"],
        [(datetime(2026, 12, 1, 8, tzinfo=U), datetime(2026, 12, 1, 9, tzinfo=U))],
        id="floating time is the manager's",
    ),
    pytest.param(
        ["BEGIN:VEVENT\nUID:a\nDTSTART;VALUE=DATE:20261202\nEND:VEVENT"],
        [(datetime(2026, 12, 1, 23, tzinfo=U), datetime(2026, 12, 2, 23, tzinfo=U))],
        id="all-day event without an end is one day",
    ),
    pytest.param(
        [
            "BEGIN:VEVENT\nUID:a\nDTSTART:20261201T090000Z\nDURATION:PT90M\nEND:VEVENT",
            "BEGIN:VEVENT\nUID:b\nDTSTART:20261201T100000Z\nDTEND:20261201T110000Z\nEND:VEVENT",
        ],
        [(datetime(2026, 12, 1, 9, tzinfo=U), datetime(2026, 12, 1, 11, tzinfo=U))],
        id="duration, and overlaps merged",
    ),
    pytest.param(
        [
            "BEGIN:VEVENT\nUID:a\nDTSTART:20261201T090000Z\nDTEND:20261201T100000Z\n"
            "TRANSP:TRANSPARENT\nEND:VEVENT",
            "BEGIN:VEVENT\nUID:b\nDTSTART:20261202T090000Z\nDTEND:20261202T100000Z\n"
            "STATUS:CANCELLED\nEND:VEVENT",
            "BEGIN:VEVENT\nUID:c\nDTSTART:20261101T090000Z\nDTEND:20261101T100000Z\nEND:VEVENT",
        ],
        [],
        id="free, cancelled and past events block nothing",
    ),
    pytest.param(
        [
            "BEGIN:VEVENT\nUID:w\nDTSTART:20261116T090000Z\nDTEND:20261116T093000Z\n"
            "RRULE:FREQ=WEEKLY;COUNT=6\nEXDATE:20261207T090000Z\nEND:VEVENT",
            "BEGIN:VEVENT\nUID:w\nRECURRENCE-ID:20261130T090000Z\nDTSTART:20261130T140000Z\n"
            "DTEND:20261130T143000Z\nEND:VEVENT",
        ],
        [(datetime(2026, 11, 30, 14, tzinfo=U), datetime(2026, 11, 30, 14, 30, tzinfo=U))],
        id="weekly series: one moved, one excluded",
    ),
]


@pytest.mark.parametrize(("events", "busy"), ICS)
def test_busy_periods_read_from_icalendar(events: list[str], busy: list[object]) -> None:
    assert busy_from_ics([calendar(*events)], START, END, "Europe/Berlin") == busy


@pytest.mark.parametrize(
    "data",
    [
        "<html><body>Please log in</body></html>",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026112\r\nEND:VCALENDAR\r\n",
        "",
    ],
    ids=["a login page", "a broken start time", "nothing"],
)
def test_what_is_no_calendar_is_unreadable_not_free(data: str) -> None:
    with pytest.raises(CalendarUnreadable):
        busy_from_ics([data], START, END, "Europe/Berlin")


@pytest.mark.parametrize(
    ("payload", "busy"),
    [
        (
            {
                "value": [
                    {
                        "scheduleItems": [
                            {
                                "status": "Busy",
                                "start": {
                                    "dateTime": "2026-12-01T09:00:00.0000000",
                                    "timeZone": "UTC",
                                },
                                "end": {
                                    "dateTime": "2026-12-01T10:00:00.0000000",
                                    "timeZone": "UTC",
                                },
                            },
                            {
                                "status": "free",
                                "start": {
                                    "dateTime": "2026-12-02T09:00:00.0000000",
                                    "timeZone": "UTC",
                                },
                                "end": {
                                    "dateTime": "2026-12-02T10:00:00.0000000",
                                    "timeZone": "UTC",
                                },
                            },
                        ]
                    }
                ]
            },
            [(datetime(2026, 12, 1, 9, tzinfo=U), datetime(2026, 12, 1, 10, tzinfo=U))],
        ),
        ({"value": [{"scheduleItems": []}]}, []),
    ],
    ids=["busy counts, free does not", "an empty week"],
)
def test_busy_periods_read_from_graph(payload: dict[str, object], busy: list[object]) -> None:
    assert busy_from_graph(payload) == busy


@pytest.mark.parametrize(
    "payload",
    [
        {"error": {"code": "x"}},
        {"value": [{"error": {"message": "no free/busy shared"}}]},
        [],
        {"value": [{"error": "denied"}]},
        {"value": [{"scheduleItems": ["x"]}]},
        {"value": [{"scheduleItems": [{"status": "busy", "start": "2026-12-01"}]}]},
    ],
)
def test_a_graph_error_is_unreadable(payload: object) -> None:
    with pytest.raises(CalendarUnreadable):
        busy_from_graph(payload)  # type: ignore[arg-type]


SAM = Manager(name="Sam", addresses=("sam@firm.example",), timezone="Europe/Berlin")
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)  # times are offered from Tuesday 1 December


def hours(*pairs: tuple[datetime, datetime]) -> list[tuple[datetime, datetime]]:
    return [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in pairs]


@pytest.mark.parametrize(
    ("busy", "wanted", "offered"),
    [
        pytest.param(
            [], None, [local(TUE, 9), local(WED, 9), local(THU, 9)], id="an empty calendar"
        ),
        pytest.param(
            hours((local(TUE, 9), local(TUE, 17)), (local(WED, 9), local(WED, 10, 15))),
            None,
            [local(WED, 10, 30), local(THU, 9), local(FRI, 9)],
            id="a full day is skipped, a meeting pushed past",
        ),
        pytest.param(
            hours((local(TUE, 16, 45), local(TUE, 18))),
            "afternoons",
            [local(TUE, 12), local(WED, 12), local(THU, 12)],
            id="the guest's afternoons first",
        ),
        pytest.param(
            hours(
                *(
                    (local(day + week, 12), local(day + week, 17))
                    for day in (TUE, THU)
                    for week in (0, 7)
                )
            ),
            "Tuesday and Thursday afternoons",
            [local(TUE, 9), local(WED, 9), local(THU, 9)],
            id="no free time when the guest said: the rest, not nothing",
        ),
        pytest.param(
            hours((local(TUE, 9), local(TUE, 16, 40))),
            None,
            [local(WED, 9), local(THU, 9), local(FRI, 9)],
            id="20 minutes left before office hours end is too short",
        ),
    ],
)
def test_the_free_times_offered(
    busy: list[tuple[datetime, datetime]], wanted: str | None, offered: list[datetime]
) -> None:
    lookup = lookup_window(SAM, FRIDAY, 14)
    guest = read_availability(wanted, "Europe/Berlin") if wanted else None
    assert list(free_slots(SAM, busy, lookup, 30, guest)) == offered


def test_a_fully_booked_fortnight_offers_nothing() -> None:
    lookup = lookup_window(SAM, FRIDAY, 14)
    assert free_slots(SAM, [(lookup.start, lookup.end)], lookup, 30) == ()


def test_absences_and_office_days_are_kept() -> None:
    away = Manager(
        name="Sam",
        addresses=("sam@firm.example",),
        timezone="Europe/Berlin",
        absences=[{"start": local(TUE, 0).date(), "end": local(WED, 0).date()}],
        office_hours={"days": ["tue", "wed", "thu"]},
    )
    slots = free_slots(away, [], lookup_window(away, FRIDAY, 14), 30)
    assert slots == (local(THU, 9), local(TUE + 7, 9), local(WED + 7, 9))


def test_a_window_across_the_change_to_summer_time_ends_at_local_midnight() -> None:
    # From Monday 15 March 2027 for 14 days: the clocks change on Sunday 28 March.
    lookup = lookup_window(SAM, datetime(2027, 3, 11, 9, 0, tzinfo=UTC), 14)
    assert lookup.end.astimezone(BERLIN) == datetime(2027, 3, 29, 0, 0, tzinfo=BERLIN)
    # Busy all the weeks looked at: nothing is offered from beyond them.
    assert free_slots(SAM, [(lookup.start, lookup.end)], lookup, 30) == ()
