"""PURE: the body of a parsed message: its readable text (plain text, else HTML turned into
text), what is kept of its attachments, and the structure caps (mail-rules F.3).

Charsets are decoded as declared, then utf-8, cp1252, latin-1 (never raises).
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import Message

from mailagent.core import mailpolicy
from mailagent.core.headers import sanitize_header_text
from mailagent.core.htmltext import html_to_text

TEXT_CAP = 200_000

MAX_PARTS = 1000
MAX_DEPTH = 20


@dataclass(frozen=True)
class Limits:
    """Structure caps (mail-rules F.3): past them a mail is malformed, not parsed further."""

    max_parts: int = MAX_PARTS
    max_depth: int = MAX_DEPTH


_FALLBACK_CHARSETS = ("utf-8", "cp1252", "latin-1")


@dataclass(frozen=True)
class Attachment:
    """What is kept of an attached file: its (sanitised) name, type and size."""

    filename: str
    content_type: str
    size: int


def read_body(
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
