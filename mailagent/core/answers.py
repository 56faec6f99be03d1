"""PURE: a guest's answers to the questionnaire, read out of an ordinary reply.

Guests answer the way people write: inline under each quoted question, numbered ("1. ... 2. ..."),
with labels ("Background: ..."), one paragraph per question in order, or all in one paragraph. The
reader tries those forms in that order and keeps the first that yields answers. Quoted history
and signatures are stripped with mail-parser-reply; the untrimmed mail stays stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mailparser_reply.parser import EmailMessage as ReplyParser

ANSWER_CAP = 2000
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_NUMBERED_RE = re.compile(r"^\s*(?:\(?(\d{1,2})[.):]|[QqFf](\d{1,2})[.):]?)\s*(.*)$")
_LABEL_RE = re.compile(r"^\s*([^\W\d_][\w \-/']{1,40}?)\s*[:\-–]\s+(.+)$", re.UNICODE)
_FILLER_RE = re.compile(
    r"^(hi|hello|hey|dear|good (morning|afternoon|evening)|thanks|thank you|many thanks|"
    r"best|regards|kind regards|best regards|cheers|sincerely|yours|"
    r"hallo|guten tag|liebe|lieber|sehr geehrte|danke|vielen dank|viele grüße|beste grüße|"
    r"grüße|mit freundlichen grüßen|here (are|is) my answers?|please find my answers|"
    r"hier (sind|meine) (meine )?antworten)\b",
    re.IGNORECASE,
)
_PLACEHOLDERS = frozenset({"", "-", "--", "?", "n/a", "na", "tbd", "..."})


@dataclass(frozen=True)
class Asked:
    """A question as the guest saw it: its key, its wording and optional label words."""

    key: str
    text: str
    hints: tuple[str, ...] = ()


def extract(
    text: str, asked: Sequence[Asked], languages: Sequence[str] = ("en",)
) -> dict[str, str]:
    """Answers found in ``text`` for ``asked`` (key -> answer); only non-empty answers."""
    if not asked or not text.strip():
        return {}
    top, quoted = split_reply(text, languages)
    return extract_split(top, quoted or text, asked)


def extract_split(top: str, quoted: str, asked: Sequence[Asked]) -> dict[str, str]:
    """:func:`extract` for a reply already split by :func:`split_reply` (``quoted``: the part
    with the quoted questions, or the whole mail)."""
    forms: tuple[Callable[[], dict[str, str]], ...] = (
        lambda: _inline(quoted, asked),
        lambda: _numbered(top, asked),
        lambda: _labeled(top, asked),
        lambda: _in_order(top, asked),
        lambda: _by_hints(top, asked),
    )
    for form in forms:  # the first form that yields answers wins; the rest are not tried
        kept = {k: _tidy(v) for k, v in form().items() if _substantial(v)}
        if kept:
            return kept
    return {}


def extract_labeled(text: str, asked: Sequence[Asked]) -> dict[str, str]:
    """Only answers the guest labelled ("Background: ..."): safe to read from a first mail,
    where the other forms would mistake ordinary sentences for answers."""
    return {k: _tidy(v) for k, v in _labeled(text, asked).items() if _substantial(v)}


_CLOSING_RE = re.compile(
    r"^(best|best regards|kind regards|regards|warm regards|many thanks|thanks|thank you|"
    r"cheers|sincerely|yours|all the best|viele grüße|beste grüße|liebe grüße|grüße|"
    r"mit freundlichen grüßen|freundliche grüße|danke|vielen dank)[,!.]?$",
    re.IGNORECASE,
)
_NAME_RE = re.compile(r"^[^\W\d_][\w'’.-]*(?: [^\W\d_][\w'’.-]*){0,3}$", re.UNICODE)


def signature_name(text: str) -> str:
    """The name a guest signs with ("Best,\nDana Ruiz"), or "" when there is none.

    Only the line right after a closing formula counts, and only when it looks like a name:
    one to four capitalised words, no digits or addresses.
    """
    lines = [line.strip() for line in text.splitlines()]
    for i, line in enumerate(lines):
        if not _CLOSING_RE.match(line):
            continue
        following = next((nxt for nxt in lines[i + 1 :] if nxt), "")
        if _NAME_RE.match(following) and all(w[0].isupper() for w in following.split()):
            return following[:100]
    return ""


def split_reply(text: str, languages: Sequence[str] = ("en",)) -> tuple[str, str]:
    """(the new text without signature, the quoted part with any inline answers in it)."""
    try:
        replies = (
            ReplyParser(text, languages=list(languages), keep_hyphen_lists=True).read().replies
        )
    except Exception:  # the parser is heuristic; on failure read the whole mail as new text
        return text.strip(), ""
    if not replies:
        return text.strip(), ""
    if replies[0].headers:
        # The parser drops an empty reply above the quote: nothing new was written.
        return "", "\n".join(r.body or "" for r in replies)
    top = replies[0].body or ""
    quoted = "\n".join(r.body or "" for r in replies[1:])
    return top.strip(), quoted


def _words(text: str) -> list[str]:
    return [w.lower() for w in _WORD_RE.findall(text)]


def _mentions(block: str, question: str) -> int:
    """Where ``question`` appears in ``block`` (word position), or -1.

    Tolerant of what mail clients do to quoted text (re-wrapping, even inside a word, dropped
    punctuation): 70% of the question's words must appear within a window starting at one of
    its first three words.
    """
    words, wanted = _words(block), _words(question)
    if not wanted:
        return -1
    needed = max(1, round(len(wanted) * 0.7))
    starts = set(wanted[:3])
    span = len(wanted) + 5
    for i, word in enumerate(words):
        if word in starts and len(set(words[i : i + span]) & set(wanted)) >= min(
            needed, len(set(wanted))
        ):
            return i
    return -1


def _inline(text: str, asked: Sequence[Asked]) -> dict[str, str]:
    """Unquoted lines under a quoted block that holds a question answer the last question in it."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    quoted_block: list[str] = []
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(">"):
            quoted_block.append(stripped.lstrip("> "))
            continue
        if quoted_block:
            current = _last_question(" ".join(quoted_block), asked) or current
            quoted_block = []
        if current is not None and stripped:
            found.setdefault(current, []).append(stripped)
    return {k: "\n".join(v) for k, v in found.items()}


