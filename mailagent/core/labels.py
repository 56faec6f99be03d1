"""PURE: which question a line of a reply says it answers: by number ("3.", "Q3:", "Frage 3"),
by a label that means the question ("About me:", "Zu meiner Person:", "When I'm free -"), or by
a copy of the question itself ("Who are you? ...").

Labels are matched by meaning, not spelling: each question carries label synonyms in every
shipped language (``labels`` in config/questionnaire.toml) besides its wording, and a label is
compared with all of them after normalisation, with rapidfuzz's fuzzy ratios. A label that fits
two questions about as well fits neither.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice

from rapidfuzz import fuzz

from mailagent.core.reply_text import normal

NUMBER = "number"
LABEL = "label"
ECHO = "echo"

#: A label must fit its question at least this well (0-1) ...
LABEL_MIN = 0.82
#: ... and this much better than any other question.
LABEL_MARGIN = 0.08

_NUMBER_RE = re.compile(
    r"^\s*[*_]*(?:(?:q|question|frage|zu|ad|re|antwort|answer|punkt|point|nr|no|item|part|teil)"
    r"\s*\.?\s*)?[(#]?(\d{1,2})"
    r"(?:\s*[.):]|\s+[-–—]\s|\s*(?=[*_]+\s))[*_]*\s*(.*)$",
    re.IGNORECASE,
)
# A label may follow a connective: "Also zu mir: ...", "So, about me: ...", "And my questions:".
_LABEL_SPLIT_RE = re.compile(
    r"^\s*[*_]*(?:(?:also|so|and|und|now|nun|ok|okay|first|zuerst|erstens),?\s+)?"
    r"([^\W\d_][^:\n]{0,60}?)[*_]*\s*(?::|\s[-–—]\s|\?)\s*(.*)$",
    re.IGNORECASE,
)
_BARE_LABEL_RE = re.compile(r"^\s*[*_#]*\s*([^\W\d_][^.!\n]{0,60}?)\s*[*_]*\s*[:?]?\s*[*_]*\s*$")


@dataclass(frozen=True)
class Asked:
    """A question as the guest saw it.

    ``key`` is stable; ``text`` its wording in the thread's language; ``hints`` words that
    suggest a sentence answers it; ``number`` its number in the whole questionnaire (kept in a
    re-ask; 0: its place among those asked); ``labels`` what people call it, in every shipped
    language; ``texts`` its wording in every shipped language (a guest may quote or copy
    either).
    """

    key: str
    text: str
    hints: tuple[str, ...] = ()
    number: int = 0
    labels: tuple[str, ...] = ()
    texts: tuple[str, ...] = field(default=())

    def names(self) -> tuple[str, ...]:
        """Every normalised way to name this question: labels, the key, each sentence of its
        wording in every language."""
        sentences = [
            s for t in (self.text, *self.texts) for s in re.split(r"(?<=[?.:])\s+", t) if s
        ]
        found = [normal(n) for n in (*self.labels, self.key.replace("_", " "), *sentences)]
        return tuple(dict.fromkeys(n for n in found if n))

    def wordings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(normal(t) for t in (self.text, *self.texts) if t))


@dataclass(frozen=True)
class Marker:
    """``scores``: question key -> how sure (0-1) the line names it; ``rest``: the text after
    the marker on the same line (often the start of the answer)."""

    kind: str
    scores: dict[str, float]
    rest: str
    number: int = 0

    def best(self) -> tuple[str, float]:
        ranked = sorted(self.scores.items(), key=lambda kv: kv[1], reverse=True)
        if not ranked:
            return "", 0.0
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        key, score = ranked[0]
        if score == 1.0 and second < 1.0:
            return key, score  # the label exactly as configured
        return (key, score) if score - second >= LABEL_MARGIN else ("", 0.0)


_ORDINALS = {
    **dict.fromkeys(("first", "firstly", "erste", "ersten", "erster", "erstens"), 1),
    **dict.fromkeys(("second", "secondly", "zweite", "zweiten", "zweiter", "zweitens"), 2),
    **dict.fromkeys(("third", "thirdly", "dritte", "dritten", "dritter", "drittens"), 3),
    **dict.fromkeys(("fourth", "fourthly", "vierte", "vierten", "vierter", "viertens"), 4),
    **dict.fromkeys(("fifth", "fifthly", "fünfte", "fünften", "fünfter", "fünftens"), 5),
}
# "Zur ersten Frage:", "Drittens ...", "Was die vierte Frage angeht:", "For the second
# question:", "Thirdly, ...": an answer named by the question's place.
_ORDINAL_WORDS = "|".join(sorted(_ORDINALS, key=len, reverse=True))
_ORDINAL_RE = re.compile(
    # "Drittens würde ich ...", "Secondly, ...": an adverb of order before the answer;
    r"^\s*[*_]*(?:(?:und|and)\s+)?((?:first|second|third|fourth|fifth)ly|(?:erst|zweit|dritt|"
    r"viert|fünft)ens)[*_]*,?\s+(\S.*)$|"
    # "Zur ersten Frage: ...", "Was die vierte Frage angeht: ...", "Second: ...": the place,
    # then a colon, comma or dash (so "Erste Eindrücke ..." is no number).
    r"^\s*[*_]*(?:(?:und|and)\s+)?(?:(?:zur|zum|zu|für die|to the|for the|regarding the|"
    r"as for the|on the|was die)\s+)?(" + _ORDINAL_WORDS + r")(?:\s+(?:frage|question|punkt|"
    r"point))?(?:\s+angeht)?[*_]*\s*[:,\-–—]\s*(\S.*)$",
    re.IGNORECASE,
)


def number_marker(line: str, asked: Sequence[Asked]) -> Marker | None:
    """ "3. ...", "3) ...", "(3) ...", "Q3: ...", "Frage 3: ...", "Zur dritten Frage: ...",
    "Thirdly, ..." at the start of ``line``."""
    ordinal = _ORDINAL_RE.match(line)
    if ordinal is not None:
        word, rest = ordinal.group(1, 2) if ordinal.group(1) else ordinal.group(3, 4)
        number = _ORDINALS[word.casefold()]
        scores = {q.key: 0.95 for i, q in enumerate(asked, 1) if (q.number or i) == number}
        return Marker(NUMBER, scores, rest.strip(), number)
    m = _numbered(line)
    if m is None:
        return None
    number = int(m.group(1))
    scores = {q.key: 0.95 for i, q in enumerate(asked, 1) if (q.number or i) == number}
    return Marker(NUMBER, scores, m.group(2).strip(), number)


def without_number(text: str) -> str:
    """``text`` without the question numbers its first line starts with ("3. ...", "Zu 4:
    ...", both: "4. Zu 4: ..."); a time or a figure ("10:00 on Tuesdays", "1.5 years") stays."""
    first, sep, rest = text.partition("\n")
    for _ in range(2):
        m = _numbered(first)
        if m is None:
            break
        first = m.group(2).strip()
    return first + sep + rest


def _numbered(line: str) -> re.Match[str] | None:
    m = _NUMBER_RE.match(line)
    if m is None:
        return None
    if not 1 <= int(m.group(1)) <= 20 or re.match(
        r"\s*(?:[:.]\d|\d|h\b|uhr|am\b|pm\b)", line[m.end(1) :]
    ):
        return None  # "10:00 works", "3pm", "15 Uhr", "1.5 years": a time or figure
    return m


def label_marker(line: str, asked: Sequence[Asked]) -> Marker | None:
    """ "About me: ...", "**When I'm free**", "Meine Fragen -" at the start of ``line``, or a
    copy of a question's wording (then ``kind`` is ECHO)."""
    echo = _echo(line, asked)
    if echo is not None:
        return echo
    m = _LABEL_SPLIT_RE.match(line)
    # A label is one phrase: "Thanks for the questions. My answers:" is two sentences.
    if m is not None and len(m.group(1).split()) <= 8 and not re.search(r"[.!?]\s", m.group(1)):
        scores = label_scores(m.group(1), asked)
        if max(scores.values(), default=0.0) >= LABEL_MIN:
            return Marker(LABEL, scores, m.group(2).strip())
    m = _BARE_LABEL_RE.match(line)
    # A label alone on its line is short and has no clause in it ("Ich möchte erfahren, wie
    # ..." starts an answer).
    if m is not None and len(m.group(1).split()) <= 6 and "," not in m.group(1):
        scores = label_scores(m.group(1), asked)
        if max(scores.values(), default=0.0) >= LABEL_MIN:
            return Marker(LABEL, scores, "")
    return None


def leading_label(sentence: str, asked: Sequence[Asked]) -> str:
    """The question a sentence names in its first words without a colon ("In return I could
    ...", "Zeitlich passt es mir ..."): a configured label, exactly, as its first two to five
    words (one word only if it is a long one, like "zeitlich"); or ""."""
    tokens = sentence.split()
    about = _ABOUT_RE.match(normal(" ".join(tokens[:4])))
    if about:
        tokens = tokens[len(about.group(0).split()) :]
    for n in range(min(5, len(tokens) - 1), 0, -1):
        if n == 1 and len(normal(tokens[0])) <= 6 and not about:
            break  # "Time is short" is no label; "As for timing, ..." is
        exact = [k for k, v in label_scores(" ".join(tokens[:n]), asked).items() if v == 1.0]
        if len(exact) == 1:
            return exact[0]
    return ""


# "My questions would be:", "Meine Fragen wären:": the verb adds nothing to the label.
_COPULA_RE = re.compile(
    r"\s+(?:would be|are|is|were|are as follows|would be the following|wären|sind|lauten|"
    r"wäre|ist)$"
)
# "As for timing, ...", "Regarding my availability: ...": a lead-in before the label.
_ABOUT_RE = re.compile(
    r"^(?:as for|as to|as regards|regarding|concerning|in terms of|with regard to|re|on|"
    r"bezüglich|betreffend|zum thema|hinsichtlich)\s+"
)


def label_scores(label: str, asked: Sequence[Asked]) -> dict[str, float]:
    """How well ``label`` names each question (0-1)."""
    wanted = _ABOUT_RE.sub("", _COPULA_RE.sub("", normal(label)))
    if not wanted:
        return {}
    return {q.key: max((_fit(wanted, name) for name in q.names()), default=0.0) for q in asked}


def _fit(label: str, name: str) -> float:
    if label == name:
        return 1.0
    score = fuzz.ratio(label, name) / 100
    # A two-word name ("for you", "my view") inside a longer label says little.
    if len(name.split()) >= 3 and len(label.split()) >= 2:
        # "what i hope to learn from you" names "what i hope to learn"; a little less surely.
        score = max(score, 0.92 * fuzz.token_set_ratio(label, name) / 100)
    return score


def _echo(line: str, asked: Sequence[Asked]) -> Marker | None:
    """A line that copies (most of) a question's wording, maybe with the answer after it."""
    text = line.strip().lstrip(">*_ ").strip()
    m = _NUMBER_RE.match(text)
    body = m.group(2) if m else text
    shapes = [(q.key, [_shape(w) for w in dict.fromkeys((q.text, *q.texts))]) for q in asked]
    # No copy is longer than the longest wording: a long line's other words are never read.
    longest = max((max(s.lengths, default=0) for _, ss in shapes for s in ss), default=0)
    tokens = list(islice(_WORD_RE.finditer(body), max(3, longest)))
    if len(tokens) < 3:
        return None
    scores: dict[str, float] = {}
    rests: dict[str, str] = {}
    for key, wordings in shapes:
        for shape in wordings:
            score, end = _copied_prefix(tokens, shape)
            if score > scores.get(key, 0.0):
                scores[key] = score
                rests[key] = body[end:].lstrip(" ?.:;,-–—*_").strip()
    best = max(scores, key=scores.__getitem__, default="")
    if not best or scores[best] < 0.85:
        return None
    return Marker(ECHO, scores, rests[best])


_WORD_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class _Shape:
    """A question's wording as :func:`_copied_prefix` compares it: its words, and the word
    counts a copy may stop at (the whole wording, or the end of each of its sentences)."""

    words: tuple[str, ...]
    lengths: tuple[int, ...]


@lru_cache(maxsize=512)
def _shape(wording: str) -> _Shape:
    wanted = tuple(normal(wording).split())
    firsts = [len(normal(s).split()) for s in re.split(r"(?<=[?.:])\s+", wording) if s]
    lengths = {len(wanted), *(sum(firsts[: i + 1]) for i in range(len(firsts)))}
    return _Shape(wanted, tuple(sorted(n for n in lengths if n >= 3)))


def _copied_prefix(tokens: list[re.Match[str]], shape: _Shape) -> tuple[float, int]:
    """How well the words ``tokens`` start with copy a wording (0-1), and where the copy ends.

    A guest may copy the whole question, or only its first sentence ("Who are you?")."""
    best, end = 0.0, 0
    for n in shape.lengths:
        if n > len(tokens):
            continue
        head = " ".join(t.group(0).casefold() for t in tokens[:n])
        wanted = " ".join(shape.words[:n])
        if n <= 4 and head != wanted:
            continue  # a short copy is exact: "Wie sind Sie ...?" is not "Wer sind Sie?"
        score = fuzz.ratio(head, wanted) / 100
        if score >= best:
            best, end = score, tokens[n - 1].end()
    return best, end
