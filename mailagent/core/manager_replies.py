"""PURE: what a manager's reply says, from any mail client, read as a person would.

The grammar, on the first lines of the manager's own text (quotes and signature removed first;
English or German, any case):

- a command word first: ``decline [reason]``, ``delegate someone@firm.example``, ``cancel``,
  ``note: ...``, ``guest: ...`` (also ``ablehnen``, ``weiterleiten an``, ``absagen``, ``notiz``,
  ``gast:``);
- one time, firmly: ``Thursday 3pm works``, ``Do 3.12. 15:00``, ``Thursday at 3`` (the
  manager's office hours decide 3pm), ``3pm ET``, ``2-2:30 on Thursday``, ``Not Thursday -
  Friday 10am instead`` -> ACCEPT;
- several times: ``either the 14th at 10 or the 15th at 16:00`` -> PROPOSE (the guest picks);
- a pick among the times the brief offered: ``2``, ``the later one``, ``the first suggestion is
  fine``, ``Wednesday's slot works``, ``Yes, that works`` (when one time was offered) -> ACCEPT;
  ``any of them`` -> PROPOSE all;
- ``I'm out that week``, ``Sorry, I can't this time``, ``please ask someone else`` -> DECLINE;
  ``Priya Nair would be better for this`` (a colleague's name or address) -> DELEGATE.

A time that is negated ("Thursday 3pm is impossible for me"), hedged or conditional ("unless my
board meeting runs over - I'll confirm on Wednesday", "probably Thursday"), or that cannot be
read without guessing ("next Monday morning", "at 5" outside office hours, "3pm AET") never
books anything: the reply is UNCLEAR and the manager is asked once, in a short mail. A wrong
booking is worse than a question.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time

from mailagent.core import reply_phrases as say
from mailagent.core.slot_choice import pick_offered
from mailagent.core.times import read_times, without_negated

ACCEPT = "accept"
PROPOSE = "propose"
DECLINE = "decline"
DELEGATE = "delegate"
CANCEL = "cancel"
NOTE = "note"
RELAY = "relay"
UNCLEAR = "unclear"

_HEAD_LINES = 12
_UNTIL = re.compile(
    r"\b(?:until|till|til|runs? (?:over|late) to)\s+\d|(?<![\d.:])\s\bbis\s+(?:um\s+)?\d",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_KEYWORDS = (
    (DECLINE, r"decline|declined|ablehnen|abgelehnt"),
    (DELEGATE, r"delegate|delegated|forward to|weiterleiten an|weiterleiten|übergeben an"),
    (CANCEL, r"cancel|cancelled|absagen|abgesagt|stornieren"),
    (NOTE, r"note(?=\s*:|\s+(?!that\b)\w)|notiz"),
    (RELAY, r"(?:to the |for the |an den |für den )?(?:guest|gast)(?=\s*:)"),
)
_DAY_OR_TIME = re.compile(
    r"\b(\d{1,2}[:.]\d{2}|\d{1,2}\s*(?:[ap]\.?m|uhr)|monday|tuesday|wednesday|thursday|friday|"
    r"mon|tue|wed|thu|fri|montag|dienstag|mittwoch|donnerstag|freitag|tomorrow|morgen|"
    r"today|heute|\d{1,2}(?:st|nd|rd|th))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReplyContext:
    """What reading a reply needs besides its words.

    ``timezone``: the manager's zone (times without a zone are in it); ``sent``: when the reply
    was written (its Date); ``office``: the manager's office hours, which decide "at 3";
    ``offered``: the times the mail being answered offered, in its order (aware); ``colleagues``:
    the other managers, name (lower case) -> address, for "ask Priya Nair instead".
    """

    timezone: str
    sent: datetime
    office: tuple[time, time] | None = (time(9), time(17))
    offered: tuple[datetime, ...] = ()
    colleagues: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ManagerReply:
    """``slots`` are aware UTC; ``text`` is the reason, note, relayed words or delegate's note;
    ``said`` the manager's whole new text (greeting and phone signature removed)."""

    command: str
    slots: tuple[datetime, ...] = ()
    text: str = ""
    delegate_to: str = ""
    said: str = ""


# What a paragraph that names times only to refuse them gives back to :func:`_read`.
_NEGATED = ManagerReply(UNCLEAR, said="negated")


def clean_lines(own_text: str) -> list[str]:
    """The manager's own lines: no quoted (``>``) lines, nothing from a phone's "Sent from"
    line on, no greeting line ("Hi,", "Hallo Team,") at the top."""
    return [line for paragraph in paragraphs(own_text) for line in paragraph]


