"""Hostile mail (mail-rules f) through the real pass on Maildir + SQLite.

Every case is delivered into a fresh inbox, followed by an ordinary guest request; one pass must
give each hostile message a recorded outcome (``done``, ``duplicate`` or ``quarantined``, never
left ``received``), answer the ordinary request in the same pass, and every mail we write must
carry only our own headers, each on its own line (no header injection, F.1).

Wall times are printed, not asserted (a per-message time budget is planned); a pass over
``SLOW_SECONDS`` is printed prominently. ``bench/hostile_suite.py`` runs the same table and prints
it as a report.
"""

from __future__ import annotations

import base64
import email
import email.policy
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from harness import FIRM, make_config, messages, one_pass, outbox_rows

from mailagent.config.settings import Config
from mailagent.transports.opening import open_inbox

SLOW_SECONDS = 10.0
CAP = 10_000_000  # the default [inbox] max_message_bytes
GUEST = "dana.ruiz@example.org"
FOLLOW_UP = "noor.haddad@example.net"
FOLLOW_UP_ID = "follow-up-request@mail.example.net"
# Headers build_message writes; nothing else may appear at the top of our mail.
OUR_HEADERS = frozenset(
    {
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
        "content-transfer-encoding",
    }
)
REQUIRED_HEADERS = frozenset(
    {"message-id", "date", "from", "to", "reply-to", "subject", "x-mailagent-loop"}
)
_FIELD_NAME = re.compile(rb"[!-9;-~]+")  # RFC 5322 ftext


# --- building hostile mail -------------------------------------------------------------------

Header = tuple[str, str | bytes]
DEFAULT_HEADERS: tuple[Header, ...] = (
    ("Return-Path", f"<{GUEST}>"),
    ("From", f"Dana Ruiz <{GUEST}>"),
    ("To", FIRM),
    ("Subject", "Informational interview about logistics?"),
    ("Date", "Tue, 24 Nov 2026 09:00:00 +0000"),
    ("Message-ID", "<hostile-1@mail.example.org>"),
    ("MIME-Version", "1.0"),
    ("Content-Type", "text/plain; charset=utf-8"),
)
BODY = b"Hello, could I talk to one of your managers about logistics for half an hour?\r\n"


def mail(
    body: bytes = BODY,
    extra: tuple[Header, ...] = (),
    drop: tuple[str, ...] = (),
    **overrides: str | bytes,
) -> bytes:
    """Raw CRLF mail bytes: the defaults, header values replaced by ``overrides`` (``_`` in a
    keyword is ``-`` in the name), ``drop`` names removed, ``extra`` pairs appended verbatim."""
    wanted = {k.replace("_", "-").lower(): v for k, v in overrides.items()}
    gone = {d.lower() for d in drop}
    lines: list[bytes] = []
    for name, value in (*DEFAULT_HEADERS, *extra):
        if name.lower() in gone:
            continue
        value = wanted.pop(name.lower(), value)
        lines.append(
            name.encode() + b": " + (value if isinstance(value, bytes) else value.encode())
        )
    assert not wanted, f"unknown headers to override: {sorted(wanted)}"
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def encoded_word(text: bytes, charset: str = "utf-8") -> str:
    return f"=?{charset}?b?{base64.b64encode(text).decode()}?="


def many_empty_parts(count: int, newline: bytes = b"\r\n") -> bytes:
    parts = [
        b"--b" + newline + b"Content-Type: text/plain" + newline + newline + BODY.rstrip(),
        *([b"--b" + newline] * count),
        b"--b--" + newline,
    ]
    raw = mail(b"", Content_Type='multipart/mixed; boundary="b"') + newline.join(parts)
    return raw.replace(b"\r\n", newline) if newline != b"\r\n" else raw


def nested_multipart(depth: int) -> bytes:
    opening = b"".join(
        b'Content-Type: multipart/mixed; boundary="n%d"\r\n\r\n--n%d\r\n' % (i, i)
        for i in range(1, depth)
    )
    inner = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + BODY
    closing = b"".join(b"\r\n--n%d--\r\n" % i for i in reversed(range(1, depth)))
    return mail(
        b"--n0\r\n" + opening + inner + closing + b"\r\n--n0--\r\n",
        Content_Type=('multipart/mixed; boundary="n0"'),
    )


