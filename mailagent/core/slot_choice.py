"""PURE: which of the offered times a guest's reply picks ("2", "the second",
"Tuesday works"), or that none fits; never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from mailagent.core import reply_phrases as say
from mailagent.core.time_words import WEEKDAY_WORDS, WEEKDAYS
from mailagent.core.times import find_slots, without_negated

NONE_FITS = -1


_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "erste": 1,
    "ersten": 1,
    "zweite": 2,
    "zweiten": 2,
    "dritte": 3,
    "dritten": 3,
    "vierte": 4,
    "fünfte": 5,
}


_NONE = re.compile(
    r"\b(none of (them|these|those)|neither|no time (fits|works)|"
    r"(doesn't|does not|don't|do not) (work|suit|fit)|can't make (any|either)|"
    r"keine?r? (der|davon|passt)|passt (mir )?(leider )?nicht|geht (bei mir )?(leider )?nicht)",
    re.IGNORECASE,
)


def pick_slot(text: str, slots: Sequence[datetime], timezone: str, sent: datetime) -> int | None:
    """Which of the offered ``slots`` a guest's reply picks: its index, NONE_FITS, or None when
    the reply does not say (it is then asked once more, never guessed)."""
    head = "\n".join(line for line in text.splitlines()[:8] if line.strip())[:400]
    low = "\n".join(without_negated(line) for line in head.lower().splitlines())
    # A digit that is a clock time ("2 pm on Tuesday", "2 Uhr") is no option number.
    not_clock = r"\b(?![.:]\d)(?!\s*(?:[ap]\.?m|uhr|h\b|o'?clock))"
    number = re.match(rf"\s*(\d){not_clock}", low) or re.search(
        rf"\b(?:option|nr\.?|no\.?|number|nummer|#)\s*(\d){not_clock}", low
    )
    if number and 1 <= int(number.group(1)) <= len(slots):
        return int(number.group(1)) - 1
    for word, n in _ORDINALS.items():
        if re.search(rf"\b{word}\b", low) and n <= len(slots):
            return n - 1
    zone = ZoneInfo(timezone)
    written = find_slots(low, timezone, sent)
    same = [i for i, s in enumerate(slots) if s in written]
    if len(same) == 1:
        return same[0]
    days = {WEEKDAYS[w] for w in re.findall(rf"\b({WEEKDAY_WORDS})\b", low)}
    on_day = [i for i, s in enumerate(slots) if s.astimezone(zone).weekday() in days]
    if len(on_day) == 1:
        return on_day[0]
    if _NONE.search(head):
        return NONE_FITS
    return None


# An ordinal picks a time only as a pick: "the first one", "second slot works", "2nd please";
# "check with Legal first" or "bis letzten Monat" picks nothing.
_PICKED = (
    r"(?=\s*(?:one|slot|time|option|suggestion|proposal|date|works|is fine|is good|please|"
    r"termin|vorschlag|zeit|option|passt|geht|bitte|ist gut|\W*$))"
)


def _pick_phrase(low: str, pattern: re.Pattern[str]) -> bool:
    return any(re.match(_PICKED, low[m.end() :]) for m in pattern.finditer(low))


def pick_offered(
    text: str, offered: Sequence[datetime], timezone: str, first_line: str = ""
) -> int | str | None:
    """Which of the times a brief offered a manager's words pick: an index; "all" for "any of
    them"; "unclear" for a yes that could mean several ("Yes, that works" to three times) or a
    pick that names none of them; None when the words pick nothing.

    ``text`` should hold only the positive clauses (negated ones blanked).
    """
    low = " ".join(text.split()).casefold()
    if not offered or not low:
        return None
    if say.ALL_OFFERED.search(low):
        return "all"
    number = say.OPTION_NUMBER.search(low) or re.fullmatch(
        r"\W*(\d)\W*(?:(?:works|is fine|passt|please|bitte|ok)\W*)?", first_line.strip().casefold()
    )
    if number:
        n = int(number.group(1))
        return n - 1 if 1 <= n <= len(offered) else "unclear"
    several = re.search(r"\b([1-9])\s*(?:or|and|oder|und|,|/|&)\s*([1-9])\b", low)
    if several and re.fullmatch(r"\W*\d\W.*", first_line.strip()):
        return "unclear"  # "1 or 3, tuesday is full": a choice of two, asked about
    ordinals = {n for word, n in say.ORDINALS.items() if re.search(rf"\b{word}\b{_PICKED}", low)}
    later = say.LATER.search(low) if _pick_phrase(low, say.LATER) else None
    earlier = say.EARLIER.search(low) if _pick_phrase(low, say.EARLIER) else None
    # "the later one" compares two; among three it is a guess ("the last one" is not).
    if later and len(offered) > 2 and not later.group(1).startswith(("last", "letzt")):
        return "unclear"
    if earlier and len(offered) > 2:
        return "unclear"
    picks = set(ordinals) | ({len(offered)} if later else set()) | ({1} if earlier else set())
    if len(picks) == 1:
        n = picks.pop()
        return n - 1 if n <= len(offered) else "unclear"
    if len(picks) > 1:
        return "unclear"
    zone = ZoneInfo(timezone)
    days = {WEEKDAYS[w] for w in re.findall(rf"\b({WEEKDAY_WORDS})(?:'s|s)?\b", low)}
    if days:
        on_day = [i for i, s in enumerate(offered) if s.astimezone(zone).weekday() in days]
        if len(on_day) == 1:
            return on_day[0]
        return "unclear"
    if say.YES_TO_OFFER.search(low):
        return 0 if len(offered) == 1 else "unclear"
    return None
