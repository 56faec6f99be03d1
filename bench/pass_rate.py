"""Pass rate on the embedded default: N requests waiting in a Maildir inbox, worker passes (what
``mailagent run --once`` runs, without the process start) until every one is answered, against a
floor measured in the same run on the same files: the stdlib parsing each of them
(``email.message_from_bytes`` with ``policy.default``, its From and its text body).

    .venv/bin/python bench/pass_rate.py [N] [--existing K] [--postgres]

``--existing K`` measures the same passes a second time over a database already holding K
answered threads (each with a sent questionnaire): the cost of a pass must not grow with the
database (goal: ratio <= 1.3). ``--postgres`` runs on a fresh PostgreSQL database at
127.0.0.1:5432 instead of SQLite. Goal: the floor's rate is at most 4x mailagent's. Each
figure is printed as wall time and, less disturbed by other work on a shared machine, as this
process's CPU time.

The timed passes start after one warm-up request has been answered, as a long-running worker
is after its first mail (Lingua loads its language models, about 0.4 s, when a process first
reads a guest's words; compiling the mail's templates is another first-mail cost). A second
floor, "durable", adds to the parse the durable steps mailagent takes, in the same run and on
the same disk, with nothing else: for every 20 mails, three SQLite commits with
``synchronous=FULL`` in WAL mode (the mails stored; "about to send"; "sent"), and for each
mail one reply file written and fsynced in ``tmp/`` and renamed into ``new/``.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(REPO / "bench"))

from harness import guest_mail, make_config  # noqa: E402
from scheduler import seed  # noqa: E402
from servers import create_database, drop_database  # noqa: E402

from mailagent.service.runtime import Runtime, opened  # noqa: E402
from mailagent.service.worker import run_once  # noqa: E402
from mailagent.transports.inbox import Inbox  # noqa: E402
from mailagent.transports.opening import open_inbox  # noqa: E402

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
# Mails a durable step takes at a time, as mailagent does on SQLite with a Maildir outbox (a
# group of fresh messages handled in one commit, a claimed batch sent in two).
BATCH = 20


def requests(n: int) -> list[bytes]:
    # Addresses no seeded thread has (those are guest<i>@example.org).
    return [guest_mail(sender=f"New Guest {i} <new{i}@example.net>") for i in range(n)]


class Took(NamedTuple):
    """Seconds of wall time and of this process's CPU time (which counts neither fsync waits
    nor the time other tenants of a shared machine take, so it varies less between runs)."""

    wall: float
    cpu: float


class Clock:
    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def took(self) -> Took:
        return Took(time.perf_counter() - self.wall, time.process_time() - self.cpu)


def floor(folder: Path) -> Took:
    """The time the stdlib takes to parse every file waiting in ``folder``'s Maildir."""
    paths = sorted((folder / "new").iterdir())
    clock = Clock()
    for path in paths:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(("plain",))
        assert msg["From"] and body is not None and body.get_content()
    return clock.took()


