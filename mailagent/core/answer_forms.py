"""PURE: the forms a guest answers in, each read into scored candidates (question, text, how
sure). :mod:`mailagent.core.answers` merges them.

Scores (0-1) say how surely a text answers its question: an answer under a question the guest
quoted or copied, or under its own number, is nearly certain; one under a label as sure as the
label fits; a paragraph taken in the order asked, or sentences sorted by their words, only
when what they say agrees with the question they would answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailagent.core.labels import (
    ECHO,
    LABEL,
    NUMBER,
    Asked,
    Marker,
    label_marker,
    leading_label,
    number_marker,
)
from mailagent.core.reply_text import (
    CLOSING_RE,
    GREETING_RE,
    PREAMBLE_RE,
    is_ours,
    normal,
    our_lines,
    words,
)

INLINE = "inline"
NUMBERED = "numbered"
LABELLED = "labelled"
IN_ORDER = "in_order"
PROSE = "prose"

_BULLET_RE = re.compile(r"^\s*[-•*–·]\s+")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[^\W\d_])")
# Where one sentence turns to another question: ", and what I'd like to learn ...", ", and in
# return I can ...", "; und im Gegenzug ...". The clause keeps its words; only the cut is new.
_CLAUSE_RE = re.compile(
    r"(?<=[,;–—-])\s+(?=(?:and|so|but|und|aber|also)\s+(?:what|in return|in exchange|i'?d|i would|"
    r"i can|i could|i'?m free|my|was|im gegenzug|ich (?:würde|könnte|kann)|meine)\b)",
    re.IGNORECASE,
)
_AMPM_RE = re.compile(r"\b\d{1,2}(?::[0-5]\d)?\s*([ap])\.?m\b", re.IGNORECASE)
_CLOCK_RE = re.compile(r"\b\d{1,2}[:.][0-5]\d\b|\b\d{1,2}\s*uhr\b", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    key: str
    text: str
    score: float
    form: str


# --- inline: answers written under the questions the guest quotes -------------------------------


def inline(quoted: str, asked: Sequence[Asked], ours: str = "") -> list[Candidate]:
    """Unquoted lines under a quoted block that holds a question answer the last question in it.
    A quoted block that holds no question ends the answer before it."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    block: list[str] = []
    mine = our_lines(ours)
    for line in quoted.splitlines():
        stripped = line.strip()
        if stripped.startswith(">") or (mine and is_ours(stripped, mine)):
            block.append(stripped.lstrip("> "))
            continue
        if block:
            current = _last_question(" ".join(block), asked) or (
                current if not _ends_answers(block) else None
            )
            block = []
        if current is not None and stripped:
            found.setdefault(current, []).append(stripped)
    return [Candidate(k, "\n".join(v), 0.9, INLINE) for k, v in found.items()]


def _ends_answers(block: list[str]) -> bool:
    """A quoted block of several lines with no question in it (our closing paragraph, the
    next mail of the history) ends whatever was being answered."""
    return len(" ".join(block).split()) >= 8


def _last_question(block: str, asked: Sequence[Asked]) -> str | None:
    positions = [(max(_mentions(block, w) for w in q.wordings()), q.key) for q in asked]
    hits = [(pos, key) for pos, key in positions if pos >= 0]
    return max(hits)[1] if hits else None


def _mentions(block: str, question: str) -> int:
    """Where ``question`` appears in ``block`` (word position), or -1.

    Tolerant of what mail clients do to quoted text (re-wrapping, even inside a word, dropped
    punctuation): 70% of the question's words must appear within a window starting at one of
    its first three words.
    """
    found, wanted = words(block), question.split()
    if not wanted:
        return -1
    needed = min(max(1, round(len(wanted) * 0.7)), len(set(wanted)))
    starts = set(wanted[:3])
    span = len(wanted) + 5
    for i, word in enumerate(found):
        if word in starts and len(set(found[i : i + span]) & set(wanted)) >= needed:
            return i
    return -1


# --- marked: answers under numbers, labels or copies of the questions ---------------------------


@dataclass
class _Segment:
    marker: Marker
    key: str
    score: float
    lines: list[str]


