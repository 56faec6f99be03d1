"""mailagent against a REAL auto-responder: Pigeonhole's Sieve ``vacation`` on the guest's mailbox.

The ``mail_system`` fixture is a private Dovecot with Sieve on LMTP and an SMTP relay (aiosmtpd)
delivering every accepted message into the right mailbox over LMTP; the relay is also Dovecot's
``submission_host``, so a vacation reply travels back through it like any other mail. The relay
answers end of DATA only after the LMTP delivery (and so after whatever Sieve sent in response
was relayed in turn): once a ``mailagent run --once`` pass (``harness.one_pass``) returns, the
consequences of what it sent are already in the mailboxes, and the next pass sees them.

What Pigeonhole 0.5 (Dovecot 2.3) does, observed here and asserted:

- to a person's mail it answers once per sender and ``:days`` period, from the guest, with a null
  envelope sender (``Return-Path: <>``), ``Auto-Submitted: auto-replied (vacation)``,
  ``Precedence: bulk`` and ``X-Auto-Response-Suppress: All``;
- to mailagent's questionnaire it sends nothing: the questionnaire carries ``Auto-Submitted:
  auto-replied`` and Pigeonhole logs "discarding vacation response to auto-submitted message"
  (RFC 3834 §2; ``cmd-vacation.c``). So the loop is broken on the responder's side already, and
  mailagent's own side (a vacation reply is machine mail: stored, never answered) is exercised
  with a vacation reply provoked by a colleague's hand-written mail from the shared address.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest
from harness import events, make_config, messages, one_pass, outbox_rows, threads
from servers import Delivery, ImapAccount, MailSystem

from mailagent.config.settings import Config

GUEST = "guest@example.org"
FIRM_A = "interviews@firm.example"
FIRM_B = "interviews@other.example"
VACATION = 'require "vacation";\nvacation :days 1 :addresses ["guest@example.org"] "I am away.";\n'
# Categories from mailagent.classify that mean "written by a machine": never answered.
MACHINE = {"auto", "bounce", "list", "system", "loop"}


def client_mail(
    sender: str,
    to: str,
    subject: str,
    body: str = "Hello, could I talk to one of your managers about logistics for half an hour?",
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """A mail as a mail client submits it (no Return-Path: the final MTA adds that)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(datetime.now(UTC))
    msg["Message-ID"] = email.utils.make_msgid(domain="client.example.org")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    return msg.as_bytes(policy=SMTP)


def firm_config(
    folder: Path,
    account: ImapAccount,
    system: MailSystem,
    monkeypatch: pytest.MonkeyPatch,
    *,
    address: str,
    instance_id: str,
) -> Config:
    """One mailagent instance: its own inbox account, SQLite database and instance id."""
    folder.mkdir()
    env = f"TEST_IMAP_PASSWORD_{instance_id.upper().replace('-', '_')}"
    monkeypatch.setenv(env, account.password)
    return make_config(
        folder,
        account.url(),
        system.relay.url,
        inbox={"password_env": env},
        firm={"name": f"Firm {instance_id}", "address": address, "instance_id": instance_id},
    )


def to_user(system: MailSystem, user: str) -> list[Delivery]:
    return [d for d in system.relay.deliveries if d.user == user]


def is_vacation(delivery: Delivery) -> bool:
    return "vacation" in str(delivery.message.message["Auto-Submitted"] or "")


def traffic(system: MailSystem) -> list[tuple[str, str, str]]:
    """(envelope sender, recipient, subject) of every relayed recipient, for failure messages."""
    return [
        (d.message.mail_from, d.recipient, str(d.message.message["Subject"]))
        for d in system.relay.deliveries
    ]


def run_passes(system: MailSystem, configs: list[Config], rounds: int) -> list[int]:
    """``rounds`` rounds of one pass per instance, in turn; the relay's total after each round."""
    totals = []
    for _ in range(rounds):
        for config in configs:
            one_pass(config)
        totals.append(len(system.relay.deliveries))
    return totals


