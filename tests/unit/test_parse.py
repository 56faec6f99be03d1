"""parse: defensive parsing of inbound mail (mail-rules B.3 ids, F.1 header text, F.2 addresses,
F.3 structure limits, F.4 charsets)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mailagent.core.headers import (
    guest_address,
    has_return_path,
    raw_message_id,
    with_return_path,
)
from mailagent.core.mime import MAX_DEPTH, MAX_PARTS
from mailagent.core.parse import parse_message

# --- Subject -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        pytest.param("Informational interview", "Informational interview", id="plain"),
        pytest.param(
            "=?UTF-8?Q?embedded_newline=0ABcc:_injected@example.com?=",
            "embedded newline Bcc: injected@example.com",
            id="encoded-word LF becomes one line",
        ),
        pytest.param("=?UTF-8?Q?a=0D=0Ab=09c=00d?=", "a b c d", id="encoded-word CR LF tab NUL"),
        pytest.param("=?utf-8?q?caf=C3=A9?=", "café", id="encoded-word decoded"),
        pytest.param("=?iso-8859-1?q?Gr=FC=DFe?=", "Grüße", id="latin-1 encoded-word"),
        pytest.param(
            "Hello\r\n   folded   over", "Hello folded over", id="folded, spaces collapsed"
        ),
        pytest.param("x" * 300, "x" * 200, id="capped at 200"),
        pytest.param(None, "", id="missing subject"),
    ],
)
def test_subject(raw_mail: Any, subject: str | None, expected: str) -> None:
    msg = parse_message(raw_mail(Subject=subject))
    assert msg.subject == expected
    assert "\n" not in msg.subject
    assert "\r" not in msg.subject


def test_first_subject_wins(raw_mail: Any) -> None:
    assert parse_message(raw_mail(Subject=["first", "second"])).subject == "first"


# --- body text -----------------------------------------------------------------------------------

ALTERNATIVE = (
    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain words\r\n"
    "--b1\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>html words</p>\r\n"
    "--b1--\r\n"
)
TEXT_ATTACHMENT = (
    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nthe request\r\n"
    "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
    "Content-Disposition: attachment; filename=notes.txt\r\n\r\nattached notes\r\n"
    "--b1--\r\n"
)
HTML_ONLY = (
    "<html><head><title>T</title><style>p {color: red}</style></head><body>"
    "<p>Yes, Tuesday works.</p>"
    "<blockquote><p>Could we talk?</p><blockquote>Sure.</blockquote></blockquote>"
    "<script>alert(1)</script><p>Dana &amp; co</p></body></html>\r\n"
)


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        pytest.param(
            "text/plain; charset=utf-8", "Hello\r\nDana\r\n", "Hello\nDana\n", id="CRLF to LF"
        ),
        pytest.param(
            "text/plain; charset=x-unknown",
            "café\r\n".encode(),
            "café\n",
            id="unknown charset falls back to utf-8",
        ),
        pytest.param(
            "text/plain; charset=utf-8",
            "café €\r\n".encode("cp1252"),
            "café €\n",
            id="mislabelled cp1252 falls back",
        ),
        pytest.param(
            "text/plain; charset=iso-8859-1",
            "Grüße\r\n".encode("latin-1"),
            "Grüße\n",
            id="declared latin-1",
        ),
        pytest.param(
            "text/plain; charset=utf-8",
            b"Content-Transfer-Encoding-free =C3=A9\r\n",
            "Content-Transfer-Encoding-free =C3=A9\n",
            id="no transfer encoding leaves text alone",
        ),
        pytest.param(
            "text/html; charset=utf-8",
            HTML_ONLY,
            "Yes, Tuesday works.\n> Could we talk?\n> > Sure.\nDana & co",
            id="HTML-only body to text, blockquote as '> '",
        ),
        pytest.param(
            'multipart/alternative; boundary="b1"',
            ALTERNATIVE,
            "plain words",
            id="plain preferred over html",
        ),
        pytest.param(
            'multipart/mixed; boundary="b1"',
            TEXT_ATTACHMENT,
            "the request",
            id="text attachment ignored",
        ),
        pytest.param("application/pdf", "JVBERi0xLjQK\r\n", "", id="no text part"),
    ],
)
def test_text(raw_mail: Any, content_type: str, body: str | bytes, expected: str) -> None:
    msg = parse_message(raw_mail(Content_Type=content_type, body=body))
    assert msg.text == expected
    assert msg.problems == ()


def test_quoted_printable_body_decoded(raw_mail: Any) -> None:
    msg = parse_message(
        raw_mail(Content_Transfer_Encoding="quoted-printable", body="caf=C3=A9 =E2=82=AC\r\n")
    )
    assert msg.text == "café €\n"


# --- Message-ID, In-Reply-To, References (B.3) ---------------------------------------------------


def test_missing_message_id_gets_sha256_stand_in(raw_mail: Any) -> None:
    raw = raw_mail(Message_ID=None)
    msg = parse_message(raw)
    assert msg.message_id == raw_message_id(raw)
    assert msg.message_id.startswith("sha256-")
    assert msg.message_id.endswith("@missing-message-id.invalid")
    # The stand-in is stable for the same bytes and differs for other bytes.
    assert parse_message(raw).message_id == msg.message_id
    assert parse_message(raw_mail(Message_ID=None, Subject="other")).message_id != msg.message_id


@pytest.mark.parametrize(
    ("headers", "message_id", "in_reply_to", "references"),
    [
        pytest.param(
            {"Message_ID": "<abc@x.example>"}, "abc@x.example", (), (), id="brackets stripped"
        ),
        pytest.param(
            {"Message_ID": "  < abc@x.example >  "},
            "abc@x.example",
            (),
            (),
            id="whitespace inside brackets stripped",
        ),
        pytest.param({"Message_ID": "abc@x.example"}, "abc@x.example", (), (), id="no brackets"),
        pytest.param(
            {"Message_ID": "<abc@x.example> (comment)"},
            "abc@x.example",
            (),
            (),
            id="comment dropped",
        ),
        pytest.param(
            {"In_Reply_To": "<p1@x.example>", "References": "<r1@x.example> <p1@x.example>"},
            "request-1@mail.example.org",
            ("p1@x.example",),
            ("r1@x.example", "p1@x.example"),
            id="In-Reply-To and References in order",
        ),
        pytest.param(
            {"References": "<r1@x.example>\r\n\t<r2@x.example>\r\n <r3@x.example>"},
            "request-1@mail.example.org",
            (),
            ("r1@x.example", "r2@x.example", "r3@x.example"),
            id="folded References",
        ),
        pytest.param(
            {"References": "<r1@x.example>,junk (comment) <r2@x.example>"},
            "request-1@mail.example.org",
            (),
            ("r1@x.example", "r2@x.example"),
            id="junk and comments between ids",
        ),
        pytest.param(
            {"References": ["<r1@x.example>", "<r2@x.example>"]},
            "request-1@mail.example.org",
            (),
            ("r1@x.example", "r2@x.example"),
            id="two References headers",
        ),
        pytest.param(
            {"In_Reply_To": "<p1@x.example> (Dana's message of Monday)"},
            "request-1@mail.example.org",
            ("p1@x.example",),
            (),
            id="In-Reply-To with a comment",
        ),
        pytest.param(
            {"In_Reply_To": "< p1@x.example >"},
            "request-1@mail.example.org",
            ("p1@x.example",),
            (),
            id="In-Reply-To whitespace inside brackets normalised",
        ),
        pytest.param(
            {"In_Reply_To": "no id here", "References": ""},
            "request-1@mail.example.org",
            (),
            (),
            id="no ids at all",
        ),
    ],
)
def test_message_ids(
    raw_mail: Any,
    headers: dict[str, Any],
    message_id: str,
    in_reply_to: tuple[str, ...],
    references: tuple[str, ...],
) -> None:
    msg = parse_message(raw_mail(**headers))
    assert (msg.message_id, msg.in_reply_to, msg.references) == (
        message_id,
        in_reply_to,
        references,
    )


# --- From, recipients, Date (F.2) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("from_", "email", "name", "count", "problem"),
    [
        pytest.param(
            "Dana Scully <dana@example.org>", "dana@example.org", "Dana Scully", 1, None, id="plain"
        ),
        pytest.param("dana@example.org", "dana@example.org", "", 1, None, id="bare address"),
        pytest.param(
            '"Scully, Dana" <dana@example.org>',
            "dana@example.org",
            "Scully, Dana",
            1,
            None,
            id="quoted comma",
        ),
        pytest.param(
            "=?utf-8?q?Dana=09Scully=E2=80=8B?= <dana@example.org>",
            "dana@example.org",
            "Dana Scully",
            1,
            None,
            id="encoded name with tab and zero-width space sanitised",
        ),
        pytest.param(
            "=?utf-8?q?Dana=0D=0ABcc:_x@example.com?= <dana@example.org>",
            "",
            "",
            0,
            "unreadable From",
            id="encoded name with CRLF is unreadable",
        ),
        pytest.param(
            "Dr. Hans Müller <hans@example.org>",
            "hans@example.org",
            "Dr. Hans Müller",
            1,
            None,
            id="raw UTF-8 name (RFC 6532) with an unquoted period (obsolete syntax)",
        ),
        pytest.param(
            "Jürgen Weiß <j.weiss@example.org>",
            "j.weiss@example.org",
            "Jürgen Weiß",
            1,
            None,
            id="raw UTF-8 name",
        ),
        pytest.param("dana@example.org, fox@example.org", "", "", 2, None, id="two mailboxes"),
        pytest.param("a@b@c", "", "", 1, "From has defects", id="CVE-2019-16056 a@b@c"),
        pytest.param(
            "alice@example.org(<bob@example.org>",
            "alice@example.org",
            "",
            1,
            "From has defects",
            id="CVE-2023-27043 shape",
        ),
        pytest.param(
            "Dana <dana@example.org",
            "dana@example.org",
            "Dana",
            1,
            "From has defects",
            id="missing closing bracket",
        ),
    ],
)
def test_sender(
    raw_mail: Any, from_: str, email: str, name: str, count: int, problem: str | None
) -> None:
    msg = parse_message(raw_mail(From=from_))
    assert (msg.from_email, msg.from_name, msg.from_count) == (email, name, count)
    if problem is None:
        assert msg.problems == ()
    else:
        assert problem in msg.problems


def test_missing_from(raw_mail: Any) -> None:
    msg = parse_message(raw_mail(From=None))
    assert (msg.from_email, msg.from_count) == ("", 0)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param(
            {"To": "Interviews@FIRM.example", "Cc": "Fox <fox@example.org>"},
            ("interviews@firm.example", "fox@example.org"),
            id="To and Cc lower-cased",
        ),
        pytest.param(
            {"To": "a@example.org, a@example.org", "Cc": "A@example.org"},
            ("a@example.org",),
            id="duplicates once",
        ),
        pytest.param({"To": "undisclosed-recipients:;"}, (), id="empty group"),
        pytest.param(
            {"To": ", ".join(f"u{i}@example.org" for i in range(80))},
            tuple(f"u{i}@example.org" for i in range(50)),
            id="at most 50 recipients",
        ),
    ],
)
def test_recipients(raw_mail: Any, headers: dict[str, str], expected: tuple[str, ...]) -> None:
    assert parse_message(raw_mail(**headers)).recipients == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        pytest.param(
            "Tue, 25 Nov 2025 12:00:00 +0200",
            datetime(2025, 11, 25, 10, 0, tzinfo=UTC),
            id="converted to UTC",
        ),
        pytest.param(
            "Tue, 25 Nov 2025 12:00:00 -0000",
            datetime(2025, 11, 25, 12, 0, tzinfo=UTC),
            id="-0000 taken as UTC",
        ),
        pytest.param("yesterday-ish", None, id="garbage"),
        pytest.param(None, None, id="missing"),
    ],
)
def test_date(raw_mail: Any, date: str | None, expected: datetime | None) -> None:
    assert parse_message(raw_mail(Date=date)).date == expected


# --- structure limits (F.3) ----------------------------------------------------------------------


def nested(levels: int) -> tuple[str, str]:
    """(Content-Type, body) of ``levels`` multiparts nested in each other around one text part:
    the text part sits at depth ``levels`` (the top level is depth 0)."""
    content_type, body = "text/plain; charset=utf-8", "deep text\r\n"
    for level in range(levels):
        boundary = f"b{level}"
        body = f"--{boundary}\r\nContent-Type: {content_type}\r\n\r\n{body}\r\n--{boundary}--\r\n"
        content_type = f'multipart/mixed; boundary="{boundary}"'
    return content_type, body


def many(parts: int) -> tuple[str, str]:
    """(Content-Type, body) of one multipart holding ``parts - 1`` text parts: ``parts`` in all."""
    chunks = [
        f"--bb\r\nContent-Type: text/plain; charset=utf-8\r\n\r\npart {i}\r\n"
        for i in range(parts - 1)
    ]
    return 'multipart/mixed; boundary="bb"', "".join(chunks) + "--bb--\r\n"


@pytest.mark.parametrize(
    ("shape", "problem"),
    [
        pytest.param(nested(MAX_DEPTH), None, id="nesting depth 20 ok"),
        pytest.param(nested(MAX_DEPTH + 1), "MIME nesting deeper than 20", id="nesting depth 21"),
        pytest.param(nested(40), "MIME nesting deeper than 20", id="nesting depth 40"),
        pytest.param(many(MAX_PARTS), None, id="1000 parts ok"),
        pytest.param(many(MAX_PARTS + 1), "more than 1000 MIME parts", id="1001 parts"),
        pytest.param(many(3000), "more than 1000 MIME parts", id="3000 parts"),
    ],
)
def test_structure_limits(raw_mail: Any, shape: tuple[str, str], problem: str | None) -> None:
    content_type, body = shape
    msg = parse_message(raw_mail(Content_Type=content_type, body=body))
    if problem is None:
        assert msg.problems == ()
        assert msg.text.strip()
    else:
        assert any(p.startswith(problem) for p in msg.problems), msg.problems
    assert len(msg.content_types) <= MAX_PARTS


@pytest.mark.parametrize(
    ("headers", "extra"),
    [
        pytest.param({"Content_Type": "text/plain; name*"}, (), id="Content-Type name*"),
        pytest.param({"Content_Type": ";i*"}, (), id="Content-Type ;i*"),
        pytest.param({"Content_Type": 'text/plain; charset="a\x00b"'}, (), id="NUL in charset"),
        pytest.param({"Cc": "(c):"}, (), id="Cc (c):"),
        pytest.param({}, (("Content-Disposition", ";i*"),), id="Content-Disposition ;i*"),
    ],
)
def test_hostile_headers_do_not_raise(
    raw_mail: Any, headers: dict[str, str], extra: tuple[tuple[str, str], ...]
) -> None:
    """F.4 inputs that make the stdlib raise: parse_message "never raises for malformed mail"."""
    msg = parse_message(raw_mail(extra=extra, **headers))
    assert msg.message_id == "request-1@mail.example.org"
    assert msg.from_email == "dana@example.org"


# --- guest_address (F.2) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        pytest.param("dana@example.org", "dana@example.org", id="ok"),
        pytest.param("Dana@EXAMPLE.ORG", "Dana@example.org", id="domain lower-cased, local kept"),
        pytest.param("dana.scully+cv@example.org", "dana.scully+cv@example.org", id="plus and dot"),
        pytest.param("bad@@x", None, id="double at"),
        pytest.param("a@b@example.org", None, id="two at signs"),
        pytest.param("dana@localhost", None, id="dotless domain"),
        pytest.param("dana@example", None, id="dotless domain 2"),
        pytest.param("a@b.test", None, id="special-use .test"),
        pytest.param("a@b.invalid", None, id="special-use .invalid"),
        pytest.param("dänä@example.org", None, id="SMTPUTF8 local part refused"),
        pytest.param('"dana scully"@example.org', None, id="quoted local part refused"),
        pytest.param("dana@[192.0.2.1]", None, id="domain literal refused"),
        pytest.param("alice@example.org(<bob@example.org>", None, id="CVE-2023-27043 shape"),
        pytest.param("", None, id="empty"),
        pytest.param("@example.org", None, id="empty local part"),
    ],
)
def test_guest_address(address: str, expected: str | None) -> None:
    assert guest_address(address) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            b"From: a@x.org\r\n\r\nbody",
            b"Return-Path: <dana@example.org>\r\nFrom: a@x.org\r\n\r\nbody",
        ),
        (
            b"Return-Path: <old@x.org>\nFrom: a@x.org\n\nReturn-Path: <in the body>\n",
            b"Return-Path: <dana@example.org>\nFrom: a@x.org\n\nReturn-Path: <in the body>\n",
        ),
    ],
    ids=["added, CRLF", "an earlier one replaced, LF; the body untouched"],
)
def test_with_return_path_records_the_envelope_sender(raw: bytes, expected: bytes) -> None:
    assert has_return_path(raw) == raw.startswith(b"Return-Path:")  # the header block only
    assert with_return_path(raw, "dana@example.org") == expected
    assert has_return_path(expected)


def test_with_return_path_takes_nothing_but_an_address() -> None:
    with pytest.raises(ValueError, match="not an email address"):
        with_return_path(b"From: a@x.org\r\n\r\n", "dana@example.org>\r\nBcc: victim@x.org")
