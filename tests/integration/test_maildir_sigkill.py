"""The embedded default under SIGKILL: `mailagent run` on a Maildir inbox and a Maildir outbox
is killed again and again while it answers 300 requests. A Maildir outbox marks a batch "about
to send", renames its files into ``new/`` and only then commits their "sent", so a kill can leave
a written mail's row ``sending``; once stale it must be found in the folder, or, still in
``tmp/``, written again.
Every guest gets exactly one mail and no row is left ``uncertain``."""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from harness import (
    deliver,
    guest_mail,
    maildir_config,
    messages,
    one_pass,
    outbox_rows,
    parse,
    spawn_worker,
)

from mailagent.transports import pickup

REQUESTS = 300
KILLS = 8


def written(folder: Path) -> Counter[str]:
    """How many mails each recipient has in the outbox folder (by its To header)."""
    new = folder / "out" / "new"
    counts: Counter[str] = Counter()
    for path in new.iterdir() if new.exists() else ():
        counts[parse(path.read_bytes())["To"].addresses[0].addr_spec] += 1
    return counts


def test_a_worker_killed_while_answering_sends_each_guest_one_mail(tmp_path: Path) -> None:
    config = maildir_config(
        tmp_path,
        outbox={"timeout": 1},  # a killed worker's rows are looked at after about a minute
        limits={"global_per_minute": 100_000},
        worker={"jobs_every_seconds": 1},
    )
    guests = [f"guest{n}@example.org" for n in range(REQUESTS)]
    deliver(config, *(guest_mail(sender=f"Guest {n} <{g}>") for n, g in enumerate(guests)))
    chance = random.Random(7)
    logs = tmp_path / "logs"
    logs.mkdir()
    out = tmp_path / "out" / "new"
    kills = 0
    for kill in range(KILLS):
        before = len(list(out.iterdir())) if out.exists() else 0
        if before >= REQUESTS:
            break
        worker = spawn_worker(config, {}, logs / f"worker{kill}.log")
        # Killed while it writes mail: once a new file is there, within the next 0.2 s.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and worker.poll() is None:
            if out.exists() and len(list(out.iterdir())) > before:
                break
            time.sleep(0.01)
        time.sleep(chance.uniform(0, 0.2))
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        kills += 1
    assert kills >= KILLS // 2  # most of the work went on under kills

    last = spawn_worker(config, {}, logs / "last.log")
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            rows = outbox_rows(config)
            if len(rows) == REQUESTS and {r.status for r in rows} == {"sent"}:
                break
            time.sleep(1)
        time.sleep(1)  # anything written twice would be there now
    finally:
        last.send_signal(signal.SIGTERM)
        last.wait(timeout=30)

    assert Counter(r.status for r in outbox_rows(config)) == {"sent": REQUESTS}
    per_guest = written(tmp_path)
    assert [g for g, n in per_guest.items() if n > 1] == []
    assert set(per_guest) == set(guests)
    inbound = [m for m in messages(config) if m.direction == "in"]
    assert Counter(m.status for m in inbound) == {"done": REQUESTS}


class Crash(BaseException):
    """Stands in for the process dying at this point (nothing after it runs)."""


def test_a_mail_killed_before_its_rename_is_written_again_not_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed after "about to send" was committed but before the rename into new/: the file
    still in tmp/ shows the mail never went out, so once stale it is sent, not left
    ``uncertain`` for an admin."""
    now = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)
    config = maildir_config(tmp_path)
    deliver(config, guest_mail(sender="Ana <ana@example.org>"))

    replace = pickup.os.replace
    outbox = tmp_path / "out"

    def dies_delivering(src: Path, dst: Path) -> None:
        if Path(dst).is_relative_to(outbox):
            raise Crash
        replace(src, dst)

    monkeypatch.setattr(pickup.os, "replace", dies_delivering)
    with pytest.raises(Crash):
        one_pass(config, now)
    monkeypatch.undo()
    [row] = outbox_rows(config)
    assert (row.status, row.data_at is not None) == ("sending", True)
    assert list((tmp_path / "out" / "new").iterdir()) == []

    stale = now + timedelta(seconds=2 * config.settings.outbox.timeout + 61)
    assert one_pass(config, stale).outbox.sent == 1
    assert [r.status for r in outbox_rows(config)] == ["sent"]
    assert written(tmp_path) == Counter({"ana@example.org": 1})