def _last_question(block: str, asked: Sequence[Asked]) -> str | None:
    positions = [(_mentions(block, q.text), q.key) for q in asked]
    hits = [(pos, key) for pos, key in positions if pos >= 0]
    return max(hits)[1] if hits else None


def _numbered(top: str, asked: Sequence[Asked]) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in top.splitlines():
        match = _NUMBERED_RE.match(line)
        if match:
            number = int(match.group(1) or match.group(2))
            current = asked[number - 1].key if 1 <= number <= len(asked) else None
            rest = _strip_echo(match.group(3), asked, current)
            if current is not None and rest:
                found.setdefault(current, []).append(rest)
        elif current is not None and line.strip():
            found.setdefault(current, []).append(line.strip())
    return {k: "\n".join(v) for k, v in found.items()}


def _strip_echo(text: str, asked: Sequence[Asked], key: str | None) -> str:
    """A guest who copies (the start of) the question before answering: drop the copy."""
    question = next((q for q in asked if q.key == key), None)
    before, mark, after = text.partition("?")
    if question is not None and mark and after.strip():
        copied = _words(before)
        if len(copied) >= 2 and copied == _words(question.text)[: len(copied)]:
            return after.strip()
    return text.strip()


def _labeled(top: str, asked: Sequence[Asked]) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    current: str | None = None
    for line in top.splitlines():
        match = _LABEL_RE.match(line)
        key = _label_key(match.group(1), asked) if match else None
        if match and key:
            current = key
            found.setdefault(key, []).append(match.group(2).strip())
        elif current is not None and line.strip():
            found[current].append(line.strip())
        elif not line.strip():
            current = None
    return {k: "\n".join(v) for k, v in found.items()}


def _label_key(label: str, asked: Sequence[Asked]) -> str | None:
    wanted = " ".join(_words(label))
    for q in asked:
        names = {q.key.replace("_", " "), *(h.lower() for h in q.hints)}
        if wanted in names:
            return q.key
    return None


def _paragraphs(top: str) -> list[str]:
    blocks = [b.strip() for b in re.split(r"\n\s*\n", top) if b.strip()]
    return [b for b in blocks if not (_FILLER_RE.match(b) and len(_words(b)) <= 12)]


def _in_order(top: str, asked: Sequence[Asked]) -> dict[str, str]:
    """One paragraph per question, in the order asked (greetings and sign-offs aside)."""
    blocks = _paragraphs(top)
    if len(asked) < 2 or len(blocks) != len(asked):
        return {}
    return {q.key: block for q, block in zip(asked, blocks, strict=True)}


def _by_hints(top: str, asked: Sequence[Asked]) -> dict[str, str]:
    """Everything in one paragraph: each sentence goes to the question whose hint words it
    uses most; a sentence without any hint word stays with the sentence before it."""
    found: dict[str, list[str]] = {}
    current: str | None = None
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(_paragraphs(top))):
        words = set(_words(sentence))
        asks = sentence.rstrip().endswith("?")  # the hint "?" matches a sentence that asks
        scores = [
            (len(words & {h.lower() for h in q.hints}) + (asks and "?" in q.hints), q.key)
            for q in asked
            if q.hints
        ]
        best = max(scores, default=(0, ""))
        if best[0] > 0:
            current = best[1]
        if current is not None and sentence.strip():
            found.setdefault(current, []).append(sentence.strip())
    return {k: " ".join(v) for k, v in found.items()}


def _substantial(answer: str) -> bool:
    return answer.strip().lower().strip(".!") not in _PLACEHOLDERS and bool(_words(answer))


def _tidy(answer: str) -> str:
    return answer.strip()[:ANSWER_CAP]