def paragraphs(own_text: str) -> list[list[str]]:
    """:func:`clean_lines`, kept in the paragraphs the manager wrote (blank lines apart)."""
    found: list[list[str]] = [[]]
    for raw in own_text.splitlines():
        line = raw.strip()
        if say.MOBILE.match(line):
            break
        if line.startswith(">"):
            continue
        if not line:
            if found[-1]:
                found.append([])
            continue
        if not any(found) and say.GREETING.match(line):
            continue
        found[-1].append(line)
    return [p for p in found if p]


def read_reply(
    own_text: str,
    timezone: str,
    sent: datetime,
    context: ReplyContext | None = None,
) -> ManagerReply:
    """What the manager's new text asks for. ``timezone``: the manager's zone; ``sent``: when
    the reply was written (the mail's Date, else when it arrived); ``context``: office hours,
    offered times and colleagues (defaults: office hours 9-17, nothing offered)."""
    context = context or ReplyContext(timezone, sent)
    parts = paragraphs(own_text)
    lines = [line for part in parts for line in part]
    reply = _read(lines, parts, context)
    return replace(reply, said="\n".join(lines))


def _read(lines: list[str], parts: list[list[str]], ctx: ReplyContext) -> ManagerReply:
    head = lines[:_HEAD_LINES]
    if not head:
        return ManagerReply(UNCLEAR)
    keyword = _keyword(head[0])
    if keyword is not None:
        return _command(*keyword, head, lines, ctx)
    cancelled = _cancels(head, ctx)
    if cancelled is not None:
        return cancelled
    # Times come from the first paragraph that names any: a signature's "training Mon 7.12.
    # 10:00" further down is no offer.
    negated = False
    for part in parts[:4]:
        found = _offered(part, ctx)
        if found is _NEGATED:
            negated = True
        elif found is not None:
            return found
    text = " ".join(head)
    delegate = _delegate(text, ctx)
    if delegate is not None:
        return delegate
    if _declines(head):
        # "I can't do Thursday 3pm, and the month is packed. Please ask someone else."
        return ManagerReply(DECLINE, text=text[:300])
    # A time said only to refuse it ("Thursday 3pm is impossible for me") asks for another.
    return ManagerReply(UNCLEAR, text="\n".join(lines), said="negated" if negated else "")


def _cancels(head: list[str], ctx: ReplyContext) -> ManagerReply | None:
    """ "I have to cancel, I'm sick", "ich muss den Termin am Donnerstag absagen": a cancel (in
    a booked meeting; before one it declines). The day it names is the meeting's, not an
    offer; but another time elsewhere ("... let's do Friday 10am instead") is asked about."""
    text = " ".join(head)
    sentences = re.split(r"(?<=[.!?])\s+", text)
    if not any(say.CANCELS.search(s) for s in sentences):
        return None
    rest = " ".join(s for s in sentences if not say.CANCELS.search(s))
    if read_times(rest, ctx.timezone, ctx.sent, ctx.office).slots:
        return ManagerReply(UNCLEAR, text=text)
    return ManagerReply(CANCEL, text=text[:300])


def _command(
    command: str, rest: str, head: list[str], lines: list[str], ctx: ReplyContext
) -> ManagerReply:
    if command == DELEGATE:
        address = _ADDRESS.search(" ".join(head[:3]))
        if address is None:
            named = _colleague(" ".join(head[:3]), ctx)
            if named is None:
                return ManagerReply(UNCLEAR, text="delegate without an address")
            return ManagerReply(DELEGATE, delegate_to=named, text=rest)
        return ManagerReply(DELEGATE, delegate_to=address.group(0).lower(), text=rest)
    if command in (NOTE, RELAY):
        body = "\n".join([rest, *lines[1:]] if rest else lines[1:]).strip()
        if not body:
            return ManagerReply(UNCLEAR, text=f"{command} without text")
        return ManagerReply(command, text=body)
    if read_times(rest, ctx.timezone, ctx.sent, ctx.office).slots:
        # "Cancel Thursday, let's do Friday 10am": not a plain cancel; ask what is meant.
        return ManagerReply(UNCLEAR, text="\n".join(lines))
    return ManagerReply(command, text=rest)


def _keyword(first: str) -> tuple[str, str] | None:
    """(command, the rest of the line) when the first line starts with a grammar keyword."""
    for command, words in _KEYWORDS:
        m = re.match(rf"^\W*(?:{words})\b\s*[:,.!-]?\s*(.*)$", first, re.IGNORECASE)
        if m is None:
            continue
        return command, m.group(1).strip()
    return None


