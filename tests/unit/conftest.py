"""Shared helpers for the pure unit tests.

``raw_mail`` (a fixture returning a function) builds the raw RFC 5322 bytes of one inbound mail
with CRLF line ends. Its defaults describe an ordinary person writing to the firm's inbox:

    Return-Path, From, To (interviews@firm.example), Subject, Date, Message-ID, MIME-Version,
    Content-Type (text/plain; charset=utf-8)

Keyword arguments override the defaults; ``_`` in a keyword becomes ``-`` in the header name
(``Auto_Submitted="auto-replied"`` -> ``Auto-Submitted: auto-replied``). ``None`` removes a default
header, a list or tuple repeats the header once per value. ``extra`` appends ``(name, value)`` pairs
verbatim after the defaults (for names that are no identifiers). ``body`` is the body as text or
bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

US_ADDRESS = "interviews@firm.example"
US_MSGID_DOMAIN = "mailagent.firm.example"
US_INSTANCE = "mailagent"

_DEFAULTS: tuple[tuple[str, str], ...] = (
    ("Return-Path", "<dana@example.org>"),
    ("From", "Dana Scully <dana@example.org>"),
    ("To", US_ADDRESS),
    ("Subject", "Informational interview request"),
    ("Date", "Tue, 25 Nov 2025 10:00:00 +0000"),
    ("Message-ID", "<request-1@mail.example.org>"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
)
DEFAULT_BODY = "Hello,\r\n\r\nI would love to learn about your work. Could we talk?\r\n\r\nDana\r\n"

RawMail = Callable[..., bytes]


def build_raw_mail(
    *,
    body: str | bytes = DEFAULT_BODY,
    extra: Sequence[tuple[str, str]] = (),
    **headers: str | Sequence[str] | None,
) -> bytes:
    """Raw mail bytes (CRLF) from the defaults, ``headers`` overrides and ``extra`` pairs."""
    overrides = {
        name.replace("_", "-").lower(): (name.replace("_", "-"), v) for name, v in headers.items()
    }
    lines: list[str] = []
    for name, value in _DEFAULTS:
        if name.lower() in overrides:
            name, value = overrides.pop(name.lower())
        lines.extend(_header_lines(name, value))
    for name, value in overrides.values():
        lines.extend(_header_lines(name, value))
    for name, value in extra:
        lines.append(f"{name}: {value}")
    head = "\r\n".join(lines).encode("utf-8") + b"\r\n\r\n"
    if isinstance(body, str):
        body = body.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    return head + body


def _header_lines(name: str, value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [f"{name}: {value}"]
    return [f"{name}: {item}" for item in value]


@pytest.fixture
def raw_mail() -> RawMail:
    """The :func:`build_raw_mail` function (conftest modules are not importable by name)."""
    return build_raw_mail
