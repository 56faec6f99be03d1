"""A forged From never books, cancels or erases. Forgeries as an attacker writes them: a
manager's or guest's From with somebody else's envelope sender, to the firm's plain address or
to a reply token they should not have; then the real person confirming, refusing, or an admin
releasing what was held. Maildir in and out, SQLite; the Authentication-Results path on Dovecot.
"""

from __future__ import annotations

import email.policy
import json
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import pytest
from harness import FIRM, events, guest_mail, make_config, server_steps, session_for, shown
from servers import ImapAccount, SmtpServer
from sqlmodel import select
from test_manager_lifecycle import ANSWERS, GUEST, SAM, T0, Conversation, at, reply, to

from mailagent.cli.app import main
from mailagent.store.tables import Hold, Thread

ADMIN = "ops@firm.example"
FOREIGN = "<kim.dorsey@spoof.example>"


def forged(
    ours: EmailMessage,
    body: str,
    when: datetime,
    sender: str,
    to_addr: str,
    return_path: str = FOREIGN,
    extra: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """A reply to ``ours`` in ``sender``'s name, sent to ``to_addr`` with ``return_path`` as
    the envelope sender the final MTA records; ``extra`` headers go on top, as a border MTA
    adds its own."""
    msg = EmailMessage()
    for name, value in extra:
        msg[name] = value
    msg["Return-Path"] = return_path
    msg["From"] = sender
    msg["To"] = to_addr
    msg["Subject"] = f"Re: {ours['Subject']}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="mailer.spoof.example")
    msg["In-Reply-To"] = str(ours["Message-ID"])
    msg["References"] = f"{ours['References'] or ''} {ours['Message-ID']}".strip()
    msg.set_content(f"{body}\n")
    return msg.as_bytes(policy=email.policy.SMTP)


def reply_to_of(mail: EmailMessage) -> str:
    return str(mail["Reply-To"].addresses[0].addr_spec)


def thread_of(talk: Conversation) -> Thread:
    with session_for(talk.config) as session:
        [thread] = session.exec(select(Thread)).all()
        return thread


def holds_of(talk: Conversation) -> list[Hold]:
    with session_for(talk.config) as session:
        return list(session.exec(select(Hold)).all())


def cli(talk: Conversation, *args: str) -> int:
    return main(["--config", str(talk.config.path), "--log-level", "WARNING", *args])


def to_the_brief(tmp_path: Path) -> tuple[Conversation, EmailMessage, EmailMessage]:
    talk = Conversation(tmp_path, managers={"admins": [ADMIN]})
    [questionnaire] = talk.step(T0, guest_mail(sender=f"Dana Ruiz <{GUEST}>"))
    [brief] = talk.step(at(0, 2), reply(questionnaire, ANSWERS, at(0, 2)))
    assert to(brief) == SAM
    return talk, questionnaire, brief


@pytest.mark.parametrize(
    ("where", "return_path"),
    [
        ("the firm's plain address", FOREIGN),
        # Even with an envelope sender of Sam's own domain: the guest's token is not Sam's.
        ("the guest's reply token", f"<{SAM}>"),
        ("the manager's own reply token", FOREIGN),
    ],
)
def test_a_forged_manager_acceptance_books_nothing(
    tmp_path: Path, where: str, return_path: str
) -> None:
    talk, questionnaire, brief = to_the_brief(tmp_path)
    address = {
        "the firm's plain address": FIRM,
        "the guest's reply token": reply_to_of(questionnaire),
        "the manager's own reply token": reply_to_of(brief),
    }[where]

    sent = talk.step(
        at(1), forged(brief, "Thursday 3pm works for me.", at(1), SAM, address, return_path)
    )

    # Nothing went to the guest or to Sam; the admins are told what was held and why.
    assert [to(m) for m in sent] == [ADMIN]
    assert "mailagent held release" in shown(sent[0])
    thread = thread_of(talk)
    assert (thread.state, thread.meeting_start) == ("awaiting_manager", None)
    [hold] = holds_of(talk)
    assert (hold.party, hold.action, hold.status) == ("manager", "accept", "held")
    assert any(what == "held" for what, _ in events(talk.config, thread.id))


def test_every_admin_is_told_and_all_share_one_admin_token(tmp_path: Path) -> None:
    talk = Conversation(tmp_path, managers={"admins": [ADMIN, "it@firm.example"]})
    [questionnaire] = talk.step(T0, guest_mail(sender=f"Dana Ruiz <{GUEST}>"))
    [brief] = talk.step(at(0, 2), reply(questionnaire, ANSWERS, at(0, 2)))

    sent = talk.step(at(1), forged(brief, "Thursday 3pm works for me.", at(1), SAM, FIRM))

    assert sorted(to(m) for m in sent) == sorted([ADMIN, "it@firm.example"])
    assert len({reply_to_of(m) for m in sent}) == 1
    assert reply_to_of(sent[0]) not in (reply_to_of(brief), reply_to_of(questionnaire))


def test_the_real_manager_on_their_own_token_still_books(tmp_path: Path) -> None:
    talk, _, brief = to_the_brief(tmp_path)

    sent = talk.step(at(1), reply(brief, "Thursday 3pm works for me.\n\nSam", at(1)))

    assert sorted(to(m) for m in sent) == sorted([GUEST, SAM])
    assert thread_of(talk).state == "scheduled"
    assert holds_of(talk) == []


def test_a_held_reply_is_released_by_an_admin_with_one_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    talk, _, brief = to_the_brief(tmp_path)
    talk.step(at(1), forged(brief, "Thursday 3pm works for me.", at(1), SAM, FIRM))
    capsys.readouterr()

    assert cli(talk, "held", "list", "--json") == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["party"], listed["action"], listed["status"]) == ("manager", "accept", "held")
    assert cli(talk, "threads", "show", str(listed["thread"])) == 0
    assert f"hold {listed['id']} held: the manager's accept" in capsys.readouterr().out

    # Sam says on the phone that it was him, from a forwarding account: the admin releases it.
    assert cli(talk, "held", "release", str(listed["id"]), "--now", at(1, 1).isoformat()) == 0
    assert "scheduled for 2026-11-26 14:00 UTC" in capsys.readouterr().out
    sent = talk.step(at(1, 1))
    assert sorted(to(m) for m in sent) == sorted([GUEST, SAM])
    assert thread_of(talk).meeting_start == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    [hold] = holds_of(talk)
    assert hold.status == "released"
    # Settled once: a second release finds nothing waiting.
    assert cli(talk, "held", "release", str(listed["id"])) == 1