def nested_rfc822(depth: int) -> bytes:
    """message/rfc822 inside message/rfc822: deep nesting without a single MIME boundary."""
    layers = b"Content-Type: message/rfc822\r\n\r\n" * (depth - 1)
    return mail(layers + b"Content-Type: text/plain\r\n\r\n" + BODY, Content_Type="message/rfc822")


def sized(total: int) -> bytes:
    """A plain-text request of exactly ``total`` bytes (the body padded with text lines)."""
    head = mail(b"")
    line = b"Some more words about logistics, warehouses and the people who run them.....\r\n"
    room = total - len(head) - len(BODY)
    padding = line * (room // len(line))
    padding += b"x" * (room - len(padding))
    raw = head + BODY + padding
    assert len(raw) == total
    return raw


INJECT_Q = "=?utf-8?q?Dana=0D=0ABcc:_victim@example.com?="
INJECT_X = "=?utf-8?q?Dana=0D=0AX-Injected:_yes?="
# The injection wrapped once more: it only appears after decoding twice.
INJECT_DOUBLE = encoded_word(INJECT_Q.encode())
INJECT_DOUBLE_X = encoded_word(INJECT_X.encode())


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], list[bytes]]
    note: str = ""
    check: Callable[[Outcome], None] | None = None


# --- what one pass did -----------------------------------------------------------------------


@dataclass
class Row:
    status: str
    category: str
    rule: str
    attempts: int
    answered: int
    last_error: str
    message_id: str


@dataclass
class Outcome:
    case: str
    seconds: float
    rows: list[Row]
    follow_up_status: str
    follow_up_answered: int
    outgoing: list[bytes] = field(default_factory=list)
    header_problems: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = []
        for r in self.rows:
            what = f"{r.status}/{r.category or '-'}"
            if r.rule:
                what += f" ({r.rule[:70]})"
            what += f", answered {r.answered}x"
            if r.last_error:
                what += f", error {r.last_error[:120]!r}"
            parts.append(what)
        return "; ".join(parts)


