"""compose: threading headers (mail-rules B.3), reply subjects (F.1), the outgoing message (B.1)
and template rendering (g)."""

from __future__ import annotations

import base64
import email
import email.policy
import re
from datetime import UTC, datetime
from email.header import decode_header, make_header
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from mailagent.compose.context import mail_context
from mailagent.compose.environment import make_environment, render
from mailagent.compose.message import Envelope, build_message, reply_subject, thread_headers
from mailagent.config.files import Question
from mailagent.config.sections import FirmSettings
from mailagent.core.classify import Us, classify
from mailagent.core.parse import parse_message
from mailagent.errors import ConfigError

# --- thread_headers ------------------------------------------------------------------------------

MANY = tuple(f"r{i}@x.example" for i in range(25))


@pytest.mark.parametrize(
    ("parent", "references", "in_reply_to", "expected"),
    [
        pytest.param(
            "p@x.example",
            ("r1@x.example", "r2@x.example"),
            ("r2@x.example",),
            ("p@x.example", ("r1@x.example", "r2@x.example", "p@x.example")),
            id="parent with References",
        ),
        pytest.param(
            "p@x.example",
            (),
            ("i1@x.example",),
            ("p@x.example", ("i1@x.example", "p@x.example")),
            id="parent with a single In-Reply-To only",
        ),
        pytest.param(
            "p@x.example",
            (),
            ("i1@x.example", "i2@x.example"),
            ("p@x.example", ("p@x.example",)),
            id="parent with two In-Reply-To ids only",
        ),
        pytest.param(
            "p@x.example", (), (), ("p@x.example", ("p@x.example",)), id="parent with neither"
        ),
        pytest.param(
            "p@x.example",
            MANY,
            (),
            ("p@x.example", (MANY[0], *MANY[7:], "p@x.example")),
            id="more than 20 trimmed, first kept, ends with parent",
        ),
        pytest.param(
            "p@x.example",
            MANY[:19],
            (),
            ("p@x.example", (*MANY[:19], "p@x.example")),
            id="exactly 20 untouched",
        ),
        pytest.param(
            "p@x.example",
            ("r1@x.example", "r2@x.example", "r1@x.example"),
            (),
            ("p@x.example", ("r1@x.example", "r2@x.example", "p@x.example")),
            id="duplicates removed",
        ),
        pytest.param(
            "p@x.example",
            ("r1@x.example", "p@x.example", "r2@x.example"),
            (),
            ("p@x.example", ("r1@x.example", "r2@x.example", "p@x.example")),
            id="parent id already inside References still ends the chain",
        ),
        pytest.param("", ("r1@x.example",), ("i1@x.example",), ("", ()), id="no parent id"),
    ],
)
def test_thread_headers(
    parent: str,
    references: tuple[str, ...],
    in_reply_to: tuple[str, ...],
    expected: tuple[str, tuple[str, ...]],
) -> None:
    got = thread_headers(parent, references, in_reply_to)
    assert got == expected
    if parent:
        assert len(got[1]) <= 20
        assert got[1][-1] == parent
        assert len(set(got[1])) == len(got[1])


# --- reply_subject -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "cap", "expected"),
    [
        pytest.param("Hello", 70, "Hello", id="plain"),
        pytest.param("Re: Hello", 70, "Hello", id="Re:"),
        pytest.param("Re: RE: AW: Fwd: Hello", 70, "Hello", id="stacked Re AW Fwd"),
        pytest.param("SV: Antw: WG: Fw: Hello", 70, "Hello", id="stacked SV Antw WG Fw"),
        pytest.param("re:re :Hello", 70, "Hello", id="no spaces, space before colon"),
        pytest.param("Reply: hi", 70, "Reply: hi", id="Reply: is no prefix"),
        pytest.param("Refund: hi", 70, "Refund: hi", id="word starting with re kept"),
        pytest.param("Hello Re: again", 70, "Hello Re: again", id="Re: inside kept"),
        pytest.param(
            "Hello\r\nBcc: victim@example.com",
            70,
            "Hello Bcc: victim@example.com",
            id="CRLF becomes a space",
        ),
        pytest.param("Hello\x00world\tagain\x0b", 70, "Hello world again", id="NUL tab VT"),
        pytest.param("Zero\u200bwidth\u2028line", 70, "Zero width line", id="Cf and Zl characters"),
        pytest.param("x" * 100, 70, "x" * 70, id="capped at 70"),
        pytest.param("Re: " + "y" * 100, 70, "y" * 70, id="prefix stripped before the cap"),
        pytest.param("Re: abcdefghijkl", 10, "abcdefghij", id="custom cap"),
        pytest.param("a" * 69 + " b", 70, "a" * 69, id="no trailing space after the cap"),
        pytest.param("", 70, "", id="empty"),
    ],
)
def test_reply_subject(original: str, cap: int, expected: str) -> None:
    assert reply_subject(original, cap) == expected


