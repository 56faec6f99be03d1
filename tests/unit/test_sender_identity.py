"""Tables: what vouches for a sender (Authentication-Results of our border, else an aligned
envelope), which token may act for whom, and how a reply to a confirmation mail reads."""

from __future__ import annotations

import pytest

from mailagent.core import identity
from mailagent.core.matching import Match
from mailagent.core.parse import parse_message
from mailagent.core.sender_auth import SenderCheck, aligned, check_sender

SAM = "sam.lee@firm.example"
BORDER = "mx.firm.example"


def mail(*headers: str, sender: str = SAM) -> bytes:
    head = "\r\n".join(headers)
    return (
        f"{head}\r\nFrom: Sam Lee <{sender}>\r\nTo: interviews@firm.example\r\n"
        "Subject: Re: brief\r\nMessage-ID: <x@firm.example>\r\n\r\nThursday 3pm works.\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("headers", "authserv_id", "passed"),
    [
        # Without a border's results: the envelope sender must align with the From.
        ((f"Return-Path: <{SAM}>",), "", True),
        (("Return-Path: <bounces+x@mail.firm.example>",), "", True),
        (("Return-Path: <kim@spoof.example>",), "", False),
        (("Return-Path: <>",), "", False),
        ((), "", False),
        # With them: DMARC pass for the From domain, or an aligned DKIM/SPF pass.
        ((f"Authentication-Results: {BORDER}; dmarc=pass header.from=firm.example",), BORDER, True),
        (
            (f"Authentication-Results: {BORDER}; dmarc=fail header.from=firm.example",),
            BORDER,
            False,
        ),
        ((f"Authentication-Results: {BORDER}; dkim=pass header.d=firm.example",), BORDER, True),
        ((f"Authentication-Results: {BORDER}; dkim=pass header.d=spoof.example",), BORDER, False),
        ((f"Authentication-Results: {BORDER}; spf=pass smtp.mailfrom={SAM}",), BORDER, True),
        ((f"Authentication-Results: {BORDER}; spf=softfail smtp.mailfrom={SAM}",), BORDER, False),
        # Results of a server that is not our border vouch for nothing.
        (
            ("Authentication-Results: mx.spoof.example; dmarc=pass header.from=firm.example",),
            BORDER,
            False,
        ),
        # Only the topmost instance with our id counts: a "pass" below it is the sender's own.
        (
            (
                f"Authentication-Results: {BORDER}; dmarc=fail header.from=firm.example",
                f"Authentication-Results: {BORDER}; dmarc=pass header.from=firm.example",
            ),
            BORDER,
            False,
        ),
        # An aligned envelope does not count once the border's results are what decides.
        ((f"Return-Path: <{SAM}>",), BORDER, False),
    ],
)
def test_what_vouches_for_a_sender(
    headers: tuple[str, ...], authserv_id: str, passed: bool
) -> None:
    check = check_sender(parse_message(mail(*headers)), authserv_id)
    assert check.passed is passed, check.why


@pytest.mark.parametrize(
    ("one", "other", "expected"),
    [
        ("firm.example", "firm.example", True),
        ("mail.firm.example", "firm.example", True),
        ("FIRM.example.", "firm.example", True),
        ("a.co.uk", "b.co.uk", False),
        ("notfirm.example", "firm.example", False),
        ("", "firm.example", False),
    ],
)
def test_alignment(one: str, other: str, expected: bool) -> None:
    assert aligned(one, other) is expected


PASS, FAIL = SenderCheck(True, "aligned"), SenderCheck(False, "foreign envelope")


@pytest.mark.parametrize(
    ("match", "check", "authserv_id", "acts"),
    [
        (Match(1, "token", party="manager", address=SAM), PASS, "", True),
        (Match(1, "token", party="manager", address=SAM), FAIL, "", False),
        (Match(1, "token", party="guest", address="dana@example.org"), PASS, "", False),
        (Match(1, "token", party="manager", address="jo@firm.example"), PASS, "", False),
        (Match(1, "token", party="", address=""), PASS, "", False),  # several parties' tokens
        (Match(1, "in-reply-to"), PASS, "", False),
        (Match(1, "in-reply-to"), PASS, BORDER, True),
        (Match(1, "in-reply-to"), FAIL, BORDER, False),
    ],
)
def test_which_mail_may_act_for_the_manager(
    match: Match, check: SenderCheck, authserv_id: str, acts: bool
) -> None:
    assert (identity.manager_doubt(match, check, SAM, authserv_id) == "") is acts


@pytest.mark.parametrize(
    ("match", "check", "acts"),
    [
        (Match(1, "token", party="guest", address="dana@example.org"), PASS, True),
        (Match(1, "token", party="guest", address="dana@example.org"), FAIL, False),
        (Match(1, "token", party="manager", address=SAM), PASS, False),
        (Match(1, "in-reply-to"), PASS, False),
        (Match(1, "sender"), PASS, False),
        (Match(None, "new"), PASS, False),
    ],
)
def test_which_mail_may_erase_or_cancel_for_the_guest(
    match: Match, check: SenderCheck, acts: bool
) -> None:
    assert (identity.guest_doubt(match, check, "Dana@example.org") == "") is acts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes", identity.YES),
        ("yes, please go ahead.\n\nDana", identity.YES),
        ("Ja, bitte.", identity.YES),
        ("Confirmed.", identity.YES),
        ("No, that wasn't me!", identity.NO),
        ("Nein, das war ich nicht.", identity.NO),
        ("I did not send that.", identity.NO),
        ("", None),
        ("What is this about?", None),
        ("Yes, but no, don't delete anything.", None),
    ],
)
def test_how_a_reply_to_a_confirmation_reads(text: str, expected: str | None) -> None:
    assert identity.read_confirmation(text) == expected
