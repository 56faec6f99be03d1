"""PURE: meeting times in people's words.

:func:`read_times` reads the times a manager (or guest) wrote: "Thursday 3pm", "Do 3.12. 15:00",
"2026-12-03 15:00 CET", "Tue 10:00 or Wed 14:30", "the 14th at 10", "Thursday at 3", "3pm ET",
"10am my time". Only a day *and* a clock time make a slot: "5 years of experience" or "Thursday"
alone are no times, and nothing is guessed. A time that could be read two ways is not a slot
but a reason to ask (:attr:`Reading.unclear`): "at 3" when the writer's office hours do not
say whether 3am or 3pm, a zone that cannot be placed ("3pm AET"), "next Friday" said in the week
of that Friday. Explicit dates go through dateparser (in the writer's zone, relative to when the
mail was written); weekdays and "tomorrow" are resolved here, because dateparser reads a weekday
named on that same weekday as today, while people mean next week.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailagent.core.time_words import Clock, Day, clocks_in, days_in
from mailagent.core.zones import UNKNOWN, WRITERS, zone_named_at

_NEGATIVE = re.compile(
    r"\b(can'?t|cannot|can not|won'?t|not|never|isn'?t|doesn'?t|don'?t|unable|bad|no good|"
    r"impossible|nicht|kein|keine|keinen|unmöglich|leider nein)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    """The slots a text names (aware UTC, in order, without repeats) and, when some time in it
    could not be read without guessing, why."""

    slots: tuple[datetime, ...] = ()
    unclear: str = ""


def read_times(
    text: str,
    timezone: str,
    sent: datetime,
    office: tuple[time, time] | None = None,
    max_days: int = 120,
) -> Reading:
    """Every slot in ``text``.

    ``timezone``: the writer's zone, used where the text names none (and for "my time");
    ``sent``: when the mail was written (days and weekdays count from there); ``office``: the
    writer's office hours, which decide "at 3" between 3am and 3pm. Slots not after ``sent``
    or more than ``max_days`` later are dropped (a year misread is worse than a question).
    """
    zone = ZoneInfo(timezone)
    base = sent.astimezone(zone)
    slots: list[datetime] = []
    unclear = ""
    for line in text.splitlines():
        for day, clock, named, why in _pairs(line, base, office):
            if why:
                unclear = unclear or why
                continue
            assert clock is not None
            where = zone if named in ("", WRITERS) else ZoneInfo(named)
            local = datetime.combine(day, clock, tzinfo=where).astimezone(zone)
            slot = local.astimezone(UTC)
            if not base < local <= base + timedelta(days=max_days):
                unclear = unclear or "a time already past, or too far ahead"
            elif slot not in slots:
                slots.append(slot)
    return Reading(tuple(slots), unclear)


def find_slots(
    text: str,
    timezone: str,
    sent: datetime,
    max_days: int = 120,
    office: tuple[time, time] | None = None,
) -> list[datetime]:
    """The slots of :func:`read_times` (what could not be read is left out)."""
    return list(read_times(text, timezone, sent, office, max_days).slots)


def _pairs(
    line: str, base: datetime, office: tuple[time, time] | None
) -> list[tuple[date, time | None, str, str]]:
    """(day, clock, zone named or "", why unclear or "") for each clock time that has a day
    before (or after) it."""
    days = days_in(line, base)
    clocks = clocks_in(line, [(d.start, d.end) for d in days])
    tokens: list[Day | Clock] = sorted([*days, *clocks], key=lambda t: t.start)
    found: list[tuple[date, time | None, str, str]] = []
    pending: list[Day] = []  # days named since the last clock time ("Thu or Fri at 3pm")
    last_day: Day | None = None
    for i, tok in enumerate(tokens):
        if isinstance(tok, Day):
            pending.append(tok)
            continue
        named = zone_named_at(line[tok.end :]) or ""
        if pending:
            chosen = pending
        elif last_day is not None:
            chosen = [last_day]  # "Tue 10:00 or 14:00"
        else:
            following = next((t for t in tokens[i + 1 :] if isinstance(t, Day)), None)
            chosen = [following] if following else []
        if chosen:
            last_day = chosen[-1]
        pending = []
        for day in chosen:
            found.append(_pair(day, tok, named, office))
    return found


def _pair(
    day: Day, clock: Clock, named: str, office: tuple[time, time] | None
) -> tuple[date, time | None, str, str]:
    if named == UNKNOWN:
        return day.day, None, named, "a time zone that cannot be placed"
    if day.unclear:
        return day.day, None, named, "'next' names this week's day or next week's"
    reading = clock.reading(None if named not in ("", WRITERS) else office)
    if reading is None:
        return day.day, None, named, "an hour that could be morning or afternoon"
    return day.day, reading, named, ""


def without_negated(text: str) -> str:
    """``text`` with its negative parts blanked out: a sentence that negates, or the part of it
    between commas that does ("Thursday doesn't work for me, how about Friday 10am?")."""
    if not _NEGATIVE.search(text):
        return text
    parts = re.split(r"(,\s+)", text)
    if not any(_NEGATIVE.search(p) for p in parts[::2]) or len(parts) == 1:
        return " " * len(text)
    return "".join(
        " " * len(p) if i % 2 == 0 and _NEGATIVE.search(p) else p for i, p in enumerate(parts)
    )


def is_negated(text: str) -> bool:
    return bool(_NEGATIVE.search(text))