# --- build_message -------------------------------------------------------------------------------

TOKEN = "abcdefghijklmnopqrstuvwxyz"
WHEN = datetime(2025, 11, 25, 10, 30, tzinfo=UTC)


def envelope(**changes: Any) -> Envelope:
    values: dict[str, Any] = {
        "message_id": "0123456789abcdef@mailagent.firm.example",
        "date": WHEN,
        "from_name": "Example Firm informational interviews",
        "from_addr": "interviews@firm.example",
        "reply_to": f"interviews+{TOKEN}@firm.example",
        "to_name": "Dana Scully",
        "to_addr": "dana@example.org",
        "subject": "Re: Informational interview request",
        "auto_submitted": "auto-replied",
        "loop_id": "mailagent",
        "in_reply_to": "request-1@mail.example.org",
        "references": ("r0@mail.example.org", "request-1@mail.example.org"),
    }
    values.update(changes)
    return Envelope(**values)


def round_trip(env: Envelope, text: str = "Hello Dana\n", html: str | None = None) -> EmailMessage:
    """The mail as the outbox writes it, parsed back with policy.default."""
    data = build_message(env, text, html)
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("Message-ID", "<0123456789abcdef@mailagent.firm.example>", id="Message-ID"),
        pytest.param("Date", "Tue, 25 Nov 2025 10:30:00 +0000", id="Date"),
        pytest.param(
            "From", "Example Firm informational interviews <interviews@firm.example>", id="From"
        ),
        pytest.param("To", "Dana Scully <dana@example.org>", id="To"),
        pytest.param(
            "Reply-To",
            f"Example Firm informational interviews <interviews+{TOKEN}@firm.example>",
            id="Reply-To with token",
        ),
        pytest.param("Subject", "Re: Informational interview request", id="Subject"),
        pytest.param("In-Reply-To", "<request-1@mail.example.org>", id="In-Reply-To"),
        pytest.param(
            "References", "<r0@mail.example.org> <request-1@mail.example.org>", id="References"
        ),
        pytest.param("Auto-Submitted", "auto-replied", id="Auto-Submitted"),
        pytest.param("X-Auto-Response-Suppress", "All", id="X-Auto-Response-Suppress All"),
        pytest.param("X-Mailagent-Loop", "mailagent", id="loop header"),
        pytest.param("MIME-Version", "1.0", id="MIME-Version"),
    ],
)
def test_build_message_header(header: str, expected: str) -> None:
    msg = round_trip(envelope())
    values = msg.get_all(header) or []
    assert [str(v) for v in values] == [expected]


def test_build_message_has_no_cc_bcc_or_precedence() -> None:
    msg = round_trip(envelope())
    assert {"cc", "bcc", "precedence"}.isdisjoint(k.lower() for k in msg)
    assert len(msg["To"].addresses) == 1


@pytest.mark.parametrize(
    ("changes", "absent"),
    [
        pytest.param(
            {"in_reply_to": "", "references": ()}, {"in-reply-to", "references"}, id="no parent"
        ),
        pytest.param({"auto_submitted": ""}, {"auto-submitted"}, id="words a person wrote"),
    ],
)
def test_build_message_optional_headers(changes: dict[str, Any], absent: set[str]) -> None:
    msg = round_trip(envelope(**changes))
    names = {k.lower() for k in msg}
    assert absent.isdisjoint(names)
    assert {"message-id", "x-auto-response-suppress", "x-mailagent-loop"} <= names


