"""PURE: header values we can trust: untrusted text made safe for a header, Message-IDs
normalised (and a stand-in for mail without one), a guest's address validated.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from email.header import decode_header, make_header
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email

SUBJECT_CAP = 200


_MSGID_RE = re.compile(r"<([^<>]+)>")


_ENCODED_WORD_RE = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


_WS_RE = re.compile(r"\s+")


def sanitize_header_text(value: object, cap: int = SUBJECT_CAP) -> str:
    """Make untrusted text safe for a header: no control or format characters, one line, capped.

    Text that still holds RFC 2047 encoded words after decoding (a double-encoded header) is
    decoded again and cleaned again: the email package would otherwise decode it when the header
    is set and, on some Python 3.11 patch releases, write its CR/LF out raw (CPython gh-121650).
    Encoded words that survive that are broken up so nothing decodes them later.
    """
    text = clean_text(str(value))
    for _ in range(3):
        if not _ENCODED_WORD_RE.search(text):
            break
        text = clean_text(decode_words(text))
    return text.replace("=?", "= ?").strip()[:cap]


def clean_text(text: str) -> str:
    cleaned = "".join(
        # Cs: lone surrogates (a UTF-7 word, undecodable bytes) can be neither stored nor sent.
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp") else ch
        for ch in text
    )
    return _WS_RE.sub(" ", cleaned)


def decode_words(text: str) -> str:
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


def guest_address(addr: str) -> str | None:
    """The normalised form of a guest's address, or None if email-validator refuses it.

    No DNS lookups (they cost seconds and fail offline); SMTPUTF8 addresses are refused because the
    relay may not offer SMTPUTF8. Results for addresses of a plausible length are remembered (a
    message asks about its sender several times, and validation is the dearest step of reading
    its headers); a hostile, long one is validated each time instead of being kept.
    """
    return _remembered(addr) if len(addr) <= _REMEMBERED_LENGTH else _validated(addr)


def _validated(addr: str) -> str | None:
    try:
        valid = validate_email(addr, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return str(valid.normalized)


# Valid addresses have at most 254 characters (RFC 5321). 1,024 entries of at most 320 keep the
# memo under half a megabyte, whatever arrives.
_REMEMBERED_LENGTH = 320
_remembered = lru_cache(maxsize=1024)(_validated)


_HEADER_END_RE = re.compile(rb"\r?\n\r?\n")
_RETURN_PATH_RE = re.compile(rb"(?im)^return-path:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*")


def has_return_path(raw: bytes) -> bool:
    """Whether the header block of ``raw`` carries a Return-Path (the envelope sender that the
    final delivery agent records; mail without one reads as a bounce)."""
    head = _HEADER_END_RE.split(raw, maxsplit=1)[0] + b"\n"
    return _RETURN_PATH_RE.search(head) is not None


def with_return_path(raw: bytes, sender: str) -> bytes:
    """``raw`` as a delivery agent would store it for envelope sender ``sender``: one
    ``Return-Path: <sender>`` line first, any earlier one dropped. ``sender`` must be a valid
    address (ValueError otherwise), so nothing else can enter the header."""
    address = guest_address(sender)
    if address is None:
        raise ValueError(f"not an email address: {sender!r}")
    first_line = raw[: raw.find(b"\n") + 1]
    eol = b"\r\n" if first_line.endswith(b"\r\n") else b"\n"  # the file's own line ends
    end = _HEADER_END_RE.search(raw)
    head, rest = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    head = _RETURN_PATH_RE.sub(b"", head + eol)
    return b"Return-Path: <" + address.encode("ascii") + b">" + eol + head[: -len(eol)] + rest
