"""PURE: when a guest says they are free, from their answer to the availability question
("Tuesday and Thursday afternoons CET", "weekdays after 4pm", "Mo-Mi vormittags", "any time
except Fridays").

The reading only narrows which free times of the manager's calendar are offered first; it never
books anything. So it reads what it is sure of and returns None for the rest: an answer with no
day or part of a day in it ("flexible", "whenever suits you") puts no limit on the times.

A window is a set of weekdays and a span of minutes of the day, in the guest's zone. Days named
before a part of the day go with it ("Tuesday and Thursday afternoons"); a part of the day
named first goes with the days after it ("mornings, Tuesday or Wednesday"). Days excluded
("except Fridays", "nicht montags") are taken out of every window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from mailagent.core.time_words import MONTHS, SHORT_DE, WEEKDAY_WORDS, WEEKDAYS

ALL_DAYS = frozenset(range(7))
WORKDAYS = frozenset(range(5))
DAY_START, DAY_END = 8 * 60, 20 * 60  # "after 4pm" ends, "before 11" starts, here

# Parts of the day as people mean them when they arrange a call.
_PARTS = {
    "after lunch": (13 * 60, DAY_END),
    "nach dem mittagessen": (13 * 60, DAY_END),
    "nach der mittagspause": (13 * 60, DAY_END),
    "all day": (DAY_START, DAY_END),
    "the whole day": (DAY_START, DAY_END),
    "ganztag": (DAY_START, DAY_END),
    "ganztägig": (DAY_START, DAY_END),
    "den ganzen tag": (DAY_START, DAY_END),
    "morning": (8 * 60, 12 * 60),
    "vormittag": (8 * 60, 12 * 60),
    "morgens": (8 * 60, 12 * 60),
    "lunch": (12 * 60, 14 * 60),
    "lunchtime": (12 * 60, 14 * 60),
    "mittag": (12 * 60, 14 * 60),
    "mittags": (12 * 60, 14 * 60),
    "afternoon": (12 * 60, 17 * 60),
    "nachmittag": (12 * 60, 17 * 60),
    "evening": (17 * 60, DAY_END),
    "abend": (17 * 60, DAY_END),
    "abends": (17 * 60, DAY_END),
}
_PART_RE = re.compile(
    r"\b(after lunch|nach dem mittagessen|nach der mittagspause|all day|the whole day|"
    r"ganztags|ganztägig|den ganzen tag|mornings?|vormittags?|morgens|lunch(?:time)?|mittags?|"
    r"afternoons?|nachmittags?|evenings?|abends?)\b"
)
_GROUP_RE = re.compile(r"\b(weekdays?|workdays?|werktags|wochentags|unter der woche)\b")
_WEEKEND_RE = re.compile(r"\b(weekends?|am wochenende|wochenenden?)\b")
# German two-letter days alone ("Di und Do ab 15 Uhr"): only two or more joined in a list, or
# one right before a time of day, since "do", "so" and "mo" are English words too.
_SHORT_TOKEN = re.compile(r"\b(mo|di|mi|do|fr|sa|so)\b\.?")
_SHORT_JOIN = re.compile(r"\s*(?:,|/|&|und|oder)\s*$")
_SHORT_CUE = re.compile(
    r"\s+(?:ab|bis|zwischen|von|vormittags?|nachmittags?|abends?|morgens|mittags|\d)"
)
_DAY_RE = re.compile(rf"\b({WEEKDAY_WORDS})(?:s|'s)?\b\.?")
_RANGE_JOIN = r"\s*(?:-|–|to|through|until|till|bis)\s*"
_DAY_RANGE_RE = re.compile(rf"\b({WEEKDAY_WORDS})s?\.?{_RANGE_JOIN}({WEEKDAY_WORDS})s?\b\.?")
# German two-letter days count only in a range ("Mo-Mi", "Di.-Do."): alone they are words.
_SHORT_RANGE_RE = re.compile(
    r"\b(mo|di|mi|do|fr|sa|so)\.?\s*(?:-|–|bis)\s*(mo|di|mi|do|fr|sa|so)\b\.?"
)
_CLOCK = r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|uhr|h)?"
_BETWEEN_RE = re.compile(
    rf"(?:\bbetween\s+|\bzwischen\s+|\bfrom\s+|\bvon\s+)?\b{_CLOCK}"
    rf"\s*(?:-|–|to|and|und|bis|until)\s*{_CLOCK}"
)
_AFTER_RE = re.compile(rf"\b(?:after|from|ab|nach|later than)\s+{_CLOCK}")
_BEFORE_RE = re.compile(rf"\b(?:before|until|till|by|bis|vor|no later than)\s+{_CLOCK}")
# A whole day excluded ("except Fridays", "any day but Monday"); not "except Friday
# afternoon", which excludes less than the day and is left to the guard below.
_EXCLUDE_RE = re.compile(
    rf"\b(?:except(?: on)?|but not(?: on)?|but(?: on)?|not(?: on)?|no|never(?: on)?|"
    rf"außer(?: am)?|ausser(?: am)?|nicht(?: am)?|kein(?:e|en)?)\s+({WEEKDAY_WORDS})(?:s|'s)?\b"
    r"(?!\s*(?:mornings?|afternoons?|evenings?|lunch|vormittags?|nachmittags?|abends?|morgens|"
    r"mittags?|before|after|from|until|ab|bis|vor|nach|von|\d))"
)
# Any other negation or sign of being taken makes a sentence say when the guest is NOT free
# ("not before 10am", "no mornings", "Montags nicht", "I work until 5"): such a sentence is
# not read at all, so it can only widen the choice, never point at the times excluded.
_NEGATION_RE = re.compile(
    r"\b(?:not|no|never|except|but|busy|unavailable|can't|cannot|won't|work|working|"
    r"nicht|kein|keine|keinen|außer|ausser|leider|arbeite|besetzt|belegt)\b|n't\b"
)
# Sentences end at ";", a line break, or ".!?" before a capital letter: "Mo.-Mi.", "13.30" and
# "9 a.m." are no ends.
# A plain answer: "Tuesday and Thursday afternoons CET", "Mo.-Mi. vormittags", "weekdays after
# 4pm Berlin time". Words and numbers counted; past this the answer is not read.
PLAIN_WORDS = 8
_WORD_RE = re.compile(r"[^\W\d_]+|\d+")
# "X or Y" between a part of the day and days names alternatives ("evenings or weekends").
_OR_RE = re.compile(r"\s+(?:or|oder)\s+")
_SENTENCE_RE = re.compile(r"[;\n]+|(?<=[.!?])\s+(?=[A-ZÄÖÜ])")
# A month written next to a range makes it dates ("May 13-15", "3-5 March"), not hours.
_MONTH_BEFORE = re.compile(rf"\b(?:{MONTHS})\.?\s*$")
_MONTH_AFTER = re.compile(rf"\s*(?:{MONTHS})\b")


@dataclass(frozen=True)
class Window:
    days: frozenset[int]
    start: int  # minutes after midnight
    end: int


@dataclass(frozen=True)
class Availability:
    windows: tuple[Window, ...]
    timezone: str

    def fits(self, start: datetime, minutes: int) -> bool:
        """Whether a meeting of ``minutes`` from ``start`` (aware) lies inside a window."""
        local = start.astimezone(ZoneInfo(self.timezone))
        begin = local.hour * 60 + local.minute
        if (local + timedelta(minutes=minutes)).date() != local.date():
            return False
        return any(
            local.weekday() in w.days and w.start <= begin and begin + minutes <= w.end
            for w in self.windows
        )


def read_availability(text: str, timezone: str) -> Availability | None:
    """The windows ``text`` states, in ``timezone`` (the guest's); None when it states none, or
    when it says more than a plain answer (:data:`PLAIN_WORDS`, one sentence) can: a longer
    answer carries reasons, exceptions and plans that words alone are read wrong by (the
    labelled answers in tests/corpus/availability.toml showed it), and the manager sees the
    guest's own words in the brief anyway."""
    own = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))
    sentences = [s for s in _SENTENCE_RE.split(own.replace("’", "'")) if s.strip()]
    if len(sentences) != 1 or len(_WORD_RE.findall(own)) > PLAIN_WORDS:
        return None
    excluded: set[int] = set()
    windows: list[Window] = []
    skipped = False
    for raw in sentences:
        sentence = raw.casefold()
        excluded |= {WEEKDAYS[m.group(1)] for m in _EXCLUDE_RE.finditer(sentence)}
        sentence = _EXCLUDE_RE.sub(" ", sentence)
        if _NEGATION_RE.search(sentence):
            skipped = True
            continue
        windows.extend(_sentence_windows(sentence))
    if not windows and excluded and not skipped:
        windows = [Window(ALL_DAYS, DAY_START, DAY_END)]
    kept = tuple(Window(w.days - excluded, w.start, w.end) for w in windows if w.days - excluded)
    return Availability(kept, timezone) if kept else None