@pytest.mark.parametrize(
    ("html", "structure"),
    [
        pytest.param(None, ["text/plain"], id="text only"),
        pytest.param(
            "<p>Hello Dana</p>\n",
            ["multipart/alternative", "text/plain", "text/html"],
            id="text and html alternatives",
        ),
    ],
)
def test_build_message_body(html: str | None, structure: list[str]) -> None:
    msg = round_trip(envelope(), "Hello Dana, café\n", html)
    assert [part.get_content_type() for part in msg.walk()] == structure
    plain = msg.get_body(("plain",))
    assert plain is not None
    assert plain.get_content_charset() == "utf-8"
    # Serialised with policy.SMTP the body has CRLF line ends; compare the text itself.
    assert plain.get_content().replace("\r\n", "\n") == "Hello Dana, café\n"
    if html is not None:
        rich = msg.get_body(("html",))
        assert rich is not None
        assert rich.get_content().replace("\r\n", "\n") == html


def test_text_that_looks_like_a_mime_boundary_stays_text() -> None:
    """Our boundaries start with "=_", which neither quoted-printable nor base64 writes: a
    guest's words copied into the mail, lines like boundaries included, cannot end a part."""
    hostile = "--=_0123\n--=_0123--\n=_ at the start\n"
    data = build_message(envelope(), hostile, f"<pre>{hostile}</pre>\n", b"X=_Y\r\n", "REQUEST")
    declared = set(re.findall(rb'boundary="(=_[0-9a-f]+)"', data))
    assert len(declared) == 2
    for line in data.split(b"\r\n"):
        if b"=_" in line and not line.startswith(b"Content-Type:"):
            assert line.strip(b"-\t ") in declared, line
    msg = email.message_from_bytes(data, policy=email.policy.default)
    plain, rich = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().replace("\r\n", "\n") == hostile
    assert rich.get_content().replace("\r\n", "\n") == f"<pre>{hostile}</pre>\n"
    assert msg.defects == []


EXPECTED_NAMES = sorted(
    [
        "auto-submitted",
        "content-transfer-encoding",
        "content-type",
        "date",
        "from",
        "in-reply-to",
        "message-id",
        "mime-version",
        "references",
        "reply-to",
        "subject",
        "to",
        "x-auto-response-suppress",
        "x-mailagent-loop",
    ]
)


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param("Dana\r\nBcc: victim@example.com", id="CRLF Bcc"),
        pytest.param("Dana\nTo: evil@example.com", id="LF To"),
        pytest.param("Dana\rX-Injected: 1", id="CR header"),
        pytest.param('"Evil, Guy" <x@y>', id="quoted comma and address"),
        pytest.param("Evil, Guy <evil@example.com>, other@example.com", id="address list"),
        pytest.param("=?utf-8?q?Dana=0D=0ABcc:_victim@example.com?=", id="encoded-word CRLF"),
        pytest.param("Dana\x00\u2028Bcc: victim@example.com", id="NUL and line separator"),
    ],
)
@pytest.mark.parametrize("where", ["to_name", "from_name", "subject"])
def test_build_message_header_injection(hostile: str, where: str) -> None:
    msg = round_trip(envelope(**{where: hostile}))

    assert sorted(k.lower() for k in msg) == EXPECTED_NAMES
    to = msg.get_all("To") or []
    assert len(to) == 1
    assert [a.addr_spec for a in to[0].addresses] == ["dana@example.org"]
    assert [a.addr_spec for a in msg["From"].addresses] == ["interviews@firm.example"]
    assert [a.addr_spec for a in msg["Reply-To"].addresses] == [f"interviews+{TOKEN}@firm.example"]
    for value in (str(msg["To"]), str(msg["From"]), str(msg["Subject"])):
        assert "\r" not in value
        assert "\n" not in value


