"""A guest who goes quiet: nudged at most twice, then the thread expires with one friendly mail;
any reply stops the nudges; a reply after expiry reopens the thread. Time is a parameter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from harness import (
    deliver,
    events,
    guest_mail,
    maildir_config,
    make_config,
    one_pass,
    reply_to,
    sent_mail,
    shown,
    threads,
)

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, 10:00 UTC


def days(n: float) -> datetime:
    return T0 + timedelta(days=n)


def test_two_nudges_then_expiry_then_a_reply_reopens(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail())
    one_pass(config, T0)

    assert one_pass(config, days(2.9)).jobs == 0
    assert one_pass(config, days(3.01)).jobs == 1
    assert one_pass(config, days(7.01)).jobs == 1
    assert one_pass(config, days(10)).jobs == 0
    assert one_pass(config, days(14.01)).jobs == 1
    assert one_pass(config, days(30)).jobs == 0

    kinds = [m["Subject"] for m in sent_mail(tmp_path)]
    assert kinds[1:] == [
        "A reminder: your informational interview with Example Firm",
        "A reminder: your informational interview with Example Firm",
        "Your informational interview request with Example Firm",
    ]
    nudge = sent_mail(tmp_path)[1]
    assert nudge["Auto-Submitted"] == "auto-generated"
    assert "1. Who are you?" in shown(nudge)
    [thread] = threads(config)
    assert thread.state == "expired"

    deliver(config, reply_to(sent_mail(tmp_path)[-1], body="Sorry! 1. Retail manager, 8 years."))
    one_pass(config, days(40))
    [thread] = threads(config)
    assert thread.state == "awaiting_guest"
    assert thread.answers["background"] == "Retail manager, 8 years."


def test_a_reply_cancels_the_pending_nudges(tmp_path: Path) -> None:
    config = maildir_config(tmp_path)
    deliver(config, guest_mail())
    one_pass(config, T0)
    [questionnaire] = sent_mail(tmp_path)

    deliver(config, reply_to(questionnaire, body="Please cancel, I found what I needed."))
    one_pass(config, days(1))
    for n in (3.01, 7.01, 14.01, 30):
        assert one_pass(config, days(n)).jobs == 0

    assert len(sent_mail(tmp_path)) == 2  # the questionnaire and the withdrawal confirmation
    [thread] = threads(config)
    assert thread.state == "withdrawn"


def test_nudges_never_land_in_the_guests_night(tmp_path: Path) -> None:
    config = make_config(
        tmp_path,
        f"maildir:{tmp_path / 'in'}",
        f"maildir:{tmp_path / 'out'}",
        guest={"timezone": "Asia/Tokyo", "quiet_hours": [21, 8]},
    )
    deliver(config, guest_mail())
    asked = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    one_pass(config, asked)

    three_days_later = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)  # 23:30 in Tokyo: quiet
    assert one_pass(config, three_days_later).jobs == 0
    morning = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # 08:00 in Tokyo
    assert one_pass(config, morning).jobs == 1
    [thread] = threads(config)
    assert ("nudge", "reminder 1 of 2") in events(config, thread.id)
