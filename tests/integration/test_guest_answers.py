"""The guest answers the questionnaire: the answers land on the thread, a partial answer gets
one short re-ask naming only what is missing, complete answers move the thread on."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from harness import (
    deliver,
    events,
    guest_mail,
    maildir_config,
    one_pass,
    reply_to,
    sent_mail,
    shown,
    threads,
)


def quoted(mail: EmailMessage) -> str:
    lines = shown(mail).splitlines()
    return "On Tue, Dana wrote:\n" + "\n".join(f"> {line}" for line in lines)


def test_a_partial_answer_is_re_asked_once_then_completed(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail())
    one_pass(config)
    [questionnaire] = sent_mail(tmp_path)

    partial = (
        "Thanks! Here are my answers.\n\n"
        "1. I have managed a retail store for 8 years.\n"
        "2. How route planning works, and what a logistics manager does all week.\n"
        "3. How do you plan for peak season?\n\n"
        "Best,\nDana\n\n" + quoted(questionnaire)
    )
    deliver(config, reply_to(questionnaire, body=partial))
    one_pass(config)

    [thread] = threads(config)
    assert thread.state == "awaiting_guest"
    assert thread.answers["background"] == "I have managed a retail store for 8 years."
    assert thread.missing == ["give_back", "availability"]
    reask = sent_mail(tmp_path)[1]
    text = shown(reask)
    assert "I have managed a retail store for 8 years." in text  # echoed, so it can be corrected
    # The missing questions keep their numbers, so "4." in a reply means question 4.
    assert "4. What could we learn from you in return?" in text
    assert "5. Which days and times suit you" in text
    assert "Who are you?" in text and "1. Who are you?" not in text  # asked no more
    assert reask["Auto-Submitted"] == "auto-replied"
    assert reask["In-Reply-To"] != questionnaire["In-Reply-To"]  # it answers the guest's reply

    # Numbered from 1 again rather than 4 and 5: read by position, since each fits its question.
    rest = (
        "1. An honest view of your careers page.\n2. Tuesday or Thursday mornings, CET.\n\n"
        + quoted(reask)
    )
    deliver(config, reply_to(reask, body=rest))
    one_pass(config)

    [thread] = threads(config)
    assert thread.state == "awaiting_manager"  # complete, so a manager was chosen at once
    assert thread.missing == []
    assert thread.answers["availability"] == "Tuesday or Thursday mornings, CET."
    assert thread.answers["give_back"] == "An honest view of your careers page."
    # No more mail to the guest: the third goes to the manager with the brief.
    assert [m["To"].addresses[0].addr_spec for m in sent_mail(tmp_path)[2:]] == [
        thread.manager_email
    ]
    whats = [w for w, _ in events(config, thread.id)]
    assert whats[-3:] == ["answers", "answers_complete", "routed"]


def test_a_second_partial_answer_is_not_re_asked_again(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail())
    one_pass(config)
    [questionnaire] = sent_mail(tmp_path)
    deliver(config, reply_to(questionnaire, body="1. Retail manager.\n\n" + quoted(questionnaire)))
    one_pass(config)
    reask = sent_mail(tmp_path)[1]

    deliver(config, reply_to(reask, body="2. Curious about planning.\n\n" + quoted(reask)))
    one_pass(config)

    assert len(sent_mail(tmp_path)) == 2
    [thread] = threads(config)
    assert thread.state == "awaiting_guest"
    assert events(config, thread.id)[-1][0] == "still_missing"


def test_a_reply_without_answers_gets_no_mail(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail())
    one_pass(config)
    [questionnaire] = sent_mail(tmp_path)

    deliver(config, reply_to(questionnaire, body="Thanks, I will answer on the weekend!"))
    one_pass(config)

    assert len(sent_mail(tmp_path)) == 1
    [thread] = threads(config)
    assert events(config, thread.id)[-1][0] == "no_answers"


def test_a_german_request_is_answered_in_german_and_its_time_zone_kept(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(
        config,
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
    one_pass(config)

    [thread] = threads(config)
    assert (thread.language, thread.timezone) == ("de", "Europe/Berlin")
    [questionnaire] = sent_mail(tmp_path)
    text = shown(questionnaire)
    assert "kein Vorstellungsgespräch" in text
    assert questionnaire["Subject"] == "Re: Informationsgespräch"
