"""PURE: the forms a guest answers in, each read into scored candidates (question, text, how
sure). :mod:`mailagent.core.answers` merges them.

Scores (0-1) say how surely a text answers its question: an answer under a question the guest
quoted or copied, or under its own number, is nearly certain; one under a label as sure as the
label fits; a paragraph taken in the order asked, or sentences sorted by their words, only
when what they say agrees with the question they would answer. The paragraph and prose forms
live in :mod:`answer_paragraphs`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from mailagent.core.answer_evidence import (
    BULLET_RE,
    INLINE,
    LABELLED,
    NUMBERED,
    Candidate,
    agrees,
    clause_key,
    clauses,
    hits,
)
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
    is_ours,
    our_lines,
    words,
)

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
    bulleted = False  # whether the last marker line was a bullet ("- Fragen: ...")
    wrapped_lines = _wrapped(own)
    unpunctuated = _bare_numbers(own)
    for index, raw in enumerate(own.splitlines()):
        wrapped = index in wrapped_lines
        line = _SYMBOLS_RE.sub("", raw)  # "🎯 Goals: ...", "➡️ 3. ..."
        if index in unpunctuated:
            line = _BARE_NUMBER_RE.sub(r"\1. ", line, count=1)
        bare = BULLET_RE.sub("", line)  # "- Fragen: ...": a bulleted label is still a label
        marker = number_marker(bare, asked)
        if marker is not None and (marker.number <= last_number or scheme == LABEL):
            # A list inside an answer: numbered lower than the answer before it, or under a
            # reply whose answers are labelled ("Meine Fragen:\n1) ...\n2) ...").
            marker = None
        if marker is None and not wrapped:
            marker = label_marker(bare, asked)
            if marker is not None and marker.best()[0] in used:
                marker = None
        if marker is None and bulleted and bare != line:
            # The next bullet after a bulleted label is the next item of the guest's list,
            # whatever it is about: never more of the labelled answer.
            segments.append(_Segment(Marker(LABEL, {}, ""), "", 0.0, []))
            bulleted = False
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
                number = marker.number  # still counts in the guest's numbering
                marker = Marker(LABEL, named.scores, named.rest, number)
                (key, score), rest = named.best(), named.rest
                if not key or key in used:
                    key = ""
        used.add(key)
        bulleted = bare != line
        rest = _own_clauses(rest, key, asked) if key else rest
        segments.append(_Segment(marker, key, score, [rest] if rest else []))
    _by_position(segments, asked)
    _cut_other_paragraphs(segments, asked)
    _doubt_numbers(segments, asked)  # judged on what is left of each answer
    return [
        Candidate(s.key, "\n".join(s.lines).strip(), s.score, _form(s.marker))
        for s in segments
        if s.key
    ]


_BARE_NUMBER_RE = re.compile(r"^\s*(\d{1,2})\s+(?=[^\W\d_])")


def _bare_numbers(own: str) -> set[int]:
    """The indexes of lines numbered without a dot ("1 im a farm supervisor", typed on a
    phone), when at least three of them count up in order (a question skipped at most once
    between two): a lone "3 years in retail" is an answer, not a number."""
    found = [
        (i, int(m.group(1)))
        for i, line in enumerate(own.splitlines())
        if (m := _BARE_NUMBER_RE.match(line))
    ]
    steps = [b - a for (_, a), (_, b) in pairwise(found)]
    if len(found) < 3 or found[0][1] > 2 or any(step not in (1, 2) for step in steps):
        return set()
    return {i for i, _ in found}


# Emoji and arrows people put before a label or number; never part of an answer's words.
_SYMBOLS_RE = re.compile(r"^\s*(?:[^\w\s(#*_>\-–•·\[]\s*)+(?=\S)")


def _own_clauses(rest: str, key: str, asked: Sequence[Asked]) -> str:
    """The text after a label up to where the line turns to another question ("A little about
    me: I've been ..., and what I would really like to learn is ..."): a guest who writes all
    answers in one paragraph labels only some of them."""
    parts = clauses(rest)
    for i, part in enumerate(parts[1:], 1):
        if clause_key(part, asked) not in ("", key):
            return " ".join(parts[:i]).rstrip(",;–—- ")
    return rest


def _wrapped(own: str) -> set[int]:
    """The indexes of lines that continue a hard-wrapped paragraph: in a paragraph of three
    lines or more whose lines but the last are all 60-80 characters long, a client wrapped the
    text, so a later line's start ("A couple of things\nI'd ask: ...") is no label."""
    lines = own.splitlines()
    found: set[int] = set()
    start = 0
    for end in [*(i for i, line in enumerate(lines) if not line.strip()), len(lines)]:
        block = list(range(start, end))
        # The first line may be short (trimming a greeting sentence shortened it) where enough
        # lines after it show the wrapping.
        inner = block[:-1] if len(block) < 4 else block[1:-1]
        if len(block) >= 3 and all(60 <= len(lines[i].rstrip()) <= 80 for i in inner):
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
        after_blank = False
        for line in [*segment.lines, ""]:
            if line and not (paragraph and _starts_sentence_line(paragraph[-1], line)):
                paragraph.append(line)
                continue
            if paragraph and kept:
                text = "\n".join(paragraph)
                named = leading_label(paragraph[0], asked)
                if (
                    # "Seriously: what ..." inside a paragraph is no label; after a blank line,
                    # "My questions would be: ..." starts someone else's answer.
                    (after_blank and _UNKNOWN_LABEL_RE.match(paragraph[0]))
                    or named not in ("", question.key)
                    or not agrees(text, question, asked, strict=True)
                ):
                    break
            if paragraph:
                kept.extend([*paragraph, ""] if line == "" else paragraph)
            paragraph = [line] if line else []
            after_blank = not line
        segment.lines = kept


def _starts_sentence_line(previous: str, line: str) -> bool:
    """Whether ``line`` starts a new sentence on its own line: phone and webmail replies often
    put each answer on a line of its own with no blank line between them. After a line of
    55-80 characters a client hard-wrapped the paragraph, and its next line goes on with it."""
    wrapped = 55 <= len(previous.rstrip()) <= 80
    return not wrapped and bool(re.search(r"[.!?)]$", previous.rstrip())) and line[:1].isupper()


def _doubt_numbers(segments: list[_Segment], asked: Sequence[Asked]) -> None:
    """A number is only as good as what follows it: "3. Tue 14-17 Uhr" under question 3 (which
    questions?) says a time, so it is nobody's answer for sure and that question is asked again."""
    by_key = {q.key: q for q in asked}
    numbers = [s.marker.number for s in segments if s.marker.kind == NUMBER]
    # Every question asked answered under its own number, in order: an answer sheet, whose
    # numbers are doubted only where the words clearly belong elsewhere.
    sheet = len(asked) >= 3 and numbers == [q.number or i for i, q in enumerate(asked, 1)]
    for segment in segments:
        question = by_key.get(segment.key)
        if segment.marker.kind != NUMBER or question is None or segment.score < 0.9:
            continue
        text = "\n".join(segment.lines)
        if not agrees(text, question, asked) and not (
            sheet and not _clearly_other(text, question, asked)
        ):
            segment.score = 0.5


def _clearly_other(text: str, question: Asked, asked: Sequence[Asked]) -> bool:
    """Whether ``text`` speaks of another question by three hint words more than of its own
    ("3. Tue 14-17 Uhr, MEZ" under "Which questions ...?")."""
    scores = hits(text, asked)
    own = scores.get(question.key, 0)
    return any(n >= own + 3 for k, n in scores.items() if k != question.key)


def _form(marker: Marker) -> str:
    return NUMBERED if marker.kind == NUMBER else LABELLED


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
        if segment.marker.kind == LABEL:
            continue  # "1. My questions would be: ...": its label says which question
        text = "\n".join(segment.lines)
        if agrees(text, question, asked):
            segment.key, segment.score = question.key, 0.7
        else:
            segment.key = ""
