"""The guest's side of the programme on real servers, driven as an operator drives it.

Mail lands in a real Dovecot inbox (IMAP APPEND), what mailagent sends goes to a real aiosmtpd
sink, and the worker runs as ``mailagent run --once --now ISO`` (the CLI, in-process). Each test
reads like a conversation: the guest writes, a pass runs at some moment after the request, and
the guest receives this (or nothing) while the thread moves to that state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from harness import (
    FIRM,
    events,
    guest_mail,
    make_config,
    messages,
    outbox_rows,
    parse,
    reply_to,
    shown,
    threads,
)
from servers import ImapAccount, SmtpServer

from mailagent.cli.app import main
from mailagent.config.settings import Config
from mailagent.store.tables import Thread

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC: the request arrives
DANA = "dana.ruiz@example.org"

EN_QUESTIONS = {
    "background": "Who are you?",
    "learn_goals": "What do you hope to learn",
    "questions_for_us": "Which specific questions would you like to ask?",
    "give_back": "What could we learn from you in return?",
    "availability": "Which days and times suit you",
}
NUDGE_SUBJECT = "A reminder: your informational interview with Example Firm"
EXPIRED_SUBJECT = "Your informational interview request with Example Firm"


# --------------------------------------------------------------------------------------------
# The stage: a Dovecot inbox, an SMTP sink and the CLI
# --------------------------------------------------------------------------------------------


@pytest.fixture
def config(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Config:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    return make_config(tmp_path, imap_account.url(), smtp_server.url)


def at(days: float = 0, hours: float = 0) -> datetime:
    return T0 + timedelta(days=days, hours=hours)


def worker_pass(config: Config, now: datetime) -> None:
    """``mailagent run --once --now ISO``, exactly as an operator types it."""
    argv = ["--config", str(config.path), "--log-level", "WARNING"]
    argv += ["run", "--once", "--now", now.isoformat()]
    assert main(argv) == 0


def inbox(account: ImapAccount, raw: bytes) -> bytes:
    """The guest's mail arrives in the shared inbox."""
    account.append(raw)
    return raw


def received(sink: SmtpServer) -> list[EmailMessage]:
    """What went out through SMTP so far, oldest first."""
    return [r.message for r in sink.received]


def plain(mail: EmailMessage) -> str:
    return shown(mail)


def quoted(mail: EmailMessage) -> str:
    """Our mail quoted below the guest's text, as mail clients do."""
    lines = plain(mail).splitlines()
    return "\n\nOn Mon, Example Firm wrote:\n" + "\n".join(f"> {line}" for line in lines)


def the_thread(config: Config) -> Thread:
    [thread] = threads(config)
    return thread


def events_of(config: Config, thread: Thread) -> list[tuple[str, str]]:
    assert thread.id is not None
    return events(config, thread.id)


def to_dana_only(sink: SmtpServer) -> None:
    for record in sink.received:
        assert record.rcpt_tos == [DANA]
        assert record.message["To"].addresses[0].addr_spec == DANA


def quiet_days(config: Config, sink: SmtpServer, *offsets: float) -> None:
    """Passes at these moments send Dana nothing more."""

    def to_dana() -> list[EmailMessage]:
        return [r.message for r in sink.received if r.rcpt_tos == [DANA]]

    before = len(to_dana())
    for days in offsets:
        worker_pass(config, at(days))
        assert len(to_dana()) == before, (
            f"unexpected mail at +{days} days: {[m['Subject'] for m in to_dana()[before:]]}"
        )


def text_parts(raw: bytes) -> Iterator[str]:
    """Headers and decoded text of a stored message (so base64/QP cannot hide an address)."""
    mail = parse(raw)
    for part in mail.walk():
        yield from (f"{k}: {v}" for k, v in part.items())
        if part.get_content_maintype() == "text":
            try:
                yield str(part.get_content())
            except (LookupError, ValueError):
                yield part.get_payload(decode=True).decode("latin-1")  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------------
# 1-2. Answers
# --------------------------------------------------------------------------------------------


