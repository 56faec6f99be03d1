"""Properties over arbitrary input (mail-rules f): guest text never leaves its header in the mail
we write (F.1), and parsing and classifying arbitrary bytes never raises (F.3)."""

from __future__ import annotations

import base64
import email
import email.policy
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mailagent.compose.context import mail_context
from mailagent.compose.environment import make_environment, render
from mailagent.compose.message import Envelope, build_message
from mailagent.config.files import Question
from mailagent.config.sections import FirmSettings
from mailagent.core import classify as classify_module
from mailagent.core.classify import Us, classify
from mailagent.core.parse import parse_message

REPO = Path(__file__).resolve().parents[2]
ENV = make_environment(REPO / "templates")
FIRM = FirmSettings(name="Example Firm", address="interviews@firm.example")
QUESTIONS = (
    Question(key="learn_goals", text={"en": "What would you like to learn?"}),
    Question(key="availability", text={"en": "When are you free?"}),
)
US = Us(address="interviews@firm.example", msgid_domain="mailagent.firm.example", instance_id="ma")
GUEST = "dana.ruiz@example.org"
FIRM_BYTES = b"interviews@firm.example"
PARENT = "request-1@mail.example.org"
EXPECTED_HEADERS = [
    "message-id",
    "date",
    "from",
    "to",
    "reply-to",
    "subject",
    "in-reply-to",
    "references",
    "auto-submitted",
    "x-auto-response-suppress",
    "x-mailagent-loop",
    "mime-version",
    "content-type",
]
PROPERTY = settings(
    max_examples=250,
    deadline=None,
    # The same examples every run, so CI is never red by luck; widen or randomise locally.
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    database=None,
    report_multiple_bugs=False,
)
_FIELD_NAME = re.compile(rb"[!-9;-~]+")

# --- strategies ------------------------------------------------------------------------------

SPECIAL_TEXT = [
    "\r",
    "\n",
    "\r\n",
    "\r\n ",
    "\t",
    "\x00",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u200b",
    "\u202e",
    "\udcff",
    "Bcc: victim@example.com",
    "X-Injected: yes",
    "\r\nBcc: victim@example.com",
    "\nX-Injected: yes\n",
    "=?",
    "?=",
    "<",
    ">",
    '"',
    ",",
    ";",
    ":",
    "@",
    "\\",
    "(",
    ")",
    "Re: ",
    "victim@example.com",
]
CHARSETS = [
    "utf-8",
    "UTF-8",
    "us-ascii",
    "iso-8859-1",
    "utf-16",
    "x-unknown-42",
    "unknown-8bit",
    "utf-8\x00",
    "",
]
# Lone surrogates outside U+DC80-U+DCFF (the surrogateescape range) cannot be encoded at all;
# they are drawn by their own property below, so that a failure there does not hide others.
UNENCODABLE = "".join(chr(c) for c in range(0xD800, 0xDC80))
any_char = st.one_of(
    st.characters(),
    st.characters(
        categories=["Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"],
        exclude_characters=UNENCODABLE,
    ),
)


def _q_encode(data: bytes) -> str:
    return "".join(chr(b) if chr(b).isalnum() else f"={b:02X}" for b in data)


@st.composite
def encoded_words(draw: st.DrawFn) -> str:
    """An RFC 2047 encoded word of arbitrary bytes (or of another encoded word)."""
    data = draw(
        st.one_of(
            st.binary(max_size=40),
            st.sampled_from(SPECIAL_TEXT).map(lambda s: s.encode("utf-8", "surrogatepass")),
        )
    )
    charset = draw(st.sampled_from(CHARSETS))
    if draw(st.booleans()):
        word = f"=?{charset}?q?{_q_encode(data)}?="
    else:
        word = f"=?{charset}?b?{base64.b64encode(data).decode()}?="
    if draw(st.integers(0, 3)) == 0:  # double-encoded: decodes to an encoded word
        word = f"=?utf-8?b?{base64.b64encode(word.encode('utf-8', 'surrogatepass')).decode()}?="
    return word


