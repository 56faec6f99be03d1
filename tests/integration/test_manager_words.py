"""A manager's reply read as a person would, through the worker: a pick among the times the brief
offered books that time; a negated or conditional time books nothing and gets one question.
Maildir in and out, SQLite; the conversation is driven as in test_manager_lifecycle."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from test_manager_lifecycle import (
    GUEST,
    SAM,
    Conversation,
    at,
    invite_of,
    reply,
    text_of,
    the_thread,
    to,
)


def offered_in(brief_text: str) -> list[str]:
    """The numbered times the brief suggests, as the manager reads them."""
    return re.findall(r"^\d\. (\w+day, \d+ \w+ 2026, \d\d:\d\d)", brief_text, re.MULTILINE)


def test_the_second_one_books_the_second_time_the_brief_offered(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()
    offered = offered_in(text_of(brief))
    assert len(offered) >= 2, text_of(brief)
    thread = the_thread(talk.config)
    second = datetime.fromisoformat(thread.offered[1])

    confirmations = talk.step(at(1), reply(brief, "The second one works for me.\n\nSam", at(1)))

    assert sorted(to(m) for m in confirmations) == sorted([GUEST, SAM])
    thread = the_thread(talk.config)
    assert thread.state == "scheduled"
    assert thread.meeting_start is not None
    assert thread.meeting_start.replace(tzinfo=UTC) == second.astimezone(UTC)
    event = invite_of(confirmations[0]).walk("VEVENT")[0]
    assert event.decoded("DTSTART") == second.astimezone(UTC)
    assert offered[1] in text_of(confirmations[0])


def test_the_later_one_among_three_offered_is_asked_about(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()
    assert len(the_thread(talk.config).offered) == 3

    sent = talk.step(at(1), reply(brief, "The later one works for me.", at(1)))

    assert [to(m) for m in sent] == [SAM]
    assert the_thread(talk.config).meeting_start is None


def test_a_time_said_to_be_impossible_books_nothing_and_is_asked_about(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()

    sent = talk.step(at(1), reply(brief, "Sorry, Thursday 3pm is impossible for me.", at(1)))

    assert [to(m) for m in sent] == [SAM]  # one question to Sam, nothing to the guest
    thread = the_thread(talk.config)
    assert (thread.state, thread.meeting_start) == ("awaiting_manager", None)


def test_a_conditional_time_is_not_booked(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()
    words = "Thursday 3pm, unless my board meeting runs over - I'll confirm on Wednesday."

    sent = talk.step(at(1), reply(brief, words, at(1)))

    assert [to(m) for m in sent] == [SAM]
    assert the_thread(talk.config).meeting_start is None


def test_im_out_that_week_is_a_decline_and_the_next_manager_is_asked(tmp_path: Path) -> None:
    talk = Conversation(tmp_path, managers={"when_none_available": "decline"})
    brief = talk.up_to_the_brief()

    sent = talk.step(at(1), reply(brief, "I'm out that week, sorry.\n\nSam", at(1)))

    assert the_thread(talk.config).meeting_start is None
    assert all(to(m) != GUEST or "invite" not in text_of(m).lower() for m in sent)
    assert SAM not in [to(m) for m in sent]  # a decline is not asked about
