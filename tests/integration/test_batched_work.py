"""Work taken in batches: messages have their first try counted together (and, on SQLite, are
committed in groups), outbox rows are claimed a batch at a time (and a Maildir outbox sends a
batch in two commits). Whatever interrupts a batch, no mail is lost and none goes out twice; a
crash charges a message at most one try it did not use, a stop or a database failure none."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from harness import guest_mail, make_config, messages, one_pass, outbox_rows
from servers import SmtpServer
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mailagent.config.settings import Config
from mailagent.core.mime import Limits
from mailagent.core.parse import Inbound, parse_message
from mailagent.errors import TransportError
from mailagent.service import delivery, handling, intake, outcomes, staged
from mailagent.service.runtime import Runtime
from mailagent.store.tables import Message
from mailagent.transports import pickup
from mailagent.transports.opening import open_inbox
from mailagent.transports.sender import Outgoing
from mailagent.transports.smtp import SmtpSender

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
GUESTS = ["ana", "ben", "cho", "dev", "eli"]


class Crash(BaseException):
    """Stands in for the process dying at this point (nothing after it runs)."""


def requests(config: Config, names: list[str] = GUESTS, poison: str = "") -> None:
    box = open_inbox(config.settings.inbox)
    for name in names:
        body = "POISON" if name == poison else "Could we talk about logistics for half an hour?"
        box.append(guest_mail(sender=f"{name} <{name}@example.org>", body=body))


def recipients(server: SmtpServer) -> Counter[str]:
    return Counter(rcpt for record in server.received for rcpt in record.rcpt_tos)


class ScriptedSmtp(SmtpSender):
    """The real SMTP client, with steps of a test run at given mails of a flush (1 = the first):
    ``before`` runs before that mail is tried, ``marking`` replaces marking it "about to send
    DATA"."""

    def __init__(
        self,
        config: Config,
        before: dict[int, Callable[[], None]] | None = None,
        marking: dict[int, Callable[[], None]] | None = None,
    ) -> None:
        super().__init__(config.settings.outbox.endpoint, config.settings.outbox)
        self.before, self.marking, self.tried = before or {}, marking or {}, 0

    def send(
        self,
        mail: Outgoing,
        before_body: Callable[[], None] = lambda: None,
        while_waiting: Callable[[], None] = lambda: None,
    ) -> None:
        self.tried += 1
        self.before.get(self.tried, lambda: None)()
        super().send(mail, self.marking.get(self.tried, before_body), while_waiting)


def die() -> None:
    raise Crash


def database_gone() -> None:
    raise sa.exc.OperationalError("UPDATE outbox", {}, Exception("disk I/O error"))