hostile_text = st.lists(
    st.one_of(
        st.text(alphabet=any_char, max_size=20),
        st.sampled_from(SPECIAL_TEXT),
        encoded_words(),
    ),
    max_size=8,
).map("".join)
lone_surrogate_text = st.lists(
    st.one_of(
        hostile_text,
        st.characters(min_codepoint=0xD800, max_codepoint=0xDC7F),
        st.sampled_from(["=?utf-7?q?+2AA-?=", "=?utf-7?b?KzJBQS0=?="]),  # decode to U+D800
    ),
    min_size=1,
    max_size=4,
).map("".join)


# --- (a) guest text in the mail we write ---------------------------------------------------------


def header_problems(raw: bytes) -> list[str]:
    """What is wrong with the header block of ``raw`` (CRLF): stray CR/LF, lines that are no
    header, header names other than EXPECTED_HEADERS, values that decode to several lines."""
    problems: list[str] = []
    head, sep, _ = raw.partition(b"\r\n\r\n")
    if not sep:
        return ["no end of header block"]
    names: list[str] = []
    for line in head.split(b"\r\n"):
        if b"\r" in line or b"\n" in line:
            problems.append(f"stray CR/LF in {line[:120]!r}")
        if line[:1] in (b" ", b"\t"):
            continue
        name, colon, _ = line.partition(b":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            problems.append(f"not a header line: {line[:120]!r}")
            continue
        names.append(name.decode("ascii").lower())
    if names != EXPECTED_HEADERS:
        problems.append(f"header names in the raw block: {names}")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    if [k.lower() for k in parsed] != EXPECTED_HEADERS:
        problems.append(f"header names parsed back: {list(parsed)}")
    for key, value in parsed.items():
        if "\r" in str(value) or "\n" in str(value):
            problems.append(f"{key} decodes to several lines: {str(value)[:120]!r}")
    # The same values decoded the old way (compat32 + decode_header), as other software would.
    legacy = email.message_from_bytes(raw, policy=email.policy.compat32)
    for key, value in legacy.items():
        unfolded = str(value)
        try:
            unfolded = re.sub(r"\r?\n(?=[ \t])", "", str(value))  # RFC 5322 2.2.3
            text = str(make_header(decode_header(unfolded)))
        except (ValueError, LookupError):
            text = unfolded
        if "\r" in text or "\n" in text:
            problems.append(f"{key} decodes (compat32) to several lines: {text[:120]!r}")
    to = parsed["To"]
    if [a.addr_spec for a in getattr(to, "addresses", ())] != [GUEST]:
        problems.append(f"To names other recipients: {str(to)[:160]!r}")
    return problems


def _serialise(to_name: str, subject: str, text: str, html: str | None) -> bytes:
    envelope = Envelope(
        message_id="0123456789abcdef@mailagent.firm.example",
        date=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
        from_name=FIRM.sender_name,
        from_addr=FIRM.address,
        reply_to="interviews+abcdefghijklmnopqrstuvwxyz@firm.example",
        to_name=to_name,
        to_addr=GUEST,
        subject=subject,
        auto_submitted="auto-replied",
        loop_id="ma",
        in_reply_to=PARENT,
        references=("first@mail.example.org", PARENT),
    )
    return build_message(envelope, text, html)


@PROPERTY
@given(
    guest_name=hostile_text,
    display_name=hostile_text,
    subject=hostile_text,
    request_subject=hostile_text,
)
@example(
    guest_name="Dana\r\nBcc: victim@example.com",
    display_name="=?utf-8?q?Dana=0D=0ABcc:_victim@example.com?=",
    subject="=?utf-8?b?PT91dGYtOD9xP0RhbmE9MEQ9MEFCY2M6X3ZpY3RpbUBleGFtcGxlLmNvbT89?=",
    request_subject="Hi\u2028X-Injected: yes",
)
@example(
    guest_name='Evil, "Guy" <x@y>',
    display_name="a@b.example, c@d.example",
    subject="\udcff\x00",
    request_subject="=?unknown-8bit?q?=FF=0A?=",
)
def test_guest_text_stays_inside_its_header(
    guest_name: str, display_name: str, subject: str, request_subject: str
) -> None:
    context = mail_context(
        FIRM,
        guest_name=guest_name,
        guest_email=GUEST,
        questions=QUESTIONS,
        language="en",
        request_subject=request_subject,
    )
    _check_mail(guest_name, display_name, subject, context)


@PROPERTY
@given(
    guest_name=lone_surrogate_text,
    display_name=lone_surrogate_text,
    subject=lone_surrogate_text,
    request_subject=lone_surrogate_text,
)
@example(guest_name="", display_name="", subject="", request_subject="=?utf-7?q?Hi_+2AA-?=")
def test_lone_surrogates_in_guest_text_still_give_a_safe_mail(
    guest_name: str, display_name: str, subject: str, request_subject: str
) -> None:
    """Inbound parsing can yield them: a UTF-7 encoded word decodes to U+D800."""
    context = mail_context(
        FIRM,
        guest_name=guest_name,
        guest_email=GUEST,
        questions=QUESTIONS,
        language="en",
        request_subject=request_subject,
    )
    _check_mail(guest_name, display_name, subject, context)


def _check_mail(guest_name: str, display_name: str, subject: str, context: dict[str, Any]) -> None:
    rendered = render(ENV, "questionnaire", "en", context)
    assert "\r" not in rendered.subject and "\n" not in rendered.subject
    # As the worker writes it (the guest's name, the rendered subject) and with the raw values.
    for to_name, subj in ((guest_name, rendered.subject), (display_name, subject)):
        raw = _serialise(to_name, subj, rendered.text, rendered.html)
        assert not header_problems(raw), (to_name, subj, header_problems(raw))


# --- (b), (c) parsing and classifying arbitrary bytes ------------------------------------------

HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Bcc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Return-Path",
    "Sender",
    "Reply-To",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-Disposition",
    "MIME-Version",
    "Auto-Submitted",
    "Precedence",
    "List-Id",
    "X-Auto-Response-Suppress",
    "X-Mailagent-Loop",
    "Delivered-To",
    "X-Original-To",
    "Resent-To",
    "Authentication-Results",
    "X-Spam-Flag",
]
VALUE_FRAGMENTS = [
    b"<",
    b">",
    b"@",
    b",",
    b";",
    b":",
    b'"',
    b"(",
    b")",
    b"\\",
    b"=?",
    b"?=",
    b"\r\n",
    b"\r",
    b"\n",
    b"\r\n ",
    b"\x00",
    b"\xff",
    b" ",
    b"interviews@firm.example",
    b"interviews+abc@firm.example",
    b"dana@example.org",
    b"alice@example.org(<bob@example.org>",
    b"a@b@c",
    b"<>",
    b"<request-1@mail.example.org>",
    b"mailagent.firm.example",
    b"multipart/mixed; boundary=b",
    b'multipart/alternative; boundary="b"',
    b"multipart/report; report-type=delivery-status",
    b"message/rfc822",
    b"text/plain; charset=x-unknown-42",
    b"text/html; charset=utf-8",
    b'text/plain; charset="utf-8\x00"',
    b"base64",
    b"quoted-printable",
    b"attachment",
    b"auto-replied",
    b"bulk",
    b"All, OOF",
    b"Tue, 25 Nov 2025 10:00:00 +0000",
    b"Fri, 31 Dec 9999 23:59:59 +0000",
    b"=?utf-8?q?a=0D=0Ab?=",
    b"=?x-unknown-42?b?/w==?=",
]
BODY_FRAGMENTS = [
    b"--b\r\n",
    b"--b--\r\n",
    b"\r\n",
    b"Content-Type: text/plain\r\n\r\n",
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n",
    b"Content-Type: message/rfc822\r\n\r\n",
    b"Content-Transfer-Encoding: base64\r\n\r\n",
    b"Hello, could we talk?\r\n",
    b"<script>x</script>",
    b"=\r\n",
    b"=FF=00",
    b"\xff\x00",
]
header_name = st.one_of(
    st.sampled_from(HEADER_NAMES),
    st.from_regex(r"[!-9;-~]{1,20}", fullmatch=True),
    st.binary(min_size=1, max_size=12),
)
header_value = st.lists(
    st.one_of(
        st.sampled_from(VALUE_FRAGMENTS),
        st.binary(max_size=24),
        encoded_words().map(lambda w: w.encode("utf-8", "surrogatepass")),
    ),
    max_size=6,
).map(b"".join)


