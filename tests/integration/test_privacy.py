"""Privacy requests and retention, checked in the database: ``privacy export`` gives everything
held about a person and nothing about anyone else; ``privacy forget`` erases exactly that
person; the daily retention job blanks exactly what has outlived its period."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from harness import guest_mail, session_for
from sqlmodel import select
from test_manager_lifecycle import GUEST, SAM, T0, Conversation, at, reply, to

from mailagent.cli.app import main
from mailagent.store.tables import Event, Message, Outbox, TalentPool, Thread

OTHER = "lee.other@example.net"


@pytest.fixture(params=["sqlite", "postgresql"])
def talk(request: pytest.FixtureRequest, tmp_path: Path) -> Conversation:
    """Dana's conversation up to a scheduled meeting, and Lee's first request beside it."""
    url = str(request.getfixturevalue("pg_url")) if request.param == "postgresql" else None
    conversation = Conversation(tmp_path, url)
    brief = conversation.up_to_the_brief()
    conversation.step(at(1), reply(brief, "Thursday 3pm works", at(1)))
    conversation.step(at(1, 1), guest_mail(sender=f"Lee Other <{OTHER}>"))
    return conversation


def cli(talk: Conversation, *args: str) -> int:
    return main(["--config", str(talk.config.path), "--log-level", "WARNING", *args])


def test_export_holds_everything_about_the_person_and_nothing_else(
    talk: Conversation, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli(talk, "privacy", "export", GUEST.upper()) == 0
    data = json.loads(capsys.readouterr().out)

    assert data["email"] == GUEST
    [thread] = data["threads"]
    assert thread["guest"]["email"] == GUEST and thread["state"] == "scheduled"
    assert thread["answers"]["questions_for_us"] == "How do you plan capacity for the peak season?"
    kinds = [m["kind"] for m in thread["mail"]]
    assert kinds[:2] == ["request", "questionnaire"] and "confirmation" in kinds
    her_answers = next(m for m in thread["mail"] if "peak season" in m["text"])
    assert her_answers["direction"] == "in"
    assert OTHER not in json.dumps(data)

    assert cli(talk, "privacy", "export", "nobody@example.org") == 0
    assert json.loads(capsys.readouterr().out)["threads"] == []


def test_forget_erases_exactly_that_person(
    talk: Conversation, capsys: pytest.CaptureFixture[str]
) -> None:
    # The admin acts an hour after Lee's request, on the conversation's own clock (on the wall
    # clock, days later, Lee's nudges would be due too and go out in the same pass).
    with time_machine.travel(at(1, 2), tick=False):
        assert cli(talk, "privacy", "forget", GUEST) == 0
    assert "confirmation queued" in capsys.readouterr().out
    sent = talk.step(at(1, 2) + timedelta(minutes=1))
    assert sorted(to(m) for m in sent) == [GUEST, SAM]  # her confirmation, his cancellation

    with session_for(talk.config) as session:
        dana, lee = session.exec(select(Thread).order_by(Thread.id)).all()  # type: ignore[arg-type]
        assert dana.guest_email.endswith("@forgotten.invalid")
        assert (dana.guest_name, dana.answers, dana.state) == ("", {}, "withdrawn")
        assert all(
            m.raw == b"" for m in session.exec(select(Message).where(Message.thread_id == dana.id))
        )
        assert all(
            o.recipient == ""
            for o in session.exec(select(Outbox).where(Outbox.thread_id == dana.id))
        )
        forgotten = session.exec(
            select(Event).where(Event.thread_id == dana.id, Event.what == "forgotten")
        ).all()
        assert forgotten and forgotten[0].actor != "mailagent"  # who did it is on record
        # Lee's conversation is untouched.
        assert (lee.guest_email, lee.state) == (OTHER, "awaiting_guest")
        lee_mail = session.exec(select(Message).where(Message.thread_id == lee.id)).all()
        assert lee_mail and all(m.raw for m in lee_mail)


def test_retention_blanks_exactly_what_is_past_its_period(tmp_path: Path) -> None:
    talk = Conversation(tmp_path)
    brief = talk.up_to_the_brief()
    talk.step(at(1), reply(brief, "Thursday 3pm works", at(1)))
    talk.step(at(1, 1), guest_mail(sender=f"Lee Other <{OTHER}>"))
    with session_for(talk.config) as session:
        dana, lee = session.exec(select(Thread).order_by(Thread.id)).all()  # type: ignore[arg-type]
        # Given: Dana's conversation closed long ago with feedback and a talent-pool entry
        # whose consent ran out; Lee's is still open.
        dana.state, dana.feedback, dana.manager_notes = "closed", "Helpful.", "Keep in touch."
        dana.updated_at = T0 - timedelta(days=400)
        session.add(
            TalentPool(
                email=GUEST,
                thread_id=dana.id,
                consent_at=T0 - timedelta(days=800),
                consent_until=T0 - timedelta(days=1),
                added_at=T0 - timedelta(days=800),
            )
        )
        for m in session.exec(select(Message)).all():
            m.at = T0 - timedelta(days=400)
        lee.updated_at = T0 - timedelta(days=400)
        dana_id, lee_id = dana.id, lee.id

    talk.step(at(2))

    with session_for(talk.config) as session:
        dana = session.get(Thread, dana_id)
        lee = session.get(Thread, lee_id)
        assert dana is not None and lee is not None
        assert dana.answers == {}  # 400 days > 365
        assert dana.feedback == "Helpful."  # 400 days < 730
        assert all(
            not m.raw for m in session.exec(select(Message).where(Message.thread_id == dana_id))
        )
        # Lee's conversation is open: everything kept, however old.
        assert lee.state == "awaiting_guest"
        assert all(m.raw for m in session.exec(select(Message).where(Message.thread_id == lee_id)))
        assert session.exec(select(TalentPool)).all() == []
        [event] = session.exec(
            select(Event).where(Event.thread_id == dana_id, Event.what == "retention")
        ).all()
        assert event.detail == "answers removed after the retention period"

    # Once a day: a second pass the same day changes nothing more.
    with session_for(talk.config) as session:
        session.get(Thread, dana_id).feedback = "x"  # type: ignore[union-attr]
        session.get(Thread, dana_id).updated_at = T0 - timedelta(days=800)  # type: ignore[union-attr]
    talk.step(at(2, 5))
    with session_for(talk.config) as session:
        assert session.get(Thread, dana_id).feedback == "x"  # type: ignore[union-attr]
    talk.step(at(3, 1))
    with session_for(talk.config) as session:
        assert session.get(Thread, dana_id).feedback == ""  # type: ignore[union-attr]
