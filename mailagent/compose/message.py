"""Rendered text to mail: an EmailMessage with our headers (mail-rules B.1): addresses,
a capped subject, threading headers per RFC 5322 3.6.4, Auto-Submitted, our loop header, text and
HTML alternatives and the calendar invite.
"""

from __future__ import annotations

import binascii
import email.encoders
import email.policy
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import Compat32
from email.utils import format_datetime
from typing import Any, cast

from mailagent.compose.flowed import to_flowed
from mailagent.core.headers import sanitize_header_text
from mailagent.core.parse import LOOP_HEADER

MAX_REFERENCES = 20


DISPLAY_NAME_MAX = 60


_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')


SUBJECT_MAX = 200


@dataclass(frozen=True)
class Envelope:
    """Everything that goes into the header of one outgoing mail."""

    message_id: str
    date: datetime
    from_name: str
    from_addr: str
    reply_to: str
    to_name: str
    to_addr: str
    subject: str
    auto_submitted: str
    loop_id: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()


def reply_subject(original: str, cap: int = 70) -> str:
    """``Re: <original>`` with stacked prefixes removed, sanitised and capped for a header."""
    clean = sanitize_header_text(original, 400)
    clean = re.sub(r"^(\s*(re|aw|sv|antw|fwd?|wg)\s*:\s*)+", "", clean, flags=re.IGNORECASE)
    return clean[:cap].rstrip()


def thread_headers(
    parent_id: str, parent_references: Sequence[str], parent_in_reply_to: Sequence[str]
) -> tuple[str, tuple[str, ...]]:
    """(In-Reply-To, References) for a reply to ``parent_id`` per RFC 5322 3.6.4 / mail-rules B.3.

    References = parent's References + parent's id; if the parent has no References but a single
    In-Reply-To, that id + parent's id. Trimmed to the first and the last ids, always ending with
    the parent.
    """
    if not parent_id:
        return "", ()
    if parent_references:
        earlier = list(parent_references)
    elif len(parent_in_reply_to) == 1:
        earlier = [parent_in_reply_to[0]]
    else:
        earlier = []
    # Repeats are dropped but the parent always comes last.
    chain = [*dict.fromkeys(mid for mid in earlier if mid != parent_id), parent_id]
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return parent_id, tuple(chain)


def build_message(
    envelope: Envelope, text: str, html: str | None, ics: bytes | None = None, method: str = ""
) -> bytes:
    """The complete outgoing mail as it goes on the wire (CRLF): text part, optional HTML
    alternative, our headers.

    With ``ics`` (a calendar invite for ``method``) the mail is multipart/mixed: the
    alternatives text, HTML and ``text/calendar; method=...`` (which calendar clients act on),
    plus the same invite as an ``invite.ics`` attachment for clients that only offer files.

    Built with the stdlib's compat32 classes, whose headers are plain strings encoded once
    (RFC 2047 for non-ASCII names and subjects): the modern policy's header objects cost more
    than everything else about a mail. Every value that reaches a header is sanitised first,
    so nothing a guest wrote can add a header line.
    """
    body: Message = _text_part(text, "plain")
    if html is not None or ics is not None:
        alternative = MIMEMultipart("alternative", boundary=_boundary(), policy=_POLICY)
        alternative.attach(body)
        if html is not None:
            alternative.attach(_text_part(html, "html"))
        if ics is not None:
            alternative.attach(_calendar_part(ics, method))
        body = alternative
    if ics is not None:
        mixed = MIMEMultipart("mixed", boundary=_boundary(), policy=_POLICY)
        mixed.attach(body)
        mixed.attach(_attachment(ics))
        body = mixed
    for part in body.walk():
        if part is not body:
            del part["MIME-Version"]  # only the top level carries it
    headers = cast(Any, body)  # compat32 takes a Header object as a value; typeshed says str
    for name, value in _header_lines(envelope):
        if isinstance(value, str) and ("\r" in value or "\n" in value):
            # compat32 writes what it is given: a line break here would start a header of its
            # own. Sanitised text never has one; an id or address that does is refused.
            raise ValueError(f"{name}: a line break in {value[:80]!r}")
        headers[name] = value
    # Our headers first, as a reader expects them; the MIME headers after.
    mime = sorted(
        ((k, v) for k, v in body.items() if k.lower() in _MIME_HEADERS),
        key=lambda kv: kv[0].lower() != "mime-version",
    )
    for name in {k for k, _ in mime}:
        del body[name]
    for name, value in mime:
        body[name] = value
    return body.as_bytes(policy=_POLICY)


def _boundary() -> str:
    """A MIME boundary that no part can contain: every part is quoted-printable or base64,
    and neither encoding ever writes "=_". Choosing it here also spares the generator its own
    choice, which compiles a fresh regular expression per mail to search the parts for it
    (and so pushes other patterns out of ``re``'s cache)."""
    return "=_" + secrets.token_hex(12)


_MIME_HEADERS = frozenset({"mime-version", "content-type", "content-transfer-encoding"})