def _sentence_windows(sentence: str) -> list[Window]:
    """Days and spans in the order written, paired as the module docstring says; "or"
    between days alone and a part of the day alone ("evenings or weekends") joins two
    alternatives, not a day and its hours."""
    sides = _OR_RE.split(sentence)
    if len(sides) == 2:
        kinds = [{kind for _, kind, _ in _items(side)} for side in sides]
        if {frozenset(k) for k in kinds} == {frozenset({"days"}), frozenset({"span"})}:
            return [w for side in sides for w in _pair(_items(side))]
    return _pair(_items(sentence))


def _items(sentence: str) -> list[tuple[int, str, object]]:
    items: list[tuple[int, str, object]] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(a < m.end() and m.start() < b for a, b in taken)

    ranges = [
        (m, WEEKDAYS[m.group(1)], WEEKDAYS[m.group(2)]) for m in _DAY_RANGE_RE.finditer(sentence)
    ]
    ranges += [
        (m, SHORT_DE[m.group(1)], SHORT_DE[m.group(2)]) for m in _SHORT_RANGE_RE.finditer(sentence)
    ]
    for m, first, last in ranges:
        week = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        items.append((m.start(), "days", frozenset(week)))
        taken.append(m.span())
    for m in _GROUP_RE.finditer(sentence):
        items.append((m.start(), "days", WORKDAYS))
        taken.append(m.span())
    for m in _WEEKEND_RE.finditer(sentence):
        items.append((m.start(), "days", frozenset({5, 6})))
        taken.append(m.span())
    for m in _short_days(sentence):
        if free(m):
            items.append((m.start(), "days", frozenset({SHORT_DE[m.group(1)]})))
            taken.append(m.span())
    for m in _DAY_RE.finditer(sentence):
        if free(m):
            items.append((m.start(), "days", frozenset({WEEKDAYS[m.group(1)]})))
            taken.append(m.span())
    for m in _BETWEEN_RE.finditer(sentence):
        g = m.groups()
        span = _span(_minutes(g[0], g[1], g[2], g[5]), _minutes(g[3], g[4], g[5]))
        dates = _MONTH_BEFORE.search(sentence[: m.start()]) or _MONTH_AFTER.match(sentence, m.end())
        if span and free(m) and not dates:
            items.append((m.start(), "span", span))
            taken.append(m.span())
    for m in _AFTER_RE.finditer(sentence):
        start = _minutes(*m.groups())
        if free(m) and start is not None and start < DAY_END:
            items.append((m.start(), "span", (start, DAY_END)))
            taken.append(m.span())
    for m in _BEFORE_RE.finditer(sentence):
        end = _minutes(*m.groups())
        if free(m) and end is not None and end > DAY_START:
            items.append((m.start(), "span", (DAY_START, end)))
            taken.append(m.span())
    for m in _PART_RE.finditer(sentence):
        if free(m):
            items.append((m.start(), "span", _PARTS[m.group(1).rstrip("s")]))
    items.sort(key=lambda item: item[0])
    return items


