"""PURE: the words of days and clock times, in English and German, as people write them.

:func:`days_in` finds the days a line names ("Thursday", "Do 3.12.", "the 14th", "tomorrow",
"nächsten Montag") and :func:`clocks_in` the clock times ("3pm", "15:00", "15 Uhr", "at 3",
"halb drei", "2-2:30"). A word that could mean two things is found but marked unclear, so the
reader can ask instead of guessing: "at 3" is 3am or 3pm until the writer's office hours decide,
"next Friday" said on a Tuesday may be this week's or next week's.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

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
_ENGLISH_VERB_BEFORE = re.compile(
    r"\b(?:i|we|you|they|can|could|will|would|should|to|'ll|cannot|can't|let's|lets|also)\s*$",
    re.IGNORECASE,
)
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
_DAY = re.compile(
    rf"""
    (?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)
    | (?P<dotted>\b\d{{1,2}}\.\d{{1,2}}\.(?:\d{{4}}|\d{{2}}(?!\d))?)(?![\d:])
    | (?P<slashed>\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b)
    | (?P<named>\b\d{{1,2}}(?:st|nd|rd|th|\.)?\s*(?:of\s+)?(?:{MONTHS})\b\.?(?:\s+\d{{4}})?
        | \b(?:{MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?)
    | (?P<ordinal>\b(?:the\s+)?(?P<od>\d{{1,2}})(?:st|nd|rd|th)\b
        | \b(?:am|den)\s+(?P<gd>\d{{1,2}})\.(?![\d.]))
    | (?P<relative>\bday\ after\ tomorrow\b|\btomorrow\b|\btoday\b|\bheute\b|
        \b(?<!guten\ )morgen\b|\bübermorgen\b|\buebermorgen\b)
    | (?P<weekday>\b(?:{WEEKDAY_WORDS})s?\b\.?)
    | (?P<short>\b(?:mo|di|mi|do|fr|sa|so)\b\.?
        (?=\s*,?\s*(?:\d{{1,2}}[.:]|\d{{1,2}}\s*uhr|\d{{1,2}}\s*[-–]\s*\d|um\s|ab\s|halb\s|viertel\s)))
    """,
    re.IGNORECASE | re.VERBOSE,
)
_AP = r"[ap]\.?\s?m\.?(?![a-z])"
# "um 10 am Donnerstag": German "am" is "on", not "a.m.".
_GERMAN_AM = re.compile(r"\b(?:um|gegen|ab)\s+\d{1,2}\s+am\s", re.IGNORECASE)
_TIME = re.compile(
    rf"""
    (?P<between>\b(?:from|between|von|zwischen)\s+(?P<bh>\d{{1,2}})(?::(?P<bm>\d{{2}}))?\s*
        (?P<bap>{_AP})?\s+(?:to|and|till|until|bis|und)\s+(?P<beh>\d{{1,2}})
        (?::\d{{2}})?\s*(?P<beap>{_AP}|uhr)?)
    | (?P<range>\b(?P<rh>\d{{1,2}})(?::(?P<rm>\d{{2}}))?\s*(?P<rsap>{_AP})?\s*[-–]\s*
        (?P<reh>\d{{1,2}})(?::\d{{2}})?\s*(?P<rap>{_AP}|uhr))
    | (?P<span>\b(?P<sh>\d{{1,2}})(?:[:.](?P<sm>[0-5]\d))?\s*[-–]\s*\d{{1,2}}[:.][0-5]\d\b)
    | (?P<clock>\b(?P<h>\d{{1,2}}):(?P<m>[0-5]\d)(?![\d.]\d)\s*(?P<ap>{_AP})?)
    | (?P<dotted>\b(?P<dh>\d{{1,2}})\.(?P<dm>00|15|30|45)(?![\d.]\d)\s*(?P<dap>{_AP})?)
    | (?P<ampm>\b(?P<h2>\d{{1,2}})\s*(?P<ap2>{_AP}))
    | (?P<uhr>\b(?P<h3>\d{{1,2}})\s*(?:uhr|h)\b)
    | (?P<half>\bhalb\s+(?P<hh>\w+)\b)
    | (?P<quarter>\bviertel\s+(?P<qw>nach|vor)\s+(?P<qh>\w+)\b)
    | (?P<at>\b(?:at|around|um|gegen|ab)\s+(?P<h4>\d{{1,2}})\b
        (?![.:]\d|\s*(?:st|nd|rd|th|[ap]\.?\s?m|uhr|h)\b|\s*[-–]\s*\d))
    | (?P<noon>\bnoon\b|\bmittags?\b|\b12\s*mittags\b)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_NUMBER_WORDS = {
    "eins": 1, "ein": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "fuenf": 5, "sechs": 6,
    "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12, "zwoelf": 12,
}  # fmt: skip
# A meeting starts in the day: a time outside these hours is a misreading, not an offer.
EARLIEST, LATEST = 6, 22
_NEXT_WEEK = re.compile(r"\b(next week|nächste[rn]? woche|kommende[rn]? woche)\b", re.IGNORECASE)
_NEXT = re.compile(r"\b(next|nächsten|naechsten|kommenden)\s+$", re.IGNORECASE)


@dataclass(frozen=True)
class Day:
    start: int
    end: int
    day: date
    unclear: bool = False
    weekday_only: bool = False  # "Thursday" rather than a date


@dataclass(frozen=True)
class Clock:
    """A clock time. ``hours``: the readings it allows (one, or 3am and 3pm for "at 3")."""

    start: int
    end: int
    hours: tuple[int, ...]
    minute: int

    def reading(self, office: tuple[time, time] | None, minutes: int = 30) -> time | None:
        """The one reading: the only one, or the only one a meeting of ``minutes`` fits
        into ``office`` hours; None when that does not decide."""
        if len(self.hours) == 1:
            return time(self.hours[0], self.minute)
        if office is None:
            plausible = [h for h in self.hours if EARLIEST <= h <= LATEST]
            return time(plausible[0], self.minute) if len(plausible) == 1 else None
        start, end = office
        fits = [
            h
            for h in self.hours
            if start <= time(h, self.minute)
            and (h * 60 + self.minute + minutes) <= end.hour * 60 + end.minute
        ]
        return time(fits[0], self.minute) if len(fits) == 1 else None


def days_in(line: str, base: datetime) -> list[Day]:
    """Every day ``line`` names, relative to ``base`` (the writer's local time of writing)."""
    found: list[Day] = []
    after_weekday = False
    for m in _DAY.finditer(line):
        if m.lastgroup == "short" and _ENGLISH_VERB_BEFORE.search(line[: m.start()]):
            continue  # "I can do 3-3:30 on Wednesday": "do" is the verb, not Donnerstag
        day = _day(m, line, base)
        if day is None:
            continue
        is_date = m.lastgroup not in ("weekday", "short", "relative")
        if after_weekday and is_date:
            between = line[found[-1].end : m.start()]
            if re.fullmatch(r"[\s,]*(?:den\s*|the\s*)?", between, re.IGNORECASE):
                # "Tuesday, 8 December": the date says it; the weekday must agree with it.
                weekday = found.pop()
                if weekday.day.weekday() != day.day.weekday():
                    after_weekday = False
                    continue  # "Thu 12/3" that is a Friday: neither is trusted
                day = Day(weekday.start, day.end, day.day, day.unclear)
        found.append(day)
        after_weekday = m.lastgroup in ("weekday", "short")
    return found


def clocks_in(line: str, taken: list[tuple[int, int]]) -> list[Clock]:
    """Every clock time in ``line`` outside the ``taken`` spans (where days were found)."""
    found = []
    for m in _TIME.finditer(line):
        if any(a <= m.start() < b for a, b in taken):
            continue
        clock = _clock(m)
        if clock is not None:
            found.append(clock)
    return found


def clock_at(line: str, start: int) -> re.Match[str] | None:
    return _TIME.match(line, start)


def _day(m: re.Match[str], line: str, base: datetime) -> Day | None:
    today = base.date()
    kind = m.lastgroup or ""
    word = m.group(0).lower().rstrip(".").strip()
    start, end = m.span()
    if kind == "relative":
        return Day(start, end, today + timedelta(days=RELATIVE[word]))
    if kind in ("weekday", "short"):
        name = word.rstrip(".")
        index = WEEKDAYS.get(name, WEEKDAYS.get(name[:-1], SHORT_DE.get(name, -1)))
        if index < 0:
            return None
        ahead = (index - today.weekday()) % 7 or 7  # the same weekday means next week
        if _NEXT_WEEK.search(line):  # "Thursday next week": in the coming calendar week
            day = today - timedelta(days=today.weekday()) + timedelta(days=7 + index)
            return Day(start, end, day, weekday_only=True)
        unclear = False
        if _NEXT.search(line[:start]) and ahead < 7 - today.weekday():
            # "next Friday" said on a Tuesday: this Friday or the one after? Ask.
            unclear = True
        return Day(start, end, today + timedelta(days=ahead), unclear, weekday_only=True)
    if kind == "ordinal":
        number = int(m.group("od") or m.group("gd"))
        numbered = _next_day_numbered(today, number)
        return Day(start, end, numbered) if numbered else None
    if kind == "dotted" and word.count(".") == 1:
        # "3.12." has no year; dateparser needs one, and a date already past means next year.
        day_of, month = (int(p) for p in word.split("."))
        found = _next_date(today, month, day_of)
        return Day(start, end, found) if found else None
    found = _explicit(word, base)
    return Day(start, end, found) if found else None


def _next_day_numbered(today: date, number: int) -> date | None:
    """ "the 14th": the next day of that number, this month or the next."""
    for months in range(3):
        year, month = divmod(today.month - 1 + months, 12)
        try:
            candidate = date(today.year + year, month + 1, number)
        except ValueError:
            continue
        if candidate >= today:
            return candidate
    return None


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


def _clock(m: re.Match[str]) -> Clock | None:
    """The start of the time ``m`` names; None when it is implausible for a meeting."""
    g = m.groupdict()
    start, end = m.span()
    if g["noon"]:
        return Clock(start, end, (12,), 0)
    ampm: str | None
    bare = False  # a number that could be either half of the day
    if g["between"]:  # "from 2 to 3pm": the start takes the end's half of the day
        hour, minute = int(g["bh"]), int(g["bm"] or 0)
        ampm = g["bap"] or _start_half(hour, int(g["beh"]), g["beap"])
        bare = ampm is None
    elif g["range"]:  # "11-1pm": 11 is before noon, "2-3pm": 2 is after it
        hour, minute = int(g["rh"]), int(g["rm"] or 0)
        ampm = g["rsap"] or _start_half(hour, int(g["reh"]), g["rap"])
    elif g["span"]:  # "15:00–15:30", "2-2:30": the meeting starts at the first
        hour, minute, ampm = int(g["sh"]), int(g["sm"] or 0), None
        bare = hour <= 7
    elif g["clock"]:
        hour, minute, ampm = int(g["h"]), int(g["m"]), g["ap"]
        bare = ampm is None and 1 <= hour <= 7  # "3:00" is 3pm to most, 03:00 to nobody
    elif g["dotted"]:  # "15.00", "10.30": only quarter hours, so "room 4.12" is no time
        hour, minute, ampm = int(g["dh"]), int(g["dm"]), g["dap"]
        bare = ampm is None and 1 <= hour <= 7
    elif g["ampm"]:
        hour, minute, ampm = int(g["h2"]), 0, g["ap2"]
        if _GERMAN_AM.match(m.string, max(0, start - 6), end + 1) or _GERMAN_AM.search(
            m.string[max(0, start - 6) : end + 1]
        ):
            ampm, bare = None, 1 <= hour <= 12
    elif g["uhr"]:
        hour, minute, ampm = int(g["h3"]), 0, None
        bare = 1 <= hour <= 7  # "3 Uhr" said of a meeting is 15 Uhr
    elif g["half"] or g["quarter"]:
        return _german_fraction(m, start, end)
    else:  # "at 3", "um 3", "gegen 10"
        hour, minute, ampm = int(g["h4"]), 0, None
        bare = 1 <= hour <= 12
    if ampm and ampm.lower() != "uhr":
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm.lower().startswith("p") else 0)
        bare = False
    if minute > 59:
        return None
    if bare:
        # Both readings stay: the writer's office hours (or plausibility) decide.
        hours = tuple(h for h in (hour, hour + 12) if h < 24)
        return (
            Clock(start, end, hours, minute)
            if any(EARLIEST <= h <= LATEST for h in hours)
            else None
        )
    if not EARLIEST <= hour <= LATEST:
        return None
    return Clock(start, end, (hour,), minute)


def _german_fraction(m: re.Match[str], start: int, end: int) -> Clock | None:
    """ "halb drei" (2:30), "viertel nach 10" (10:15), "Viertel vor drei" (2:45)."""
    g = m.groupdict()
    word = (g["hh"] or g["qh"] or "").lower()
    hour = int(word) if word.isdigit() else _NUMBER_WORDS.get(word)
    if hour is None or not 1 <= hour <= 24:
        return None
    if g["half"]:
        hour, minute = hour - 1, 30
    elif g["qw"].lower() == "nach":
        minute = 15
    else:
        hour, minute = hour - 1, 45
    hours = (hour,) if hour > 12 else (hour, hour + 12)
    return Clock(start, end, hours, minute) if any(EARLIEST <= h <= LATEST for h in hours) else None


def _start_half(start: int, end: int, end_half: str | None) -> str | None:
    """am/pm of a range's start from its end's: "11-1pm" starts at 11am, "2-4pm" at 2pm."""
    if not end_half or end_half.lower() == "uhr":
        return None
    if end_half.lower().startswith("p") and start % 12 > end % 12:
        return "am"
    return end_half