class _Wire(Compat32):
    """compat32 on the wire: CRLF; encoded words folded within RFC 2047's limits, plain ASCII
    values only past 998 characters, so a long Message-ID (Outlook's are) stays on the line of
    its header name, as threading code in some clients expects."""

    def fold(self, name: str, value: Any) -> str:
        return Compat32.fold(self._for(value), name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        if isinstance(value, str) and len(name) + len(value) <= 76 and _SHORT_LINE(value):
            # Nothing to fold or encode (the case of nearly every header we write).
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return Compat32.fold_binary(self._for(value), name, value)

    def _for(self, value: Any) -> Compat32:
        return self.clone(max_line_length=76 if isinstance(value, Header) else 998)


_SHORT_LINE = re.compile(r"[\x20-\x7e]*").fullmatch
_POLICY = _Wire(linesep="\r\n")


def _header_lines(envelope: Envelope) -> list[tuple[str, str | Header]]:
    lines: list[tuple[str, str | Header]] = [
        ("Message-ID", f"<{envelope.message_id}>"),
        ("Date", format_datetime(envelope.date)),
        ("From", _address(envelope.from_name, envelope.from_addr)),
        ("To", _address(envelope.to_name, envelope.to_addr)),
        ("Reply-To", _address(envelope.from_name, envelope.reply_to)),
        ("Subject", _unstructured(sanitize_header_text(envelope.subject, SUBJECT_MAX))),
    ]
    if envelope.in_reply_to:
        lines.append(("In-Reply-To", f"<{envelope.in_reply_to}>"))
        lines.append(("References", " ".join(f"<{mid}>" for mid in envelope.references)))
    if envelope.auto_submitted:
        lines.append(("Auto-Submitted", envelope.auto_submitted))
    lines.append(("X-Auto-Response-Suppress", "All"))
    lines.append((LOOP_HEADER, sanitize_header_text(envelope.loop_id, 64)))
    return lines


def _text_part(text: str, subtype: str) -> Message:
    part = MIMENonMultipart("text", subtype, policy=_POLICY, charset="utf-8")
    if subtype == "plain":
        text = to_flowed(text)  # the one place plain text is wrapped (mailagent.compose.flowed)
        part.set_param("format", "flowed")
    # Quoted-printable keeps the body 7-bit, so no relay has to support 8BITMIME. binascii's
    # encoder is the stdlib's C one (email.quoprimime does the same per character in Python);
    # it also encodes a lone "." line, which an SMTP client would otherwise have to double.
    encoded = binascii.b2a_qp(encodable(text).encode("utf-8"), istext=True)
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(encoded.decode("ascii"))
    return part


def _calendar_part(ics: bytes, method: str) -> Message:
    part = MIMEApplication(ics, "calendar", email.encoders.encode_base64, policy=_POLICY)
    part.set_type("text/calendar")
    part.set_param("charset", "utf-8")
    part.set_param("method", method)
    return part


def _attachment(ics: bytes) -> Message:
    part = MIMEApplication(ics, "ics", email.encoders.encode_base64, policy=_POLICY)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def encodable(text: str) -> str:
    """``text`` without lone surrogates, which UTF-8 cannot encode."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _address(name: str, addr: str) -> str:
    """``Name <addr>``; the name never needs quotes (:func:`display_name` leaves no specials
    in it), and its words that are not ASCII are RFC 2047 encoded words."""
    shown = _phrase(display_name(name))
    return f"{shown} <{addr}>" if shown else f"<{addr}>"


def _phrase(name: str) -> str:
    """``name`` with each run of words that are not ASCII as encoded words ("Dr Hans
    =?utf-8?q?M=C3=BCller?="), each word whole and within RFC 2047's 75 characters. A space
    between two encoded words is dropped by readers, so a run split in two keeps its space
    inside the first ("..._?= =?utf-8?q?...")."""
    out: list[str] = []
    run: list[str] = []
    for word in [*name.split(), ""]:
        if word and not word.isascii():
            run.append(word)
            continue
        chunk: list[str] = []
        for item in run:
            if chunk and len(_encoded(" ".join([*chunk, item]) + " ")) > 75:
                out.append(_encoded(" ".join(chunk) + " "))
                chunk = []
            chunk.append(item)
        if chunk:
            out.append(_encoded(" ".join(chunk)))
        run = []
        if word:
            out.append(word)
    return " ".join(out)


def _encoded(text: str) -> str:
    return quoprimime.header_encode(text.encode("utf-8"), charset="utf-8")


def _unstructured(text: str) -> str | Header:
    """``text`` for a header: as it is when ASCII, else RFC 2047 encoded words (folded by the
    generator, each word within RFC 2047's 75 characters)."""
    return text if text.isascii() else Header(text, "utf-8")


def display_name(name: str) -> str:
    """A guest's name as it may stand in our address headers: sanitised, without the specials
    that force quoting, and short. Python 3.11 can lose the quotes of a long quoted name when it
    folds the line (CPython gh-80222), turning text after a comma into a second address."""
    plain = _SPECIALS.sub(" ", sanitize_header_text(name, 200))
    return " ".join(plain.split())[:DISPLAY_NAME_MAX].strip()