def marked(own: str, asked: Sequence[Asked]) -> list[Candidate]:
    """Answers that follow a marker line: "3.", "Q3:", "About me:", a copy of the question.

    Numbers are the questions' own numbers (a re-ask keeps them). A guest who numbers a
    re-ask's questions from 1 instead is read by position, less surely. A number lower than the
    one before it is a list inside an answer ("1. How ..., 2. Why ..."), not a new answer.
    """
    segments: list[_Segment] = []
    last_number = 0
    used: set[str] = set()
    scheme = ""  # how the guest marks answers: NUMBER or LABEL, by the first marker line
    wrapped_lines = _wrapped(own)
    for index, raw in enumerate(own.splitlines()):
        wrapped = index in wrapped_lines
        line = _SYMBOLS_RE.sub("", raw)  # "🎯 Goals: ...", "➡️ 3. ..."
        marker = number_marker(line, asked)
        if marker is not None and (marker.number <= last_number or scheme == LABEL):
            # A list inside an answer: numbered lower than the answer before it, or under a
            # reply whose answers are labelled ("Meine Fragen:\n1) ...\n2) ...").
            marker = None
        if marker is None and not wrapped:
            marker = label_marker(line, asked)
            if marker is not None and marker.best()[0] in used:
                marker = None
        if marker is None:
            if segments and line.strip():
                segments[-1].lines.append(line.strip())
            elif segments and not line.strip():
                segments[-1].lines.append("")
            continue
        if marker.number:
            last_number = marker.number
        scheme = scheme or (NUMBER if marker.number else LABEL)
        key, score = marker.best()
        rest = marker.rest
        if marker.kind != ECHO:
            named = label_marker(rest, asked) if rest else None
            if named is not None and named.kind == ECHO and named.best()[0] in ("", key):
                rest = named.rest  # "3. Which questions...? My question is ..."
            elif named is not None and named.kind == LABEL and marker.kind == NUMBER:
                # "2) Konkrete Fragen: ...": the guest's own count, then what the answer is
                # about; the label says which question, whatever the number.
                marker, (key, score), rest = named, named.best(), named.rest
                if not key or key in used:
                    key = ""
        used.add(key)
        segments.append(_Segment(marker, key, score, [rest] if rest else []))
    _by_position(segments, asked)
    _doubt_numbers(segments, asked)
    _cut_other_paragraphs(segments, asked)
    return [
        Candidate(s.key, "\n".join(s.lines).strip(), s.score, _form(s.marker))
        for s in segments
        if s.key
    ]


# Emoji and arrows people put before a label or number; never part of an answer's words.
_SYMBOLS_RE = re.compile(r"^\s*(?:[^\w\s(#*_>\-–•·\[]\s*)+(?=\S)")


def _wrapped(own: str) -> set[int]:
    """The indexes of lines that continue a hard-wrapped paragraph: in a paragraph of three
    lines or more whose lines but the last are all 60-80 characters long, a client wrapped the
    text, so a later line's start ("A couple of things\nI'd ask: ...") is no label."""
    lines = own.splitlines()
    found: set[int] = set()
    start = 0
    for end in [*(i for i, line in enumerate(lines) if not line.strip()), len(lines)]:
        block = list(range(start, end))
        if len(block) >= 3 and all(60 <= len(lines[i].rstrip()) <= 80 for i in block[:-1]):
            found.update(block[1:])
        start = end + 1
    return found


_UNKNOWN_LABEL_RE = re.compile(
    r"^\s*[*_]*(?:[^\W\d_][^:\n]{0,40}:|[^\W\d_][\w'’]*(?: [\w'’]+){0,4} [-–—])[*_]*\s+\S"
)


def _cut_other_paragraphs(segments: list[_Segment], asked: Sequence[Asked]) -> None:
    """An answer ends where a later paragraph of it starts with a label we do not know ("My
    questions would be: ...") or speaks of another question ("Termine gehen bei mir ..."): that
    paragraph is somebody else's answer, so it is cut rather than stored under this one."""
    by_key = {q.key: q for q in asked}
    for segment in segments:
        question = by_key.get(segment.key)
        if question is None:
            continue
        kept: list[str] = []
        paragraph: list[str] = []
        for line in [*segment.lines, ""]:
            if line:
                paragraph.append(line)
                continue
            if paragraph and kept:
                text = "\n".join(paragraph)
                named = leading_label(paragraph[0], asked)
                if (
                    _UNKNOWN_LABEL_RE.match(paragraph[0])
                    or named not in ("", question.key)
                    or not agrees(text, question, asked, strict=True)
                ):
                    break
            if paragraph:
                kept.extend([*paragraph, ""] if kept or paragraph else paragraph)
            paragraph = []
        segment.lines = kept


def _doubt_numbers(segments: list[_Segment], asked: Sequence[Asked]) -> None:
    """A number is only as good as what follows it: "3. Tue 14-17 Uhr" under question 3 (which
    questions?) says a time, so it is nobody's answer for sure and that question is asked again."""
    by_key = {q.key: q for q in asked}
    for segment in segments:
        question = by_key.get(segment.key)
        if segment.marker.kind != NUMBER or question is None or segment.score < 0.9:
            continue
        if not agrees("\n".join(segment.lines), question, asked):
            segment.score = 0.5


