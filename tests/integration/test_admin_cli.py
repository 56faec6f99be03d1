"""Admins fix things from the command line: quarantined mail, failed mail, broken templates."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness import (
    REPO,
    guest_mail,
    make_config,
    messages,
    one_pass,
    outbox_rows,
    session_for,
    threads,
)
from servers import SmtpServer
from sqlmodel import select

from mailagent.cli.app import main
from mailagent.config.settings import Config
from mailagent.core.mime import Limits
from mailagent.core.parse import Inbound
from mailagent.service import admin, handling
from mailagent.store.tables import Job, Suppression
from mailagent.store.threads import thread_events
from mailagent.transports.opening import open_inbox


def cli(config: Config, *args: str) -> int:
    return main(["--config", str(config.path), "--log-level", "ERROR", *args])


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    return str(request.getfixturevalue("pg_url")) if request.param == "postgresql" else None


def test_a_quarantined_message_is_listed_shown_retried_and_dropped(
    tmp_path: Path,
    database_url: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = make_config(
        tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}", database_url
    )
    inbox = open_inbox(config.settings.inbox)
    inbox.append(guest_mail(sender="Ana <ana@example.org>", message_id="<ana-1@example.org>"))
    inbox.append(guest_mail(sender="Ben <ben@example.org>", message_id="<ben-1@example.org>"))

    def broken(raw: bytes, limits: Limits) -> Inbound:
        raise RuntimeError("parser bug")

    with monkeypatch.context() as patch:
        patch.setattr(handling, "parse_message", broken)
        for _ in range(3):
            one_pass(config)
    capsys.readouterr()

    assert cli(config, "quarantine", "list") == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and "parser bug" in listing[0]
    first, second = (int(line.split()[0]) for line in listing)
    assert cli(config, "quarantine", "show", str(first)) == 0
    shown = capsys.readouterr().out
    assert "status quarantined  attempts 3" in shown and "Message-ID: <ana-1@example.org>" in shown

    # The parser is fixed: the admin hands Ana's mail back; Ben's is dropped.
    assert cli(config, "quarantine", "retry", str(first)) == 0
    assert cli(config, "quarantine", "drop", str(second)) == 0
    one_pass(config)

    assert [t.guest_email for t in threads(config)] == ["ana@example.org"]
    assert {m.id: m.status for m in messages(config) if m.direction == "in"} == {
        first: "done",
        second: "dropped",
    }
    capsys.readouterr()
    assert cli(config, "quarantine", "retry", "999") == 1
    assert capsys.readouterr().err.strip() == "mailagent: error: no quarantined message 999"


def test_failed_mail_is_listed_and_retried_or_cancelled(
    tmp_path: Path, smtp_server: SmtpServer, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", smtp_server.url)
    inbox = open_inbox(config.settings.inbox)
    inbox.append(guest_mail(sender="Ana <ana@example.org>"))
    inbox.append(guest_mail(sender="Ben <ben@example.org>"))
    smtp_server.fail_next("554 5.7.1 policy says no", at="DATA", times=2)
    one_pass(config)
    assert [r.status for r in outbox_rows(config)] == ["failed", "failed"]
    capsys.readouterr()

    assert cli(config, "outbox", "list", "--status", "failed") == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and all("554" in line for line in listing)
    ana, ben = (r.id for r in outbox_rows(config))
    assert cli(config, "outbox", "retry", str(ana)) == 0
    assert cli(config, "outbox", "cancel", str(ben)) == 0
    one_pass(config)

    assert [r.status for r in outbox_rows(config)] == ["sent", "cancelled"]
    assert [r.rcpt_tos for r in smtp_server.wait_for(1)] == [["ana@example.org"]]
    ana_thread = threads(config)[0]
    with session_for(config) as session:
        [retry] = [e for e in thread_events(session, ana_thread.id) if e.what == "outbox_retry"]
        assert retry.detail == "questionnaire to be sent again"
        assert retry.actor == admin.actor()  # who did it, and when, is on the thread
    capsys.readouterr()
    assert cli(config, "outbox", "cancel", str(ana)) == 1  # sent mail cannot be cancelled
    assert "is sent; allowed: pending, failed, uncertain" in capsys.readouterr().err


def test_templates_lint_names_the_broken_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    (templates / "de" / "reask.txt.j2").write_text(
        "Subject: Hallo\n\nZeile zwei\n{{ guest.nam.first }}\n", encoding="utf-8"
    )
    long = "Subject: " + "x" * 90 + "\n\nbody\n"
    (templates / "en" / "expired.txt.j2").write_text(long, encoding="utf-8")
    config = make_config(
        tmp_path,
        f"maildir:{tmp_path / 'in'}",
        f"maildir:{tmp_path / 'out'}",
        templates={"dir": str(templates)},
    )

    assert cli(config, "templates", "lint") == 1
    out = capsys.readouterr().out
    assert "de/reask: templates/de/reask.txt.j2:4:" in out
    assert "en/expired: subject is 90 characters (max 78)" in out
    shipped = len(list((REPO / "templates").glob("*/*.txt.j2")))
    assert f"{shipped} templates checked, 2 problem(s)" in out


def test_templates_preview_shows_subject_text_and_html(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    assert cli(config, "templates", "preview", "questionnaire", "--lang", "de") == 0
    out = capsys.readouterr().out
    assert out.startswith("From: Example Firm informational interviews <interviews@firm.example>\n")
    assert "\nSubject: Re: Informational interview about logistics?\n" in out
    assert "kein Vorstellungsgespräch" in out and "--- HTML ---" in out


def test_templates_preview_with_a_real_thread(
    tmp_path: Path, database_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(
        tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}", database_url
    )
    inbox = open_inbox(config.settings.inbox)
    inbox.append(guest_mail(sender="Noor Haddad <noor@example.org>"))
    one_pass(config)
    [thread] = threads(config)
    capsys.readouterr()

    assert cli(config, "templates", "preview", "nudge_guest", "--thread", str(thread.id)) == 0
    out = capsys.readouterr().out
    assert "To: noor@example.org\n" in out and "Dear Noor Haddad," in out
    assert "1. Who are you?" in out  # her missing questions, not sample data
    assert cli(config, "templates", "preview", "brief_manager", "--thread", str(thread.id)) == 0
    assert "To: (no manager yet)" in capsys.readouterr().out
    assert cli(config, "templates", "preview", "digest", "--thread", str(thread.id)) == 1
    assert cli(config, "templates", "preview", "nudge_guest", "--thread", "999") == 1
    assert "no thread 999" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("source", "problem", "broken"),
    [
        pytest.param("Subject: Hi\n\n{% if %}\n", "reask.txt.j2:3", True, id="syntax error"),
        pytest.param("Subject: Hi\n\n{{ nobody.name }}\n", "reask.txt.j2", True, id="undefined"),
        pytest.param("Hello\n\nbody\n", "first line must be 'Subject: ...'", True, id="no subject"),
        pytest.param("Subject: \n\nbody\n", "the subject is empty", True, id="empty subject"),
        # Too long is a lint finding; the mail would still go out (the header is folded).
        pytest.param(
            "Subject: " + "y" * 80 + "\n\nbody\n", "subject is 80 characters", False, id="long"
        ),
    ],
)
def test_templates_lint_catches_each_kind_of_broken_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, problem: str, broken: bool
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    (templates / "en" / "reask.txt.j2").write_text(source, encoding="utf-8")
    config = make_config(
        tmp_path,
        f"maildir:{tmp_path / 'in'}",
        f"maildir:{tmp_path / 'out'}",
        templates={"dir": str(templates)},
    )
    assert cli(config, "templates", "lint") == 1
    out = capsys.readouterr().out
    assert "1 problem(s)" in out and problem in out
    # Start-up refuses a broken template too, naming the file.
    assert cli(config, "run", "--once") == (1 if broken else 0)
    assert ("reask.txt.j2" in capsys.readouterr().err) is broken


def test_threads_jobs_and_status_from_the_command_line(
    tmp_path: Path, database_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(
        tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}", database_url
    )
    inbox = open_inbox(config.settings.inbox)
    inbox.append(guest_mail(sender="Ana Lima <ana@example.org>"))
    inbox.append(guest_mail(sender="Ben Ode <ben@example.org>"))
    assert cli(config, "run", "--once", "--now", "2026-11-23T10:00:00+00:00") == 0
    capsys.readouterr()

    assert cli(config, "threads", "list", "--guest", "LIMA") == 0
    listed = capsys.readouterr().out
    assert "ana@example.org" in listed and "ben@example.org" not in listed
    assert cli(config, "threads", "list", "--since", "2026-11-24T00:00:00+00:00") == 0
    assert capsys.readouterr().out.strip() == "no threads"

    assert cli(config, "jobs", "list", "--status", "pending") == 0
    jobs = capsys.readouterr().out.splitlines()
    assert len(jobs) == 6  # two nudges and an expiry for each guest
    assert "nudge_guest" in jobs[0] and "due 2026-11-26 10:00 UTC" in jobs[0]

    ana, ben = (t.id for t in threads(config))
    assert cli(config, "threads", "note", str(ana), "called her back by phone") == 0
    assert cli(config, "threads", "close", str(ana)) == 0
    first_of_ben = next(int(line.split()[0]) for line in jobs if f"thread {ben} " in line)
    assert cli(config, "jobs", "cancel", str(first_of_ben)) == 0
    capsys.readouterr()

    assert [t.state for t in threads(config)] == ["closed", "awaiting_guest"]
    with session_for(config) as session:
        pending = [j for j in admin.jobs(session, "pending")]
        assert sorted(j.thread_id for j in pending) == [ben, ben]
        what = [e.what for e in thread_events(session, ana)]
        assert what[-2:] == ["note", "closed"]

    assert cli(config, "status", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["jobs_pending"] == 2 and data["outbox"]["pending"] == 0
    assert data["last_send"].startswith("2026-11-23T10:00:00") and data["paused"] is None


def test_all_quarantined_mail_is_handled_again_at_once(
    tmp_path: Path,
    database_url: str | None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = make_config(
        tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}", database_url
    )
    inbox = open_inbox(config.settings.inbox)
    for name in ("ana", "ben", "cy"):
        inbox.append(guest_mail(sender=f"{name} <{name}@example.org>"))

    def broken(raw: bytes, limits: Limits) -> Inbound:
        raise RuntimeError("parser bug")

    with monkeypatch.context() as patch:
        patch.setattr(handling, "parse_message", broken)
        for _ in range(3):
            one_pass(config)
    assert [m.status for m in messages(config)] == ["quarantined"] * 3
    capsys.readouterr()

    assert cli(config, "quarantine", "retry", "--all") == 0
    assert "3 quarantined message(s) handled again: 3 done" in capsys.readouterr().out
    assert sorted(t.guest_email for t in threads(config)) == [
        "ana@example.org",
        "ben@example.org",
        "cy@example.org",
    ]
    one_pass(config)  # the worker sends what the re-processing queued
    assert [r.status for r in outbox_rows(config)] == ["sent"] * 3
    assert cli(config, "quarantine", "retry") == 1
    assert "give a message id, or --all" in capsys.readouterr().err


def test_threads_merge_and_list_by_manager(
    tmp_path: Path, database_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(
        tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}", database_url
    )
    inbox = open_inbox(config.settings.inbox)
    inbox.append(guest_mail(sender="Dana <dana@example.org>", body="1. Retail manager, 8 years."))
    inbox.append(guest_mail(sender="Dana R <dana.r@example.net>", body="Hello, a chat?"))
    one_pass(config)
    first, second = threads(config)
    with session_for(config) as session:
        row = session.get(type(first), first.id)
        assert row is not None
        row.manager_name, row.manager_email = "Sam Lee", "sam.lee@firm.example"

    capsys.readouterr()
    assert cli(config, "threads", "list", "--manager", "sam", "--json") == 0
    assert [t["id"] for t in json.loads(capsys.readouterr().out)] == [first.id]

    assert cli(config, "threads", "merge", str(first.id), str(second.id)) == 0
    assert f"thread {second.id} merged into thread {first.id}" in capsys.readouterr().out
    kept, merged = threads(config)
    assert merged.state == "closed" and kept.state == "awaiting_guest"
    assert {m.thread_id for m in messages(config)} == {first.id}
    with session_for(config) as session:
        kept_events = [(e.what, e.actor) for e in thread_events(session, first.id)]
        assert ("merged", admin.actor()) in kept_events
        assert [e.what for e in thread_events(session, second.id)] == ["merged"]
        pending = session.exec(
            select(Job).where(Job.thread_id == second.id, Job.status == "pending")
        ).all()
        assert pending == []
    assert cli(config, "threads", "merge", str(first.id), str(first.id)) == 1
    assert "cannot be merged into itself" in capsys.readouterr().err


def test_a_suppressed_address_is_listed_and_lifted(
    tmp_path: Path, database_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(
        tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}", database_url
    )
    one_pass(config)  # creates the database
    with session_for(config) as session:
        # Given: an earlier permanent bounce stopped all mail to Ana.
        session.add(
            Suppression(
                address="ana@example.org",
                reason="550 5.1.1 mailbox unavailable",
                status="5.1.1",
                at=datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
            )
        )
    open_inbox(config.settings.inbox).append(guest_mail(sender="Ana <ana@example.org>"))
    one_pass(config)
    assert outbox_rows(config) == []  # nothing goes to a suppressed address
    capsys.readouterr()

    assert cli(config, "suppressions", "list") == 0
    assert "ana@example.org  5.1.1  550 5.1.1 mailbox unavailable" in capsys.readouterr().out
    assert cli(config, "suppressions", "remove", "Ana@Example.org") == 0
    assert cli(config, "suppressions", "list") == 0
    assert "no suppressed addresses" in capsys.readouterr().out
    assert cli(config, "suppressions", "remove", "ana@example.org") == 1

    # Her thread's first nudge now reaches her.
    one_pass(config, datetime.now(UTC) + timedelta(days=4))
    assert [(r.kind, r.recipient) for r in outbox_rows(config)] == [
        ("nudge_guest", "ana@example.org")
    ]