def test_a_forged_decline_is_put_to_the_manager_who_confirms_it(tmp_path: Path) -> None:
    talk, _, brief = to_the_brief(tmp_path)

    sent = talk.step(
        at(1), forged(brief, "Sorry, I have to decline this one.", at(1), SAM, reply_to_of(brief))
    )

    [ask] = sent
    assert to(ask) == SAM and ask["Subject"].startswith("Please confirm: decline")
    assert reply_to_of(ask) not in (reply_to_of(brief),)
    assert thread_of(talk).manager_email == SAM  # not handed on yet
    assert thread_of(talk).state == "awaiting_manager"

    # Sam did write it: he answers the confirmation from his own mailbox.
    after = talk.step(at(1, 1), reply(ask, "Yes, that was me.", at(1, 1)))

    [hold] = holds_of(talk)
    assert hold.status == "confirmed"
    thread = thread_of(talk)
    assert thread.manager_email != SAM
    assert SAM not in [to(m) for m in after]


def test_a_forged_erasure_asks_the_guest_and_erases_nothing(tmp_path: Path) -> None:
    talk, _, brief = to_the_brief(tmp_path)
    erase = "Please delete my data. Thank you."

    sent = talk.step(at(1), forged(brief, erase, at(1), f"Dana Ruiz <{GUEST}>", FIRM))

    [ask] = sent
    assert to(ask) == GUEST and ask["Subject"] == "Please confirm: delete your data"
    assert "could not make sure that it came from you" in shown(ask)
    thread = thread_of(talk)
    assert thread.guest_email == GUEST and thread.answers and thread.state == "awaiting_manager"

    # Repeating the forgery does not flood Dana with confirmations.
    assert talk.step(at(1, 1), forged(brief, erase, at(1, 1), GUEST, FIRM)) == []

    # Dana never asked: she says so, the admins hear of it, and nothing is erased.
    told = talk.step(at(2), reply(ask, "No, that wasn't me!", at(2)))
    assert [to(m) for m in told] == [ADMIN]
    assert "someone may be writing in their name" in shown(told[0])
    thread = thread_of(talk)
    assert thread.guest_email == GUEST and thread.answers
    assert {h.status for h in holds_of(talk)} == {"refused", "held"}
    # Anything more she writes on that confirmation reaches neither Sam nor the admins.
    assert talk.step(at(2, 1), reply(ask, "Who else has my address?", at(2, 1))) == []


def test_a_forged_cancellation_is_carried_out_only_once_the_guest_confirms(
    tmp_path: Path,
) -> None:
    talk, _, brief = to_the_brief(tmp_path)

    [ask] = talk.step(at(1), forged(brief, "Please cancel my request.", at(1), GUEST, FIRM))
    assert ask["Subject"] == "Please confirm: cancel your request"
    assert thread_of(talk).state == "awaiting_manager"

    confirmed = talk.step(at(1, 2), reply(ask, "Yes", at(1, 2)))

    assert thread_of(talk).state == "withdrawn"
    assert GUEST in [to(m) for m in confirmed]  # the usual "your request is cancelled"
    [hold] = holds_of(talk)
    assert (hold.status, hold.resolved_by) == ("confirmed", GUEST)
    # A second "yes" to the same confirmation is noted, not passed on to anyone.
    assert talk.step(at(1, 3), reply(ask, "Yes!", at(1, 3))) == []


