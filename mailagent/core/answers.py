"""PURE: a guest's answers to the questionnaire, read out of an ordinary reply.

Guests answer the way people write: inline under each quoted question, numbered ("1. ...",
"Q3:"), under labels in their own words ("About me:", "Zu meiner Person:"), one paragraph per
question, or all in prose. Every form is tried (:mod:`mailagent.core.answer_forms`), each
candidate answer is scored for how surely it answers its question, and the candidates are
merged: per question the best-scored one, and only when its evidence is clear. A question whose
answer is unclear is left out, so the guest is asked for it again: a wrong answer shown to a
manager is worse than a question.

Quoted history (with or without an attribution line, or copied from our mail), greetings,
preambles ("Please find my answers below:"), sign-offs and the writer's name never become part
of an answer (:mod:`mailagent.core.reply_text`). The untrimmed mail stays stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from mailagent.core import answer_forms as forms
from mailagent.core import answer_paragraphs as by_order
from mailagent.core.answer_evidence import LABELLED, Candidate
from mailagent.core.labels import Asked, without_number
from mailagent.core.reply_text import frame_trimmed, normal
from mailagent.core.reply_text import split_reply as _split

__all__ = ["Asked", "extract", "extract_labeled", "extract_split", "signature_name", "split_reply"]

ANSWER_CAP = 2000
#: A candidate answer is kept at this score (0-1) or above.
KEEP = 0.6
_PLACEHOLDERS = frozenset({"", "-", "--", "?", "n/a", "na", "tbd", "...", "x", "none", "keine"})


def split_reply(text: str, languages: Sequence[str] = ("en",), ours: str = "") -> tuple[str, str]:
    """(the person's new text, the quoted part with any inline answers in it)."""
    reply = _split(text, languages, ours)
    return reply.own, reply.quoted


def extract(
    text: str,
    asked: Sequence[Asked],
    languages: Sequence[str] = ("en",),
    ours: str = "",
    names: Iterable[str] = (),
) -> dict[str, str]:
    """Answers found in ``text`` for ``asked`` (key -> answer); only clear, non-empty answers.

    ``ours``: the text of the mail being answered (its lines are never an answer); ``names``:
    the words of the writer's name (a last line of only those is a signature).
    """
    if not asked or not text.strip():
        return {}
    top, quoted = split_reply(text, languages, ours)
    return extract_split(top, quoted or text, asked, names, ours)


def extract_split(
    top: str,
    quoted: str,
    asked: Sequence[Asked],
    names: Iterable[str] = (),
    ours: str = "",
) -> dict[str, str]:
    """:func:`extract` for a reply already split by :func:`split_reply` (``quoted``: the part
    with the quoted questions, or the whole mail)."""
    names = tuple(names)
    own = frame_trimmed(top, names)
    candidates = [
        *forms.inline(quoted, asked, ours),
        *forms.marked(own, asked),
        *by_order.paragraphs(own, asked),
        *by_order.prose(own, asked),
    ]
    return _merge(candidates, asked, names)


def extract_labeled(text: str, asked: Sequence[Asked]) -> dict[str, str]:
    """Only answers the guest labelled ("Background: ..."): safe to read from a first mail,
    where the other forms would mistake ordinary sentences for answers."""
    own = frame_trimmed(text)
    found = [c for c in forms.marked(own, asked) if c.form == LABELLED]
    return _merge(found, asked, ())


def _merge(
    candidates: Sequence[Candidate], asked: Sequence[Asked], names: tuple[str, ...]
) -> dict[str, str]:
    """Per question the best-scored candidate, when it is clear enough; a text claimed for two
    questions goes to the one whose claim is clearly stronger, else to neither."""
    order = {q.key: i for i, q in enumerate(asked)}
    best: dict[str, Candidate] = {}
    for candidate in candidates:
        text = _tidy(candidate.text, names)
        if candidate.key not in order or not _substantial(text):
            continue
        scored = Candidate(candidate.key, text, candidate.score, candidate.form)
        if (
            scored.score >= KEEP
            and scored.score > best.get(candidate.key, Candidate("", "", 0.0, "")).score
        ):
            best[candidate.key] = scored
    chosen = dict(best)
    for a in best.values():
        for b in best.values():
            if a.key < b.key and _overlap(a.text, b.text):
                weaker = min((a, b), key=lambda c: c.score)
                stronger = a if weaker is b else b
                chosen.pop(weaker.key, None)
                if stronger.score - weaker.score < 0.2:
                    chosen.pop(stronger.key, None)
    return {k: chosen[k].text for k in sorted(chosen, key=order.__getitem__)}


def _overlap(a: str, b: str) -> bool:
    """Whether two answers share text (one contains much of the other)."""
    x, y = normal(a), normal(b)
    if not x or not y:
        return False
    shorter, longer = sorted((x, y), key=len)
    return shorter in longer


def _tidy(answer: str, names: tuple[str, ...]) -> str:
    lines = [line for line in answer.splitlines() if not line.lstrip().startswith(">")]
    tidy = _without_asides(frame_trimmed("\n".join(lines), names))
    # A clause cut out of a sentence reads as one: "and what I would like to learn is ...".
    tidy = re.sub(r"^(?:and|und|so|also)\s+(?=[a-zäöü])", "", tidy).rstrip(",; ")
    if not re.search(r"\n\s*\(?\d{1,2}[.)]\s", tidy):
        tidy = without_number(tidy)  # "1. Retail manager" read as a sentence; not a list
    return tidy[:ANSWER_CAP].strip()


# Words about the answers rather than an answer: a promise to answer later, a word on our
# summary, an offer to say more. At the end of an answer they are cut; alone they answer nothing.
_ASIDE_RE = re.compile(
    r"\b(?:i(?:'ll| will| shall) (?:send|get back|come back|follow up|let you know|share)|"
    r"(?:will|would) (?:send|get back|come back) (?:to you )?(?:with|on|later|by|next)|"
    r"(?:need|have) to check (?:my|with|first)|"
    r"(?:your|the) summary(?: of the rest)? (?:is|looks) (?:correct|right|fine|spot on)|"
    r"everything else (?:in your summary )?is (?:correct|right)|"
    r"(?:happy|glad) to (?:add|elaborate|say more|provide more)|let me know if you need|"
    r"melde (?:ich )?mich (?:morgen|noch|später|nächste woche|dazu|bald)|"
    r"reiche ich (?:noch |gern )?nach|"
    r"schicke ich (?:ihnen )?(?:noch|später|morgen|nach)|muss (?:ich )?(?:erst |noch )?"
    r"(?:prüfen|klären|schauen|nachsehen)|für rückfragen stehe ich|gern(?:e)? ergänze ich|"
    r"ihre zusammenfassung (?:stimmt|ist richtig|passt)|der rest stimmt)",
    re.IGNORECASE,
)
# Words that put an answer off or say the question was not understood: wherever they stand
# in a sentence, that sentence answers nothing ("I am travelling this week, I will send you my
# availability when I'm back").
_DEFERRAL_RE = re.compile(
    r"\b(?:i(?:'ll| will) (?:send|share|give) (?:you )?(?:them|it|those|these|(?:my|some|the) "
    r"(?:possible )?(?:dates|times|availability|questions|answers?|rest|details)|more)\b"
    r"[^.!?]{0,40}"
    r"(?:later|when|once|by|after|next|tomorrow|soon|on (?:mon|tue|wed|thu|fri))|"
    r"(?:don't|do not|didn't|did not) (?:really |quite )?(?:understand|know|get) what you "
    r"(?:want|mean|are looking for|expect)|not (?:really |quite )?sure what you (?:want|mean)|"
    r"(?:like|need|want|have) to (?:talk|speak|check) (?:to|with) my (?:manager|boss|team|"
    r"employer)(?: first)?|"
    r"(?:weiß|verstehe) (?:ich )?(?:nicht|nicht so recht|nicht genau),? was sie|"
    r"(?:reiche|schicke|sende) ich (?:ihnen )?(?:noch |gern |später |morgen )*nach|"
    r"muss (?:ich )?(?:erst|zuerst) mit meine[mr]? (?:chef|chefin|vorgesetzten|team))",
    re.IGNORECASE,
)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?;])\s+|\s*\n\s*\n\s*|(?<=[.!?])$")