def _offered(part: list[str], ctx: ReplyContext) -> ManagerReply | None:
    """What one paragraph offers: times it names in positive, unhedged clauses, or a pick
    among the offered times; UNCLEAR when it names a time it does not firmly offer; None when
    it is about no time at all."""
    text = " ".join(part)
    slots: list[datetime] = []
    named_any = False
    for line in part:
        for clause in say.CLAUSES.split(line):
            if not clause or not clause.strip():
                continue
            if _UNTIL.search(clause):
                # "I have a stand-up that runs until 10:45": a limit, not an offer; ask.
                return ManagerReply(UNCLEAR, text=text)
            reading = read_times(clause, ctx.timezone, ctx.sent, ctx.office)
            positive = read_times(without_negated(clause), ctx.timezone, ctx.sent, ctx.office)
            named_any = named_any or bool(reading.slots or reading.unclear)
            if positive.unclear:
                return ManagerReply(UNCLEAR, text=text, said=positive.unclear)
            slots.extend(s for s in positive.slots if s not in slots)
    if slots:
        if say.HEDGE.search(text):
            return ManagerReply(UNCLEAR, text=text)
        return ManagerReply(ACCEPT if len(slots) == 1 else PROPOSE, slots=tuple(slots))
    if named_any:
        return _NEGATED  # only refused times: what else the reply says decides
    return _picked(part, ctx)


def _picked(part: list[str], ctx: ReplyContext) -> ManagerReply | None:
    if not ctx.offered:
        return None
    text = " ".join(part)
    if _delegate(text, ctx) is not None:
        return None  # "Das passt besser zu Jo Berger": a hand-over, not a yes
    positive = " ".join(without_negated(c) for line in part for c in say.CLAUSES.split(line) if c)
    pick = pick_offered(positive, ctx.offered, ctx.timezone, first_line=part[0])
    if pick is None:
        return None
    if say.HEDGE.search(text) or (pick == "unclear"):
        return ManagerReply(UNCLEAR, text=text)
    if pick == "all":
        return ManagerReply(PROPOSE if len(ctx.offered) > 1 else ACCEPT, slots=ctx.offered)
    assert isinstance(pick, int)
    return ManagerReply(ACCEPT, slots=(ctx.offered[pick],))


def _delegate(text: str, ctx: ReplyContext) -> ManagerReply | None:
    """A hand-over: a sentence that asks for someone else and names them (an address, or a
    colleague); a name elsewhere (the signature "Sam" under "please ask someone else") is not
    the colleague meant."""
    for sentence in re.split(r"(?<=[.!?])\s+|\n", text):
        if not say.ASK_OTHER.search(sentence):
            continue
        address = _ADDRESS.search(sentence)
        if address is not None:
            return ManagerReply(DELEGATE, delegate_to=address.group(0).lower(), text=text[:300])
        named = _colleague(sentence, ctx)
        if named is not None:
            return ManagerReply(DELEGATE, delegate_to=named, text=text[:300])
    return None


def _colleague(text: str, ctx: ReplyContext) -> str | None:
    """The address of the one colleague ``text`` names (full name, or a first name only one
    colleague has)."""
    low = text.casefold()
    full = {a for name, a in ctx.colleagues.items() if re.search(rf"\b{re.escape(name)}\b", low)}
    if len(full) == 1:
        return full.pop()
    if full:
        return None
    firsts: dict[str, set[str]] = {}
    for name, address in ctx.colleagues.items():
        firsts.setdefault(name.split()[0], set()).add(address)
    named = {
        next(iter(a))
        for first, a in firsts.items()
        if len(a) == 1 and re.search(rf"\b{re.escape(first)}\b", low)
    }
    return named.pop() if len(named) == 1 else None


def _declines(head: list[str]) -> bool:
    """A decline of the request itself, in a sentence that names no day or time."""
    for line in head:
        for clause in say.CLAUSES.split(line):
            if clause and say.DECLINE.search(clause) and not _DAY_OR_TIME.search(clause):
                return True
    return False


def read_debrief(own_text: str) -> tuple[bool | None, str]:
    """(keep in touch: yes / no / not said, the notes) from a manager's debrief reply."""
    text = own_text.strip()
    first = text.splitlines()[0] if text else ""
    if say.DONT_KEEP.search(text):
        return False, text
    if say.YES.match(first) or say.KEEP.search(text):
        return True, text
    if say.NO.match(first):
        return False, text
    return None, text


def wants_contact(own_text: str) -> bool:
    """Whether a guest's reply agrees to be kept in touch ("yes, please keep in touch").
    A negated wish ("I don't want to keep in touch") is no consent; when unsure, none."""
    positive = "\n".join(without_negated(line) for line in own_text.splitlines())
    return bool(say.KEEP.search(positive)) and not say.DONT_KEEP.search(own_text)