def durable_floor(folder: Path) -> Took:
    """The time the stdlib takes to parse every file waiting in ``folder``'s Maildir, with the
    durable steps of answering them, in batches of BATCH as mailagent takes them."""
    paths = sorted((folder / "new").iterdir())
    out = folder / "floor-out"
    for sub in ("tmp", "new"):
        (out / sub).mkdir(parents=True)
    db = sqlite3.connect(folder / "floor.db", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("CREATE TABLE mail (id INTEGER PRIMARY KEY, raw BLOB, status TEXT)")

    def commit(sql: str, params: list[tuple[object, ...]]) -> None:
        db.execute("BEGIN IMMEDIATE")
        db.executemany(sql, params)
        db.execute("COMMIT")

    clock = Clock()
    for start in range(0, len(paths), BATCH):
        batch = list(enumerate(paths[start : start + BATCH], start))
        stored = []
        for i, path in batch:
            raw = path.read_bytes()
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            body = msg.get_body(("plain",))
            assert msg["From"] and body is not None and body.get_content()
            stored.append((i, raw))
        commit("INSERT INTO mail (id, raw, status) VALUES (?, ?, 'stored')", stored)
        for i, raw in stored:
            with open(out / "tmp" / f"{i}.eml", "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
        commit("UPDATE mail SET status = 'sending' WHERE id = ?", [(i,) for i, _ in stored])
        for i, _ in stored:
            os.replace(out / "tmp" / f"{i}.eml", out / "new" / f"{i}.eml")
        commit("UPDATE mail SET status = 'sent' WHERE id = ?", [(i,) for i, _ in stored])
    took = clock.took()
    db.close()
    return took


def passes(folder: Path, mails: list[bytes], existing: int, database_url: str | None) -> Took:
    """The time of worker passes until every request in ``mails`` is answered."""

    def deliver(inbox: Inbox) -> int:
        for raw in mails:
            inbox.append(raw)
        return len(mails)

    return answer_all(folder, deliver, existing, database_url)


def answer_all(
    folder: Path, deliver: Callable[[Inbox], int], existing: int, database_url: str | None
) -> Took:
    """The time of worker passes until every request that ``deliver`` puts into the Maildir
    inbox under ``folder`` (after the warm-up; it returns how many) is answered."""
    config = make_config(
        folder,
        f"maildir:{folder / 'in'}",
        f"maildir:{folder / 'out'}",
        database_url,
        limits={"global_per_minute": 100_000},  # measure the passes, not the breaker
    )
    inbox = open_inbox(config.settings.inbox)
    with opened(config) as rt:  # migrations run here, outside the timed passes
        if existing:
            seed(rt.engine, existing, 0)
        warm_up(rt)
        count = deliver(inbox)
        sent, rounds = 0, 0
        clock = Clock()
        while sent < count:
            report = run_once(rt, inbox, NOW)
            sent += report.outbox.sent
            rounds += 1
            assert rounds <= count, report  # every pass must make progress
        took = clock.took()
        rt.engine.dispose()
    return took


def warm_up(rt: Runtime) -> None:
    """Answer one request, untimed: the process's first-mail costs are paid once."""
    inbox = open_inbox(rt.config.settings.inbox)
    inbox.append(guest_mail(sender="Warm Up <warm.up@example.net>"))
    for _ in range(3):
        if run_once(rt, inbox, NOW).outbox.sent:
            return
    raise AssertionError("the warm-up request was not answered in three passes")


def measure(n: int, existing: int, postgres: bool) -> tuple[Took, Took, Took]:
    """(floor, durable floor, mailagent) for ``n`` requests over ``existing`` threads."""
    mails = requests(n)
    name, url = create_database() if postgres else ("", None)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            ours = passes(folder, mails, existing, url)
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            settings = make_config(folder, f"maildir:{folder / 'in'}", "maildir:out").settings
            inbox = open_inbox(settings.inbox)
            for raw in mails:
                inbox.append(raw)
            base = floor(folder / "in")
            durable = durable_floor(folder / "in")
    finally:
        if name:
            drop_database(name)
    return base, durable, ours


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=500)
    parser.add_argument("--existing", type=int, default=0)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    where = "PostgreSQL" if args.postgres else "SQLite"
    base, durable, ours = measure(args.n, 0, args.postgres)
    n = args.n
    print(f"{n} requests, Maildir + {where}")
    print(f"floor (stdlib parse of the same files): {n / base.wall:8,.0f} msg/s")
    print(f"durable floor (parse, commits, file):   {n / durable.wall:8,.0f} msg/s")
    print(f"mailagent passes until all answered:    {n / ours.wall:8,.0f} msg/s")
    print(f"ratio floor/mailagent:                  {ours.wall / base.wall:8.2f} (goal <= 4)")
    print(f"ratio durable floor/mailagent:          {ours.wall / durable.wall:8.2f}")
    print(
        f"CPU time a mail: floor {base.cpu / n * 1000:.2f} ms, mailagent"
        f" {ours.cpu / n * 1000:.2f} ms, ratio {ours.cpu / base.cpu:.2f}"
    )
    if args.existing:
        _, _, grown = measure(n, args.existing, args.postgres)
        print(f"the same over {args.existing:,} existing threads:  {n / grown.wall:8,.0f} msg/s")
        print(
            f"ratio grown/empty pass time:            {grown.wall / ours.wall:8.2f} (goal <= 1.3)"
        )
        print(f"ratio grown/empty CPU time:             {grown.cpu / ours.cpu:8.2f}")


if __name__ == "__main__":
    main()
