"""Rendered text to mail: an EmailMessage with our headers (mail-rules B.1): addresses,
a capped subject, threading headers per RFC 5322 3.6.4, Auto-Submitted, our loop header, text and
HTML alternatives and the calendar invite.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from mailagent.core import mailpolicy
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
) -> EmailMessage:
    """The complete outgoing mail: text part, optional HTML alternative, our headers.

    With ``ics`` (a calendar invite for ``method``) the mail is multipart/mixed: the
    alternatives text, HTML and ``text/calendar; method=...`` (which calendar clients act on),
    plus the same invite as an ``invite.ics`` attachment for clients that only offer files.
    """
    msg = EmailMessage(policy=mailpolicy.DEFAULT)
    msg["Message-ID"] = f"<{envelope.message_id}>"
    msg["Date"] = format_datetime(envelope.date)
    msg["From"] = _address(envelope.from_name, envelope.from_addr)
    msg["To"] = _address(envelope.to_name, envelope.to_addr)
    msg["Reply-To"] = _address(envelope.from_name, envelope.reply_to)
    msg["Subject"] = sanitize_header_text(envelope.subject, SUBJECT_MAX)
    if envelope.in_reply_to:
        msg["In-Reply-To"] = f"<{envelope.in_reply_to}>"
        msg["References"] = " ".join(f"<{mid}>" for mid in envelope.references)
    if envelope.auto_submitted:
        msg["Auto-Submitted"] = envelope.auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"
    msg[LOOP_HEADER] = envelope.loop_id
    # Quoted-printable keeps the body 7-bit, so no relay has to support 8BITMIME.
    msg.set_content(encodable(text), subtype="plain", charset="utf-8", cte="quoted-printable")
    if html is not None:
        msg.add_alternative(
            encodable(html), subtype="html", charset="utf-8", cte="quoted-printable"
        )
    if ics is not None:
        if html is None:
            msg.make_alternative()
        calendar = EmailMessage(policy=mailpolicy.DEFAULT)
        calendar.set_content(ics, maintype="text", subtype="calendar", cte="base64")
        calendar.set_param("charset", "utf-8")
        calendar.set_param("method", method)
        del calendar["MIME-Version"]  # only the top level carries it
        msg.attach(calendar)
        msg.add_attachment(
            ics, maintype="application", subtype="ics", filename="invite.ics", cte="base64"
        )
    return msg


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as it goes on the wire (CRLF)."""
    return msg.as_bytes(policy=mailpolicy.WIRE)


def encodable(text: str) -> str:
    """``text`` without lone surrogates, which UTF-8 cannot encode."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _address(name: str, addr: str) -> Address:
    local, _, domain = addr.rpartition("@")
    return Address(display_name=display_name(name), username=local, domain=domain)


def display_name(name: str) -> str:
    """A guest's name as it may stand in our address headers: sanitised, without the specials
    that force quoting, and short. Python 3.11 can lose the quotes of a long quoted name when it
    folds the line (CPython gh-80222), turning text after a comma into a second address."""
    plain = _SPECIALS.sub(" ", sanitize_header_text(name, 200))
    return " ".join(plain.split())[:DISPLAY_NAME_MAX].strip()
