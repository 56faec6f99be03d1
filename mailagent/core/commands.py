"""PURE: plain-words commands from a guest ("please cancel", "forget me").

Only the guest's own new text counts (quoted history is removed first), and only near its start:
a command is something people put first, and a long answer that happens to contain "cancel"
somewhere must not end the conversation.
"""

from __future__ import annotations

import re

WITHDRAW = "withdraw"
FORGET = "forget"

_FORGET = (
    "delete my data",
    "delete all my data",
    "delete my personal data",
    "remove my data",
    "erase my data",
    "forget me",
    "right to erasure",
    "meine daten löschen",
    "löschen sie meine daten",
    "lösche meine daten",
    "löschung meiner daten",
    "vergessen sie mich",
)
_WITHDRAW = (
    "please cancel",
    "cancel my request",
    "i would like to cancel",
    "i'd like to cancel",
    "i found what i needed",
    "i have found what i needed",
    "found what i was looking for",
    "stop emailing me",
    "stop e-mailing me",
    "stop sending me",
    "no longer interested",
    "not interested anymore",
    "please remove me",
    "unsubscribe",
    "bitte absagen",
    "ich möchte absagen",
    "bitte stornieren",
    "kein interesse mehr",
    "nicht mehr interessiert",
    "keine e-mails mehr",
    "keine mails mehr",
)
_HEAD_CHARS = 300


def may_hold_command(text: str) -> bool:
    """False when no command phrase appears anywhere in ``text`` (the whole mail): then its
    new text holds none either, and the reply need not be split to find out."""
    flat = re.sub(r"\s+", " ", text.lower()).replace("’", "'")
    return any(phrase in flat for phrase in (*_FORGET, *_WITHDRAW))


def guest_command(new_text: str) -> str | None:
    """FORGET, WITHDRAW or None for the new (unquoted) text of a guest's mail."""
    head = re.sub(r"\s+", " ", new_text[:_HEAD_CHARS].lower()).replace("’", "'")
    if any(phrase in head for phrase in _FORGET):
        return FORGET
    if any(phrase in head for phrase in _WITHDRAW):
        return WITHDRAW
    return None
