"""Guests stop the conversation in plain words: "please cancel" withdraws with one short
confirmation; "delete my data" erases what we hold about them and confirms once."""

from __future__ import annotations

from pathlib import Path

from harness import (
    deliver,
    events,
    guest_mail,
    maildir_config,
    messages,
    one_pass,
    outbox_rows,
    reply_to,
    sent_mail,
    shown,
    threads,
)

DANA = "dana.ruiz@example.org"


def test_please_cancel_withdraws_with_one_confirmation(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail())
    one_pass(config)
    [questionnaire] = sent_mail(tmp_path)

    deliver(config, reply_to(questionnaire, body="Please cancel, I found what I needed."))
    one_pass(config)

    [thread] = threads(config)
    assert thread.state == "withdrawn"
    confirmation = sent_mail(tmp_path)[-1]
    assert confirmation["Subject"].startswith("Re: ")
    assert "cancelled your request" in shown(confirmation)
    assert confirmation["Auto-Submitted"] == "auto-replied"
    assert ("withdrawn", "the guest asked to stop; nothing more is sent") in events(
        config, thread.id
    )
    # Anything else the guest sends later is stored, never answered.
    deliver(config, reply_to(confirmation, body="Thanks! 1. Retail. 2. Planning."))
    one_pass(config)
    assert len(sent_mail(tmp_path)) == 2


def test_delete_my_data_erases_everything_about_the_guest(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail())
    one_pass(config)
    [questionnaire] = sent_mail(tmp_path)
    deliver(config, reply_to(questionnaire, body="1. Retail manager.\n2. Planning."))
    one_pass(config)

    deliver(config, reply_to(questionnaire, body="Please delete my data. Thank you."))
    one_pass(config)

    [thread] = threads(config)
    assert thread.state == "withdrawn"
    assert thread.guest_email == f"forgotten-{thread.id}@forgotten.invalid"
    assert (thread.guest_name, thread.answers) == ("", {})
    for message in messages(config):
        assert DANA.encode() not in message.raw and DANA not in message.to_addr + message.from_addr
        assert b"Retail manager" not in message.raw
    assert all(DANA not in row.recipient for row in outbox_rows(config))
    assert all(DANA not in detail for _, detail in events(config, thread.id))
    assert ("forgotten", "personal data erased at the guest's request") in events(config, thread.id)
    confirmation = sent_mail(tmp_path)[-1]  # the one mail that still went to the address
    assert confirmation["To"].addresses[0].addr_spec == DANA
    assert confirmation["Subject"] == "Your data has been deleted"


def test_forget_me_without_an_open_thread_is_confirmed_then_erases(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail())
    one_pass(config)
    deliver(config, reply_to(sent_mail(tmp_path)[0], body="Please cancel."))
    one_pass(config)

    # To the plain address, with no thread open: anyone could have written this From.
    deliver(config, guest_mail(subject="Privacy", body="Forget me, please."))
    one_pass(config)
    ask = sent_mail(tmp_path)[-1]
    assert ask["Subject"] == "Please confirm: delete your data"
    assert ask["To"].addresses[0].addr_spec == DANA
    assert not any(t.guest_email.endswith("@forgotten.invalid") for t in threads(config))

    deliver(config, reply_to(ask, body="Yes, please."))
    one_pass(config)

    assert all(t.guest_email.endswith("@forgotten.invalid") for t in threads(config))
    assert [m["Subject"] for m in sent_mail(tmp_path)][-1] == "Your data has been deleted"
    assert all(DANA.encode() not in m.raw for m in messages(config))