def _short_days(sentence: str) -> list[re.Match[str]]:
    tokens = list(_SHORT_TOKEN.finditer(sentence))
    kept = []
    for i, m in enumerate(tokens):
        after = sentence[m.end() :]
        joined_before = i > 0 and _SHORT_JOIN.match(sentence[tokens[i - 1].end() : m.start()])
        joined_after = i + 1 < len(tokens) and _SHORT_JOIN.match(
            sentence[m.end() : tokens[i + 1].start()]
        )
        if joined_before or joined_after or _SHORT_CUE.match(after):
            kept.append(m)
    return kept


def _pair(items: list[tuple[int, str, object]]) -> list[Window]:
    kinds = [kind for _, kind, _ in items]
    if kinds[:1] == ["span"] and kinds.count("span") > 1 and "days" in kinds:
        # "Mornings on Monday, afternoons on Friday": each part of the day leads its days.
        return _pair_span_first(items)
    windows: list[Window] = []
    days: set[int] = set()
    spans: list[tuple[int, int]] = []
    leading: list[tuple[int, int]] = []  # spans before any day: they wait for the days after
    for _, kind, value in items:
        if kind == "days":
            if spans:  # a new group of days begins
                windows.extend(Window(frozenset(days), a, b) for a, b in spans)
                days, spans = set(), []
            days |= value  # type: ignore[arg-type]
        elif days:
            spans.append(value)  # type: ignore[arg-type]
        else:
            leading.append(value)  # type: ignore[arg-type]
    if days:
        windows.extend(
            Window(frozenset(days), a, b) for a, b in (spans or leading or [(DAY_START, DAY_END)])
        )
        if spans and leading:
            windows.extend(Window(frozenset(days), a, b) for a, b in leading)
    else:
        windows.extend(Window(ALL_DAYS, a, b) for a, b in leading)
    return windows


def _pair_span_first(items: list[tuple[int, str, object]]) -> list[Window]:
    windows: list[Window] = []
    spans: list[tuple[int, int]] = []
    days: set[int] = set()
    for _, kind, value in items:
        if kind == "span":
            if days:
                windows.extend(Window(frozenset(days), a, b) for a, b in spans)
                spans, days = [], set()
            spans.append(value)  # type: ignore[arg-type]
        else:
            days |= value  # type: ignore[arg-type]
    windows.extend(Window(frozenset(days or ALL_DAYS), a, b) for a, b in spans)
    return windows


def _minutes(
    hour: str, minute: str | None, mark: str | None, other_mark: str | None = None
) -> int | None:
    """Minutes after midnight; a bare 1-7 is an afternoon hour ("after 4" means 4pm), and a
    range's first hour takes the second's am/pm ("2-4pm")."""
    h, m = int(hour), int(minute or 0)
    mark = (mark or other_mark or "").replace(".", "")
    if h > 24 or m > 59:
        return None
    if mark == "pm" and h < 12:
        h += 12
    elif mark == "am" and h == 12:
        h = 0
    elif not mark and 1 <= h <= 7:
        h += 12  # "ab 7 Uhr" is seven in the morning: German writes the 24-hour clock
    return h * 60 + m


def _span(start: int | None, end: int | None) -> tuple[int, int] | None:
    if start is None or end is None or end <= start:
        return None
    return (start, end)