def test_complete_answers_in_one_reply_move_the_thread_to_matching(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    # Dana asks for an informational interview; she gets the questionnaire.
    inbox(imap_account, guest_mail())
    worker_pass(config, at(0))
    [questionnaire] = received(smtp_server)
    for question in EN_QUESTIONS.values():
        assert question in plain(questionnaire)
    assert the_thread(config).state == "awaiting_guest"

    # She answers everything at once, numbered, her mail client quoting ours below.
    answers = (
        "Thank you! Here are my answers.\n\n"
        "1. I have managed a retail store for 8 years.\n"
        "2. How route planning works, and what a logistics manager does all week.\n"
        "3. How do you plan for peak season?\n"
        "4. An honest view of your careers page.\n"
        "5. Tuesday or Thursday mornings, CET.\n\n"
        "Best,\nDana" + quoted(questionnaire)
    )
    inbox(imap_account, reply_to(questionnaire, body=answers))
    worker_pass(config, at(hours=2))

    thread = the_thread(config)
    assert thread.state == "awaiting_manager"  # complete: a manager was chosen at once
    assert thread.missing == []
    assert thread.answers == {
        "background": "I have managed a retail store for 8 years.",
        "learn_goals": "How route planning works, and what a logistics manager does all week.",
        "questions_for_us": "How do you plan for peak season?",
        "give_back": "An honest view of your careers page.",
        "availability": "Tuesday or Thursday mornings, CET.",
    }
    whats = [w for w, _ in events_of(config, thread)]
    assert whats[-3:] == ["answers", "answers_complete", "routed"]

    # Nothing more goes to Dana: no re-ask, no nudge, no closing mail; the brief goes to the
    # manager (whose own reminders are the manager side's business).
    assert [r.rcpt_tos for r in smtp_server.received] == [[DANA], [thread.manager_email]]
    quiet_days(config, smtp_server, 3.01, 7.01)
    assert the_thread(config).state == "awaiting_manager"


def test_a_partial_answer_gets_one_threaded_reask_then_the_rest_completes(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    inbox(imap_account, guest_mail())
    worker_pass(config, at(0))
    [questionnaire] = received(smtp_server)

    # Dana answers the first three questions only.
    partial = (
        "Thanks! Here is what I have so far.\n\n"
        "1. I have managed a retail store for 8 years.\n"
        "2. How route planning works, and what a logistics manager does all week.\n"
        "3. How do you plan for peak season?\n\n"
        "Best,\nDana" + quoted(questionnaire)
    )
    her_reply = inbox(imap_account, reply_to(questionnaire, body=partial))
    worker_pass(config, at(hours=2))

    thread = the_thread(config)
    assert thread.state == "awaiting_guest"
    assert thread.missing == ["give_back", "availability"]
    _, reask = smtp_server.wait_for(2)
    reask_mail = reask.message
    assert reask.rcpt_tos == [DANA]
    # Threaded under her reply, not under our questionnaire.
    her_id = parse(her_reply)["Message-ID"]
    assert reask_mail["In-Reply-To"] == her_id
    assert her_id in reask_mail["References"].split()
    assert reask_mail["Auto-Submitted"] == "auto-replied"
    text = plain(reask_mail)
    # Only the missing questions are asked, under their own numbers; what she told us is echoed,
    # not asked.
    assert f"4. {EN_QUESTIONS['give_back']}" in text
    assert f"5. {EN_QUESTIONS['availability']}" in text
    assert "1. " not in text and "3. " not in text
    for key in ("background", "learn_goals", "questions_for_us"):
        assert f". {EN_QUESTIONS[key]}" not in text, f"{key} asked again"
    assert "I have managed a retail store for 8 years." in text

    # She sends the rest, under the numbers the re-ask showed.
    rest = "4. An honest view of your careers page.\n5. Tuesday or Thursday mornings, CET."
    inbox(imap_account, reply_to(reask_mail, body=rest + quoted(reask_mail)))
    worker_pass(config, at(hours=5))

    thread = the_thread(config)
    assert thread.state == "awaiting_manager"
    assert thread.missing == []
    assert thread.answers["give_back"] == "An honest view of your careers page."
    assert thread.answers["availability"] == "Tuesday or Thursday mornings, CET."
    assert thread.answers["background"] == "I have managed a retail store for 8 years."
    # To Dana the questionnaire and one re-ask, nothing else; then the manager's brief.
    assert [r.rcpt_tos for r in smtp_server.received] == [[DANA], [DANA], [thread.manager_email]]
    quiet_days(config, smtp_server, 3.01, 7.01)


# --------------------------------------------------------------------------------------------
# 3-4. Silence
# --------------------------------------------------------------------------------------------


def test_silence_gets_two_nudges_then_one_closing_mail_then_nothing(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    inbox(imap_account, guest_mail())
    worker_pass(config, at(0))
    [questionnaire] = received(smtp_server)

    quiet_days(config, smtp_server, 1, 2.9)

    worker_pass(config, at(3.01))
    first_nudge = smtp_server.wait_for(2)[1].message
    assert first_nudge["Subject"] == NUDGE_SUBJECT
    assert first_nudge["Auto-Submitted"] == "auto-generated"
    assert f"1. {EN_QUESTIONS['background']}" in plain(first_nudge)  # the questions, again

    quiet_days(config, smtp_server, 5)

    worker_pass(config, at(7.01))
    second_nudge = smtp_server.wait_for(3)[2].message
    assert second_nudge["Subject"] == NUDGE_SUBJECT
    assert second_nudge["Auto-Submitted"] == "auto-generated"
    assert second_nudge["Message-ID"] != first_nudge["Message-ID"]
    assert the_thread(config).state == "awaiting_guest"

    quiet_days(config, smtp_server, 10, 13.9)

    worker_pass(config, at(14.01))
    closing = smtp_server.wait_for(4)[3].message
    assert closing["Subject"] == EXPIRED_SUBJECT
    assert closing["Auto-Submitted"] == "auto-generated"
    thread = the_thread(config)
    assert thread.state == "expired"
    assert [d for w, d in events_of(config, thread) if w == "nudge"] == [
        "reminder 1 of 2",
        "reminder 2 of 2",
    ]

    quiet_days(config, smtp_server, 20, 30)
    assert [m["Subject"] for m in received(smtp_server)] == [
        questionnaire["Subject"],
        NUDGE_SUBJECT,
        NUDGE_SUBJECT,
        EXPIRED_SUBJECT,
    ]
    assert the_thread(config).state == "expired"
    to_dana_only(smtp_server)


def test_a_reply_after_the_first_nudge_cancels_the_second(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    inbox(imap_account, guest_mail())
    worker_pass(config, at(0))
    worker_pass(config, at(3.01))
    _, nudge = received(smtp_server)
    assert nudge["Subject"] == NUDGE_SUBJECT

    # Reminded, Dana answers part of it on day 4.
    reply = "Sorry for the delay!\n\n1. I have managed a retail store for 8 years." + quoted(nudge)
    inbox(imap_account, reply_to(nudge, body=reply))
    worker_pass(config, at(4))
    after_reply = len(smtp_server.received)
    assert the_thread(config).answers["background"] == "I have managed a retail store for 8 years."
    assert NUDGE_SUBJECT not in [m["Subject"] for m in received(smtp_server)[2:]]

    # The second nudge, due at +7 days from the request, never comes.
    quiet_days(config, smtp_server, 7.01, 8)
    assert len(smtp_server.received) == after_reply

    # Whatever follows from her reply, she is never reminded more than twice in all.
    for days in (10, 11.01, 14.01, 18.01, 25, 40):
        worker_pass(config, at(days))
    subjects = [m["Subject"] for m in received(smtp_server)]
    assert subjects.count(NUDGE_SUBJECT) <= 2, subjects
    assert subjects.count(EXPIRED_SUBJECT) <= 1, subjects
    to_dana_only(smtp_server)


# --------------------------------------------------------------------------------------------
# 5-6. Stopping in plain words
# --------------------------------------------------------------------------------------------


def test_please_cancel_withdraws_with_one_confirmation(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    inbox(imap_account, guest_mail())
    worker_pass(config, at(0))
    [questionnaire] = received(smtp_server)

    cancel = "Please cancel, I found what I needed." + quoted(questionnaire)
    inbox(imap_account, reply_to(questionnaire, body=cancel))
    worker_pass(config, at(1))

    thread = the_thread(config)
    assert thread.state == "withdrawn"
    _, confirmation = received(smtp_server)
    assert confirmation["Subject"].startswith("Re: ")
    assert "cancelled your request" in plain(confirmation)
    assert confirmation["Auto-Submitted"] == "auto-replied"
    assert ("withdrawn", "the guest asked to stop; nothing more is sent") in events_of(
        config, thread
    )

    # No nudge, no closing mail; a later "thanks" is stored, never answered.
    quiet_days(config, smtp_server, 3.01, 7.01, 14.01)
    inbox(imap_account, reply_to(confirmation, body="Thanks, all the best!"))
    quiet_days(config, smtp_server, 15, 30)
    assert len(smtp_server.received) == 2
    assert the_thread(config).state == "withdrawn"
    to_dana_only(smtp_server)


def test_delete_my_data_leaves_no_trace_of_the_address(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    inbox(imap_account, guest_mail())
    worker_pass(config, at(0))
    [questionnaire] = received(smtp_server)
    answers = "1. Retail manager.\n2. Planning." + quoted(questionnaire)
    inbox(imap_account, reply_to(questionnaire, body=answers))
    worker_pass(config, at(hours=2))
    assert len(smtp_server.received) == 2  # the questionnaire and a re-ask

    inbox(imap_account, reply_to(questionnaire, body="Please delete my data. Thank you."))
    worker_pass(config, at(1))

    # One confirmation, the last mail that goes to the address.
    confirmation = smtp_server.wait_for(3)[2]
    assert confirmation.rcpt_tos == [DANA]
    assert confirmation.message["Subject"] == "Your data has been deleted"

    needle = DANA.lower()
    thread = the_thread(config)
    assert thread.state == "withdrawn"
    for name, value in thread.model_dump().items():
        assert needle not in str(value).lower(), f"thread.{name} still holds the address"
    assert ("forgotten", "personal data erased at the guest's request") in events_of(config, thread)
    for what, detail in events_of(config, thread):
        assert needle not in detail.lower(), f"event {what!r} still holds the address"
    stored = messages(config)
    assert len(stored) >= 6  # three in, three out: erased, not dropped
    for message in stored:
        for name, value in message.model_dump().items():
            if name == "raw":
                assert needle.encode() not in value.lower(), f"message {message.id} raw bytes"
                for text in text_parts(value):
                    assert needle not in text.lower(), f"message {message.id}: {text[:200]!r}"
                assert b"Retail manager" not in value
            else:
                assert needle not in str(value).lower(), f"message {message.id}.{name}"
    rows = outbox_rows(config)
    assert rows
    for row in rows:
        for name, value in row.model_dump().items():
            assert needle not in str(value).lower(), f"outbox row {row.id}.{name}"

    # Later passes send nothing to anyone.
    quiet_days(config, smtp_server, 3.01, 7.01, 14.01, 30)


# --------------------------------------------------------------------------------------------
# 7-9. What arrives at intake
# --------------------------------------------------------------------------------------------


def test_a_job_application_with_a_cv_gets_one_polite_note_and_no_questionnaire(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    config = make_config(
        tmp_path,
        imap_account.url(),
        smtp_server.url,
        intent={"applications": "jobs@firm.example"},
    )
    application = parse(
        guest_mail(
            subject="Application: analyst role",
            body="Dear hiring team,\n\nI am applying for the analyst role. My CV is attached.",
        )
    )
    application.add_attachment(
        b"%PDF-1.4 " + b"x" * 5000, maintype="application", subtype="pdf", filename="CV.pdf"
    )
    inbox(imap_account, application.as_bytes())
    worker_pass(config, at(0))

    [note] = received(smtp_server)
    assert smtp_server.received[0].rcpt_tos == [DANA]
    text = plain(note)
    assert "jobs@firm.example" in text and "not kept your attachments" in text
    for question in EN_QUESTIONS.values():
        assert question not in text  # no questionnaire
    assert note.get_all("Cc") is None and not list(note.iter_attachments())
    thread = the_thread(config)
    assert thread.state == "not_request"
    assert any(w == "not_request" for w, _ in events_of(config, thread))

    quiet_days(config, smtp_server, 3.01, 7.01, 14.01)
    assert the_thread(config).state == "not_request"


def test_a_sales_pitch_gets_no_reply(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    inbox(
        imap_account,
        guest_mail(
            sender="Sal Seller <sal@vendor.example>",
            subject="Partnership opportunity",
            body="We help companies like yours grow revenue. Book a demo today!",
        ),
    )
    worker_pass(config, at(0))

    assert smtp_server.received == []
    thread = the_thread(config)
    assert thread.state == "not_request"
    [why] = [d for w, d in events_of(config, thread) if w == "not_request"]
    assert why.startswith("not a request, not answered: sales, confidence ")
    quiet_days(config, smtp_server, 3.01, 7.01, 14.01)
    assert smtp_server.received == []


def test_a_german_request_gets_the_questionnaire_in_german(
    config: Config, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    inbox(
        imap_account,
        guest_mail(
            sender="Jonas Weber <jonas.weber@example.org>",
            subject="Informationsgespräch",
            body=(
                "Guten Tag,\n\nich bin Logistiker und würde gerne mit einer Führungskraft "
                "bei Ihnen über die Arbeit sprechen. Ich bin in Berlin, also CET.\n\n"
                "Viele Grüße\nJonas Weber"
            ),
        ),
    )
    worker_pass(config, at(0))

    [sent] = smtp_server.wait_for(1)
    assert sent.rcpt_tos == ["jonas.weber@example.org"]
    questionnaire = sent.message
    assert questionnaire["Subject"] == "Re: Informationsgespräch"
    text = plain(questionnaire)
    assert "kein Vorstellungsgespräch" in text
    assert "Wer sind Sie?" in text
    assert "Was könnten wir im Gegenzug von Ihnen lernen?" in text
    assert "An welchen Tagen und zu welchen Uhrzeiten" in text
    for question in EN_QUESTIONS.values():
        assert question not in text
    html = questionnaire.get_body(("html",))
    if html is not None:
        assert "Wer sind Sie?" in str(html.get_content())
    assert questionnaire["From"].addresses[0].addr_spec == FIRM
    thread = the_thread(config)
    assert (thread.state, thread.language) == ("awaiting_guest", "de")
