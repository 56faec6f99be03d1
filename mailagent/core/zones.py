"""PURE: the time zone a guest states in their own words ("CET", "UTC+2", "London time",
"Europe/Berlin"), as an IANA name; nothing when they state none or it cannot be placed.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping
from functools import cache

from mailagent.core.language import own_text

_NOT_LETTER_BEFORE = r"(?<![^\W\d_])"


_NOT_LETTER_AFTER = r"(?![^\W\d_])"


#: Abbreviations -> zone. Matched as whole words in any case, except ``UPPER_ONLY`` ones.
ABBREVIATIONS: Mapping[str, str] = {
    "UTC": "UTC",
    "GMT": "Europe/London",
    "BST": "Europe/London",
    "CET": "Europe/Berlin",
    "CEST": "Europe/Berlin",
    "MEZ": "Europe/Berlin",
    "MESZ": "Europe/Berlin",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
}


#: Short forms people write after a time ("3pm ET"); upper case only, like ``UPPER_ONLY``.
SHORT_FORMS: Mapping[str, str] = {
    "ET": "America/New_York",
    "CT": "America/Chicago",
    "MT": "America/Denver",
    "PT": "America/Los_Angeles",
    "UK": "Europe/London",
}

#: Abbreviations that are ordinary words in lower case ("ist" in German, "est" in French).
UPPER_ONLY = frozenset({"IST", "EST"})

#: What :func:`zone_named_at` returns for a zone-like word it cannot place ("3pm AET").
UNKNOWN = "?"
#: ... and for "my time": the writer's own zone, which only the caller knows.
WRITERS = "writer"


#: Spelled-out zone names and city phrases (regular expressions, case-insensitive, whole
#: words). At one position the longest mention wins ("Central European Time" over "Central
#: Time"), so the order here does not matter.
PHRASES: tuple[tuple[str, str], ...] = (
    (r"central europe(?:an)?(?: standard| summer| daylight)? time", "Europe/Berlin"),
    (r"coordinated universal time", "UTC"),
    (r"greenwich mean time|british summer time", "Europe/London"),
    (r"eastern(?: standard| daylight)? time", "America/New_York"),
    (r"central(?: standard| daylight)? time", "America/Chicago"),
    (r"mountain(?: standard| daylight)? time", "America/Denver"),
    (r"pacific(?: standard| daylight)? time", "America/Los_Angeles"),
    (r"india(?:n)? standard time", "Asia/Kolkata"),
    (r"japan(?: standard)? time", "Asia/Tokyo"),
    (r"(?:berlin|german|germany) time|(?:berliner|deutscher|deutsche) zeit", "Europe/Berlin"),
    (r"(?:london|uk|british) time|(?:londoner|britischer) zeit", "Europe/London"),
    (r"(?:new york|nyc) time|new yorker zeit", "America/New_York"),
    (r"(?:paris|french) time", "Europe/Paris"),
    (r"(?:vienna|austrian) time|(?:wiener|österreichischer) zeit", "Europe/Vienna"),
    (r"(?:zurich|zürich|swiss) time|(?:züricher|zürcher|schweizer) zeit", "Europe/Zurich"),
    (r"(?:amsterdam|dutch) time", "Europe/Amsterdam"),
    (r"(?:madrid|spanish) time", "Europe/Madrid"),
    (r"(?:lisbon|portuguese) time", "Europe/Lisbon"),
    (r"(?:chicago) time", "America/Chicago"),
    (r"(?:los angeles|san francisco|california) time", "America/Los_Angeles"),
    (r"(?:toronto) time", "America/Toronto"),
    (r"(?:tokyo) time", "Asia/Tokyo"),
    (r"(?:sydney) time", "Australia/Sydney"),
    (r"(?:singapore) time", "Asia/Singapore"),
    (r"(?:mumbai|delhi|bangalore|bengaluru|india|indian) time", "Asia/Kolkata"),
    (r"eastern|pacific", "?"),  # "3pm Eastern" is common; resolved below
)

# "3pm Eastern", "10am Pacific": the US zones without "time".
_BARE_US = {"eastern": "America/New_York", "pacific": "America/Los_Angeles"}


#: UTC offsets with minutes that have a fixed-offset zone without daylight saving time.
_ODD_OFFSETS: Mapping[tuple[int, int], str] = {
    (3, 30): "Asia/Tehran",
    (4, 30): "Asia/Kabul",
    (5, 30): "Asia/Kolkata",
    (5, 45): "Asia/Kathmandu",
    (6, 30): "Asia/Yangon",
    (9, 30): "Australia/Darwin",
}


_OFFSET_RE = re.compile(
    _NOT_LETTER_BEFORE + r"(?:UTC|GMT)\s?([+\-−–])\s?(\d{1,2})(?::?([0-5]\d))?(?!\d)",
    re.IGNORECASE,
)


_ABBREV_RE = re.compile(
    _NOT_LETTER_BEFORE
    + r"("
    + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")"
    + _NOT_LETTER_AFTER,
    re.IGNORECASE,
)


_PHRASE_RES = tuple(
    (re.compile(r"(?<!\w)(?:" + pattern + r")(?!\w)", re.IGNORECASE), zone)
    for pattern, zone in PHRASES
)


_IANA_RE = re.compile(r"(?<![\w/])([A-Za-z][A-Za-z_]*(?:/[A-Za-z0-9_+\-]+){1,2})(?![\w/])")


def detect_timezone(text: str) -> str | None:
    """The IANA zone name the guest states in ``text``, or None when none is stated.

    Contract:

    - only the guest's own text is read (quoted ``>`` lines etc. are ignored, see
      :func:`own_text`);
    - recognised, as whole words: IANA names ("Europe/Lisbon", any case, validated against the
      system's zone database and returned in its spelling); UTC/GMT offsets ("UTC+2",
      "GMT -05:00") as ``Etc/GMT∓N`` (POSIX sign: UTC+2 is "Etc/GMT-2"), "UTC" for a zero
      offset, a fixed zone for a few half-hour offsets (UTC+5:30 -> Asia/Kolkata), None for
      impossible offsets; ``ABBREVIATIONS`` ("CET" -> Europe/Berlin, plain "UTC" -> "UTC");
      ``PHRASES`` ("Eastern time", "Berlin time", "deutscher Zeit");
    - when several are stated, the first one in the text wins;
    - never raises for any string.
    """
    own = own_text(text)
    found: list[tuple[int, int, str | None]] = []
    for match in _OFFSET_RE.finditer(own):
        found.append((match.start(), match.end(), _offset_zone(*match.groups())))
    for match in _IANA_RE.finditer(own):
        zone = _iana_name(match.group(1))
        if zone is not None:
            found.append((match.start(), match.end(), zone))
    for pattern, zone in _PHRASE_RES:
        for match in pattern.finditer(own):
            found.append((match.start(), match.end(), zone))
    for match in _ABBREV_RE.finditer(own):
        word = match.group(1)
        if word.upper() in UPPER_ONLY and word != word.upper():
            continue
        found.append((match.start(), match.end(), ABBREVIATIONS[word.upper()]))
    # Earliest first; at one position the longest; a mention inside an earlier one (the "GMT" of
    # "GMT+2", the "Time" of "Eastern Time") is part of it, not a mention of its own.
    found.sort(key=lambda item: (item[0], -item[1]))
    covered_until = -1
    for start, end, zone in found:
        if start < covered_until:
            continue
        covered_until = end
        if zone is not None:
            return zone
    return None


_MINE_RE = re.compile(
    r"(?:my|our|local|meiner|meine|unserer|lokaler|hiesiger)(?: own| local| eigenen)? "
    r"(?:time|zeit)\b",
    re.IGNORECASE,
)
_ZONE_LIKE_RE = re.compile(r"\(?([A-Z]{2,5})\b(?![/\w])|([A-Za-z]+) time\b", re.UNICODE)


def zone_named_at(text: str) -> str | None:
    """The zone that ``text`` names at its very start (after spaces, "(" or ","), as people
    write it after a time: "CET", "ET", "UTC+2", "London time", "my time", "Europe/Lisbon".

    Returns an IANA name; ``WRITERS`` for "my time" (the writer's zone); ``UNKNOWN`` for a
    zone-like word that cannot be placed ("3pm AET", "3pm Mars time"); None when no zone is
    named there.
    """
    head = text.lstrip(" \t,(")
    if not head:
        return None
    if _MINE_RE.match(head):
        return WRITERS
    offset = _OFFSET_RE.match(head)
    if offset:
        return _offset_zone(*offset.groups()) or UNKNOWN
    for pattern, zone in _PHRASE_RES:
        found = pattern.match(head)
        if found:
            return _BARE_US.get(found.group(0).lower(), zone) if zone == "?" else zone
    iana = _IANA_RE.match(head)
    if iana and _iana_name(iana.group(1)):
        return _iana_name(iana.group(1))
    word = re.match(r"[A-Za-z]+", head)
    if word:
        token = word.group(0)
        if token.upper() in ABBREVIATIONS and (token.upper() not in UPPER_ONLY or token.isupper()):
            return ABBREVIATIONS[token.upper()]
        if token in SHORT_FORMS:
            return SHORT_FORMS[token]
    like = _ZONE_LIKE_RE.match(head)
    if like and like.group(1) and like.group(1) not in _NOT_ZONES:
        return UNKNOWN
    if like and like.group(2) and like.group(2).lower() not in ("what", "that", "this", "any"):
        return UNKNOWN
    return None


# Capitals that follow a time but name no zone ("3pm OK?", "10:00 ASAP").
_NOT_ZONES = frozenset(
    {"OK", "ASAP", "FYI", "PS", "TBC", "TBD", "CV", "PM", "AM", "NB", "OR", "AND", "BTW", "THX"}
)


def _offset_zone(sign: str, hours_text: str, minutes_text: str | None) -> str | None:
    hours, minutes = int(hours_text), int(minutes_text or 0)
    east = sign == "+"
    if hours == 0 and minutes == 0:
        return "UTC"
    if minutes:
        return _ODD_OFFSETS.get((hours, minutes)) if east else None
    if (east and hours > 14) or (not east and hours > 12):
        return None
    # POSIX convention: Etc/GMT-2 is two hours *east* of Greenwich (UTC+2).
    return f"Etc/GMT{'-' if east else '+'}{hours}"


def _iana_name(candidate: str) -> str | None:
    """``candidate`` (or it without trailing ``-words``, as in "Europe/Berlin-based") as the
    zone database spells it, or None."""
    while True:
        zone = _zone_names().get(candidate.lower())
        if zone is not None:
            return zone
        head, dash, _ = candidate.rpartition("-")
        if not dash or "/" not in head:
            return None
        candidate = head


@cache
def _zone_names() -> dict[str, str]:
    """Lower-case name -> name, for every zone with an area ("Europe/Berlin", "Etc/GMT-2")."""
    try:
        names = zoneinfo.available_timezones()
    except OSError:
        names = set()
    return {name.lower(): name for name in names if "/" in name}
