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
from collections.abc import Mapping, Sequence


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
