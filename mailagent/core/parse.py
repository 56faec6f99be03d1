"""PURE: raw message bytes -> an :class:`Inbound` value.

Nothing here raises on hostile input: header access, address parsing and content decoding are each
wrapped, and what could not be read is recorded in ``Inbound.problems`` for the classifier. The
body is read by :mod:`mailagent.core.mime`; header text is made safe by
:mod:`mailagent.core.headers`.
"""

from __future__ import annotations

import email
import email.policy
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import errors
from email.headerregistry import UniqueUnstructuredHeader, UnstructuredHeader
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from mailagent.core import mailpolicy
from mailagent.core.headers import (
    clean_text,
    decode_words,
    msgid_list,
    normalize_msgid,
    raw_message_id,
    sanitize_header_text,
)
from mailagent.core.mime import Attachment, Limits, read_body

LOOP_HEADER = "X-Mailagent-Loop"

DEFAULT_LIMITS = Limits()


CONTROL_PREFIX = "x-mailagent-"


NAME_CAP = 100


_RECIPIENT_HEADERS = ("to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc")


@dataclass(frozen=True)
class Inbound:
    """What the core needs from one inbound message. Header names in ``headers`` are lower-case.

    ``recipients`` are the addressees the sender wrote (To, Cc, Bcc, Resent-*; at most 50);
    ``delivered_to`` the addresses the final mail server delivered to (Delivered-To,
    X-Original-To), where a reply token may be all that is left of a Bcc or forward.
    """

    message_id: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    subject: str
    from_email: str
    from_name: str
    from_count: int
    recipients: tuple[str, ...]
    delivered_to: tuple[str, ...]
    date: datetime | None
    headers: tuple[tuple[str, str], ...]
    content_types: tuple[str, ...]
    text: str
    size: int
    problems: tuple[str, ...] = field(default=())
    attachments: tuple[Attachment, ...] = field(default=())
    loop_ids: tuple[str, ...] = field(default=())
    # The first text/calendar (or application/ics) part's bytes, at most CALENDAR_CAP: a
    # calendar's Accept/Decline (iTIP REPLY) is read from it.
    calendar: bytes = b""

    def header_values(self, name: str) -> list[str]:
        """Every instance of header ``name`` (case-insensitive), in order."""
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]

    def has_header(self, name: str) -> bool:
        wanted = name.lower()
        return any(key == wanted for key, _ in self.headers)


