"""At intake, a request gets the questionnaire; a job application a polite note (attachments
not kept); a sales pitch or press mail no reply. The event log says why."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from harness import (
    deliver,
    events,
    guest_mail,
    maildir_config,
    messages,
    one_pass,
    parse,
    reply_to,
    sent_mail,
    shown,
    threads,
)

from mailagent.config.settings import Config
from mailagent.core.parse import parse_message


def setup(tmp_path: Path) -> Config:
    return maildir_config(tmp_path, intent={"applications": "jobs@firm.example"})


def application() -> bytes:
    msg = parse(guest_mail(subject="Application", body="I am applying for the analyst role."))
    msg.add_attachment(
        b"%PDF-1.4 " + b"x" * 5000, maintype="application", subtype="pdf", filename="CV.pdf"
    )
    return msg.as_bytes()


def test_an_application_gets_a_note_and_its_attachments_are_not_kept(tmp_path: Path) -> None:
    config = setup(tmp_path)
    deliver(config, application())
    one_pass(config)

    [thread] = threads(config)
    assert thread.state == "not_request"
    [note] = sent_mail(tmp_path)
    text = shown(note)
    assert "jobs@firm.example" in text and "not kept your attachments" in text
    [stored] = [m for m in messages(config) if m.direction == "in"]
    assert b"x" * 100 not in stored.raw  # the file is gone...
    kept = parse(stored.raw)
    notes = [p.get_content() for p in kept.walk() if p.get_content_type() == "text/plain"]
    assert any(n.startswith("[attachment removed: CV.pdf, application/pdf, ") for n in notes)
    assert parse_message(stored.raw).attachments == ()  # ...only its name, type and size stay
    [why] = [d for w, d in events(config, thread.id) if w == "not_request"]
    assert why.startswith("a job application, not a request: application, confidence ")
    assert "attachment 'CV.pdf'" in why

    # "An informational conversation instead, please": the thread becomes a request.
    deliver(config, reply_to(note, body="I would love an informational interview instead."))
    one_pass(config)
    [thread] = threads(config)
    assert thread.state == "awaiting_guest"
    assert "not a job interview" in shown(sent_mail(tmp_path)[-1])


def test_sales_and_press_get_no_reply(tmp_path: Path) -> None:
    config = setup(tmp_path)
    deliver(
        config,
        guest_mail(
            sender="Sal <sal@vendor.example>",
            subject="Partnership",
            body="We help companies like yours. Book a demo today!",
        ),
    )
    deliver(
        config,
        guest_mail(
            sender="Jo <jo@news.example>",
            subject="Press inquiry",
            body="I am a journalist writing for our magazine.",
        ),
    )
    one_pass(config)

    assert sent_mail(tmp_path) == []
    assert [t.state for t in threads(config)] == ["not_request", "not_request"]
    details = [d for t in threads(config) for w, d in events(config, t.id) if w == "not_request"]
    assert details[0].startswith("not a request, not answered: sales, confidence ")
    assert details[1].startswith("not a request, not answered: press, confidence ")


def test_labelled_answers_in_the_first_mail_are_not_asked_again(tmp_path: Path) -> None:
    config = setup(tmp_path)
    body = (
        "Hello, I would like an informational interview.\n\n"
        "Background: eight years in retail management.\n"
        "Availability: Tuesday mornings, CET.\n"
    )
    deliver(config, guest_mail(body=body))
    one_pass(config)

    [thread] = threads(config)
    assert thread.answers == {
        "background": "eight years in retail management.",
        "availability": "Tuesday mornings, CET.",
    }
    assert thread.missing == ["learn_goals", "questions_for_us", "give_back"]
    text = shown(sent_mail(tmp_path)[0])
    assert "Who are you?" not in text and "2. What do you hope to learn" in text


def test_a_first_mail_that_is_not_clearly_anything_waits_for_an_admin(tmp_path: Path) -> None:
    config = maildir_config(tmp_path, managers={"admins": ["admin@firm.example"]})
    deliver(config, guest_mail(subject="Hello", body="Could we talk sometime next week? Chris"))
    one_pass(config)

    assert sent_mail(tmp_path) == []  # no questionnaire on a guess
    [thread] = threads(config)
    assert thread.state == "needs_human"
    [why] = [d for w, d in events(config, thread.id) if w == "needs_human"]
    assert why.startswith("not clearly a request, held for an admin: unclear (best: request)")


def test_calendar_and_noreply_mail_never_gets_a_questionnaire(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = setup(tmp_path)
    invite = parse(guest_mail(subject="Invitation: Informational interview @ Thu Dec 10"))
    invite.add_alternative(
        "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n", subtype="calendar"
    )
    deliver(
        config,
        invite.as_bytes(),
        guest_mail(
            sender="Example Careers <no-reply+alerts@careers.example>",
            subject="Can we talk about an informational interview?",
        ),
    )
    with caplog.at_level(logging.INFO, logger="mailagent"):
        one_pass(config)

    assert sent_mail(tmp_path) == [] and threads(config) == []
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "stored, not answered: calendar (A.2 calendar part text/calendar)" in said
    assert "stored, not answered: system (A7 system sender no-reply+alerts)" in said
