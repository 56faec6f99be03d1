"""PURE: meeting times in people's words.

:func:`find_slots` reads the times a manager (or guest) wrote: "Thursday 3pm", "Do 3.12. 15:00",
"2026-12-03 15:00 CET", "Tue 10:00 or Wed 14:30". Only a day *and* a clock time make a slot: "5
years of experience" or "Thursday" alone are no times, and nothing is guessed. Explicit dates go
through dateparser (in the writer's zone, relative to when the mail was written); weekdays and
"tomorrow" are resolved here, because dateparser reads a weekday named on that same weekday as
today, while people mean next week.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from mailagent.core.dates import month_first

WEEKDAYS: dict[str, int] = {
    **dict.fromkeys(("monday", "mon", "montag"), 0),
    **dict.fromkeys(("tuesday", "tue", "tues", "dienstag"), 1),
    **dict.fromkeys(("wednesday", "wed", "weds", "mittwoch"), 2),
    **dict.fromkeys(("thursday", "thu", "thur", "thurs", "donnerstag"), 3),
    **dict.fromkeys(("friday", "fri", "freitag"), 4),
    **dict.fromkeys(("saturday", "sat", "samstag", "sonnabend"), 5),
    **dict.fromkeys(("sunday", "sun", "sonntag"), 6),
}
WEEKDAY_WORDS = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
# German two-letter abbreviations are English words too ("do", "so"): they count only when a
# date or a clock time follows at once ("Do 3.12.", "Di 10:00").
SHORT_DE = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6}


RELATIVE = {
    "today": 0,
    "heute": 0,
    "tomorrow": 1,
    "morgen": 1,
    "übermorgen": 2,
    "uebermorgen": 2,
    "day after tomorrow": 2,
}


MONTHS = (
    r"jan(?:uary|uar)?|feb(?:ruary|ruar)?|m(?:ar(?:ch)?|ärz|aerz)|apr(?:il)?|ma[iy]|"
    r"june?|juni|july?|juli|aug(?:ust)?|sep(?:t(?:ember)?)?|o[ck]t(?:ober)?|nov(?:ember)?|"
    r"de[cz](?:ember)?"
)


ZONES = {
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "mez": "Europe/Berlin",
    "mesz": "Europe/Berlin",
    "utc": "UTC",
    "gmt": "UTC",
    "bst": "Europe/London",
    "est": "America/New_York",
    "edt": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
}


_DAY = re.compile(
    rf"""
    (?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)
    | (?P<dotted>\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}}|\d{{2}}(?!\d))?)(?![\d:])
    | (?P<slashed>\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b)
    | (?P<named>\b\d{{1,2}}(?:st|nd|rd|th|\.)?\s*(?:of\s+)?(?:{MONTHS})\b\.?(?:\s+\d{{4}})?
        | \b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?)
    | (?P<relative>\bday\ after\ tomorrow\b|\btomorrow\b|\btoday\b|\bheute\b|
        \b(?<!guten\ )morgen\b|\bübermorgen\b|\buebermorgen\b)
    | (?P<weekday>\b(?:{WEEKDAY_WORDS})\b\.?)
    | (?P<short>\b(?:mo|di|mi|do|fr|sa|so)\b\.?
        (?=\s*,?\s*(?:\d{{1,2}}[.:]|\d{{1,2}}\s*uhr|\d{{1,2}}\s*[-–]\s*\d)))
    """,
    re.IGNORECASE | re.VERBOSE,
)


_TIME = re.compile(
    r"""
    (?P<between>\b(?:from|between|von|zwischen)\s+(?P<bh>\d{1,2})(?::(?P<bm>\d{2}))?\s*
        (?P<bap>[ap]\.?m\.?)?\s+(?:to|and|till|until|bis|und)\s+(?P<beh>\d{1,2})
        (?::\d{2})?\s*(?P<beap>[ap]\.?m\.?|uhr)?)
    | (?P<range>\b(?P<rh>\d{1,2})(?::(?P<rm>\d{2}))?\s*(?P<rsap>[ap]\.?m\.?)?\s*[-–]\s*
        (?P<reh>\d{1,2})(?::\d{2})?\s*(?P<rap>[ap]\.?m\.?|uhr)(?![a-z]))
    | (?P<span>\b(?P<sh>\d{1,2})[:.](?P<sm>[0-5]\d)\s*[-–]\s*\d{1,2}[:.][0-5]\d\b)
    | (?P<clock>\b(?P<h>\d{1,2}):(?P<m>[0-5]\d)(?![\d.]\d)\s*(?P<ap>[ap]\.?m\.?(?![a-z]))?)
    | (?P<dotted>\b(?P<dh>\d{1,2})\.(?P<dm>00|15|30|45)(?![\d.]\d)\s*(?P<dap>[ap]\.?m\.?(?![a-z]))?)
    | (?P<ampm>\b(?P<h2>\d{1,2})\s*(?P<ap2>[ap]\.?m\.?)(?![a-z]))
    | (?P<uhr>\b(?P<h3>\d{1,2})\s*(?:uhr|h)\b)
    | (?P<um>\bum\s+(?P<h4>\d{1,2})\b(?![.:\d]))
    | (?P<noon>\bnoon\b|\bmittags?\b)
    """,
    re.IGNORECASE | re.VERBOSE,
)


# A meeting starts in the day: a time outside these hours is a misreading, not an offer.
EARLIEST, LATEST = 6, 22


_UNKNOWN_ZONE = re.compile(r"\s*\(?([A-Z]{2,5})\b(?!/)|\s*(\w+) time\b")


_ZONE = re.compile(
    r"\b(" + "|".join(ZONES) + r")\b|\b([A-Z][a-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?)\b",
    re.IGNORECASE,
)


_NEGATIVE = re.compile(
    r"\b(can'?t|cannot|won'?t|not|never|isn'?t|doesn'?t|don'?t|unable|bad|nicht|kein|keine)\b",
    re.IGNORECASE,
)


_NEXT_WEEK = re.compile(r"\b(next week|nächste[rn]? woche|kommende[rn]? woche)\b", re.IGNORECASE)


_NEXT = re.compile(r"\b(next|nächsten|naechsten|kommenden)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class _Token:
    start: int
    kind: str  # "day" or "time"
    value: object


def find_slots(text: str, timezone: str, sent: datetime, max_days: int = 120) -> list[datetime]:
    """Every slot (aware, UTC) in ``text``, in order, without repeats.

    ``timezone``: the writer's zone, used where the text names none; ``sent``: when the mail was
    written (days and weekdays count from there). Slots not after ``sent`` or more than
    ``max_days`` later are dropped (a year misread is worse than a question).
    """
    zone = ZoneInfo(timezone)
    base = sent.astimezone(zone)
    slots: list[datetime] = []
    for line in text.splitlines():
        for day, clock, named_zone in _pairs(line, base):
            local = datetime.combine(
                day, clock, tzinfo=ZoneInfo(named_zone) if named_zone else zone
            )
            if named_zone:
                local = local.astimezone(zone)
            slot = _canonical(local)
            if base < local <= base + timedelta(days=max_days) and slot not in slots:
                slots.append(slot)
    return slots


def _canonical(local: datetime) -> datetime:
    return local.astimezone(UTC)


def _pairs(line: str, base: datetime) -> list[tuple[date, time, str]]:
    """(day, clock, zone named or "") for each clock time that has a day before (or after) it."""
    tokens = _tokens(line, base)
    found: list[tuple[date, time, str]] = []
    pending: list[date] = []  # days named since the last clock time ("Thu or Fri at 3pm")
    last_day: date | None = None
    for i, tok in enumerate(tokens):
        if tok.kind == "day":
            pending.append(tok.value)  # type: ignore[arg-type]
            continue
        clock = tok.value
        assert isinstance(clock, time)
        zone = _zone_after(line, tok.start)
        if not zone and _unknown_zone_after(line, tok.start):
            pending = []
            continue  # "3pm ET": a zone we cannot place; a wrong hour is worse than asking
        if pending:
            days = pending
        elif last_day is not None:
            days = [last_day]  # "Tue 10:00 or 14:00"
        else:
            following = next((t for t in tokens[i + 1 :] if t.kind == "day"), None)
            days = [following.value] if following else []  # type: ignore[list-item]
        found.extend((d, clock, zone) for d in days)
        if days:
            last_day = days[-1]
        pending = []
    return found


def _tokens(line: str, base: datetime) -> list[_Token]:
    tokens: list[_Token] = []
    taken: list[tuple[int, int]] = []
    after_weekday = False
    for m in _DAY.finditer(line):
        day = _day(m, line, base)
        if day is None:
            continue
        is_date = m.lastgroup not in ("weekday", "short", "relative")
        if after_weekday and is_date:
            between = line[taken[-1][1] : m.start()]
            if re.fullmatch(r"[\s,]*(?:den\s*)?", between, re.IGNORECASE):
                # "Tuesday, 8 December": the date says it; the weekday must agree with it.
                weekday = tokens.pop().value
                taken.pop()
                assert isinstance(weekday, date)
                if weekday.weekday() != day.weekday():
                    after_weekday = False
                    continue  # "Thu 12/3" that is a Friday: neither is trusted
        tokens.append(_Token(m.start(), "day", day))
        taken.append(m.span())
        after_weekday = m.lastgroup in ("weekday", "short")
    for m in _TIME.finditer(line):
        if any(a <= m.start() < b for a, b in taken):
            continue
        clock = _clock(m)
        if clock is not None:
            tokens.append(_Token(m.start(), "time", clock))
    return sorted(tokens, key=lambda t: t.start)


def _day(m: re.Match[str], line: str, base: datetime) -> date | None:
    today = base.date()
    kind = m.lastgroup or ""
    word = m.group(0).lower().rstrip(".").strip()
    if kind == "relative":
        return today + timedelta(days=RELATIVE[word])
    if kind in ("weekday", "short"):
        index = WEEKDAYS.get(word, SHORT_DE.get(word, -1))
        ahead = (index - today.weekday()) % 7 or 7  # the same weekday means next week
        if _NEXT.search(line[: m.start()]) and ahead < 2:
            ahead += 7
        if _NEXT_WEEK.search(line):  # "Thursday next week": in the coming calendar week
            return today - timedelta(days=today.weekday()) + timedelta(days=7 + index)
        return today + timedelta(days=ahead)
    if kind == "dotted" and word.count(".") == 1:
        # "3.12." has no year; dateparser needs one, and a date already past means next year.
        day, month = (int(p) for p in word.split("."))
        return _next_date(today, month, day)
    return _explicit(word, base)


def _next_date(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def _explicit(text: str, base: datetime) -> date | None:
    """An explicit date through dateparser, in the writer's date order; a year it invents far
    ahead (a known slip with German dates) is brought back to the next such day."""
    import dateparser  # type: ignore[import-untyped]  # heavy: loaded only when needed

    order = "MDY" if month_first(str(base.tzinfo)) else "DMY"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dateparser's own deprecation warnings
        parsed = dateparser.parse(
            text,
            languages=["en", "de"],
            settings={
                "RELATIVE_BASE": base.replace(tzinfo=None),
                "PREFER_DATES_FROM": "future",
                "DATE_ORDER": order,
                "REQUIRE_PARTS": ["day", "month"],
            },
        )
    if parsed is None:
        return None
    found: date = parsed.date()
    if found.year > base.year + 1:
        return _next_date(base.date(), found.month, found.day)
    return found


def _clock(m: re.Match[str]) -> time | None:
    """The start of the time ``m`` names; None when it is implausible for a meeting."""
    groups = m.groupdict()
    if groups["noon"]:
        return time(12, 0)
    if groups["between"]:  # "from 2 to 3pm": the start takes the end's half of the day
        hour, minute = int(groups["bh"]), int(groups["bm"] or 0)
        ampm = groups["bap"] or _start_half(hour, int(groups["beh"]), groups["beap"])
    elif groups["range"]:  # "11-1pm": 11 is before noon, "2-3pm": 2 is after it
        hour, minute = int(groups["rh"]), int(groups["rm"] or 0)
        ampm = groups["rsap"] or _start_half(hour, int(groups["reh"]), groups["rap"])
    elif groups["span"]:  # "15:00–15:30": the meeting starts at the first
        hour, minute, ampm = int(groups["sh"]), int(groups["sm"]), None
    elif groups["clock"]:
        hour, minute, ampm = int(groups["h"]), int(groups["m"]), groups["ap"]
    elif groups["dotted"]:  # "15.00", "10.30": only quarter hours, so "room 4.12" is no time
        hour, minute, ampm = int(groups["dh"]), int(groups["dm"]), groups["dap"]
    elif groups["ampm"]:
        hour, minute, ampm = int(groups["h2"]), 0, groups["ap2"]
    elif groups["uhr"]:
        hour, minute, ampm = int(groups["h3"]), 0, None
    else:
        hour, minute, ampm = int(groups["h4"]), 0, None
    if ampm and ampm.lower() != "uhr":
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
    if not EARLIEST <= hour <= LATEST or minute > 59:
        return None
    return time(hour, minute)


def _start_half(start: int, end: int, end_half: str | None) -> str | None:
    """am/pm of a range's start from its end's: "11-1pm" starts at 11am, "2-4pm" at 2pm."""
    if not end_half or end_half.lower() == "uhr":
        return None
    if end_half.lower().startswith("p") and start % 12 > end % 12:
        return "am"
    return end_half


def _unknown_zone_after(line: str, start: int) -> bool:
    """A zone-like word right after the time ("3pm ET", "3pm London time") that we cannot place."""
    found = _TIME.match(line, start)
    if found is None:
        return False
    m = _UNKNOWN_ZONE.match(line, found.end())
    if m is None:
        return False
    word = (m.group(1) or m.group(2) or "").lower()
    return word not in ZONES and word not in ("am", "pm", "uhr", "ok")


def _zone_after(line: str, start: int) -> str:
    """A zone named right after a clock time ("15:00 CET", "3pm Europe/London"), or ""."""
    m = _ZONE.search(line, start, start + 40)
    if m is None or not _TIME.match(line, start):
        return ""
    end = _TIME.match(line, start).end()  # type: ignore[union-attr]
    if line[end : m.start()].strip(" ,()"):
        return ""
    if m.group(1):
        return ZONES[m.group(1).lower()]
    try:
        ZoneInfo(m.group(2))
    except (KeyError, ValueError):
        return ""
    return m.group(2)


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
