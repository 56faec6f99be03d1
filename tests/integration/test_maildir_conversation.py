"""The same first conversation on the local transports (Maildir in and out), driven through the
CLI exactly as a person following the README would, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import REPO, make_config, parse, reply_to

from mailagent.cli.app import main

EXAMPLES = REPO / "examples"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mailagent.db'}"
    return str(request.getfixturevalue("pg_url"))


def cli(config_path: Path, *args: str) -> int:
    return main(["--config", str(config_path), "--log-level", "WARNING", *args])


def outbox_files(folder: Path) -> list[Path]:
    return sorted((folder / "new").glob("*"))


def test_inject_run_and_reply_on_maildir(
    tmp_path: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    config = make_config(tmp_path, f"maildir:{inbox}", f"maildir:{outbox}", database_url)

    examples = ["request.eml", "request-html.eml", "vacation-auto-reply.eml", "mailing-list.eml"]
    assert cli(config.path, "inject", *(str(EXAMPLES / name) for name in examples)) == 0
    assert cli(config.path, "run", "--once") == 0

    answers = [parse(p.read_bytes()) for p in outbox_files(outbox)]
    assert sorted(m["To"].addresses[0].addr_spec for m in answers) == [
        "dana.ruiz@example.org",
        "sam.okafor@example.net",
    ]
    sam = next(m for m in answers if "sam" in str(m["To"]))
    # Specials such as the comma are dropped from names we write (no quoting, no folding trap).
    assert sam["To"].addresses[0].display_name == "Okafor Sam"
    assert sam["Subject"] == "Re: Gespräch über Ihre Arbeit?"
    capsys.readouterr()
    assert cli(config.path, "threads", "list", "--json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert sorted((t["guest"]["email"], t["state"]) for t in listed) == [
        ("dana.ruiz@example.org", "awaiting_guest"),
        ("sam.okafor@example.net", "awaiting_guest"),
    ]
    assert {"learn_goals", "availability"} <= set(listed[0]["missing"])
    # Handled mail left new/ for cur/: nothing is deleted, nothing is read twice.
    assert not list((inbox / "new").iterdir()) and len(list((inbox / "cur").iterdir())) == 4

    dana = next(m for m in answers if "dana" in str(m["To"]))
    reply = tmp_path / "reply.eml"
    reply.write_bytes(
        reply_to(dana, body="I have worked in retail for years. I want to learn about routing.")
    )
    assert cli(config.path, "inject", str(reply)) == 0
    assert cli(config.path, "run", "--once") == 0

    # Two of five answers: one re-ask, naming the three still missing.
    assert len(outbox_files(outbox)) == 3
    thread_id = next(t["id"] for t in listed if t["guest"]["email"] == "dana.ruiz@example.org")
    capsys.readouterr()
    assert cli(config.path, "threads", "show", str(thread_id), "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(m["direction"], m["kind"]) for m in shown["messages"]] == [
        ("in", "request"),
        ("out", "questionnaire"),
        ("in", "reply"),
        ("out", "reask"),
    ]
    assert shown["messages"][1]["delivery"] == "sent"
    assert shown["messages"][1]["message_id"] == dana["Message-ID"]
    assert [e["what"] for e in shown["events"]] == [
        "request",
        "questionnaire",
        "guest_reply",
        "answers",
        "reask",
    ]
    assert shown["answers"] == {
        "background": "I have worked in retail for years.",
        "learn_goals": "I want to learn about routing.",
    }
    assert shown["missing"] == ["questions_for_us", "give_back", "availability"]
    assert len(listed) == 2  # still two threads


def test_threads_show_in_text_and_unknown_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = make_config(tmp_path, f"maildir:{tmp_path / 'in'}", f"maildir:{tmp_path / 'out'}")
    assert cli(config.path, "inject", str(EXAMPLES / "request.eml")) == 0
    assert cli(config.path, "run", "--once", "--now", "2026-11-25T10:00:00+00:00") == 0
    capsys.readouterr()

    assert cli(config.path, "threads", "show", "1") == 0
    text = capsys.readouterr().out
    assert "state awaiting_guest" in text
    assert "2026-11-25T10:00:00 -> questionnaire" in text

    assert cli(config.path, "threads", "show", "99") == 1
    assert capsys.readouterr().err.strip() == "mailagent: error: no thread 99"
