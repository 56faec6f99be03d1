"""The funnel an admin reads (``mailagent stats``) and the weekly digest mail, on a seeded set
of conversations driven through the worker."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from harness import guest_mail
from test_manager_lifecycle import GUEST, SAM, T0, Conversation, at, reply, text_of, to

from mailagent.cli.app import main

ADMIN = "ops@firm.example"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str | None:
    return str(request.getfixturevalue("pg_url")) if request.param == "postgresql" else None


def seeded(tmp_path: Path, database_url: str | None) -> tuple[Conversation, list[str]]:
    """Dana's conversation held and closed, Lee's request still waiting for answers."""
    talk = Conversation(
        tmp_path, database_url, managers={"admins": [ADMIN]}, digest={"stalled_days": 1}
    )
    brief = talk.up_to_the_brief()
    first = talk.step(at(1), reply(brief, "Thursday 3pm works", at(1)))
    talk.step(at(1, 1), guest_mail(sender="Lee Other <lee.other@example.net>"))
    after = talk.step(at(3, 9))  # Thursday 18:00 UTC: the meeting has been held
    thank_you = next(m for m in after if to(m) == GUEST)
    debrief = next(m for m in after if to(m) == SAM)
    talk.step(at(4), reply(thank_you, "Very useful. Your website hides the careers page.", at(4)))
    talk.step(at(4, 1), reply(debrief, "No. Nice chat.", at(4, 1)))
    return talk, [m["Subject"] for m in first]


def test_stats_tell_the_funnel(
    tmp_path: Path, database_url: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    talk, _ = seeded(tmp_path, database_url)
    capsys.readouterr()
    path = str(talk.config.path)
    assert main(["--config", path, "stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    counts = data["counts"]
    assert (counts["requests"], counts["answered"], counts["routed"]) == (2, 1, 1)
    assert (counts["scheduled"], counts["held"], counts["closed"]) == (1, 1, 1)
    assert data["median_days"]["requests -> answered"] == pytest.approx(2 / 24, abs=0.01)
    assert data["managers"]["Sam Lee"] == {
        "asked": 1,
        "accepted": 1,
        "declined": 0,
        "timed_out": 0,
        "held": 1,
    }
    # A period before anything happened is empty.
    until = (T0 - timedelta(days=1)).isoformat()
    assert main(["--config", path, "stats", "--json", "--until", until]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["requests"] == 0
    assert main(["--config", path, "stats"]) == 0
    assert "requests" in capsys.readouterr().out


def test_the_weekly_digest_goes_to_the_admins_once_a_week(
    tmp_path: Path, database_url: str | None
) -> None:
    talk, _ = seeded(tmp_path, database_url)
    # Monday 8:00 UTC a week after the first pass: the digest, once.
    [digest] = talk.step(at(7))
    assert to(digest) == ADMIN and digest["Auto-Submitted"] == "auto-generated"
    assert digest["Subject"] == "Example Firm: informational interviews to 2026-11-30"
    text = text_of(digest)
    assert "requests: 2" in text and "closed: 1" in text
    assert "Sam Lee: asked 1, accepted 1" in text
    assert "Your website hides the careers page." in text  # under web_page
    # Lee's request, unchanged since its nudge on Friday, is listed as stalled.
    assert "awaiting_guest since 2026-11-27" in text
    assert "lee.other@example.net" not in text  # no guest addresses in the digest

    def digests(when: float) -> list[str]:
        return [m["Subject"] for m in talk.step(at(when)) if to(m) == ADMIN]

    assert digests(7.2) == [] and digests(13) == []
    assert digests(14.1) == ["Example Firm: informational interviews to 2026-12-07"]