@pytest.mark.timeout(120)
def test_a_vacation_responder_and_mailagent_do_not_loop(
    mail_system: MailSystem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guest = mail_system.add_mailbox("guest", GUEST, sieve=VACATION)
    firm = mail_system.add_mailbox("firma", FIRM_A)
    config = firm_config(
        tmp_path / "a", firm, mail_system, monkeypatch, address=FIRM_A, instance_id="firm-a"
    )

    # Control: the responder is live. A friend's plain mail gets exactly one vacation reply.
    mail_system.send(
        client_mail("Fran <friend@example.net>", GUEST, "Lunch?"), "friend@example.net", GUEST
    )
    [control] = [d for d in mail_system.relay.deliveries if d.recipient == "friend@example.net"]
    reply = control.message.message
    assert control.message.mail_from == "<>", control
    assert str(reply["Auto-Submitted"]) == "auto-replied (vacation)"
    assert reply["From"].addresses[0].addr_spec == GUEST

    # The guest, vacation switched on, writes to the firm; mailagent runs pass after pass.
    mail_system.send(
        client_mail("Gabi Guest <guest@example.org>", FIRM_A, "Informational interview?"),
        GUEST,
        FIRM_A,
    )
    totals = run_passes(mail_system, [config], rounds=6)

    [questionnaire] = [
        d for d in to_user(mail_system, "guest") if d.message.mail_from != "friend@example.net"
    ]
    assert questionnaire.message.mail_from.startswith("interviews+b-"), traffic(mail_system)
    assert str(questionnaire.message.message["Auto-Submitted"]) == "auto-replied"
    assert str(questionnaire.message.message["X-Mailagent-Loop"]) == "firm-a"
    # Pigeonhole sends no vacation reply to an auto-submitted mail, and says so in its log.
    vacation_to_firm = [d for d in to_user(mail_system, "firma") if is_vacation(d)]
    assert vacation_to_firm == [], traffic(mail_system)
    log = mail_system.dovecot.log_text()
    assert (
        "discarding vacation response to auto-submitted message from "
        f"<{questionnaire.message.mail_from}>" in log
    ), log
    # Silence after the first pass: friend->guest, vacation->friend, request, questionnaire.
    assert totals == [4] * 6, (totals, traffic(mail_system))
    assert mail_system.relay.errors == []
    [thread] = threads(config)
    assert (thread.guest_email, thread.state) == (GUEST, "awaiting_guest")
    assert [(r.kind, r.status) for r in outbox_rows(config)] == [("questionnaire", "sent")]
    assert len(guest.messages()) == 2  # the friend's mail and the questionnaire

    # A vacation reply that does reach the firm: a colleague writes to the guest by hand from the
    # shared address (no Auto-Submitted), so the responder answers that address, i.e. the inbox
    # mailagent reads. mailagent must store it as machine mail and answer nothing.
    by_hand = client_mail(
        "Pat at Firm <interviews@firm.example>", GUEST, "One more thing", body="Hi Gabi, ..."
    )
    mail_system.send(by_hand, FIRM_A, GUEST)
    [vacation] = [d for d in to_user(mail_system, "firma") if is_vacation(d)]
    assert vacation.message.mail_from == "<>"
    totals = run_passes(mail_system, [config], rounds=4)

    assert totals == [6] * 4, (totals, traffic(mail_system))  # + by hand, + vacation reply
    vacation_id = str(vacation.message.message["Message-ID"]).strip("<>")
    [stored] = [m for m in messages(config) if m.direction == "in" and m.message_id == vacation_id]
    assert stored.category in MACHINE, (stored.category, stored.rule)
    assert stored.status == "done" and stored.thread_id == thread.id, stored
    # Observed: rule A1 fires first (null Return-Path, as the final MTA wrote it).
    assert stored.rule == "A1 null Return-Path", stored.rule
    [after] = threads(config)
    assert after.state == "awaiting_guest"
    assert events(config, thread.id)[-1] == (
        "machine_mail",
        "bounce: A1 null Return-Path; matched by sender; no state change",
    )
    # Nothing more went out: still the one questionnaire, nothing new to the guest.
    assert [(r.kind, r.status) for r in outbox_rows(config)] == [("questionnaire", "sent")]
    to_guest = [d.message.mail_from for d in to_user(mail_system, "guest")]
    assert to_guest == [
        "friend@example.net",
        questionnaire.message.mail_from,
        FIRM_A,
    ]
    assert mail_system.relay.errors == []


@pytest.mark.timeout(120)
def test_two_mailagent_instances_do_not_loop(
    mail_system: MailSystem, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox_a = mail_system.add_mailbox("firma", FIRM_A)
    inbox_b = mail_system.add_mailbox("firmb", FIRM_B)
    config_a = firm_config(
        tmp_path / "a", inbox_a, mail_system, monkeypatch, address=FIRM_A, instance_id="firm-a"
    )
    config_b = firm_config(
        tmp_path / "b", inbox_b, mail_system, monkeypatch, address=FIRM_B, instance_id="firm-b"
    )

    # Someone forges firm B's address on a request to firm A (envelope sender too).
    forged = client_mail("Interviews at Other <interviews@other.example>", FIRM_A, "Interview?")
    mail_system.send(forged, FIRM_B, FIRM_A)

    totals = run_passes(mail_system, [config_a, config_b], rounds=5)

    a_to_b = to_user(mail_system, "firmb")
    b_to_a = [d for d in to_user(mail_system, "firma") if d.message.mail_from != FIRM_B]
    assert len(a_to_b) <= 1, traffic(mail_system)  # A answers the forged request at most once
    assert b_to_a == [], traffic(mail_system)  # B never answers A's auto-replied questionnaire
    # Then silence: whatever happened, happened in the first round.
    assert totals == [totals[0]] * 5, (totals, traffic(mail_system))
    assert totals[0] <= 2
    assert mail_system.relay.errors == []

    # Observed: A takes the forged mail for a person's request (another organisation's address)
    # and sends one questionnaire; B stores it as machine mail and opens nothing.
    [questionnaire] = a_to_b
    assert str(questionnaire.message.message["Auto-Submitted"]) == "auto-replied"
    assert [(r.kind, r.status) for r in outbox_rows(config_a)] == [("questionnaire", "sent")]
    [at_b] = [m for m in messages(config_b) if m.direction == "in"]
    assert at_b.category in MACHINE, (at_b.category, at_b.rule)
    assert at_b.rule == "A2 Auto-Submitted: auto-replied", at_b.rule
    assert threads(config_b) == []
    assert outbox_rows(config_b) == []
