"""PURE: what a manager's reply says, from any mail client.

The grammar, on the first lines of the manager's own text (quotes and signature removed first;
English or German, any case):

- a time: ``Thursday 3pm works``, ``Do 3.12. 15:00``, ``2026-12-03 15:00 CET`` -> ACCEPT
- several times: ``Tue 10:00 or Wed 14:30`` -> PROPOSE (the guest picks)
- ``decline [reason]`` (also ``no``, ``ablehnen``, "I can't make it", "leider keine Zeit")
  -> DECLINE
- ``delegate someone@firm.example`` (also ``weiterleiten an``) -> DELEGATE
- ``cancel [reason]`` (also ``absagen``) -> CANCEL (a meeting already agreed)
- ``note TEXT`` (also ``notiz``) -> NOTE (kept on the thread, nothing sent)
- ``guest: TEXT`` (also ``gast:``) -> RELAY (sent to the guest in the manager's words)

Anything else is UNCLEAR: the manager is asked once, in a short mail, never guessed for. A time
named in a negative sentence ("I can't do Thursday 3pm") does not count as an offer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from mailagent.core.times import find_slots, without_negated

ACCEPT = "accept"
PROPOSE = "propose"
DECLINE = "decline"
DELEGATE = "delegate"
CANCEL = "cancel"
NOTE = "note"
RELAY = "relay"
UNCLEAR = "unclear"

_HEAD_LINES = 12
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_KEYWORDS = (
    (DECLINE, r"decline|declined|ablehnen|abgelehnt"),
    (DELEGATE, r"delegate|delegated|forward to|weiterleiten an|weiterleiten|übergeben an"),
    (CANCEL, r"cancel|cancelled|absagen|abgesagt|stornieren"),
    (NOTE, r"note(?=\s*:|\s+(?!that\b)\w)|notiz"),
    (RELAY, r"(?:to the |for the |an den |für den )?(?:guest|gast)(?=\s*:)"),
)
_DECLINE_PHRASES = re.compile(
    r"^\W*(no|nein),?\s+(sorry|leider)\b|\b(not possible|nicht möglich|i can'?t make it|"
    r"i cannot make it|i can'?t do (it|this)|i'?m not available|"
    r"i am not available|not available|no capacity|no time|i'?ll pass|i will pass|"
    r"please ask someone else|not this time|have to decline|must decline|"
    r"keine zeit|kann leider nicht|habe leider keine|nicht verfügbar|"
    r"bitte jemand anderen|muss (leider )?absagen)\b",
    re.IGNORECASE,
)
_GREETING = re.compile(
    r"^(hi|hello|hey|dear|hallo|guten (tag|morgen|abend)|liebe[rs]?|moin|servus|"
    r"good (morning|afternoon|evening))\b[^.!?:]{0,40}[,!]?$",
    re.IGNORECASE,
)
_MOBILE = re.compile(
    r"^(sent from (my |outlook|mail for)|get outlook for|von meinem .* gesendet|"
    r"gesendet von (meinem|outlook)|sent with )",
    re.IGNORECASE,
)
_ASK_OTHER = re.compile(
    r"\b(ask|forward|delegate|hand (it |this )?(over )?to|better person|"
    r"fragen sie|frag|weiterleiten|übernimmt|übernehmen)\b",
    re.IGNORECASE,
)
# A sentence ends after a word, not after the dot of a date ("Do 3.12. 15:00").
_CLAUSES = re.compile(
    r"(?<=[^\W\d][.!?])\s+|(?<=[!?;])\s+|\s+(?:but|however|aber|sondern|jedoch)\s+", re.IGNORECASE
)
_YES = re.compile(r"^\W*(yes|yep|sure|definitely|absolutely|ja|gerne|gern|unbedingt)\b", re.I)
_NO = re.compile(r"^\W*(no|nope|not really|nein|eher nicht|lieber nicht)\b", re.I)
_KEEP = re.compile(r"\b(keep in touch|stay in touch|in kontakt bleiben|kontakt halten)\b", re.I)
_DONT_KEEP = re.compile(
    r"\b(no need to keep in touch|don'?t keep in touch|not keep in touch|"
    r"(don'?t|do not|not|no need to) (stay|be kept) in touch|"
    r"nicht in kontakt bleiben|kein kontakt)\b",
    re.I,
)


@dataclass(frozen=True)
class ManagerReply:
    """``slots`` are aware UTC; ``text`` is the reason, note, relayed words or delegate's note;
    ``said`` the manager's whole new text (greeting and phone signature removed)."""

    command: str
    slots: tuple[datetime, ...] = ()
    text: str = ""
    delegate_to: str = ""
    said: str = ""