def test_double_encoded_guest_subject_and_name_cannot_inject(raw_mail: Any, tmp_path: Path) -> None:
    """The whole pure path: an inbound Subject and From name whose *decoded* text is itself an
    RFC 2047 encoded-word carrying CR LF must not become extra header lines in our answer."""
    inner_subject = "=?utf-8?q?Hi=0D=0ABcc:_victim@example.com?="
    inner_name = "=?utf-8?q?Dana=0D=0AX-Injected:_yes?="
    inbound = parse_message(
        raw_mail(
            Subject="=?utf-8?b?" + base64.b64encode(inner_subject.encode()).decode() + "?=",
            From="=?utf-8?b?"
            + base64.b64encode(inner_name.encode()).decode()
            + "?= <dana@example.org>",
        )
    )
    firm = FirmSettings(name="Example Firm", address="interviews@firm.example")
    question = Question(key="background", text={"en": "Who are you?"})
    context = mail_context(
        firm,
        guest_name=inbound.from_name,
        guest_email=inbound.from_email,
        questions=[question],
        language="en",
        request_subject=inbound.subject,
    )
    env = make_environment(
        write_templates(tmp_path, {"en/q.txt.j2": "Subject: Re: {{ request_subject }}\n\nHello\n"})
    )
    rendered = render(env, "q", "en", context)

    msg = round_trip(envelope(subject=rendered.subject, to_name=inbound.from_name))

    assert sorted(k.lower() for k in msg) == EXPECTED_NAMES
    assert "\n" not in str(msg["Subject"])
    assert "\n" not in str(msg["To"])


def test_built_message_read_back_is_our_own_loop() -> None:
    """What we send, if it ever comes back, is recognised as ours (A8)."""
    data = build_message(envelope(), "Hello\n", None)
    raw = b"Return-Path: <interviews+b-0a1b@firm.example>\r\n" + data
    us = Us("interviews@firm.example", "mailagent.firm.example", "mailagent")
    verdict = classify(parse_message(raw), us)
    assert (verdict.category, verdict.rule.split()[0]) == ("loop", "A8")


# --- render --------------------------------------------------------------------------------------

GREET_TXT = "Subject: Hello {{ guest.name }}\n\nDear {{ guest.name }},\nsee you soon.\n"
CTX: dict[str, Any] = {"guest": {"name": "Dana"}}


def write_templates(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("files", "language", "context", "subject", "text", "html"),
    [
        pytest.param(
            {"en/greet.txt.j2": GREET_TXT},
            "en",
            CTX,
            "Hello Dana",
            "Dear Dana,\nsee you soon.\n",
            None,
            id="subject split from the first line",
        ),
        pytest.param(
            {"en/greet.txt.j2": GREET_TXT},
            "en",
            {"guest": {"name": "{{ 7*7 }}"}},
            "Hello {{ 7*7 }}",
            "Dear {{ 7*7 }},\nsee you soon.\n",
            None,
            id="guest text with braces rendered literally",
        ),
        pytest.param(
            {"en/greet.txt.j2": GREET_TXT, "en/greet.html.j2": "<p>Dear {{ guest.name }}</p>\n"},
            "en",
            {"guest": {"name": "<script>x</script>"}},
            "Hello <script>x</script>",
            "Dear <script>x</script>,\nsee you soon.\n",
            "<p>Dear &lt;script&gt;x&lt;/script&gt;</p>\n",
            id="html autoescaped, text not",
        ),
        pytest.param(
            {"en/greet.txt.j2": GREET_TXT},
            "de",
            CTX,
            "Hello Dana",
            "Dear Dana,\nsee you soon.\n",
            None,
            id="language falls back to en",
        ),
        pytest.param(
            {
                "en/greet.txt.j2": GREET_TXT,
                "de/greet.txt.j2": "Subject: Hallo {{ guest.name }}\n\nLiebe {{ guest.name }}\n",
            },
            "de",
            CTX,
            "Hallo Dana",
            "Liebe Dana\n",
            None,
            id="own language preferred",
        ),
        pytest.param(
            {"en/greet.txt.j2": GREET_TXT},
            "en",
            {"guest": {"name": "Dana\tScully\x00"}},
            "Hello Dana Scully",
            "Dear Dana\tScully\x00,\nsee you soon.\n",
            None,
            id="subject sanitised to one clean line",
        ),
    ],
)
def test_render(
    tmp_path: Path,
    files: dict[str, str],
    language: str,
    context: dict[str, Any],
    subject: str,
    text: str,
    html: str | None,
) -> None:
    env = make_environment(write_templates(tmp_path, files))
    rendered = render(env, "greet", language, context)
    assert (rendered.subject, rendered.text, rendered.html) == (subject, text, html)