@st.composite
def mail_like(draw: st.DrawFn) -> bytes:
    """Header lines of arbitrary names and values, a blank line, an arbitrary body."""
    headers = [
        (n.encode() if isinstance(n, str) else n, v)
        for n, v in draw(st.lists(st.tuples(header_name, header_value), max_size=12))
    ]
    if draw(st.booleans()):  # so that classification gets past A1 and A9 more often
        headers = [(b"Return-Path", b"<dana@example.org>"), (b"To", FIRM_BYTES), *headers]
    colon = draw(st.sampled_from([b": ", b":", b" : ", b"\t:"]))
    lines = [n + colon + v for n, v in headers]
    body = draw(
        st.lists(st.one_of(st.sampled_from(BODY_FRAGMENTS), st.binary(max_size=40)), max_size=10)
    )
    newline = draw(st.sampled_from([b"\r\n", b"\n", b"\r"]))
    return newline.join(lines) + newline + newline + b"".join(body)


CATEGORIES = {
    classify_module.HUMAN,
    classify_module.AUTO,
    classify_module.BOUNCE,
    classify_module.LIST,
    classify_module.SYSTEM,
    classify_module.LOOP,
    classify_module.NOT_TO_US,
    classify_module.MALFORMED,
    classify_module.SOFT_AUTO,
    classify_module.BAD_SENDER,
    classify_module.SPAM,
}


