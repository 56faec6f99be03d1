"""PURE: what a first mail wants, with the right to abstain. A transparent scorer, so the
thread's log can say why.

Each category lists phrases per language (``config/intent.toml``): a phrase found in the guest's
own text scores one point, a ``strong`` phrase two, and either scores one more when it stands in
the subject (people name their purpose there). Attachments are structure: a file whose name
holds one of a category's ``attachment_words`` scores two points, and any attachment half a point
for ``application``. A category may start from a ``prior`` (the shared address exists for
requests, so a little request evidence is enough there); a prior alone never decides. The
subject of a reply ("Re:", "AW:") is the original's, not the sender's statement of purpose: its
phrases count as text, without the subject's extra point.

The confidence of the winner is its share of all evidence plus one point of "unexplained" mass:
a single weak phrase gives 0.5, a strong one 0.67, a request phrase against an equally strong
application phrase 0.33. Below ``min_confidence``, or with no evidence at all, the verdict is
UNCLEAR and the mail waits for an admin: sending a questionnaire to a sales pitch, or an
application note to a guest, is worse than a short wait.

Doubt is evidence against the verdicts that write to the sender (request, application) without
saying what the mail is instead: a text that speaks more as "we/our" than as "I/my" is an
organisation writing (a seller, a newsroom, a careers service), not one person asking for
themselves. Doubt joins the unexplained mass of those verdicts only, so it can turn a
questionnaire into an abstention but never picks or blocks a silent class. The pronouns are
English and German; text in other languages gets no doubt.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailagent.core.mime import Attachment

REQUEST = "request"
APPLICATION = "application"
UNCLEAR = "unclear"

_PHRASE = 1.0
_STRONG = 2.0
_IN_SUBJECT = 1.0
_NAMED_FILE = 2.0
_ANY_FILE = 0.5
_UNEXPLAINED = 1.0
_ORGANISATION_VOICE = 2.0  # as much as one strong phrase of a class we cannot name
_ANSWERED = frozenset({REQUEST, APPLICATION})  # the verdicts that send the sender a mail

# "Re: Informational interview" is our own subject coming back (also AW:, Antw:, SV:, "Re[2]:").
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|antw|sv)\s*(?:\[\d+\])?\s*:", re.IGNORECASE)
# "Could we talk", "können wir uns treffen": a we that includes the reader, not an organisation.
_WE_WITH_READER = re.compile(
    r"(?<!\w)(?:(?:can|could|shall|should|would|will|may|might) we|let us|let's|"
    r"(?:können|könnten|wollen|sollen|sollten|würden|dürfen) wir(?: uns)?|wir uns)(?!\w)"
)
_WE = re.compile(
    r"(?<!\w)(?:we|we're|we've|we'd|we'll|our|ours|us|"
    r"wir|uns|unser|unsere|unserem|unseren|unserer|unseres)(?!\w)"
)
_I = re.compile(
    r"(?<!\w)(?:i|i'm|i've|i'd|i'll|my|me|mine|"
    r"ich|mich|mir|mein|meine|meinem|meinen|meiner|meines)(?!\w)"
)


@dataclass(frozen=True)
class Category:
    name: str
    phrases: Mapping[str, tuple[str, ...]]
    attachment_words: tuple[str, ...] = ()
    strong: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    prior: float = 0.0


def category_from(table: Mapping[str, Any]) -> Category:
    """A category from one ``[[categories]]`` table of an intent file, as TOML gives it."""
    return Category(
        table["name"],
        dict(table.get("phrases", {})),
        tuple(table.get("attachment_words", ())),
        dict(table.get("strong", {})),
        float(table.get("prior", 0.0)),
    )


@dataclass(frozen=True)
class Intent:
    """``category`` is the verdict (UNCLEAR when abstaining), ``best`` the top-scoring category
    even then, ``confidence`` its share of the evidence (0-1), ``doubt`` the evidence against
    the answered verdicts (request, application) that names no class."""

    category: str
    scores: Mapping[str, float]
    reasons: tuple[str, ...]
    confidence: float = 0.0
    best: str = ""
    doubt: float = 0.0

    def explain(self) -> str:
        """One line for the event log: the verdict, its confidence, every score, the evidence."""
        named = [*self.scores.items(), ("doubt", self.doubt)]
        scores = ", ".join(f"{name} {score:g}" for name, score in named if score)
        evidence = "; ".join(self.reasons[:8]) or "no evidence"
        lead = self.category if self.category != UNCLEAR else f"unclear (best: {self.best})"
        return f"{lead}, confidence {self.confidence:.2f} ({scores or 'all 0'}): {evidence}"


def judge(
    subject: str,
    text: str,
    attachments: Sequence[Attachment],
    categories: Sequence[Category],
    min_confidence: float = 0.6,
) -> Intent:
    """Score ``subject`` + ``text`` + ``attachments`` against ``categories``.

    Phrases are matched longest first and a matched stretch of text is used once, so "not
    looking for a job" (request) is not also "looking for a job" (application). A reply's
    subject earns no subject bonus; ``text`` (the sender's own words, quotes cut) is also
    read for the organisation's voice (doubt).
    """
    scores = {category.name: category.prior for category in categories}
    reasons: list[str] = []
    counted: set[tuple[str, str]] = set()
    own_subject = _REPLY_SUBJECT.match(subject) is None
    for where, haystack in (("subject", _haystack(subject)), ("text", _haystack(text))):
        for name, phrase, weight in _matches(haystack, categories):
            bonus = _IN_SUBJECT if where == "subject" and own_subject else 0.0
            if (name, phrase) in counted:
                scores[name] += bonus
                continue
            counted.add((name, phrase))
            scores[name] += weight + bonus
            reasons.append(f"{name}: '{phrase}'" + (" (subject)" if bonus else ""))
    for category in categories:
        scores[category.name] += _score_files(category, attachments, reasons)
    doubt = _organisation_voice(_haystack(text), reasons)
    return _verdict(scores, tuple(reasons), min_confidence, doubt)


def _matches(haystack: str, categories: Sequence[Category]) -> list[tuple[str, str, float]]:
    """(category, phrase, weight) for each phrase found, longest phrases claiming text first."""
    found: list[tuple[int, int, str, str, float]] = []
    for category in categories:
        for weight, table in ((_PHRASE, category.phrases), (_STRONG, category.strong)):
            for phrases in table.values():
                for phrase in phrases:
                    low = phrase.lower()
                    if low not in haystack:
                        continue  # most phrases are absent: skip building their pattern
                    pattern = rf"(?<!\w){re.escape(low)}(?!\w)"
                    for hit in re.finditer(pattern, haystack):
                        found.append((hit.start(), hit.end(), category.name, phrase, weight))
    found.sort(key=lambda f: (f[0] - f[1], f[0]))
    taken: list[tuple[int, int]] = []
    kept = []
    for start, end, name, phrase, weight in found:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        kept.append((name, phrase, weight))
    return kept


def _organisation_voice(haystack: str, reasons: list[str]) -> float:
    """Doubt when the text says "we/our" at least twice and at least as often as "I/my": a
    person asking for themselves says "I"; a seller says "our clients", a newsroom "our
    readers", a careers service "our students"."""
    we = len(_WE.findall(_WE_WITH_READER.sub(" ", haystack)))
    i = len(_I.findall(haystack))
    if we < 2 or we < i:
        return 0.0
    reasons.append(f"doubt: speaks for an organisation (we/our {we}, I/my {i})")
    return _ORGANISATION_VOICE


def _verdict(
    scores: dict[str, float], reasons: tuple[str, ...], floor: float, doubt: float = 0.0
) -> Intent:
    total = sum(scores.values())
    if not reasons:
        return Intent(UNCLEAR, scores, reasons, 0.0, REQUEST)
    best = max(scores, key=lambda name: (scores[name], name == REQUEST))
    # Doubt only weakens a verdict that writes to the sender: silence needs no certainty.
    against = doubt if best in _ANSWERED else 0.0
    confidence = scores[best] / (total + _UNEXPLAINED + against)
    category = best if confidence >= floor else UNCLEAR
    return Intent(category, scores, reasons, round(confidence, 2), best, doubt)


def _haystack(text: str) -> str:
    return " " + re.sub(r"\s+", " ", text.lower()).replace("’", "'") + " "


def _score_files(
    category: Category, attachments: Sequence[Attachment], reasons: list[str]
) -> float:
    score = 0.0
    for attachment in attachments:
        name = attachment.filename.lower()
        if any(w.lower() in name for w in category.attachment_words):
            score += _NAMED_FILE
            reasons.append(f"{category.name}: attachment '{attachment.filename}'")
        elif category.name == APPLICATION:
            score += _ANY_FILE
            reasons.append(f"{category.name}: an attachment ({attachment.content_type})")
    return score