def check_our_headers(raw: bytes, linesep: bytes) -> list[str]:
    """Problems in one outgoing mail's header block: stray CR/LF, unknown or repeated names,
    header values that decode to more than one line."""
    problems: list[str] = []
    head = raw.split(linesep + linesep, 1)[0]
    names: list[str] = []
    for line in head.split(linesep):
        if b"\r" in line or b"\n" in line:
            problems.append(f"stray CR/LF in header line {line[:100]!r}")
        if line[:1] in (b" ", b"\t"):
            continue  # folded continuation of the previous header
        name, colon, _ = line.partition(b":")
        if not colon or not _FIELD_NAME.fullmatch(name):
            problems.append(f"not a header line: {line[:100]!r}")
            continue
        names.append(name.decode("ascii").lower())
    unknown = set(names) - OUR_HEADERS
    if unknown:
        problems.append(f"headers we never write: {sorted(unknown)}")
    if REQUIRED_HEADERS - set(names):
        problems.append(f"headers missing: {sorted(REQUIRED_HEADERS - set(names))}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        problems.append(f"repeated headers: {repeated}")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    parsed_names = [k.lower() for k in parsed]
    if parsed_names != names:
        problems.append(f"a parser sees other headers: {parsed_names} != {names}")
    for key, value in parsed.items():
        text = str(value)
        if "\r" in text or "\n" in text:
            problems.append(f"{key} decodes to several lines: {text[:120]!r}")
        if re.search(r"(?im)^\s*(bcc|x-injected)\s*:", text):
            problems.append(f"{key} carries an injected header: {text[:120]!r}")
    to = [a.addr_spec for a in getattr(parsed["To"], "addresses", ())]
    if len(to) != 1 or to[0] not in (GUEST, FOLLOW_UP):
        problems.append(f"To names other recipients: {to} from {str(parsed['To'])[:160]!r}")
    return problems


def run_case(case: Case, folder: Path) -> Outcome:
    """Deliver ``case`` and the ordinary follow-up into a fresh Maildir; one timed pass."""
    config = make_config(folder, f"maildir:{folder / 'in'}", f"maildir:{folder / 'out'}")
    one_pass(config)  # database created and migrated outside the timed pass
    box = open_inbox(config.settings.inbox)
    hostile = case.build()
    for raw in hostile:
        box.append(raw)
    box.append(follow_up())
    start = time.perf_counter()
    one_pass(config)
    seconds = time.perf_counter() - start
    return outcome(case.id, config, folder / "out", len(hostile), seconds)


def follow_up() -> bytes:
    return mail(
        Return_Path=f"<{FOLLOW_UP}>",
        From=f"Noor Haddad <{FOLLOW_UP}>",
        Subject="Could we talk about your work in logistics?",
        Message_ID=f"<{FOLLOW_UP_ID}>",
    )


def outcome(name: str, config: Config, out_dir: Path, count: int, seconds: float) -> Outcome:
    inbound = [m for m in messages(config) if m.direction == "in"]
    out_rows = [m for m in messages(config) if m.direction == "out"]
    sent_by_thread: dict[int, int] = {}
    for o in outbox_rows(config):
        if o.status == "sent":
            sent_by_thread[o.thread_id] = sent_by_thread.get(o.thread_id, 0) + 1

    def answered(thread_id: int | None) -> int:
        return sent_by_thread.get(thread_id, 0) if thread_id is not None else 0

    follow = [m for m in inbound if m.message_id == FOLLOW_UP_ID]
    hostile = [m for m in inbound if m.message_id != FOLLOW_UP_ID]
    assert len(hostile) == count, f"{count} hostile mail(s) delivered, {len(hostile)} stored"
    # A duplicate row belongs to no thread; only the first copy of an id may count as answered.
    seen_threads: set[int] = set()
    rows = []
    for m in hostile:
        n = answered(m.thread_id) if m.thread_id not in seen_threads else 0
        if m.thread_id is not None:
            seen_threads.add(m.thread_id)
        rows.append(Row(m.status, m.category, m.rule, m.attempts, n, m.last_error, m.message_id))
    result = Outcome(
        case=name,
        seconds=seconds,
        rows=rows,
        follow_up_status=follow[0].status if follow else "(not stored)",
        follow_up_answered=answered(follow[0].thread_id) if follow else 0,
    )
    files = sorted((out_dir / "new").glob("*")) if (out_dir / "new").exists() else []
    for path in files:
        data = path.read_bytes()
        result.outgoing.append(data)
        result.header_problems += [f"{path.name}: {p}" for p in check_our_headers(data, b"\n")]
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        result.recipients += [a.addr_spec for a in getattr(parsed["To"], "addresses", ())]
    for m in out_rows:  # the CRLF bytes as stored and as they go out over SMTP
        result.header_problems += [f"row {m.id}: {p}" for p in check_our_headers(m.raw, b"\r\n")]
    return result


# --- per-case expectations beyond the common ones ------------------------------------------------


def never_answered(o: Outcome) -> None:
    assert all(r.answered == 0 for r in o.rows), o.summary()
    assert o.recipients == [FOLLOW_UP], o.recipients


def answered_once_then_duplicate(o: Outcome) -> None:
    first, second = o.rows
    assert first.status == "done" and first.answered == 1, o.summary()
    assert second.status == "duplicate" and second.answered == 0, o.summary()
    assert sorted(o.recipients) == sorted([GUEST, FOLLOW_UP]), o.recipients


def quarantined_unread(o: Outcome) -> None:
    [row] = o.rows
    assert row.status == "quarantined" and "size cap" in row.last_error, o.summary()


def parsed_not_quarantined(o: Outcome) -> None:
    [row] = o.rows
    assert row.status == "done", o.summary()


def stand_in_message_id(o: Outcome) -> None:
    [row] = o.rows
    assert row.message_id.endswith("@missing-message-id.invalid"), row.message_id


def no_script_echoed(o: Outcome) -> None:
    assert not any(b"<script" in data or b"alert(" in data for data in o.outgoing)


CASES: list[Case] = [
    Case("parts_100k_empty", lambda: [many_empty_parts(100_000)], "100,000 empty MIME parts"),
    Case(
        "parts_100k_empty_cr_only",
        lambda: [many_empty_parts(100_000, b"\r")],
        "the same with bare CR line ends (the parser splits lines on CR too)",
    ),
    Case("nesting_5000_multipart", lambda: [nested_multipart(5000)], "multipart 5,000 deep"),
    Case("nesting_1000_multipart", lambda: [nested_multipart(1000)], "multipart 1,000 deep"),
    Case(
        "nesting_5000_rfc822",
        lambda: [nested_rfc822(5000)],
        "message/rfc822 5,000 deep (no boundaries)",
    ),
    Case(
        "ct_params_nul_ff",
        lambda: [mail(Content_Type=b'text/plain; charset="utf-8"; name="a\x00b\xff"; x\x00=\xff')],
        "NUL and 0xFF in Content-Type parameters",
    ),
    Case(
        "ct_boundary_nul_ff",
        lambda: [
            mail(
                b"--a\x00\xff\r\nContent-Type: text/plain\r\n\r\n" + BODY + b"--a\x00\xff--\r\n",
                Content_Type=b'multipart/mixed; boundary="a\x00\xff"',
            )
        ],
        "NUL and 0xFF in a multipart boundary",
    ),
    Case(
        "header_values_nul_ff",
        lambda: [
            mail(
                Subject=b"Interview \x00 about \xff\xfe logistics",
                From=b"Dana \x00\xff Ruiz <" + GUEST.encode() + b">",
                extra=(("X-Thing", b"\x00\xff\x00"),),
            )
        ],
        "NUL and 0xFF in Subject, From display name and another header",
    ),
    Case(
        "subject_nul_ff_only",
        lambda: [mail(Subject=b"Interview \x00\x01\x7f about \xff logistics")],
        "NUL, DEL and 0xFF in Subject only (so the mail is answered)",
    ),
    Case(
        "charset_unknown",
        lambda: [
            mail(
                b"Hello \xe9\xff, could we talk about logistics?\r\n",
                Content_Type="text/plain; charset=x-unknown-42",
            )
        ],
        "body in charset x-unknown-42",
    ),
    Case(
        "charset_nul",
        lambda: [mail(Content_Type=b'text/plain; charset="utf-8\x00"')],
        "charset name with a NUL",
    ),
    Case(
        "charset_unknown_encoded_words",
        lambda: [
            mail(
                Subject="=?x-unknown-42?q?Interview=FF=0D=0ABcc:_victim@example.com?=",
                From=f"=?x-unknown-42?q?Dana=FF?= <{GUEST}>",
            )
        ],
        "encoded words in charset x-unknown-42 (with CRLF) in Subject and From",
    ),
    Case(
        "charset_nul_encoded_word",
        lambda: [mail(Subject="=?utf-8\x00?q?Interview=0D=0ABcc:_victim@example.com?=")],
        "encoded word whose charset has a NUL",
    ),
    Case(
        "subject_encoded_crlf",
        lambda: [mail(Subject=INJECT_Q)],
        "Subject =?utf-8?q?Dana=0D=0ABcc:_victim@example.com?=",
    ),
    Case(
        "subject_encoded_crlf_x_injected",
        lambda: [mail(Subject=f"Re: {INJECT_X} please")],
        "Subject with an encoded CRLF X-Injected header",
    ),
    Case(
        "subject_double_encoded_crlf",
        lambda: [mail(Subject=INJECT_DOUBLE)],
        "Subject with the injection inside a second encoded word",
    ),
    Case(
        "subject_double_encoded_x_injected",
        lambda: [mail(Subject=INJECT_DOUBLE_X)],
        "Subject with a double-encoded X-Injected header",
    ),
    Case(
        "from_name_encoded_crlf",
        lambda: [mail(From=f"{INJECT_Q} <{GUEST}>")],
        "From display name =?utf-8?q?Dana=0D=0ABcc:_victim@example.com?=",
    ),
    Case(
        "from_name_double_encoded_crlf",
        lambda: [mail(From=f"{INJECT_DOUBLE} <{GUEST}>")],
        "From display name with the injection encoded twice",
    ),
    Case(
        "from_name_double_encoded_x_injected",
        lambda: [mail(From=f"{INJECT_DOUBLE_X} <{GUEST}>", Subject=INJECT_DOUBLE_X)],
        "double-encoded X-Injected in From display name and Subject",
    ),
    Case(
        "from_name_long_quoted_comma",
        lambda: [mail(From=f'"{"x" * 78}, victim@evil.example" <{GUEST}>')],
        "a quoted 99-character display name holding ', victim@evil.example' (CPython gh-80222)",
    ),
    Case(
        "subject_utf7_lone_surrogate",
        lambda: [mail(Subject="=?utf-7?q?Interview_+2AA-?=")],
        "Subject =?utf-7?q?Interview_+2AA-?= (decodes to a lone surrogate U+D800)",
    ),
    Case(
        "subject_8bit_and_utf7",
        lambda: [mail(Subject=b"caf\xe9 =?utf-7?q?+2AA-?=")],
        "raw 0xE9 plus a UTF-7 encoded word in Subject",
    ),
    Case(
        "from_name_double_encoded_utf7",
        lambda: [mail(From=f"{encoded_word(b'=?utf-7?q?Dana_+2AA-?=')} <{GUEST}>")],
        "From display name: a UTF-7 lone surrogate inside a second encoded word",
    ),
    Case(
        "from_name_quoted_crlf",
        lambda: [mail(From=f'"{INJECT_Q}" <{GUEST}>')],
        "the encoded word inside a quoted display name",
    ),
    Case(
        "size_just_under_cap",
        lambda: [sized(CAP)],
        f"{CAP:,} bytes (the cap itself)",
        parsed_not_quarantined,
    ),
    Case(
        "size_just_over_cap",
        lambda: [sized(CAP + 1)],
        f"{CAP + 1:,} bytes",
        quarantined_unread,
    ),
    Case(
        "date_garbage",
        lambda: [mail(Date="Tue, 99 Foo 99999 99:99:99 +9999")],
        "Date: Tue, 99 Foo 99999 99:99:99 +9999",
    ),
    Case(
        "date_overflow",
        lambda: [mail(Date="Fri, 31 Dec 9999 23:59:59 -0100")],
        "Date: Fri, 31 Dec 9999 23:59:59 -0100 (past datetime.max in UTC)",
    ),
    Case(
        "date_offset_out_of_range",
        lambda: [mail(Date="Thu, 01 Jan 1970 00:00:00 +2400")],
        "Date with a +2400 offset",
    ),
    Case(
        "date_empty_and_repeated",
        lambda: [mail(Date="", extra=(("Date", "yesterday"), ("Date", "\x00")))],
        "empty, textual and NUL Date headers",
    ),
    Case(
        "duplicate_message_id",
        lambda: [
            mail(Message_ID="<same-id@mail.example.org>"),
            mail(Message_ID="<same-id@mail.example.org>", Subject="The same request again"),
        ],
        "two mails with one Message-ID",
        answered_once_then_duplicate,
    ),
    Case(
        "missing_message_id",
        lambda: [mail(drop=("Message-ID",))],
        "no Message-ID",
        stand_in_message_id,
    ),
    Case(
        "from_two_mailboxes",
        lambda: [mail(From="alice@example.org, bob@example.org")],
        "From: alice@example.org, bob@example.org",
        never_answered,
    ),
    Case(
        "from_defect_cve_2023_27043",
        lambda: [mail(From="alice@example.org(<bob@example.org>")],
        "From: alice@example.org(<bob@example.org>",
        never_answered,
    ),
    Case(
        "bare_cr",
        lambda: [
            mail(
                b"Hello,\rcould we talk\r about logistics?\r\n",
                Subject="Interview\rBcc: victim@example.com",
            )
        ],
        "bare CR in Subject (followed by a Bcc) and in the body",
    ),
    Case(
        "header_line_100kb",
        lambda: [mail(Subject="logistics " * 10_000)],
        "one 100 KB Subject line",
    ),
    Case(
        "header_line_100kb_unbroken",
        lambda: [mail(extra=(("X-Long", "x" * 100_000),), Subject="y" * 100_000)],
        "100 KB header lines without a space",
    ),
    Case(
        "html_only_script",
        lambda: [
            mail(
                b"<html><head><script>alert('x')</script></head><body><p>Hello, could we talk "
                b"about logistics?</p><script>document.write('<p>x</p>')</script></body></html>"
                b"\r\n",
                Content_Type="text/html; charset=utf-8",
            )
        ],
        "HTML-only mail with <script>",
        no_script_echoed,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_mail_gets_an_outcome_and_the_next_request_is_answered(
    case: Case, tmp_path: Path
) -> None:
    o = run_case(case, tmp_path)

    flag = "   <<<<< SLOW: over 10 s (per-message budget) >>>>>" if o.seconds > SLOW_SECONDS else ""
    print(f"\n{case.id}: {o.seconds:.2f} s{flag}\n  {o.summary()}")
    for row in o.rows:
        assert row.status in ("done", "duplicate", "quarantined"), (
            f"{case.id}: left {row.status!r} after the pass (attempt {row.attempts}, "
            f"error {row.last_error[:300]!r})"
        )
    assert o.follow_up_status == "done" and o.follow_up_answered == 1, (
        f"{case.id}: the ordinary request behind it: {o.follow_up_status}, "
        f"answered {o.follow_up_answered}x"
    )
    assert FOLLOW_UP in o.recipients
    assert not o.header_problems, "\n".join(o.header_problems)
    if case.check is not None:
        case.check(o)
