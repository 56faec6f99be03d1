"""A message that cannot be handled never blocks the ones behind it: it is retried, then
quarantined (raw bytes kept, moved aside on the server, logged with its Message-ID)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from harness import guest_mail, make_config, messages, one_pass, threads

from mailagent.core.mime import Limits
from mailagent.core.parse import Inbound, parse_message
from mailagent.service import handling
from mailagent.transports.opening import open_inbox


def test_a_failing_message_is_quarantined_after_three_tries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    config = make_config(tmp_path, f"maildir:{inbox}", f"maildir:{outbox}")

    def fragile(raw: bytes, limits: Limits) -> Inbound:
        if b"POISON" in raw:
            raise RuntimeError("parser bug")
        return parse_message(raw, limits)

    monkeypatch.setattr(handling, "parse_message", fragile)
    box = open_inbox(config.settings.inbox)
    box.append(guest_mail(sender="Ana <ana@example.org>", body="POISON", message_id="<p@x.org>"))
    box.append(guest_mail(sender="Ben <ben@example.org>"))

    first = one_pass(config)
    assert first.outbox.sent == 1  # Ben is answered although Ana's mail failed before it
    assert [t.guest_email for t in threads(config)] == ["ben@example.org"]
    one_pass(config)
    with caplog.at_level(logging.ERROR, logger="mailagent.intake"):
        third = one_pass(config)

    assert third.intake.quarantined == 1
    poisoned = messages(config)[0]
    assert (poisoned.status, poisoned.attempts) == ("quarantined", 3)
    assert b"POISON" in poisoned.raw and "parser bug" in poisoned.last_error
    assert any("quarantined" in r.getMessage() for r in caplog.records)
    assert len(list((inbox / ".Quarantine" / "cur").iterdir())) == 1
    assert one_pass(config).intake.handled == 0  # and it stays out of the way


def test_mail_over_the_size_cap_is_quarantined_unread(tmp_path: Path) -> None:
    inbox, outbox = tmp_path / "in", tmp_path / "out"
    config = make_config(
        tmp_path, f"maildir:{inbox}", f"maildir:{outbox}", inbox={"max_message_bytes": 20_000}
    )
    open_inbox(config.settings.inbox).append(guest_mail(body="x" * 30_000))

    report = one_pass(config)

    assert report.outbox.sent == 0
    [row] = messages(config)
    assert row.status == "quarantined" and row.raw == b"" and row.size > 30_000
    assert "over the size cap" in row.last_error
