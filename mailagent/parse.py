"""PURE: raw message bytes -> an :class:`Inbound` value.

Nothing here raises on hostile input: header access, address parsing and content decoding are each
wrapped, and what could not be read is recorded in ``Inbound.problems`` for the classifier.
Guest text that may later reach a header is sanitised here (control characters to spaces, capped).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from mailagent import mailpolicy
from mailagent.htmltext import html_to_text

LOOP_HEADER = "X-Mailagent-Loop"
CONTROL_PREFIX = "x-mailagent-"
MAX_PARTS = 1000
MAX_DEPTH = 20
SUBJECT_CAP = 200
NAME_CAP = 100
TEXT_CAP = 200_000
_MSGID_RE = re.compile(r"<([^<>]+)>")
_ENCODED_WORD_RE = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_WS_RE = re.compile(r"\s+")
_FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")
_RECIPIENT_HEADERS = ("to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc")


@dataclass(frozen=True)
class Attachment:
    """What is kept of an attached file: its (sanitised) name, type and size."""

    filename: str
    content_type: str
    size: int


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

    def header_values(self, name: str) -> list[str]:
        """Every instance of header ``name`` (case-insensitive), in order."""
        wanted = name.lower()
        return [value for key, value in self.headers if key == wanted]

    def has_header(self, name: str) -> bool:
        wanted = name.lower()
        return any(key == wanted for key, _ in self.headers)


def sanitize_header_text(value: object, cap: int = SUBJECT_CAP) -> str:
    """Make untrusted text safe for a header: no control or format characters, one line, capped.

    Text that still holds RFC 2047 encoded words after decoding (a double-encoded header) is
    decoded again and cleaned again: the email package would otherwise decode it when the header
    is set and, on some Python 3.11 patch releases, write its CR/LF out raw (CPython gh-121650).
    Encoded words that survive that are broken up so nothing decodes them later.
    """
    text = _clean(str(value))
    for _ in range(3):
        if not _ENCODED_WORD_RE.search(text):
            break
        text = _clean(_decode_words(text))
    return text.replace("=?", "= ?").strip()[:cap]


def _clean(text: str) -> str:
    cleaned = "".join(
        # Cs: lone surrogates (a UTF-7 word, undecodable bytes) can be neither stored nor sent.
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch
        for ch in text
    )
    return _WS_RE.sub(" ", cleaned)


def _decode_words(text: str) -> str:
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # decode_header raises more than it documents (binascii, HeaderParseError)
        return text


def normalize_msgid(value: str) -> str:
    """A Message-ID without angle brackets and whitespace (mail-rules B.3)."""
    found = _MSGID_RE.search(value)
    raw = found.group(1) if found else value
    # Only visible ASCII survives: these ids are echoed in our own References headers.
    return "".join(ch for ch in raw if "!" <= ch <= "~").strip("<>")[:900]


def msgid_list(values: list[str]) -> tuple[str, ...]:
    """All Message-IDs in ``values`` (In-Reply-To / References), in order, normalised."""
    ids: list[str] = []
    for value in values:
        ids.extend(normalize_msgid(m) for m in _MSGID_RE.findall(value))
    return tuple(i for i in ids if i)


STAND_IN_DOMAIN = "@missing-message-id.invalid"


def raw_message_id(raw: bytes) -> str:
    """A stand-in Message-ID for mail without one: a hash of the raw bytes (mail-rules E.1)."""
    return "sha256-" + hashlib.sha256(raw).hexdigest() + STAND_IN_DOMAIN


def is_stand_in(message_id: str) -> bool:
    """True for ids made up by :func:`raw_message_id` (never to be echoed in our headers)."""
    return message_id.endswith(STAND_IN_DOMAIN)


@dataclass(frozen=True)
class Limits:
    """Structure caps (mail-rules F.3): past them a mail is malformed, not parsed further."""

    max_parts: int = MAX_PARTS
    max_depth: int = MAX_DEPTH


def parse_message(raw: bytes, limits: Limits = Limits()) -> Inbound:
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
        [(k.lower(), _clean(_decode_words(str(v)))) for k, v in msg.raw_items()]
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
    content_types, text = _body(msg, problems, limits, attachments)
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
    )


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


def _headers(msg: Message, problems: list[str]) -> list[tuple[str, str]]:
    values: list[tuple[str, str]] = []
    for name, raw_value in msg.raw_items():
        try:
            value = str(msg.policy.header_fetch_parse(name, raw_value))
        except Exception:
            problems.append(f"unreadable header {sanitize_header_text(name, 60)}")
            value = str(raw_value)
        values.append((name.lower(), value))
    return values


def _sender(msg: Message, problems: list[str]) -> tuple[str, str, int]:
    try:
        header = msg.get_all("from") or []
    except Exception:
        problems.append("unreadable From")
        return "", "", 0
    mailboxes: list[Any] = []
    for value in header:
        if getattr(value, "defects", None):
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


def _body(
    msg: Message, problems: list[str], limits: Limits, attachments: list[Attachment]
) -> tuple[list[str], str]:
    content_types: list[str] = []
    plain: list[str] = []
    html: list[str] = []
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop()
        if len(content_types) >= limits.max_parts:
            problems.append(f"more than {limits.max_parts} MIME parts")
            break
        if depth > limits.max_depth:
            problems.append(f"MIME nesting deeper than {limits.max_depth}")
            break
        ctype = _content_type(part)
        content_types.append(ctype)
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(
                    (child, depth + 1) for child in reversed(payload) if isinstance(child, Message)
                )
            continue
        if _is_attachment(part) or not ctype.startswith("text/"):
            attachments.append(_attachment(part, ctype))
            continue
        if ctype == "text/plain":
            plain.append(decode_text(part, problems))
        elif ctype == "text/html":
            html.append(decode_text(part, problems))
    if plain:
        text = "\n".join(plain)
    elif html:
        text = "\n".join(html_to_text(h) for h in html)
    else:
        text = ""
    return content_types, text.replace("\r\n", "\n").replace("\r", "\n")[:TEXT_CAP]


def _attachment(part: Message, ctype: str) -> Attachment:
    try:
        name = part.get_filename() or ""
        payload = part.get_payload(decode=False)
        size = len(payload) * 3 // 4 if isinstance(payload, str) else 0  # base64 is 4:3
    except Exception:
        name, size = "", 0
    return Attachment(sanitize_header_text(name, 120), ctype, size)


def without_attachments(raw: bytes) -> bytes:
    """``raw`` with every attachment replaced by a one-line note of its name, type and size
    (applications are not kept beyond that). Falls back to the header block alone."""
    try:
        msg = email.message_from_bytes(raw, policy=mailpolicy.DEFAULT)
        for part in list(msg.walk()):
            if part.is_multipart():
                continue
            ctype = part.get_content_type()
            if _is_attachment(part) or not ctype.startswith("text/"):
                kept = _attachment(part, ctype)
                name = kept.filename or "unnamed"
                note = f"[attachment removed: {name}, {ctype}, {kept.size} bytes]"
                for header in ("Content-Type", "Content-Disposition", "Content-Transfer-Encoding"):
                    del part[header]
                part.set_payload(note, charset="utf-8")
        return msg.as_bytes(policy=email.policy.SMTP)
    except Exception:
        return raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0] + b"\r\n\r\n"


def _content_type(part: Message) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "application/octet-stream"


def _is_attachment(part: Message) -> bool:
    try:
        return part.get_content_disposition() == "attachment"
    except Exception:
        return False


def decode_text(part: Message, problems: list[str]) -> str:
    """A text part's content: declared charset, then utf-8, cp1252, latin-1 (never raises)."""
    try:
        data = part.get_payload(decode=True)
    except Exception:
        problems.append("undecodable transfer encoding")
        return ""
    if not isinstance(data, bytes):
        return ""
    declared = part.get_content_charset() or ""
    for charset in (declared, *_FALLBACK_CHARSETS):
        if not charset:
            continue
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError, ValueError):
            continue  # unknown or malformed charset name (ValueError: embedded NUL)
    return data.decode("latin-1", errors="replace")  # pragma: no cover - latin-1 never fails


def guest_address(addr: str) -> str | None:
    """The normalised form of a guest's address, or None if email-validator refuses it.

    No DNS lookups (they cost seconds and fail offline); SMTPUTF8 addresses are refused because the
    relay may not offer SMTPUTF8.
    """
    try:
        valid = validate_email(addr, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return str(valid.normalized)