def test_untried_mail_goes_back_uncharged_when_the_smtp_server_goes_away(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", smtp_server.url)
    requests(config)

    report = one_pass(config, NOW, sender=ScriptedSmtp(config, before={2: smtp_server.stop}))

    assert report.outbox.sent == 1 and report.outbox.retry == 1
    rows = outbox_rows(config)
    # The first went out, the second was tried and failed, the other three were never tried:
    # all are pending again, and only the tried one has used up an attempt.
    assert [(r.status, r.attempts) for r in rows] == [
        ("sent", 1),
        ("pending", 1),
        ("pending", 0),
        ("pending", 0),
        ("pending", 0),
    ]
    assert [r.next_attempt_at for r in rows[2:]] == [NOW] * 3  # due at once, no backoff

    back = SmtpServer(port=smtp_server.port)
    back.start()
    try:
        later = one_pass(config, NOW + timedelta(minutes=2))
        assert later.outbox.sent == 4
        assert recipients(smtp_server) + recipients(back) == Counter(
            f"{name}@example.org" for name in GUESTS
        )
    finally:
        back.stop()


def test_rows_claimed_by_a_process_that_died_are_sent_once_when_stale(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", smtp_server.url)
    requests(config)

    # A dead process gives nothing back: the rows it claimed but never tried stay claimed.
    monkeypatch.setattr(delivery, "release", lambda *args, **kwargs: None)
    with pytest.raises(Crash):
        one_pass(config, NOW, sender=ScriptedSmtp(config, before={2: die}))
    monkeypatch.undo()

    rows = outbox_rows(config)
    assert [r.status for r in rows] == ["sent"] + ["sending"] * 4
    assert all(r.data_at is None for r in rows[1:])  # none of them reached DATA
    # Not yet stale: a live worker's claims are never taken away from it.
    assert one_pass(config, NOW + timedelta(seconds=30)).outbox.sent == 0

    stale = NOW + timedelta(seconds=2 * config.settings.outbox.timeout + 61)
    assert one_pass(config, stale).outbox.sent == 4
    assert recipients(smtp_server) == Counter(f"{name}@example.org" for name in GUESTS)
    assert {r.status for r in outbox_rows(config)} == {"sent"}


def test_a_crash_mid_batch_costs_its_neighbours_at_most_one_try(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    requests(config, GUESTS[:4], poison="ben")

    def crashes_on_poison(raw: bytes, limits: Limits) -> Inbound:
        if b"POISON" in raw:
            raise Crash  # takes the whole process down, every time it meets this mail
        return parse_message(raw, limits)

    monkeypatch.setattr(handling, "parse_message", crashes_on_poison)
    for _ in range(3):
        with pytest.raises(Crash):
            one_pass(config, NOW)
    last = one_pass(config, NOW)

    by_guest = {
        name: next(
            m for m in messages(config) if m.direction == "in" and f"<{name}@".encode() in m.raw
        )
        for name in GUESTS[:4]
    }
    assert last.intake.quarantined == 1
    # Three tries crashed; the fourth count finds it over the limit and quarantines it unread.
    assert (by_guest["ben"].status, by_guest["ben"].attempts) == ("quarantined", 4)
    # All were charged once with the batch. Ana, answered before the crash in the same commit
    # (SQLite commits a run of fresh messages together), was undone with it: she, Cho and Dev
    # were each handled once more, alone, and charged once for real.
    assert {name: (m.status, m.attempts) for name, m in by_guest.items() if name != "ben"} == {
        "ana": ("done", 2),
        "cho": ("done", 2),
        "dev": ("done", 2),
    }
    sent = {str(m.to_addr) for m in messages(config) if m.direction == "out"}
    assert sent == {"ana@example.org", "cho@example.org", "dev@example.org"}


def test_a_worker_killed_while_warming_up_charges_no_mail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed again and again while it loads what reading mail needs (the language models take
    half a second), a worker has not failed on any mail: the first in the queue keeps its
    tries, and the next worker to get through answers every request once."""
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    requests(config, GUESTS[:3])
    loaded = handling.load_models
    monkeypatch.setattr(handling, "load_models", lambda languages: die())
    for _ in range(4):  # one more than the tries a mail has
        with pytest.raises(Crash):
            one_pass(config, NOW)
    assert {(m.status, m.attempts) for m in messages(config)} == {("received", 0)}

    monkeypatch.setattr(handling, "load_models", loaded)
    last = one_pass(config, NOW)

    assert (last.intake.handled, last.intake.quarantined) == (3, 0)
    assert {(m.status, m.attempts) for m in messages(config) if m.direction == "in"} == {
        ("done", 1)
    }
    assert sorted(str(m.to_addr) for m in messages(config) if m.direction == "out") == [
        f"{name}@example.org" for name in GUESTS[:3]
    ]


def test_stopping_mid_batch_ends_the_group_in_hand_and_gives_back_the_tries_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    requests(config, GUESTS[:3])
    monkeypatch.setattr(intake, "GROUP", 2)
    handled: list[int] = []
    handle = handling.handle_counted

    def noting(rt: Runtime, row_id: int, attempts: int, now: datetime) -> str:
        handled.append(row_id)
        return handle(rt, row_id, attempts, now)

    monkeypatch.setattr(handling, "handle_counted", noting)
    # SIGTERM arrives while the first message is handled: its group (the first two) is
    # finished and committed, the third is left with its try given back.
    one_pass(config, NOW, stopping=lambda: bool(handled))

    inbound = [m for m in messages(config) if m.direction == "in"]
    assert [(m.status, m.attempts) for m in inbound] == [
        ("done", 1),
        ("done", 1),
        ("received", 0),
    ]


def test_asking_whether_to_stop_never_waits_for_the_group_in_hand(tmp_path: Path) -> None:
    """The worker's stop check renews the inbox's lease, a write on a connection of its own:
    it is asked only between groups, never while one holds SQLite's write lock (where it
    would wait for its own worker until the database said "locked")."""
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    requests(config, GUESTS[:3])
    # Fails fast where the worker's own connections would wait 30 s for the lock.
    engine = sa.create_engine(config.settings.database.url, connect_args={"timeout": 0.5})
    renewals = 0

    def renews_a_lease() -> bool:
        nonlocal renewals
        with engine.begin() as conn:
            conn.execute(sa.update(Message).values(attempts=Message.attempts))
        renewals += 1
        return False

    try:
        last = one_pass(config, NOW, stopping=renews_a_lease)
    finally:
        engine.dispose()

    assert renewals >= 2 and (last.intake.handled, last.outbox.sent) == (3, 3)


def test_a_database_failure_mid_batch_charges_no_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    requests(config, GUESTS[:3])
    handle = handling._handle
    calls = 0

    def database_goes_away(rt: Runtime, session: Session, row_id: int, now: datetime) -> str:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise sa.exc.OperationalError("UPDATE message", {}, Exception("database is locked"))
        return handle(rt, session, row_id, now)

    monkeypatch.setattr(handling, "_handle", database_goes_away)
    with pytest.raises(sa.exc.OperationalError):  # the worker loop backs off on this
        one_pass(config, NOW)

    inbound = [m for m in messages(config) if m.direction == "in"]
    # The first was answered in the commit the failure undid, the second failed with the
    # database and the third was never reached: none has used up a try, and none is lost.
    assert [(m.status, m.attempts) for m in inbound] == [("received", 0)] * 3
    assert not [m for m in messages(config) if m.direction == "out"]

    monkeypatch.setattr(handling, "_handle", handle)
    one_pass(config, NOW)
    assert [(m.status, m.attempts) for m in messages(config) if m.direction == "in"] == [
        ("done", 1)
    ] * 3
    assert sorted(str(m.to_addr) for m in messages(config) if m.direction == "out") == [
        f"{name}@example.org" for name in GUESTS[:3]
    ]


def test_a_group_whose_commit_fails_is_answered_once_later(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite a run of fresh messages is committed together: when that commit fails, none
    of them was handled, none is charged a try, and the next pass answers each guest once."""
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    requests(config, GUESTS[:3])
    together = intake.grouped

    @contextmanager
    def commit_fails(engine: Engine | sa.Connection) -> Iterator[None]:
        with together(engine):
            yield
            raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(intake, "grouped", commit_fails)
    with pytest.raises(sa.exc.OperationalError):
        one_pass(config, NOW)
    assert [(m.status, m.attempts) for m in messages(config)] == [("received", 0)] * 3

    monkeypatch.setattr(intake, "grouped", together)
    last = one_pass(config, NOW)

    assert (last.intake.handled, last.outbox.sent) == (3, 3)
    assert sorted(str(m.to_addr) for m in messages(config) if m.direction == "out") == [
        f"{name}@example.org" for name in GUESTS[:3]
    ]


def test_a_database_failure_while_sending_fails_no_mail_and_sends_none_twice(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", smtp_server.url)
    requests(config)

    with pytest.raises(sa.exc.OperationalError):
        one_pass(config, NOW, sender=ScriptedSmtp(config, marking={2: database_gone}))

    # The first mail's outcome was committed while the second waited on the server; the second
    # never reached DATA and is not blamed for the database: not failed, back once stale.
    rows = outbox_rows(config)
    assert [(r.status, r.attempts) for r in rows] == [
        ("sent", 1),
        ("sending", 1),
        ("pending", 0),
        ("pending", 0),
        ("pending", 0),
    ]
    assert rows[1].data_at is None
    assert recipients(smtp_server) == Counter({"ana@example.org": 1})

    stale = NOW + timedelta(seconds=2 * config.settings.outbox.timeout + 61)
    assert one_pass(config, stale).outbox.sent == 4
    assert recipients(smtp_server) == Counter(f"{name}@example.org" for name in GUESTS)


def maildir_outbox(tmp_path: Path) -> tuple[Config, Path]:
    out = tmp_path / "out"
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{out}")
    requests(config, GUESTS[:3])
    return config, out


def written_to(out: Path) -> Counter[str]:
    """Recipients of the mail delivered into the Maildir outbox ``out``."""
    mails = [parse_message(p.read_bytes(), Limits()) for p in (out / "new").iterdir()]
    return Counter(m.recipients[0] for m in mails)


def stale(config: Config) -> datetime:
    return NOW + timedelta(seconds=2 * config.settings.outbox.timeout + 61)


def test_a_maildir_batch_whose_outcomes_cannot_be_committed_is_found_in_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A Maildir outbox sends a claimed batch in two commits: "about to send" for all, then
    every outcome. When the second fails, the mails delivered are found in the folder once
    stale and recorded sent, none written twice."""
    config, out = maildir_outbox(tmp_path)
    monkeypatch.setattr(staged, "record_all", lambda rt, conn, outcomes: database_gone())
    with pytest.raises(sa.exc.OperationalError):
        one_pass(config, NOW)
    monkeypatch.undo()

    assert [(r.status, r.data_at is not None) for r in outbox_rows(config)] == [
        ("sending", True)
    ] * 3
    assert caplog.text.count("could not be recorded") == 3
    assert written_to(out) == Counter(f"{name}@example.org" for name in GUESTS[:3])

    assert one_pass(config, stale(config)).outbox.sent == 0  # nothing left to write
    assert [r.status for r in outbox_rows(config)] == ["sent"] * 3
    assert written_to(out) == Counter(f"{name}@example.org" for name in GUESTS[:3])


def test_a_maildir_batch_stopped_between_its_renames_sends_each_mail_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after the first rename: the first mail is in new/ and recorded sent on the way
    out, the others are still in tmp/. Once stale, they are written again: one each."""
    config, out = maildir_outbox(tmp_path)
    replace = pickup.os.replace
    renamed = 0

    def dies_after_first(src: Path, dst: Path) -> None:
        nonlocal renamed
        if Path(dst).is_relative_to(out) and renamed:
            raise Crash
        renamed += Path(dst).is_relative_to(out)
        replace(src, dst)

    monkeypatch.setattr(pickup.os, "replace", dies_after_first)
    with pytest.raises(Crash):
        one_pass(config, NOW)
    monkeypatch.undo()
    assert written_to(out) == Counter({"ana@example.org": 1})
    assert len(list((out / "tmp").iterdir())) == 2
    assert [(r.status, r.data_at is not None) for r in outbox_rows(config)] == [
        ("sent", True),
        ("sending", True),
        ("sending", True),
    ]

    assert one_pass(config, stale(config)).outbox.sent == 2
    assert [r.status for r in outbox_rows(config)] == ["sent"] * 3
    assert written_to(out) == Counter(f"{name}@example.org" for name in GUESTS[:3])


def test_a_maildir_batch_whose_marks_cannot_be_committed_delivers_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit marking the batch "about to send" fails: nothing was delivered, the rows are
    given back at once (the database came back) and go out once in the next pass."""
    config, out = maildir_outbox(tmp_path)
    monkeypatch.setattr(staged, "mark_all", lambda conn, row_ids, now: database_gone())
    with pytest.raises(sa.exc.OperationalError):
        one_pass(config, NOW)
    monkeypatch.undo()
    assert [(r.status, r.attempts, r.data_at) for r in outbox_rows(config)] == [
        ("pending", 0, None)
    ] * 3
    assert written_to(out) == Counter()

    assert one_pass(config, NOW).outbox.sent == 3
    assert written_to(out) == Counter(f"{name}@example.org" for name in GUESTS[:3])


def test_a_maildir_batch_stopped_while_written_goes_back_at_once_uncharged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped while the batch's files are written in tmp/ (before any is marked "about to
    send"): nothing went out, so the rows are pending again at once, their tries uncounted."""
    config, out = maildir_outbox(tmp_path)
    stage = pickup.MaildirSender.stage
    staged: list[str] = []

    def interrupted_at_second(sender: pickup.MaildirSender, mail: Outgoing) -> None:
        staged.append(mail.recipient)
        if len(staged) == 2:
            raise KeyboardInterrupt
        stage(sender, mail)

    monkeypatch.setattr(pickup.MaildirSender, "stage", interrupted_at_second)
    with pytest.raises(KeyboardInterrupt):
        one_pass(config, NOW)
    monkeypatch.undo()
    assert [(r.status, r.attempts) for r in outbox_rows(config)] == [("pending", 0)] * 3

    assert one_pass(config, NOW).outbox.sent == 3
    assert written_to(out) == Counter(f"{name}@example.org" for name in GUESTS[:3])


def test_a_mail_the_maildir_refuses_is_retried_and_the_rest_of_its_batch_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config, out = maildir_outbox(tmp_path)
    stage = pickup.MaildirSender.stage

    def full_for_ben(sender: pickup.MaildirSender, mail: Outgoing) -> None:
        if mail.recipient == "ben@example.org":
            raise TransportError("maildir: No space left on device")
        stage(sender, mail)

    monkeypatch.setattr(pickup.MaildirSender, "stage", full_for_ben)
    report = one_pass(config, NOW).outbox
    assert (report.sent, report.retry) == (2, 1)
    assert written_to(out) == Counter({"ana@example.org": 1, "cho@example.org": 1})
    ben = next(r for r in outbox_rows(config) if r.recipient == "ben@example.org")
    assert (ben.status, ben.attempts, ben.data_at) == ("pending", 1, None)
    assert "No space left on device" in ben.last_error

    monkeypatch.undo()
    assert one_pass(config, ben.next_attempt_at).outbox.sent == 1
    assert written_to(out) == Counter(f"{name}@example.org" for name in GUESTS[:3])


def test_a_retry_that_dies_before_data_is_sent_again_not_left_uncertain(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", smtp_server.url)
    requests(config, ["ana"])
    smtp_server.fail_next("452 4.3.1 insufficient storage", at="DATA")

    # The first try reached DATA and was refused: certainly not delivered.
    assert one_pass(config, NOW).outbox.retry == 1
    [row] = outbox_rows(config)
    assert (row.status, row.data_at) == ("pending", None)

    # The retry's process dies before DATA; once stale, the row is sent again, not held.
    monkeypatch.setattr(delivery, "release", lambda *args, **kwargs: None)
    with pytest.raises(Crash):
        one_pass(config, row.next_attempt_at, sender=ScriptedSmtp(config, marking={1: die}))
    monkeypatch.undo()
    stale = row.next_attempt_at + timedelta(seconds=2 * config.settings.outbox.timeout + 61)
    assert one_pass(config, stale).outbox.sent == 1
    assert recipients(smtp_server) == Counter({"ana@example.org": 1})
    assert [r.status for r in outbox_rows(config)] == ["sent"]


def test_an_outcome_that_cannot_be_recorded_blames_no_other_mail(
    tmp_path: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", smtp_server.url)
    requests(config)
    record = outcomes.Outcome.record
    calls: list[int] = []

    def fails_first(outcome: outcomes.Outcome, rt: Runtime, conn: sa.Connection) -> None:
        calls.append(outcome.row_id)
        if len(calls) == 1:
            raise RuntimeError("bug while recording")
        record(outcome, rt, conn)

    # The first mail's outcome is committed while the second waits for MAIL FROM's reply.
    monkeypatch.setattr(outcomes.Outcome, "record", fails_first)
    with pytest.raises(delivery.OutcomeNotCommitted):
        one_pass(config, NOW)
    monkeypatch.undo()

    rows = outbox_rows(config)
    assert [r.status for r in rows] == ["sending", "sending", "pending", "pending", "pending"]
    assert rows[0].data_at is not None and rows[1].data_at is None  # only the first went out
    assert "could not be recorded" in caplog.text and f"row {rows[0].id}" in caplog.text
    assert recipients(smtp_server) == Counter({"ana@example.org": 1})

    # Once stale: the delivered one is uncertain (never resent blindly), the rest go out once.
    stale = NOW + timedelta(seconds=2 * config.settings.outbox.timeout + 61)
    assert one_pass(config, stale).outbox.sent == 4
    assert [r.status for r in outbox_rows(config)] == ["uncertain"] + ["sent"] * 4
    assert recipients(smtp_server) == Counter(f"{name}@example.org" for name in GUESTS)