def _without_asides(answer: str) -> str:
    """``answer`` without what follows its last real sentence: asides ("I'll send my dates on
    Monday"), a closing on the same line ("... MEZ. Gruß T. Reiter") and the few short lines of
    a signature after them. An answer that is only asides is ""."""
    spaced = answer.replace("\n", " \n ")
    parts = [p for p in _SENTENCE_END_RE.split(spaced) if p.strip()]
    cut = len(parts)
    for i in range(len(parts) - 1, -1, -1):
        if len(parts) - i > 8:
            break
        aside = _ASIDE_RE.search(parts[i])
        # An aside leads its sentence ("I'll send ...", "Happy to say more"), it is not a
        # clause deep inside an answer.
        aside_leads = (aside is not None and len(parts[i][: aside.start()].split()) <= 4) or bool(
            _DEFERRAL_RE.search(parts[i])
        )
        # A closing is short ("Gruß T. Reiter"); "Best for me is Monday ..." is an answer.
        closing = aside_leads or (
            _CLOSING_WORD_RE.match(parts[i].strip()) and len(parts[i].split()) <= 8
        )
        after = [line for p in parts[i + 1 :] for line in p.split("\n")]
        if closing and all(len(line.split()) <= 8 for line in after):
            cut = i
    if cut == 0:
        return ""
    if cut == len(parts):
        return answer.strip()
    last = parts[cut - 1]
    kept = spaced[: spaced.find(last) + len(last)].replace(" \n ", "\n")
    return kept.strip().rstrip(";,").strip()