def parse_message(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> Inbound:
    """Parse ``raw`` defensively; never raises for malformed mail.

    Mail with far more MIME boundaries than ``limits.max_parts`` is not parsed at all (the stdlib
    parser would build every part first), and mail the stdlib parser cannot split: both come back
    with their headers only and a problem, which the classifier reports as malformed (A10).
    """
    # The stdlib parser ends lines at LF, CRLF and a bare CR alike: count boundaries after each.
    if raw.count(b"\n--") + raw.count(b"\r--") > 2 * limits.max_parts + 10:
        return _fallback(raw, f"more than {limits.max_parts} MIME parts (not parsed)")
    try:
        return _parse(raw, limits)
    except Exception as exc:  # the modern parser itself fails on some hostile headers
        return _fallback(raw, f"unparseable: {exc.__class__.__name__}")


def _fallback(raw: bytes, problem: str) -> Inbound:
    """What the header block alone still tells, marked with ``problem`` (so: malformed)."""
    msg = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    headers = _without_control(
        [(k.lower(), clean_text(decode_words(str(v)))) for k, v in msg.raw_items()]
    )
    first = {name: value for name, value in reversed(headers)}
    senders = getaddresses([v for k, v in headers if k == "from"])
    return Inbound(
        message_id=normalize_msgid(first.get("message-id", "")) or raw_message_id(raw),
        in_reply_to=msgid_list([v for k, v in headers if k == "in-reply-to"]),
        references=msgid_list([v for k, v in headers if k == "references"]),
        subject=sanitize_header_text(first.get("subject", "")),
        from_email=senders[0][1] if len(senders) == 1 else "",
        from_name=sanitize_header_text(senders[0][0], NAME_CAP) if len(senders) == 1 else "",
        from_count=len(senders),
        recipients=_plain_addresses(headers, _RECIPIENT_HEADERS),
        delivered_to=_plain_addresses(headers, ("delivered-to", "x-original-to")),
        date=_date(first.get("date", "")),
        headers=tuple(headers),
        loop_ids=_loop_ids(msg.get_all(LOOP_HEADER) or []),
        content_types=(),
        text="",
        size=len(raw),
        problems=(problem,),
    )


def _parse(raw: bytes, limits: Limits) -> Inbound:
    msg = email.message_from_bytes(raw, policy=mailpolicy.DEFAULT)
    problems: list[str] = []
    all_headers = _headers(msg, problems)
    headers = _without_control(all_headers)
    first = {name: value for name, value in reversed(headers)}
    message_id = normalize_msgid(first.get("message-id", "")) or raw_message_id(raw)
    from_email, from_name, from_count = _sender(msg, problems)
    attachments: list[Attachment] = []
    content_types, text = read_body(msg, problems, limits, attachments)
    return Inbound(
        message_id=message_id,
        in_reply_to=msgid_list([v for k, v in headers if k == "in-reply-to"]),
        references=msgid_list([v for k, v in headers if k == "references"]),
        subject=sanitize_header_text(first.get("subject", "")),
        from_email=from_email,
        from_name=from_name,
        from_count=from_count,
        recipients=_addresses(msg, _RECIPIENT_HEADERS, problems),
        delivered_to=_addresses(msg, ("delivered-to", "x-original-to"), problems),
        date=_date(first.get("date", "")),
        headers=tuple(headers),
        loop_ids=_loop_ids([v for k, v in all_headers if k == LOOP_HEADER.lower()]),
        content_types=tuple(content_types),
        attachments=tuple(attachments[:50]),
        text=text,
        size=len(raw),
        problems=tuple(problems),
        calendar=_calendar_part(msg, limits),
    )


CALENDAR_CAP = 256 * 1024
_CALENDAR_TYPES = ("text/calendar", "application/ics")


def _calendar_part(msg: Message, limits: Limits) -> bytes:
    try:
        for seen, part in enumerate(msg.walk()):
            if seen >= limits.max_parts:
                break
            if part.get_content_type() in _CALENDAR_TYPES and not part.is_multipart():
                payload = part.get_payload(decode=True)
                return payload[:CALENDAR_CAP] if isinstance(payload, bytes) else b""
    except (ValueError, LookupError, RecursionError):
        pass  # a part too broken or too deep to read holds no answer we could act on
    return b""


def _plain_addresses(headers: list[tuple[str, str]], names: tuple[str, ...]) -> tuple[str, ...]:
    values = [v for k, v in headers if k in names]
    found = [addr.lower() for _, addr in getaddresses(values) if "@" in addr]
    return tuple(dict.fromkeys(found))[:50]


def _loop_ids(values: list[str]) -> tuple[str, ...]:
    return tuple(sanitize_header_text(v, 64) for v in values)


def _without_control(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Our own control headers are noted (``loop_ids``) and never passed on from inbound mail:
    a guest could copy them to confuse us, and they must not leak into what we relay."""
    return [(k, v) for k, v in headers if not k.startswith(CONTROL_PREFIX)]


# A header value that is plain printable ASCII, maybe folded, with no encoded word: as text it
# is itself unfolded, for every header the policy reads as unstructured text.
_PLAIN_VALUE = re.compile(r"[\x20-\x7e\t]*(?:\r?\n[ \t][\x20-\x7e\t]*)*")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_UNSTRUCTURED = (UnstructuredHeader, UniqueUnstructuredHeader)


def _headers(msg: Message, problems: list[str]) -> list[tuple[str, str]]:
    """Every header as (lower-case name, decoded text). Unstructured headers in plain ASCII
    (most Received, X-... and List-... lines) are unfolded directly: building the policy's
    header object for each cost more than the rest of the parse; the text is the same."""
    values: list[tuple[str, str]] = []
    factory = msg.policy.header_factory  # type: ignore[attr-defined]
    for name, raw_value in msg.raw_items():
        kind = factory.registry.get(name.lower(), factory.default_class)
        if kind in _UNSTRUCTURED and "=?" not in raw_value and _PLAIN_VALUE.fullmatch(raw_value):
            values.append((name.lower(), _FOLD.sub("", raw_value)))
            continue
        try:
            value = str(msg.policy.header_fetch_parse(name, utf8_header(raw_value)))
        except Exception:
            problems.append(f"unreadable header {sanitize_header_text(name, 60)}")
            value = str(raw_value)
        values.append((name.lower(), value))
    return values


def utf8_header(raw_value: str) -> str:
    """A raw header value as text. RFC 6532 allows UTF-8 in headers (``From: Dr. Hans Müller
    <...>``, common in practice); the stdlib reads such bytes as undecodable (surrogates), so
    they are decoded as UTF-8 here, and left as they are when they are not UTF-8."""
    if raw_value.isascii():
        return raw_value
    try:
        return raw_value.encode("ascii", "surrogateescape").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return raw_value


def _sender(msg: Message, problems: list[str]) -> tuple[str, str, int]:
    mailboxes: list[Any] = []
    for name, raw_value in msg.raw_items():
        if name.lower() != "from":
            continue
        try:
            value = msg.policy.header_fetch_parse(name, utf8_header(raw_value))
        except Exception:
            problems.append("unreadable From")
            return "", "", 0
        # Obsolete syntax ("Dr. Hans Müller" unquoted) must be accepted when reading (RFC 5322
        # section 4); any other defect makes the sender too doubtful to answer (mail-rules F.2).
        defects = getattr(value, "defects", ())
        if any(not isinstance(d, errors.ObsoleteHeaderDefect) for d in defects):
            problems.append("From has defects")
        mailboxes.extend(getattr(value, "addresses", ()))
    if len(mailboxes) != 1:
        return "", "", len(mailboxes)
    box = mailboxes[0]
    addr = f"{box.username}@{box.domain}" if box.domain else str(box.username)
    if any(unicodedata.category(ch) == "Cs" for ch in addr):
        # Raw 8-bit bytes in the address: keep it visible but unusable (email-validator refuses it).
        problems.append("From address has undecodable bytes")
        addr = addr.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return addr, sanitize_header_text(box.display_name or "", NAME_CAP), 1


def _addresses(msg: Message, names: tuple[str, ...], problems: list[str]) -> tuple[str, ...]:
    found: list[str] = []
    for name in names:
        try:
            values = msg.get_all(name) or []
        except Exception:
            problems.append(f"unreadable {name}")
            continue
        for value in values:
            boxes = getattr(value, "addresses", ())
            found.extend(f"{b.username}@{b.domain}".lower() for b in boxes if b.domain)
            if not boxes and "@" in str(value):
                found.append(str(value).strip().strip("<>").lower())
    return tuple(dict.fromkeys(found))[:50]


def _date(value: str) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # unparseable, or out of range once moved to UTC (year 9999, -0100)
