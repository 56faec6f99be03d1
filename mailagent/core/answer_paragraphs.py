"""PURE: answers a guest wrote without numbers or labels: one paragraph per question in the
order asked, paragraphs (or clauses) each clearly about one question in that order, or the
sentences of one or two paragraphs sorted by their words. None of them is ever as sure as a
marked answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailagent.core.answer_evidence import (
    IN_ORDER,
    LEADING_AND_RE,
    PROSE,
    Candidate,
    agrees,
    clause_key,
    clauses,
    hits,
    is_small_talk,
    paragraphs_of,
    turns_to_other,
)
from mailagent.core.labels import ECHO, Asked, label_marker, leading_label, number_marker
from mailagent.core.reply_text import words

# --- in order: one paragraph per question ------------------------------------------------------


def paragraphs(own: str, asked: Sequence[Asked]) -> list[Candidate]:
    """One paragraph per question, in the order asked, when the count matches and no paragraph
    says it answers another question; each is kept only if what it says does not point at
    another question. Otherwise each paragraph goes by what it says."""
    blocks = paragraphs_of(own)
    if len(blocks) < 2:
        return []
    if len(asked) < 2 or len(blocks) != len(asked):
        return _by_what_each_says(blocks, asked)
    found = []
    names = [{_named_by(line, asked) for line in b.split("\n")} - {None} for b in blocks]
    mixed = any(names)
    for block, question, named in zip(blocks, asked, names, strict=True):
        if named - {question.key} or _clear_key(block, asked, "") not in ("", question.key):
            # A paragraph marked as, or clearly about, another question than its place says:
            # the count matched by chance (a greeting paragraph, a skipped question), so each
            # paragraph goes by what it says instead.
            return _by_what_each_says(blocks, asked)
        # Every paragraph in its place is evidence for the order; a clause elsewhere must say
        # clearly (two hint words) that it answers another question. Where some paragraphs are
        # labelled, an unlabelled one needs words of its own question: the guest did not
        # simply write one paragraph per question.
        evident = not mixed or question.key in named or hits(block, asked)[question.key] > 0
        if (
            evident
            and agrees(block, question, asked)
            and not turns_to_other(block, question.key, asked, min_hits=2)
        ):
            found.append(Candidate(question.key, block, 0.7, IN_ORDER))
    return found


def _named_by(line: str, asked: Sequence[Asked]) -> str | None:
    """The question a line's number or label names ("" for a marker naming none of them
    clearly), or None for a line without one."""
    marker = number_marker(line, asked) or label_marker(line, asked)
    return None if marker is None else marker.best()[0]


def _by_what_each_says(blocks: list[str], asked: Sequence[Asked]) -> list[Candidate]:
    """Paragraphs in any number, each going to the question its words clearly point at: a
    question skipped, a greeting paragraph, two answers in one sentence ("I'd love to ask ...,
    and in return I can show you ..."). The questions must keep the order asked, else nothing
    is read this way; a paragraph that points nowhere clearly is nobody's answer."""
    order = {q.key: i for i, q in enumerate(asked)}
    found: list[tuple[str, list[str]]] = []
    for block in blocks:
        for unit in _units(block, asked):
            if is_small_talk(unit):
                continue
            last = order[found[-1][0]] if found else -1
            expected = asked[last + 1].key if last + 1 < len(asked) else ""
            key = _clear_key(unit, asked, expected)
            if not key:
                continue
            if found and key == found[-1][0]:
                found[-1][1].append(unit)
            elif order[key] > last:
                found.append((key, [unit]))
            else:
                return []  # answers out of the order asked: not read this way
    return [Candidate(key, "\n\n".join(parts), 0.65, IN_ORDER) for key, parts in found]


def _units(block: str, asked: Sequence[Asked]) -> list[str]:
    """``block``, or its clauses grouped by the question each clearly answers when one of them
    turns to another question."""
    named = _named_by(block.split("\n")[0], asked) or leading_label(block, asked)
    ranked = sorted(hits(block, asked).items(), key=lambda kv: kv[1], reverse=True)
    top = named or (ranked[0][0] if ranked and ranked[0][1] else "")
    if not top or not turns_to_other(block, top, asked):
        return [block]
    groups: list[list[str]] = []
    current = ""
    for clause in clauses(block):
        key = clause_key(clause, asked)
        if (key and key != current) or not groups:
            groups.append([])
            current = key or current
        groups[-1].append(clause)
    # Each part reads as a sentence of its own: "I'd love to ask ...," / "in return I can ...".
    return [LEADING_AND_RE.sub("", " ".join(g)).rstrip(",;–—- ") for g in groups]


def _clear_key(text: str, asked: Sequence[Asked], expected: str) -> str:
    """The question ``text`` clearly answers, or "": named by its label, or by its hint words:
    two more than any other question's, or, where the order asked expects that question next,
    simply more (the words it opens with counting twice). A text with two hint words of a
    second question holds two answers and is nobody's."""
    first = text.split("\n")[0]
    named = _named_by(first, asked) or leading_label(LEADING_AND_RE.sub("", first), asked)
    if named:
        return named
    scores = hits(text, asked)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or not ranked[0][1]:
        return ""
    key, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    if second >= 2:
        return ""  # two answers in one text we could not split
    if expected and scores.get(expected, 0):
        # The order asked expects this question next and the text has its words: enough
        # when they outweigh any other's, counting twice those it opens with ("I'm curious
        # about ...").
        lead = hits(" ".join(text.split()[:8]), asked)
        weight = {k: n + lead.get(k, 0) for k, n in scores.items()}
        if all(weight[expected] > n for k, n in weight.items() if k != expected):
            return expected
    if second and len(text.split()) > 30:
        return ""
    return key if top >= second + 2 else ""


# --- prose: sentences sorted by what they say --------------------------------------------------


def prose(own: str, asked: Sequence[Asked]) -> list[Candidate]:
    """Everything in one or two paragraphs: each sentence goes to the question whose hint words
    it uses clearly most; a sentence without any stays with the one before it. A question is
    answered this way only with enough evidence, and never surely."""
    blocks = paragraphs_of(own)
    if not blocks or len(blocks) > 2:
        return []
    found: dict[str, list[str]] = {}
    evidence: dict[str, int] = {}
    carried: dict[str, int] = {}  # sentences kept for a question without a hint of their own
    contested: set[str] = set()  # answers holding a sentence that also speaks of another
    current: str | None = None
    opening: list[str] = []  # sentences without a hint before any answer
    for sentence in clauses(" ".join(blocks)):
        if is_small_talk(sentence):
            continue
        scores = hits(sentence, asked)
        if not found and current is None and not any(scores.values()):
            opening.append(sentence.strip())
        lead = label_marker(sentence, asked)
        named = leading_label(sentence, asked)
        labelled = ""
        if lead is not None and lead.kind != ECHO and lead.best()[1] >= 0.9:
            labelled = lead.best()[0]  # "My questions: ...": a label
            sentence = lead.rest or sentence  # the answer after it
        elif named:
            labelled = named  # "In return I could ...", "Zeitlich passt ...": one too
        raw = scores
        if labelled:
            # A labelled sentence that goes on about another question holds two answers.
            if any(n >= 2 for k, n in scores.items() if k != labelled):
                contested.add(labelled)
            scores = {labelled: 3}
        else:
            scores = _with_lead(sentence, scores, asked)
        ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
        top, second = ranked[0] if ranked else ("", 0), ranked[1][1] if len(ranked) > 1 else 0
        if top[1] > second:
            current = top[0]
            evidence[current] = evidence.get(current, 0) + (3 if labelled else raw[current])
            # Two words of another question make a second answer likely; one stray word ("der
            # Beruf") does not, when the sentence opens with words of its own question.
            led = not labelled and scores[current] > raw[current]
            if any(n >= 2 for k, n in raw.items() if k != current) or (
                second and not labelled and not led and second >= top[1] - 1
            ):
                contested.add(current)
        elif top[1] and top[1] == second:
            current = None  # a sentence about two things is nobody's answer
            continue
        elif current is not None:
            carried[current] = carried.get(current, 0) + 1
        if current is not None:
            if not found and opening and _opens_with_self(opening, current, asked):
                found[asked[0].key] = opening
                evidence[asked[0].key] = 1
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


def _with_lead(sentence: str, scores: dict[str, int], asked: Sequence[Asked]) -> dict[str, int]:
    """``scores`` with the hint words of the sentence's first six words counted twice: what a
    sentence opens with ("Ich möchte gern erfahren, ...") says what it is about."""
    lead = hits(" ".join(sentence.split()[:6]), asked)
    return {k: n + lead.get(k, 0) for k, n in scores.items()}


# Words of a sentence about the reader or the exchange, not about the writer.
_NOT_ABOUT_SELF = frozenset(
    {
        *("you", "your", "yours", "thanks", "thank", "sorry", "hope", "apologies", "glad"),
        *("happy", "ihnen", "euch", "dir", "dich", "danke", "entschuldigung", "hoffe", "vielen"),
        "entschuldigen",
    }
)


def _opens_with_self(opening: list[str], first_answered: str, asked: Sequence[Asked]) -> bool:
    """Whether the sentences before the first answer found answer the first question: a guest
    who writes everything in one paragraph starts with who they are ("Bauingenieur, seit 2018
    bei einem Planungsbüro."), in words we may have no hint for. Only when the first answer
    found is a later question's, and the sentences speak of the writer, not of the reader."""
    if len(asked) < 2 or first_answered == asked[0].key:
        return False
    return len(words(" ".join(opening))) >= 3 and not any(
        set(words(s)) & _NOT_ABOUT_SELF for s in opening
    )


def _prose_score(evidence: int, carried: int) -> float:
    """Two hint words make a prose answer; one does when every sentence of it has its own."""
    if evidence >= 2:
        return 0.65
    return 0.6 if evidence == 1 and not carried else 0.45
