"""mail-rules B.3 matching: the token in the address, In-Reply-To, References newest first, the
sender's single open thread."""

from __future__ import annotations

from typing import Any

import pytest

from mailagent.core.matching import Match, match_thread, tokens_in
from mailagent.core.parse import parse_message

US = "interviews@firm.example"
TOK = "abcdefghijklmnopqrstuvwxyz"  # 26 characters of the base32 alphabet a-z
TOK2 = "234567abcdefghijklmnopqrst"


@pytest.mark.parametrize(
    ("recipients", "expected"),
    [
        pytest.param([f"interviews+{TOK}@firm.example"], [TOK], id="plus token found"),
        pytest.param(
            ["someone@example.org", f"interviews+{TOK}@firm.example"],
            [TOK],
            id="token among other recipients",
        ),
        pytest.param([f"interviews+{TOK}@other.example"], [], id="wrong domain"),
        pytest.param([f"interviews+{TOK}@firm.example.evil.org"], [], id="look-alike domain"),
        pytest.param([f"sales+{TOK}@firm.example"], [], id="wrong base"),
        pytest.param([f"xinterviews+{TOK}@firm.example"], [], id="base with a prefix"),
        pytest.param(["interviews@firm.example"], [], id="no plus tag"),
        pytest.param([f"interviews+{TOK[:-1]}@firm.example"], [], id="malformed 25 chars"),
        pytest.param([f"interviews+{TOK}a@firm.example"], [], id="malformed 27 chars"),
        pytest.param(
            [f"interviews+{TOK[:-1]}1@firm.example"], [], id="malformed digit 1 not base32"
        ),
        pytest.param(
            ["interviews+b-0a1b2c3d4e5f6a7b@firm.example"], [], id="bounce tag is no token"
        ),
        pytest.param([f"interviews+{TOK}+x@firm.example"], [], id="second plus"),
        pytest.param(
            [f"Interviews+{TOK.upper()}@FIRM.EXAMPLE"], [TOK], id="case-insensitive, lower-cased"
        ),
        pytest.param(
            [f"interviews+{TOK}@firm.example", f"INTERVIEWS+{TOK.upper()}@firm.example"],
            [TOK],
            id="duplicates once",
        ),
        pytest.param(
            [f"interviews+{TOK2}@firm.example", f"interviews+{TOK}@firm.example"],
            [TOK2, TOK],
            id="two tokens in order",
        ),
        pytest.param([], [], id="no recipients"),
    ],
)
def test_tokens_in(recipients: list[str], expected: list[str]) -> None:
    assert tokens_in(recipients, US) == expected


def test_tokens_in_with_upper_case_inbox_address() -> None:
    assert tokens_in([f"interviews+{TOK}@firm.example"], "Interviews@Firm.Example") == [TOK]


@pytest.mark.parametrize(
    ("headers", "token_threads", "msgid_threads", "open_threads", "expected"),
    [
        pytest.param({}, {TOK: 7}, {}, [], Match(7, "token"), id="token alone"),
        pytest.param(
            {"In_Reply_To": "<p1@mailagent.firm.example>"},
            {TOK: 7},
            {"p1@mailagent.firm.example": 7},
            [],
            Match(7, "token"),
            id="token and headers agree, no note",
        ),
        pytest.param(
            {"In_Reply_To": "<p1@mailagent.firm.example>"},
            {TOK: 7},
            {"p1@mailagent.firm.example": 3},
            [9],
            Match(7, "token", "token says thread 7, headers say 3; token wins"),
            id="token wins over In-Reply-To with a note",
        ),
        pytest.param(
            {"References": "<p1@mailagent.firm.example>"},
            {TOK: 7},
            {"p1@mailagent.firm.example": 3},
            [],
            Match(7, "token", "token says thread 7, headers say 3; token wins"),
            id="token wins over References with a note",
        ),
        pytest.param(
            {"In_Reply_To": "<p1@mailagent.firm.example>"},
            {},
            {"p1@mailagent.firm.example": 3},
            [9],
            Match(3, "in-reply-to"),
            id="In-Reply-To beats sender threads",
        ),
        pytest.param(
            {"In_Reply_To": "<p1@x.example>", "References": "<r1@x.example> <p1@x.example>"},
            {},
            {"p1@x.example": 5, "r1@x.example": 6},
            [],
            Match(5, "in-reply-to"),
            id="In-Reply-To beats References",
        ),
        pytest.param(
            {"In_Reply_To": "<unknown@x.example>", "References": "<r1@x.example>"},
            {},
            {"r1@x.example": 6},
            [],
            Match(6, "references"),
            id="unknown In-Reply-To falls through to References",
        ),
        pytest.param(
            {"References": "<r1@x.example> <r2@x.example> <r3@x.example>"},
            {},
            {"r1@x.example": 1, "r2@x.example": 2},
            [],
            Match(2, "references"),
            id="References newest known first",
        ),
        pytest.param(
            {"References": "<r1@x.example> <r2@x.example> <r3@x.example>"},
            {},
            {"r1@x.example": 1, "r3@x.example": 3},
            [8],
            Match(3, "references"),
            id="References last id wins over the first",
        ),
        pytest.param({}, {}, {}, [4], Match(4, "sender"), id="sender single open thread"),
        pytest.param(
            {},
            {},
            {},
            [2, 9, 5],
            Match(9, "sender", "newest of 3 open threads of this sender"),
            id="several open threads newest",
        ),
        pytest.param(
            {"In_Reply_To": "<unknown@x.example>"},
            {},
            {},
            [],
            Match(None, "new"),
            id="unknown ids and no open thread is new",
        ),
        pytest.param({}, {}, {}, [], Match(None, "new"), id="nothing is new"),
    ],
)
def test_match_thread(
    raw_mail: Any,
    headers: dict[str, str],
    token_threads: dict[str, int],
    msgid_threads: dict[str, int],
    open_threads: list[int],
    expected: Match,
) -> None:
    msg = parse_message(raw_mail(**headers))
    assert match_thread(msg, token_threads, msgid_threads, open_threads) == expected