def _parse_and_classify(raw: bytes) -> None:
    msg = parse_message(raw)
    for text in (msg.subject, msg.from_name):
        assert "\r" not in text and "\n" not in text, text
    assert msg.message_id
    verdict = classify(msg, US)
    assert verdict.category in CATEGORIES
    # Whatever it is, mail that is not plainly human names the rule that decided.
    assert verdict.is_human or verdict.rule


@PROPERTY
@given(raw=st.binary(max_size=2000))
@example(raw=b"")
@example(raw=b"\r\n\r\n")
@example(raw=b"From: \xff\r\n\r\n\x00")
def test_parse_and_classify_never_raise_on_arbitrary_bytes(raw: bytes) -> None:
    _parse_and_classify(raw)


@PROPERTY
@given(raw=mail_like())
def test_parse_and_classify_never_raise_on_mail_like_bytes(raw: bytes) -> None:
    _parse_and_classify(raw)


MONTHS = ["Jan", "Feb", "Jun", "Dec", "Foo", ""]


@PROPERTY
@given(
    day=st.integers(0, 32),
    month=st.sampled_from(MONTHS),
    year=st.one_of(st.integers(0, 10_000), st.sampled_from([1, 99, 1900, 1970, 9999])),
    hour=st.integers(0, 25),
    offset=st.integers(-10_000, 10_000),
)
@example(day=31, month="Dec", year=9999, hour=23, offset=-100)
@example(day=1, month="Jan", year=1, hour=0, offset=100)
def test_parse_never_raises_on_odd_dates(
    day: int, month: str, year: int, hour: int, offset: int
) -> None:
    date = f"Fri, {day:02d} {month} {year:04d} {hour:02d}:59:59 {offset:+05d}"
    raw = (
        b"Return-Path: <dana@example.org>\r\nFrom: dana@example.org\r\n"
        b"To: interviews@firm.example\r\nDate: " + date.encode() + b"\r\n"
        b"Content-Type: text/plain\r\n\r\nHello\r\n"
    )
    _parse_and_classify(raw)


@pytest.mark.parametrize("depth", [50, 1000, 5000])
def test_parse_never_raises_on_deep_nesting(depth: int) -> None:
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i)
        for i in range(depth)
    )
    closing = b"".join(b"\r\n--n%d--\r\n" % i for i in reversed(range(depth)))
    raw = b"From: dana@example.org\r\nTo: interviews@firm.example\r\n" + opening + b"x" + closing
    _parse_and_classify(raw)
    _parse_and_classify(
        b"From: dana@example.org\r\n" + b"Content-Type: message/rfc822\r\n\r\n" * depth + b"x"
    )
