"""The policy mailagent reads mail with behaves exactly as the stdlib's own; it only stops
building a new header class for every header and parsing a header value it has just parsed."""

from __future__ import annotations

import email
import email.policy
import tracemalloc

import pytest

from mailagent.core import mailpolicy

RAW = (
    b"Return-Path: <dana@example.org>\r\n"
    b"Received: from mx.example.org by mail.firm.example; Tue, 24 Nov 2026 09:00:00 +0000\r\n"
    b"From: =?utf-8?q?Dana_Ru=C3=ADz?= <dana@example.org>\r\n"
    b'To: "Careers, Firm" <interviews@firm.example>, other@firm.example\r\n'
    b"Subject: =?utf-8?b?w4RiZXIgTG9naXN0aWs=?= and\r\n more\r\n"
    b"Date: Tue, 24 Nov 2026 09:00:00 +0000\r\n"
    b"Message-ID: <req-1@mail.example.org>\r\n"
    b"References: <a@x> <b@y>\r\n"
    b"Auto-Submitted: no\r\n"
    b"X-Odd: \xc3\xa9t\xc3\xa9 =?bogus?= (comment)\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8; format=flowed\r\n"
    b"\r\n"
    b"Hello\r\n"
)


def headers(policy: email.policy.Policy) -> list[tuple[str, str, list[str]]]:
    msg = email.message_from_bytes(RAW, policy=policy)
    return [(name, str(value), sorted(map(repr, value.defects))) for name, value in msg.items()]


def test_headers_read_the_same_as_with_the_stdlib_policy() -> None:
    assert headers(mailpolicy.DEFAULT) == headers(email.policy.default)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("Subject", "subject", True),
        ("X-Anything", "X-Something-Else", True),  # both unstructured
        ("From", "To", True),  # both address headers
        ("From", "Subject", False),
        ("Content-Type", "Subject", False),
    ],
)
def test_a_header_class_is_built_once_per_kind(first: str, second: str, same: bool) -> None:
    factory = mailpolicy.DEFAULT.header_factory
    assert (factory[first] is factory[second]) is same
    assert factory[first] is factory[first]


def test_a_header_read_again_is_the_same_and_keeps_the_name_it_was_asked_by() -> None:
    first, second = headers(mailpolicy.DEFAULT), headers(mailpolicy.DEFAULT)
    assert first == second == headers(email.policy.default)
    factory = mailpolicy.DEFAULT.header_factory
    assert factory("subject", "Hello").name == "subject"
    assert factory("Subject", "Hello").name == "Subject"


@pytest.mark.parametrize(
    "value",
    [
        "text/plain; charset=utf-8",
        "Dana <dana@example.org>, =?utf-8?q?R=C3=ADz?= <r@example.org>",
        "not an address at all <<<",
    ],
)
def test_a_remembered_header_reads_as_a_fresh_one(value: str) -> None:
    factory = mailpolicy.DEFAULT.header_factory
    name = "Content-Type" if value.startswith("text/") else "To"
    fresh = email.policy.default.header_factory(name, value)
    for _ in range(2):
        again = factory(name, value)
        assert (str(again), type(again).__mro__[1:], list(map(repr, again.defects))) == (
            str(fresh),
            type(fresh).__mro__[1:],
            list(map(repr, fresh.defects)),
        )


def test_hostile_mail_cannot_make_the_memory_of_headers_large() -> None:
    registry = mailpolicy.ReusingHeaderRegistry()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        # Distinct structured values at the length cap: the costliest kind to keep.
        for i in range(300):
            addresses = ", ".join(f"u{j}.{i}@example.org" for j in range(30))
            registry("To", addresses[: mailpolicy.MEMO_VALUE_CAP])
        registry("References", "<a@b> " * 400)  # longer than the cap: parsed, not kept
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    entries, chars = registry.remembered()
    assert chars <= mailpolicy.MEMO_CHARS
    assert entries == mailpolicy.MEMO_CHARS // mailpolicy.MEMO_VALUE_CAP
    assert after - before < 20 * 1024 * 1024  # about 13 MB kept at most, whatever arrives
