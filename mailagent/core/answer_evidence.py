"""PURE: what a piece of a reply says: which questions its words point at (hint words, clock
times, a "?"), its paragraphs without greetings and thanks, the clauses where one sentence turns
to another question. The answer forms in :mod:`answer_forms` and :mod:`answer_paragraphs` weigh
their candidates with it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from mailagent.core.labels import Asked, leading_label
from mailagent.core.reply_text import CLOSING_RE, GREETING_RE, PREAMBLE_RE, normal, words

INLINE = "inline"
NUMBERED = "numbered"
LABELLED = "labelled"
IN_ORDER = "in_order"
PROSE = "prose"

BULLET_RE = re.compile(r"^\s*[-•*–·]\s+")
# A sentence ends at ".", "!" or "?" before a word or a numbered item ("Sorry! 1. ..."), but
# not after a day or month ("zwischen dem 23.12. und dem 6.1.") or an ordinal ("im 3. Lehrjahr").
SENTENCE_RE = re.compile(r"(?<=[.!?])(?<!\b\d\.)(?<!\b\d\d\.)\s+(?=[^\W\d_]|\(?\d{1,2}[.)]\s)")
# Where one sentence turns to another question: ", and what I'd like to learn ...", ", and in
# return I can ...", "; und im Gegenzug ...". The clause keeps its words; only the cut is new.
_CLAUSE_RE = re.compile(
    # A semicolon joins two clauses: each may answer its own question.
    r"(?<=;)\s+(?=[^\W\d_])|"
    r"(?<=[,;–—-])\s+(?=(?:and|so|but|und|aber|also)\s+(?:what|in return|in exchange|i'?d|i would|"
    r"i can|i could|i'?m free|my|specifically|concretely|was|im gegenzug|ich (?:würde|könnte|kann)|"
    r"meine|konkret|zeitlich|würde mich|mich würde)\b)|"
    # Without a comma only where the words after say plainly that another answer starts.
    r"\s+(?=(?:and|und) (?:what i(?:'d| would) (?:really |most )?(?:like|love|want) to "
    r"(?:learn|know|understand|ask)|in return|im gegenzug|umgekehrt)\b)",
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


def clauses(text: str) -> list[str]:
    """The sentences of ``text``, split further where one turns to another question; a bare
    number ("1.") stays with the sentence it numbers."""
    flat = " ".join(text.split())
    found: list[str] = []
    for part in (c for s in SENTENCE_RE.split(flat) for c in _CLAUSE_RE.split(s) if c):
        if found and re.fullmatch(r"\(?\d{1,2}[.)]", found[-1].strip()):
            found[-1] = f"{found[-1]} {part}"
        else:
            found.append(part)
    return found


def clause_key(clause: str, asked: Sequence[Asked]) -> str:
    """The question a clause of a split paragraph turns to: its label, or the one whose hint
    words it uses more than any other's, two of them or one after a turn (", and what I'd like
    to learn ..."); "" for a clause or sentence that only goes on."""
    named = leading_label(LEADING_AND_RE.sub("", clause), asked)
    if named:
        return named
    scores = hits(clause, asked)
    top = max(scores, key=scores.__getitem__, default="")
    needed = 1 if LEADING_AND_RE.match(clause) else 2
    return top if top and scores[top] >= needed and strictly_top(scores, top) else ""


def turns_to_other(block: str, key: str, asked: Sequence[Asked], min_hits: int = 1) -> bool:
    """Whether a sentence or clause of ``block`` clearly answers another question than ``key``
    ("I'd love to ask ..., and in return I can show you ..."): named by its label, or two of
    its hint words and more than any other question's."""
    for clause in clauses(block):
        named = leading_label(LEADING_AND_RE.sub("", clause), asked)
        if named:
            if named != key:
                return True
            continue
        scores = hits(clause, asked)
        top = max(scores, key=scores.__getitem__)
        if (
            top != key
            and scores[top] >= min_hits
            and scores[top] > scores.get(key, 0)
            and strictly_top(scores, top)
        ):
            return True
    return False


def strictly_top(scores: dict[str, int], key: str) -> bool:
    return all(n < scores[key] for k, n in scores.items() if k != key)


LEADING_AND_RE = re.compile(r"^(?:and|so|but|und|aber|also)\s+", re.IGNORECASE)


def paragraphs_of(own: str) -> list[str]:
    """The paragraphs of ``own`` without its frame; a paragraph that is a bulleted list gives
    one block per item (a guest's "- ..." lines are answers in order, like paragraphs)."""
    blocks: list[str] = []
    for block in (b.strip() for b in re.split(r"\n\s*\n", own)):
        lines = block.splitlines()
        if len(lines) >= 2 and all(BULLET_RE.match(line) for line in lines):
            blocks.extend(BULLET_RE.sub("", line).strip() for line in lines)
        elif block:
            blocks.append(BULLET_RE.sub("", block) if len(lines) == 1 else block)
    return [b for b in blocks if b and not is_frame(b)]


_THANKS_RE = re.compile(
    r"^(?:(?:many|a lot of|and) )?(?:thanks|thank you|vielen dank|herzlichen dank|danke)\b",
    re.IGNORECASE,
)


# Small talk that answers nothing, wherever it stands: "Hope you had a good weekend.", "Sorry
# for the slow reply.", "Ich hoffe, es geht Ihnen gut."
_SMALL_TALK_RE = re.compile(
    r"^(?:(?:i )?hope (?:you(?:'re| are| had| have)|this (?:helps|finds|is)|that(?:'s| is) (?:ok|"
    r"fine|alright))|(?:so )?sorry (?:for|about) (?:the|my) (?:late|slow|delayed)|"
    r"apologies for (?:the|my) (?:late|slow|delayed)|ich hoffe,? (?:es geht|sie hatten|ihr hattet|"
    r"das (?:ist|passt))|entschuldigen sie (?:bitte )?die (?:späte|verspätete))",
    re.IGNORECASE,
)


def is_small_talk(sentence: str) -> bool:
    """Whether ``sentence`` is small talk: never part of an answer."""
    return bool(_SMALL_TALK_RE.match(sentence.strip()))


def is_frame(block: str) -> bool:
    """Greetings, preambles, closings, and a short paragraph of thanks ("Vielen Dank im
    Übrigen für die schnelle Bearbeitung."): none of them answers a question."""
    first = block.splitlines()[0].strip()
    short = len(words(block)) <= 12
    thanks = len(words(block)) <= 16 and len(SENTENCE_RE.split(block.strip())) == 1
    return (
        short
        and bool(GREETING_RE.match(first) or PREAMBLE_RE.match(first) or CLOSING_RE.match(first))
    ) or (thanks and bool(_THANKS_RE.match(first)))


# --- what a text says --------------------------------------------------------------------------


def hits(text: str, asked: Sequence[Asked]) -> dict[str, int]:
    """Per question, how many of its hint words ``text`` uses (a clock time counts as "am",
    "pm", "uhr" and "time"; a sentence ending in "?" as the hint "?"). "am" and "pm" count only
    in a clock time: "I am working as a PM" says nothing of when."""
    tokens = set(words(text)) - {"am", "pm"}
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
