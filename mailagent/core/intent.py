"""PURE: what a first mail wants. A transparent scorer, so the thread's log can say why.

Each category lists phrases per language (``config/intent.toml``); a phrase found in the subject
or the guest's own text scores one point. Attachments are structure: a file whose name holds one
of a category's ``attachment_words`` scores three points, and any attachment one point for the
``application`` category. The best score wins; a tie with ``request``, or no evidence at all,
counts as a request, because not answering a real guest is the worse mistake.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mailagent.core.mime import Attachment

REQUEST = "request"
APPLICATION = "application"


@dataclass(frozen=True)
class Category:
    name: str
    phrases: Mapping[str, tuple[str, ...]]
    attachment_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class Intent:
    category: str
    scores: Mapping[str, int]
    reasons: tuple[str, ...]

    def explain(self) -> str:
        """One line for the event log: the winner, every score, the evidence."""
        scores = ", ".join(f"{name} {score}" for name, score in self.scores.items())
        evidence = "; ".join(self.reasons[:8]) or "no evidence"
        return f"{self.category} ({scores}): {evidence}"


def judge(
    subject: str, text: str, attachments: Sequence[Attachment], categories: Sequence[Category]
) -> Intent:
    """Score ``subject`` + ``text`` + ``attachments`` against ``categories``."""
    haystack = " " + re.sub(r"\s+", " ", f"{subject}\n{text}".lower()).replace("’", "'") + " "
    scores: dict[str, int] = {}
    reasons: list[str] = []
    for category in categories:
        score = 0
        for phrases in category.phrases.values():
            for phrase in phrases:
                if _contains(haystack, phrase.lower()):
                    score += 1
                    reasons.append(f"{category.name}: '{phrase}'")
        for attachment in attachments:
            name = attachment.filename.lower()
            hits = [w for w in category.attachment_words if w.lower() in name]
            if hits:
                score += 3
                reasons.append(f"{category.name}: attachment '{attachment.filename}'")
            elif category.name == APPLICATION:
                score += 1
                reasons.append(f"{category.name}: an attachment ({attachment.content_type})")
        scores[category.name] = score
    best = max(scores.values(), default=0)
    winner = REQUEST
    if best > 0 and scores.get(REQUEST, 0) < best:
        winner = next(name for name, score in scores.items() if score == best)
    return Intent(winner, scores, tuple(reasons))


def _contains(haystack: str, phrase: str) -> bool:
    """Whole-word containment (so "demo" does not match "democracy")."""
    if phrase not in haystack:
        return False  # most phrases are absent: skip building their pattern
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", haystack) is not None
