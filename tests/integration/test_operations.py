"""Operating mailagent: a dry run shows what a pass would send and changes nothing; logs come
as plain lines or as JSON objects naming the message and thread. Through the real entry point,
on the Maildir default (SQLite) and on PostgreSQL."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from harness import REPO, deliver, guest_mail, make_config, sent_mail, threads

from mailagent.cli.app import main
from mailagent.config.settings import Config


@pytest.fixture(params=["sqlite", "postgresql"])
def config(request: pytest.FixtureRequest, tmp_path: Path) -> Config:
    url = None
    if request.param == "postgresql":
        url = str(request.getfixturevalue("pg_url"))
    return make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}", url)


def cli(config: Config, *args: str) -> int:
    return main(["--config", str(config.path), *args])


def test_a_dry_run_logs_the_mail_it_would_send_and_changes_nothing(
    config: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deliver(config, guest_mail(message_id="<dry-1@mail.example.org>"))
    # A dry run changes nothing, not even the schema of a new database.
    assert cli(config, "run", "--once", "--dry-run") == 1
    assert cli(config, "db", "upgrade") == 0

    with caplog.at_level(logging.INFO, logger="mailagent"):
        assert cli(config, "run", "--once", "--dry-run") == 0
    would = [r.getMessage() for r in caplog.records if "dry run: would send" in r.getMessage()]
    assert len(would) == 1
    assert "to dana.ruiz@example.org: Re: Informational interview about logistics?" in would[0]
    assert "What could we learn from you in return?" in would[0]  # the rendered body
    # Nothing happened: no thread, nothing sent, the mail still waits in the inbox.
    assert threads(config) == [] and sent_mail(tmp_path) == []
    assert len(list((tmp_path / "in" / "new").iterdir())) == 1

    assert cli(config, "run", "--once") == 0
    [questionnaire] = sent_mail(tmp_path)
    assert questionnaire["In-Reply-To"] == "<dry-1@mail.example.org>"
    assert [t.state for t in threads(config)] == ["awaiting_guest"]


def test_dry_run_needs_once(config: Config, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli(config, "run", "--dry-run")
    assert "--dry-run only makes sense with --once" in capsys.readouterr().err


def test_json_logs_name_the_message_and_the_thread(config: Config) -> None:
    deliver(config, guest_mail(message_id="<json-1@mail.example.org>"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "mailagent", "--config", str(config.path)]
    done = subprocess.run(
        [*command, "--log-format", "json", "run", "--once"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert lines, done.stderr
    for entry in lines:
        assert {"at", "level", "logger", "message"} <= set(entry)
    handled = next(e for e in lines if e.get("message_id") == "json-1@mail.example.org")
    assert handled["level"] == "INFO" and handled["logger"] == "mailagent.intake"
    assert handled["thread"] == threads(config)[0].id


def test_status_says_unhealthy_when_the_inbox_was_not_read(
    config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    # Never read yet: unhealthy.
    assert cli(config, "status", "--max-age", "600") == 2
    assert "UNHEALTHY" in capsys.readouterr().out
    assert cli(config, "run", "--once") == 0
    capsys.readouterr()
    assert cli(config, "status", "--json", "--max-age", "600") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["healthy"] is True and data["last_fetch"] is not None
    assert cli(config, "status") == 0  # without --max-age it only reports
