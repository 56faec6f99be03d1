"""Guest commands in plain words, as a table."""

from __future__ import annotations

import pytest

from mailagent.core.commands import FORGET, WITHDRAW, guest_command


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please cancel, I found another way. Thanks!", WITHDRAW),
        ("Hi, I found what I needed elsewhere. Thank you for your time.", WITHDRAW),
        ("Stop emailing me.", WITHDRAW),
        ("I’d like to cancel my request.", WITHDRAW),
        ("Hallo, bitte absagen, ich habe kein Interesse mehr.", WITHDRAW),
        ("Please delete my data and forget me.", FORGET),
        ("Cancel everything and delete my data.", FORGET),
        ("Bitte löschen Sie meine Daten.", FORGET),
        ("1. Retail manager.\n2. I want to learn how planning works.", None),
        ("x " * 200 + "please cancel", None),  # far down a long answer: not a command
        ("", None),
    ],
)
def test_guest_command(text: str, expected: str | None) -> None:
    assert guest_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1. Retail.\n2. Logistics, please.", False),
        ("Please\ndelete   my DATA.", True),  # across a line break, any case
        ("Thanks!\n\n> Reply “please cancel” to stop.", True),  # quoted: the split decides
        ("I’d like to cancel.", True),
    ],
)
def test_a_mail_without_any_command_phrase_needs_no_split(text: str, expected: bool) -> None:
    from mailagent.core.commands import may_hold_command

    assert may_hold_command(text) is expected
