"""PURE: which language a guest writes in, and which time zone they state.

Both readers are transparent heuristics over the guest's own text, stdlib only, no I/O beyond
the system's time zone database (read once, cached).

Language: count stopwords. Each language has a short list of very frequent function words
("the", "and", "und", "nicht", ...) that are *not* ordinary words in the other languages we ship,
plus letters that mark it (umlauts and ß for German). The language with clearly the most hits
wins; too little evidence means the caller's default. To add a language, add its word list to
``STOPWORDS`` (and optionally its letters to ``MARK_LETTERS``) and pass its code in
``supported``. Words that end up in the lists of two supported languages are ignored
automatically, so overlaps ("de" in Spanish and French) cannot tip the balance; false friends that
are only in one list ("was", "will", "am", "an", "im") must be left out by hand.

Time zone: an IANA name written in the text ("Europe/Lisbon"), a UTC/GMT offset ("UTC+2"),
a common abbreviation ("CET", "EST") or a few spelled-out names and city phrases ("Eastern
time", "Berlin time", "deutscher Zeit"). Whole words only.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Mapping, Sequence
from functools import cache

# --- language -----------------------------------------------------------------------------------


#: Function words per language code. Left out on purpose because they are also common words in
#: another shipped language: in, so, also, an, am, im ("im interested"), man, was, will, kind,
#: art, do ("Di/Do" for Tuesday/Thursday). German "die", "war", "bin", "hat" stay: rare in English
#: mail.
def _word_list(words: str) -> frozenset[str]:
    """A word list written as one whitespace-separated string (easy to read and to extend)."""
    return frozenset(words.split())


STOPWORDS: Mapping[str, frozenset[str]] = {
    "en": _word_list(
        """
        the a and or but not of to for from with without at by on about into out up than then
        is are were be been being have has had does did done can could would should shall
        may might must i i'm i've i'd i'll me my mine myself you you're you've your yours we
        we're our ours us they they're their them he she it it's its this that these those
        there here what which who whom whose when where why how if because as very more most
        some any each just only own such too much many other again like hope looking forward
        thank thanks please dear hello regards sincerely best
        """
    ),
    "de": _word_list(
        """
        und oder aber nicht kein keine keinen der die den dem des das dass daß ein eine einen
        einem einer eines ich mich mir mein meine meinen meinem meiner wir uns unser unsere
        ihr ihre ihren ihrem ihnen sie er es ist sind bin war sein seine habe haben hat hatte
        hätte werde werden wird wurde würde würden kann können könnte möchte möchten mit für
        auf aus bei von vom zu zum zur um nach über unter auch noch sehr gerne gern wenn weil
        wie wo welche welcher welches diese dieser dieses dies hier jetzt schon nur seit
        derzeit bereits bitte danke dank vielen herzlichen freundlichen grüße grüßen gruß
        liebe lieber geehrte geehrter hallo herr frau ja nein etwas mehr sich
        """
    ),
    # To add a language: "es": _word_list("el la los las y que ..."), then pass "es" in
    # `supported` (and ship templates/es/ and text.es in the questionnaire).
}

#: Letters that count as one hit each (once per word) for a language when a word contains them
#: and is not already one of its stopwords.
MARK_LETTERS: Mapping[str, str] = {"de": "äöüß"}

MIN_HITS = 3
"""The winner needs at least this many hits ..."""
MARGIN = 2.0
"""... and at least this many times the hits of the runner-up."""

_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SIGNATURE_RE = re.compile(r"^--\s*$")
_SEPARATOR_RE = re.compile(r"^\s*-{3,}\s*[^-\s][^-]*?\s*-{3,}\s*$")  # -----Original Message-----


def own_text(text: str) -> str:
    """The guest's own lines of a mail: without quoted lines (``>``), without the one-line
    attribution right above a quote ("On ... wrote:"), and nothing after a signature delimiter
    (``--``) or a separator such as ``-----Original Message-----``."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _SIGNATURE_RE.match(line) or _SEPARATOR_RE.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        following = next((nxt for nxt in lines[index + 1 :] if nxt.strip()), "")
        if line.rstrip().endswith(":") and following.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def language_hits(text: str, languages: Sequence[str]) -> dict[str, int]:
    """Evidence per language in ``languages``: stopwords found (each occurrence counts) plus
    words with the language's mark letters. Words listed for two of ``languages`` count for
    neither. A language without a word list gets 0. Quoted lines are *not* removed here."""
    lists = {lang: STOPWORDS.get(lang, frozenset()) for lang in dict.fromkeys(languages)}
    hits = dict.fromkeys(lists, 0)
    for word in _WORD_RE.findall(text.replace("’", "'").lower()):
        owners = [lang for lang, words in lists.items() if word in words]
        if len(owners) == 1:
            hits[owners[0]] += 1
            continue
        if owners:
            continue
        for lang in lists:
            letters = MARK_LETTERS.get(lang, "")
            if letters and any(ch in letters for ch in word):
                hits[lang] += 1
    return hits


def detect_language(text: str, supported: Sequence[str] = ("en", "de"), default: str = "en") -> str:
    """The language of ``text`` among ``supported`` (codes such as "en", "de"), else ``default``.

    Contract:

    - only the guest's own text is read (see :func:`own_text`: quoted ``>`` lines, the
      attribution line above them, signatures and forwarded history are ignored);
    - returns a code from ``supported`` only when it has at least ``MIN_HITS`` hits and at least
      ``MARGIN`` times the hits of any other supported language; otherwise ``default``, which is
      returned as given (it need not be in ``supported``);
    - a supported code without a word list in ``STOPWORDS`` is never returned (except as
      ``default``);
    - never raises for any string; empty or very short text gives ``default``.
    """
    if not supported:
        return default
    hits = language_hits(own_text(text), supported)
    ranked = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    best_lang, best = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if best < MIN_HITS or best < MARGIN * runner_up:
        return default
    return best_lang


# --- time zone ----------------------------------------------------------------------------------

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
#: Abbreviations that are ordinary words in lower case ("ist" in German, "est" in French).
UPPER_ONLY = frozenset({"IST", "EST"})

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
    (r"(?:mumbai|delhi|bangalore|bengaluru) time", "Asia/Kolkata"),
)

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