def test_a_forged_choice_of_time_books_nothing_and_the_real_one_does(tmp_path: Path) -> None:
    talk, _, brief = to_the_brief(tmp_path)
    [offer] = talk.step(at(1), reply(brief, "Tue 10:00 or Wed 14:30", at(1)))
    assert thread_of(talk).state == "awaiting_slot"

    held = talk.step(at(1, 2), forged(offer, "2 please!", at(1, 2), GUEST, FIRM))

    assert [to(m) for m in held] == [ADMIN]
    assert (thread_of(talk).state, thread_of(talk).meeting_start) == ("awaiting_slot", None)
    [hold] = holds_of(talk)
    assert (hold.party, hold.action) == ("guest", "pick")

    booked = talk.step(at(1, 4), reply(offer, "2 please!", at(1, 4)))
    assert sorted(to(m) for m in booked) == sorted([GUEST, SAM])
    assert thread_of(talk).meeting_start == datetime(2026, 11, 25, 13, 30, tzinfo=UTC)


def test_the_guest_on_their_own_token_erases_at_once(tmp_path: Path) -> None:
    talk, questionnaire, _ = to_the_brief(tmp_path)

    [done] = talk.step(at(1), reply(questionnaire, "Please delete my data.", at(1)))

    assert done["Subject"] == "Your data has been deleted"
    assert thread_of(talk).guest_email.endswith("@forgotten.invalid")


def test_an_old_token_after_the_meeting_books_nothing(tmp_path: Path) -> None:
    talk, _, brief = to_the_brief(tmp_path)
    talk.step(at(1), reply(brief, "Thursday 3pm works for me.\n\nSam", at(1)))
    start = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
    after = talk.step(datetime(2026, 11, 26, 17, 0, tzinfo=UTC))
    [debrief] = [m for m in after if to(m) == SAM and "How did it go" in m["Subject"]]
    [thank_you] = [m for m in after if to(m) == GUEST and "Thank you" in m["Subject"]]
    # Consent to be kept in touch is the guest's alone to give.
    talk.step(at(3), forged(thank_you, "Great talk. Please keep in touch!", at(3), GUEST, FIRM))
    assert thread_of(talk).consent_at is None
    talk.step(at(4), reply(debrief, "Went well, keep in touch: yes.", at(4)))
    assert thread_of(talk).state in ("held", "closed")

    # The brief's token replayed weeks later, once from Sam's domain and once forged.
    replays = (
        reply(brief, "Thursday 3pm works for me.", at(20)),
        forged(brief, "Thursday 3pm works for me.", at(20), SAM, reply_to_of(brief)),
    )
    sent = talk.step(at(20), *replays)

    assert GUEST not in [to(m) for m in sent]
    assert thread_of(talk).meeting_start == start


def test_an_authenticated_manager_reply_through_dovecot(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``authserv_id`` set, our border's DMARC pass vouches for Sam even on the firm's
    plain address; a DMARC fail, or a pass the sender wrote below our border's header, does
    not."""
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    config = make_config(
        tmp_path,
        imap_account.url(),
        smtp_server.url,
        inbox={"authserv_id": "mx.firm.example"},
        managers={"admins": [ADMIN]},
    )

    step = server_steps(config, imap_account, smtp_server)

    [questionnaire] = step(T0, guest_mail(sender=f"Dana Ruiz <{GUEST}>"))
    [brief] = step(at(0, 2), reply(questionnaire, ANSWERS, at(0, 2)))
    fail = ("Authentication-Results", "mx.firm.example; dmarc=fail header.from=firm.example")
    own_pass = ("Authentication-Results", "mx.firm.example; dmarc=pass header.from=firm.example")
    border = "mx.firm.example; spf=softfail smtp.mailfrom=spoof.example; dmarc=fail"

    held = step(at(1), forged(brief, "Thursday 3pm works.", at(1), SAM, FIRM, extra=(fail,)))
    assert [to(m) for m in held] == [ADMIN]
    # The forger's own "pass" lies under the border's header: the border's verdict counts.
    smuggled = forged(brief, "Thursday 3pm works.", at(1), SAM, FIRM, extra=(own_pass,))
    smuggled = f"Authentication-Results: {border}\r\n".encode() + smuggled
    assert [to(m) for m in step(at(1, 1), smuggled)] == [ADMIN]
    with session_for(config) as session:
        assert session.exec(select(Thread)).one().state == "awaiting_manager"

    dkim = "mx.firm.example; dkim=pass header.d=firm.example; dmarc=pass header.from=firm.example"
    real = forged(
        brief,
        "Thursday 3pm works for me.",
        at(1, 2),
        SAM,
        FIRM,
        return_path=f"<{SAM}>",
        extra=(("Authentication-Results", dkim),),
    )
    booked = step(at(1, 2), real)

    assert sorted(to(m) for m in booked) == sorted([GUEST, SAM])
    with session_for(config) as session:
        assert session.exec(select(Thread)).one().state == "scheduled"


def test_check_config_warns_when_an_imap_inbox_has_no_authserv_id(
    tmp_path: Path,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MAILAGENT_IMAP_PASSWORD", imap_account.password)
    config = make_config(tmp_path, imap_account.url(), smtp_server.url)

    main(["--config", str(config.path), "check-config"])

    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("sender identity")]
    assert "WARNING: [inbox] authserv_id is not set" in line