def _form(marker: Marker) -> str:
    return NUMBERED if marker.number else LABELLED


def _by_position(segments: list[_Segment], asked: Sequence[Asked]) -> None:
    """Numbers that name no asked question ("1. 2. 3." under a re-ask that showed 3, 4, 5):
    read by position when they count exactly the questions asked, and only if what each says
    agrees with its question."""
    numbered = [s for s in segments if s.marker.number]
    if not numbered:
        return
    numbers = [s.marker.number for s in numbered]
    own_count = numbers == list(range(1, len(numbers) + 1)) and len(numbers) <= len(asked)
    asked_numbers = {q.number for q in asked}
    if not own_count or set(numbers) <= asked_numbers:
        return
    if len(numbers) < len(asked) and 1 in asked_numbers:
        return  # "1. 2." under questions 1-5: the guest's first two answers, by their numbers
    # "1) 2) 3)" under a re-ask of 2, 3 and 5 counts the questions asked: some of those numbers
    # also name an asked question, but the list as a whole is the guest's own count. Each item
    # is kept only where it agrees with its question by position; otherwise nobody's answer.
    for segment, question in zip(numbered, asked, strict=False):
        text = "\n".join(segment.lines)
        if agrees(text, question, asked):
            segment.key, segment.score = question.key, 0.7
        else:
            segment.key = ""


# --- in order: one paragraph per question ------------------------------------------------------


def paragraphs(own: str, asked: Sequence[Asked]) -> list[Candidate]:
    """One paragraph per question, in the order asked, when the count matches exactly; each is
    kept only if what it says does not point at another question."""
    blocks = _blocks(own)
    if 2 <= len(blocks) < len(asked):
        return _fewer_in_order(blocks, asked)
    if len(asked) < 2 or len(blocks) != len(asked):
        return []
    found = []
    for block, question in zip(blocks, asked, strict=True):
        if any(
            number_marker(line, asked) or label_marker(line, asked) for line in block.split("\n")
        ):
            return []  # a marked reply: the marked form reads it
        if agrees(block, question, asked) and not _turns_to_other(block, question.key, asked):
            found.append(Candidate(question.key, block, 0.7, IN_ORDER))
    return found


def _fewer_in_order(blocks: list[str], asked: Sequence[Asked]) -> list[Candidate]:
    """Fewer paragraphs than questions, in order: a question was skipped. Each paragraph goes to
    the question its words clearly point at, and only if those questions keep the order asked;
    otherwise nothing is read this way."""
    order = {q.key: i for i, q in enumerate(asked)}
    found, last = [], -1
    for block in blocks:
        if any(
            number_marker(line, asked) or label_marker(line, asked) for line in block.split("\n")
        ):
            return []
        ranked = sorted(hits(block, asked).items(), key=lambda kv: kv[1], reverse=True)
        second = ranked[1][1] if len(ranked) > 1 else 0
        if not ranked or ranked[0][1] == 0 or (second and ranked[0][1] < second + 2):
            return []  # a paragraph that also speaks of another question may hold two answers
        key = ranked[0][0]
        if order[key] <= last or _turns_to_other(block, key, asked):
            return []
        last = order[key]
        found.append(Candidate(key, block, 0.65, IN_ORDER))
    return found