@pytest.mark.parametrize(
    ("files", "language", "message_parts"),
    [
        pytest.param(
            {"en/greet.txt.j2": "Subject: Hi\n\n{{ nope }}\n"},
            "en",
            ["templates/en/greet.txt.j2", "nope"],
            id="missing variable in text names the file",
        ),
        pytest.param(
            {"en/greet.txt.j2": "Subject: Hi {{ nope }}\n\nbody\n"},
            "en",
            ["templates/en/greet.txt.j2", "nope"],
            id="missing variable in subject names the file",
        ),
        pytest.param(
            {"en/greet.txt.j2": "Subject: Hi\n\nbody\n", "en/greet.html.j2": "<p>{{ nope }}</p>\n"},
            "en",
            ["templates/en/greet.html.j2", "nope"],
            id="missing variable in html names the html file",
        ),
        pytest.param(
            {"en/greet.txt.j2": "Hello {{ guest.name }}\n\nbody\n"},
            "en",
            ["templates/en/greet.txt.j2", "Subject:"],
            id="missing Subject line",
        ),
        pytest.param(
            {"en/greet.txt.j2": "Subject:   \n\nbody\n"},
            "en",
            ["templates/en/greet.txt.j2", "subject is empty"],
            id="empty subject",
        ),
        pytest.param(
            {"en/other.txt.j2": GREET_TXT},
            "de",
            ["de/greet.txt.j2", "en/greet.txt.j2"],
            id="no template in either language",
        ),
        pytest.param(
            {"en/greet.txt.j2": "Subject: Hi\n\n{% if %}\n"},
            "en",
            ["en/greet.txt.j2"],
            id="syntax error is a ConfigError naming the file",
        ),
    ],
)
def test_render_errors(
    tmp_path: Path, files: dict[str, str], language: str, message_parts: list[str]
) -> None:
    env = make_environment(write_templates(tmp_path, files))
    with pytest.raises(ConfigError) as caught:
        render(env, "greet", language, CTX)
    for part in message_parts:
        assert part in str(caught.value)


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("José Núñez", "José Núñez"),
        ("Dr. Hans Müller", "Dr Hans Müller"),
        ("山田 太郎", "山田 太郎"),
        # A run too long for one encoded word is split between words, never inside one.
        (
            "Zoë Müller-Lüdenscheidt Ölbrückenbauer Straßenmeister",
            "Zoë Müller-Lüdenscheidt Ölbrückenbauer Straßenmeister",
        ),
    ],
)
def test_names_that_are_not_ascii_are_encoded_words_within_rfc_2047(name: str, shown: str) -> None:
    data = build_message(envelope(to_name=name), "Hello\n", None)
    to_line = next(line for line in data.split(b"\r\n") if line.startswith(b"To:"))
    for word in re.findall(rb"=\?[^?]+\?[qQbB]\?[^?]*\?=", to_line):
        assert len(word) <= 75
    legacy = email.message_from_bytes(data, policy=email.policy.compat32)
    decoded = str(make_header(decode_header(legacy["To"])))
    assert decoded == f"{shown} <dana@example.org>"  # as a client following RFC 2047 shows it


@pytest.mark.parametrize(
    "changes",
    [
        {"to_addr": "dana@example.org\r\nBcc: victim@example.com"},
        {"in_reply_to": "parent@x.org>\r\nBcc: <victim@example.com"},
    ],
    ids=["address", "parent id"],
)
def test_a_line_break_in_an_id_or_address_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="line break"):
        build_message(envelope(**changes), "Hello\n", None)