def clean_lines(own_text: str) -> list[str]:
    """The manager's own lines: no quoted (``>``) lines, nothing from a phone's "Sent from"
    line on, no greeting line ("Hi,", "Hallo Team,") at the top."""
    return [line for paragraph in paragraphs(own_text) for line in paragraph]


def paragraphs(own_text: str) -> list[list[str]]:
    """:func:`clean_lines`, kept in the paragraphs the manager wrote (blank lines apart)."""
    found: list[list[str]] = [[]]
    for raw in own_text.splitlines():
        line = raw.strip()
        if _MOBILE.match(line):
            break
        if line.startswith(">"):
            continue
        if not line:
            if found[-1]:
                found.append([])
            continue
        if not any(found) and _GREETING.match(line):
            continue
        found[-1].append(line)
    return [p for p in found if p]


def read_reply(own_text: str, timezone: str, sent: datetime) -> ManagerReply:
    """What the manager's new text asks for. ``timezone``: the manager's zone; ``sent``: when
    the reply was written (the mail's Date, else when it arrived)."""
    parts = paragraphs(own_text)
    lines = [line for part in parts for line in part]
    reply = _read(lines, parts, timezone, sent)
    return replace(reply, said="\n".join(lines))


def _read(lines: list[str], parts: list[list[str]], timezone: str, sent: datetime) -> ManagerReply:
    head = lines[:_HEAD_LINES]
    if not head:
        return ManagerReply(UNCLEAR)
    keyword = _keyword(head[0])
    if keyword is not None:
        command, rest = keyword
        if command == DELEGATE:
            address = _ADDRESS.search(" ".join(head[:3]))
            if address is None:
                return ManagerReply(UNCLEAR, text="delegate without an address")
            return ManagerReply(DELEGATE, delegate_to=address.group(0).lower(), text=rest)
        if command in (NOTE, RELAY):
            body = "\n".join([rest, *lines[1:]] if rest else lines[1:]).strip()
            if not body:
                return ManagerReply(UNCLEAR, text=f"{command} without text")
            return ManagerReply(command, text=body)
        if find_slots(rest, timezone, sent):
            # "Cancel Thursday, let's do Friday 10am": not a plain cancel; ask what is meant.
            return ManagerReply(UNCLEAR, text="\n".join(lines))
        return ManagerReply(command, text=rest)
    # Times come from the first paragraph that names any: a signature's "training Mon 7.12.
    # 10:00" further down is no offer.
    slots = next((found for part in parts[:4] if (found := _offered(part, timezone, sent))), [])
    if slots:
        return ManagerReply(ACCEPT if len(slots) == 1 else PROPOSE, slots=tuple(slots))
    text = " ".join(head)
    address = _ADDRESS.search(text)
    if address and _ASK_OTHER.search(text):
        return ManagerReply(DELEGATE, delegate_to=address.group(0).lower(), text=text[:300])
    if _DECLINE_PHRASES.search(text):
        return ManagerReply(DECLINE, text=text[:300])
    return ManagerReply(UNCLEAR, text="\n".join(lines))


def _keyword(first: str) -> tuple[str, str] | None:
    """(command, the rest of the line) when the first line starts with a grammar keyword."""
    for command, words in _KEYWORDS:
        m = re.match(rf"^\W*(?:{words})\b\s*[:,.!-]?\s*(.*)$", first, re.IGNORECASE)
        if m is None:
            continue
        return command, m.group(1).strip()
    return None


def _offered(head: list[str], timezone: str, sent: datetime) -> list[datetime]:
    """Slots named in positive clauses only."""
    slots: list[datetime] = []
    for line in head:
        for clause in _CLAUSES.split(line):
            if not clause:
                continue
            positive = without_negated(clause)
            slots.extend(s for s in find_slots(positive, timezone, sent) if s not in slots)
    return slots


def read_debrief(own_text: str) -> tuple[bool | None, str]:
    """(keep in touch: yes / no / not said, the notes) from a manager's debrief reply."""
    text = own_text.strip()
    first = text.splitlines()[0] if text else ""
    if _DONT_KEEP.search(text):
        return False, text
    if _YES.match(first) or _KEEP.search(text):
        return True, text
    if _NO.match(first):
        return False, text
    return None, text


def wants_contact(own_text: str) -> bool:
    """Whether a guest's reply agrees to be kept in touch ("yes, please keep in touch").
    A negated wish ("I don't want to keep in touch") is no consent; when unsure, none."""
    positive = "\n".join(without_negated(line) for line in own_text.splitlines())
    return bool(_KEEP.search(positive)) and not _DONT_KEEP.search(own_text)
