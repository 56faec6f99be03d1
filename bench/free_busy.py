"""Free/busy lookup for N managers against a real CalDAV server (Radicale on loopback).

Each manager has a calendar of a realistic month: a daily stand-up (RRULE, with one occurrence
moved and one cancelled), two weekly meetings, an all-day offsite and forty single meetings.
Two timed parts over the same calendars:

- floor: one raw CalDAV ``calendar-query`` REPORT per manager (urllib, the same time range, the
  answer read but not parsed): what any client must do at least;
- mailagent: what a brief does per manager: ``read_busy`` (caldav, recurrences expanded) and
  ``free_slots`` (three free times).

Prints both per manager (median and worst, ms) and "ratio mailagent/floor" (time over time), and
checks the goal: no brief delayed more than 1 s by its manager's calendar.

    .venv/bin/python bench/free_busy.py [N] [--rounds K]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import urllib.request
from base64 import b64encode
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from calendar_servers import Radicale  # noqa: E402

from mailagent.core.free_time import free_slots, lookup_window  # noqa: E402
from mailagent.core.managers import Manager  # noqa: E402
from mailagent.transports.calendars import read_busy  # noqa: E402

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GOAL_SECONDS = 1.0


def month_of_events(index: int) -> list[str]:
    """A busy manager's calendar around NOW, as VEVENT blocks."""
    z = "TZID=Europe/Berlin"
    events = [
        "BEGIN:VEVENT\nUID:standup-{i}\nDTSTAMP:20261101T000000Z\n"
        f"DTSTART;{z}:20261102T091500\nDTEND;{z}:20261102T093000\n"
        "RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR\nSUMMARY:Stand-up\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:standup-{i}\nDTSTAMP:20261101T000000Z\n"
        f"RECURRENCE-ID;{z}:20261125T091500\nDTSTART;{z}:20261125T100000\n"
        f"DTEND;{z}:20261125T101500\nSUMMARY:Stand-up (moved)\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:standup-{i}\nDTSTAMP:20261101T000000Z\n"
        f"RECURRENCE-ID;{z}:20261126T091500\nDTSTART;{z}:20261126T091500\n"
        f"DTEND;{z}:20261126T093000\nSTATUS:CANCELLED\nSUMMARY:Stand-up\nEND:VEVENT",
        f"BEGIN:VEVENT\nUID:weekly-a-{{i}}\nDTSTAMP:20261101T000000Z\nDTSTART;{z}:20261103T140000\n"
        f"DTEND;{z}:20261103T150000\nRRULE:FREQ=WEEKLY\nSUMMARY:Team meeting\nEND:VEVENT",
        f"BEGIN:VEVENT\nUID:weekly-b-{{i}}\nDTSTAMP:20261101T000000Z\nDTSTART;{z}:20261105T110000\n"
        f"DTEND;{z}:20261105T120000\nRRULE:FREQ=WEEKLY;COUNT=12\nSUMMARY:1:1\nEND:VEVENT",
        "BEGIN:VEVENT\nUID:offsite-{i}\nDTSTAMP:20261101T000000Z\nDTSTART;VALUE=DATE:20261204\n"
        "DTEND;VALUE=DATE:20261205\nSUMMARY:Offsite\nEND:VEVENT",
    ]
    for n in range(40):
        start = datetime(2026, 11, 23, 8, 0, tzinfo=UTC) + timedelta(
            days=n % 21, hours=(n * 3 + index) % 8
        )
        events.append(
            f"BEGIN:VEVENT\nUID:single-{{i}}-{n}\nDTSTAMP:20261101T000000Z\n"
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}\n"
            f"DTEND:{start + timedelta(minutes=45):%Y%m%dT%H%M%SZ}\n"
            "SUMMARY:Meeting\nEND:VEVENT"
        )
    return [e.replace("{i}", str(index)) for e in events]


def floor_query(url: str, start: datetime, end: datetime) -> int:
    body = (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        '<D:prop><C:calendar-data/></D:prop><C:filter><C:comp-filter name="VCALENDAR">'
        f'<C:comp-filter name="VEVENT"><C:time-range start="{start:%Y%m%dT%H%M%SZ}" '
        f'end="{end:%Y%m%dT%H%M%SZ}"/></C:comp-filter></C:comp-filter></C:filter>'
        "</C:calendar-query>"
    ).encode()
    request = urllib.request.Request(url, data=body, method="REPORT")  # noqa: S310 - loopback
    login = b64encode(f"{Radicale.user}:{Radicale.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {login}")
    request.add_header("Depth", "1")
    request.add_header("Content-Type", "application/xml; charset=utf-8")
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
        return len(response.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("managers", nargs="?", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    os.environ["MAILAGENT_BENCH_CALDAV"] = Radicale.password
    server = Radicale()
    server.start()
    try:
        managers = []
        for i in range(args.managers):
            url = server.new_calendar(*month_of_events(i))
            calendar = {
                "kind": "caldav",
                "url": url,
                "user": Radicale.user,
                "password_env": "MAILAGENT_BENCH_CALDAV",
            }
            managers.append(
                Manager(
                    name=f"Manager {i}",
                    addresses=(f"m{i}@firm.example",),
                    timezone="Europe/Berlin",
                    calendar=calendar,
                )
            )
        floor: list[float] = []
        ours: list[float] = []
        offered = 0
        for _ in range(args.rounds):
            for manager in managers:
                lookup = lookup_window(manager, NOW, 14)
                assert manager.calendar is not None
                t = time.perf_counter()
                floor_query(manager.calendar.url, lookup.start, lookup.end)
                floor.append(time.perf_counter() - t)
                t = time.perf_counter()
                busy = read_busy(manager, lookup, timeout=5, max_bytes=20_000_000)
                slots = free_slots(manager, busy, lookup, 30)
                ours.append(time.perf_counter() - t)
                offered += len(slots)
    finally:
        server.stop()
    if offered != 3 * len(managers) * args.rounds:
        print(f"FAILED: {offered} times offered, expected 3 per manager per round")
        return 1
    f_med, o_med = statistics.median(floor), statistics.median(ours)
    f_max, o_max = max(floor) * 1000, max(ours) * 1000
    print(f"managers: {args.managers}, rounds: {args.rounds}, calendars on Radicale (loopback)")
    print(f"floor (raw REPORT):       median {f_med * 1000:7.1f} ms, worst {f_max:7.1f} ms")
    print(f"mailagent (busy + slots): median {o_med * 1000:7.1f} ms, worst {o_max:7.1f} ms")
    print(f"ratio mailagent/floor: {o_med / f_med:.1f} (time over time)")
    worst = max(ours)
    verdict = "met" if worst < GOAL_SECONDS else "NOT met"
    print(
        f"goal: a brief delayed < {GOAL_SECONDS:.0f} s per manager: {verdict} (worst {worst:.3f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