_CLOSING_WORD_RE = re.compile(
    r"^(?:gru(?:ß|ss)|gr(?:ü|ue)(?:ß|ss)e|lg|vg|best(?: regards| wishes)?|cheers|thanks|"
    r"thank you|kind regards|regards|danke|merci|obrigad[oa]|saludos|mit freundlichen)\b",
    re.IGNORECASE,
)


# Answers that say there is no answer ("See above.", "Da fällt mir spontan nichts ein."): the
# question is asked again rather than stored as answered.
_NON_ANSWER_RE = re.compile(
    r"^(?:(?:please )?see (?:above|below|my (?:answer|point) (?:to )?\w+)|as above|"
    r"(?:already )?(?:covered|answered) above|same as (?:above|\w+)|siehe oben|s\. ?o\.|wie oben|"
    r"(?:siehe|s\.) (?:punkt|frage) \d|"
    r"(?:nothing|not much|none) (?:comes|springs) to mind|(?:i )?(?:have )?no idea(?: yet)?|"
    r"not sure(?: yet)?|nothing (?:really|yet|at the moment)|"
    r"(?:da )?fällt mir (?:spontan |gerade |leider )?(?:noch )?nichts ein|keine ahnung|"
    r"weiß (?:ich )?(?:noch )?nicht|(?:noch )?nichts|nichts konkretes)\b[^.!?]{0,40}[.!?]*$",
    re.IGNORECASE,
)


def _substantial(answer: str) -> bool:
    plain = answer.strip().casefold().strip(".!")
    return (
        plain not in _PLACEHOLDERS
        and not _NON_ANSWER_RE.match(without_number(answer.strip()))
        and bool(re.search(r"[^\W\d_]{2}", answer))
    )


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
