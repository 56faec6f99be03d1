"""PURE: what a first mail wants, with the right to abstain. A transparent scorer, so the
thread's log can say why.

Each category lists phrases per language (``config/intent.toml``): a phrase found in the guest's
own text scores one point, a ``strong`` phrase two, and either scores one more when it stands in
the subject (people name their purpose there). Attachments are structure: a file whose name
holds one of a category's ``attachment_words`` scores two points, and any attachment half a point
for ``application``. A category may start from a ``prior`` (the shared address exists for
requests, so a little request evidence is enough there); a prior alone never decides.

The confidence of the winner is its share of all evidence plus one point of "unexplained" mass:
a single weak phrase gives 0.5, a strong one 0.67, a request phrase against an equally strong
application phrase 0.33. Below ``min_confidence``, or with no evidence at all, the verdict is
UNCLEAR and the mail waits for an admin: sending a questionnaire to a sales pitch, or an
application note to a guest, is worse than a short wait.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    even then, ``confidence`` its share of the evidence (0-1)."""

    category: str
    scores: Mapping[str, float]
    reasons: tuple[str, ...]
    confidence: float = 0.0
    best: str = ""

    def explain(self) -> str:
        """One line for the event log: the verdict, its confidence, every score, the evidence."""
        scores = ", ".join(f"{name} {score:g}" for name, score in self.scores.items() if score)
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
    looking for a job" (request) is not also "looking for a job" (application).
    """
    scores = {category.name: category.prior for category in categories}
    reasons: list[str] = []
    counted: set[tuple[str, str]] = set()
    for where, haystack in (("subject", _haystack(subject)), ("text", _haystack(text))):
        for name, phrase, weight in _matches(haystack, categories):
            bonus = _IN_SUBJECT if where == "subject" else 0.0
            if (name, phrase) in counted:
                scores[name] += bonus
                continue
            counted.add((name, phrase))
            scores[name] += weight + bonus
            reasons.append(f"{name}: '{phrase}'" + (" (subject)" if bonus else ""))
    for category in categories:
        scores[category.name] += _score_files(category, attachments, reasons)
    return _verdict(scores, tuple(reasons), min_confidence)


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


def _verdict(scores: dict[str, float], reasons: tuple[str, ...], floor: float) -> Intent:
    total = sum(scores.values())
    if not reasons:
        return Intent(UNCLEAR, scores, reasons, 0.0, REQUEST)
    best = max(scores, key=lambda name: (scores[name], name == REQUEST))
    confidence = scores[best] / (total + _UNEXPLAINED)
    category = best if confidence >= floor else UNCLEAR
    return Intent(category, scores, reasons, round(confidence, 2), best)


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
