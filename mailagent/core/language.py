"""PURE: which language a guest writes in.

Lingua (``lingua-language-detector``), restricted to the languages the firm ships templates
for, reads each sentence of the guest's own text (quoted history, attribution lines, signatures
and forwarded mail removed). A sentence counts only when Lingua is confident about it, and a
language wins only with enough words and a clear majority of the confident ones: short, mixed or
unclear text gives the caller's default. A name with an umlaut or a German disclaimer under an
English mail does not make it German.

Lingua loads its models for a language the first time it reads text in it (about 0.6 s for
English and German together), so commands that never read a guest's words never pay for them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lingua import LanguageDetector

#: A sentence counts for a language only when Lingua gives it at least this confidence.
SENTENCE_CONFIDENCE = 0.75
#: The winner needs at least this many words in confident sentences ...
MIN_WORDS = 3
#: ... and at least this share of all words in confident sentences.
MAJORITY = 2 / 3

_WORD_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")
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


def detect_language(text: str, supported: Sequence[str] = ("en", "de"), default: str = "en") -> str:
    """The language of ``text`` among ``supported`` (ISO 639-1 codes such as "en", "de"), else
    ``default``.

    Contract:

    - only the guest's own text is read (see :func:`own_text`: quoted ``>`` lines, the
      attribution line above them, signatures and forwarded history are ignored);
    - returns a code from ``supported`` only when its confident sentences hold at least
      ``MIN_WORDS`` words and at least ``MAJORITY`` of the words of all confident sentences;
      otherwise ``default``, returned as given (it need not be in ``supported``);
    - a code Lingua does not know is never returned (except as ``default``);
    - never raises for any string; empty or very short text gives ``default``.
    """
    detector = _detector(tuple(sorted(set(supported))))
    if detector is None:
        return default
    words: Counter[str] = Counter()
    for sentence in _SENTENCE_RE.split(own_text(text)):
        count = len(_WORD_RE.findall(sentence))
        if not count:
            continue
        best = detector.compute_language_confidence_values(sentence)[0]
        if best.value >= SENTENCE_CONFIDENCE:
            words[best.language.iso_code_639_1.name.lower()] += count
    if not words:
        return default
    language, count = words.most_common(1)[0]
    if count < MIN_WORDS or count < MAJORITY * sum(words.values()):
        return default
    return language


def load_models(supported: Sequence[str]) -> None:
    """Load the models that :func:`detect_language` over ``supported`` needs now, once per
    process (about 0.3 s), rather than while reading some mail."""
    _detector(tuple(sorted(set(supported))))


@cache
def _detector(codes: tuple[str, ...]) -> LanguageDetector | None:
    """One detector per set of languages, its models loaded as it is built: loaded on first
    use instead, they load in pieces as texts need them, so the time they take would fall
    inside the reading of whichever mail came first."""
    from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

    known = []
    for code in codes:
        try:
            known.append(Language.from_iso_code_639_1(IsoCode639_1.from_str(code)))
        except ValueError:
            continue  # a language Lingua does not know is never detected
    if len(known) < 2:
        # One candidate is no choice: with only "en" supported every text is the default.
        return None
    return LanguageDetectorBuilder.from_languages(*known).with_preloaded_language_models().build()