def _clauses(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [c for s in _SENTENCE_RE.split(flat) for c in _CLAUSE_RE.split(s) if c]


def _turns_to_other(block: str, key: str, asked: Sequence[Asked]) -> bool:
    """Whether a sentence or clause of ``block`` clearly answers another question than ``key``
    ("I'd love to ask ..., and in return I can show you ..."): named by its label, or two of
    its hint words and more than any other question's."""
    for clause in _clauses(block):
        named = leading_label(_LEADING_AND_RE.sub("", clause), asked)
        if named:
            if named != key:
                return True
            continue
        scores = hits(clause, asked)
        top = max(scores, key=scores.__getitem__)
        if top != key and scores[top] > scores.get(key, 0) and _strictly_top(scores, top):
            return True
    return False


def _strictly_top(scores: dict[str, int], key: str) -> bool:
    return all(n < scores[key] for k, n in scores.items() if k != key)


_LEADING_AND_RE = re.compile(r"^(?:and|so|but|und|aber|also)\s+", re.IGNORECASE)


def _blocks(own: str) -> list[str]:
    """The paragraphs of ``own`` without its frame; a paragraph that is a bulleted list gives
    one block per item (a guest's "- ..." lines are answers in order, like paragraphs)."""
    blocks: list[str] = []
    for block in (b.strip() for b in re.split(r"\n\s*\n", own)):
        lines = block.splitlines()
        if len(lines) >= 2 and all(_BULLET_RE.match(line) for line in lines):
            blocks.extend(_BULLET_RE.sub("", line).strip() for line in lines)
        elif block:
            blocks.append(_BULLET_RE.sub("", block) if len(lines) == 1 else block)
    return [b for b in blocks if b and not _is_frame(b)]


_THANKS_RE = re.compile(
    r"^(?:(?:many|a lot of|and) )?(?:thanks|thank you|vielen dank|herzlichen dank|danke)\b",
    re.IGNORECASE,
)


def _is_frame(block: str) -> bool:
    """Greetings, preambles, closings, and a short paragraph of thanks ("Vielen Dank im
    Übrigen für die schnelle Bearbeitung."): none of them answers a question."""
    first = block.splitlines()[0].strip()
    short = len(words(block)) <= 12
    thanks = len(words(block)) <= 16 and len(_SENTENCE_RE.split(block.strip())) == 1
    return (
        short
        and bool(GREETING_RE.match(first) or PREAMBLE_RE.match(first) or CLOSING_RE.match(first))
    ) or (thanks and bool(_THANKS_RE.match(first)))


# --- prose: sentences sorted by what they say --------------------------------------------------


def prose(own: str, asked: Sequence[Asked]) -> list[Candidate]:
    """Everything in one or two paragraphs: each sentence goes to the question whose hint words
    it uses clearly most; a sentence without any stays with the one before it. A question is
    answered this way only with enough evidence, and never surely."""
    blocks = _blocks(own)
    if not blocks or len(blocks) > 2:
        return []
    found: dict[str, list[str]] = {}
    evidence: dict[str, int] = {}
    carried: dict[str, int] = {}  # sentences kept for a question without a hint of their own
    contested: set[str] = set()  # answers holding a sentence that also speaks of another
    current: str | None = None
    for sentence in _clauses(" ".join(blocks)):
        scores = hits(sentence, asked)
        lead = label_marker(sentence, asked)
        named = leading_label(sentence, asked)
        labelled = ""
        if lead is not None and lead.kind != ECHO and lead.best()[1] >= 0.9:
            labelled = lead.best()[0]  # "My questions: ...": a label
        elif named:
            labelled = named  # "In return I could ...", "Zeitlich passt ...": one too
        if labelled:
            # A labelled sentence that goes on about another question holds two answers.
            if any(n >= 2 for k, n in scores.items() if k != labelled):
                contested.add(labelled)
            scores = {labelled: 3}
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        top, second = ranked[0] if ranked else ("", 0), ranked[1][1] if len(ranked) > 1 else 0
        if top[1] > second:
            current = top[0]
            evidence[current] = evidence.get(current, 0) + top[1]
            if second:
                contested.add(current)
        elif top[1] and top[1] == second:
            current = None  # a sentence about two things is nobody's answer
            continue
        elif current is not None:
            carried[current] = carried.get(current, 0) + 1
        if current is not None:
            found.setdefault(current, []).append(sentence.strip())
    return [
        Candidate(
            key,
            " ".join(parts),
            0.45 if key in contested else _prose_score(evidence.get(key, 0), carried.get(key, 0)),
            PROSE,
        )
        for key, parts in found.items()
    ]


def _prose_score(evidence: int, carried: int) -> float:
    """Two hint words make a prose answer; one does when every sentence of it has its own."""
    if evidence >= 2:
        return 0.65
    return 0.6 if evidence == 1 and not carried else 0.45


# --- what a text says --------------------------------------------------------------------------


def hits(text: str, asked: Sequence[Asked]) -> dict[str, int]:
    """Per question, how many of its hint words ``text`` uses (a clock time counts as "am",
    "pm", "uhr" and "time"; a sentence ending in "?" as the hint "?")."""
    tokens = set(words(text))
    for m in _AMPM_RE.finditer(text):
        tokens |= {m.group(1).lower() + "m", "time"}
    if _CLOCK_RE.search(text):
        tokens |= {"uhr", "time", "pm"}
    asks = "?" in text
    found = {}
    for q in asked:
        hint_words = {h.casefold() for h in q.hints}
        phrases = [h for h in hint_words if " " in h]
        score = len(tokens & hint_words) + sum(1 for p in phrases if p in normal(text))
        if asks and "?" in hint_words:
            score += 1
        found[q.key] = score
    return found


def agrees(text: str, question: Asked, asked: Sequence[Asked], strict: bool = False) -> bool:
    """Whether what ``text`` says fits ``question`` about as well as any other asked one (a
    text that says nothing either way agrees). ``strict``: at least as well, for a text that
    only continues an answer, whose first words already said which question it is."""
    scores = hits(text, asked)
    own = scores.get(question.key, 0) + (0 if strict else 1)
    return all(own >= other for key, other in scores.items() if key != question.key)
