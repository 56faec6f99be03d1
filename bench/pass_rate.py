"""Pass rate on the embedded default: N requests waiting in a Maildir inbox, worker passes (what
``mailagent run --once`` runs, without the process start) until every one is answered, against a
floor measured in the same run on the same files: the stdlib parsing each of them
(``email.message_from_bytes`` with ``policy.default``, its From and its text body).

    .venv/bin/python bench/pass_rate.py [N] [--existing K] [--postgres]

``--existing K`` measures the same passes a second time over a database already holding K
answered threads (each with a sent questionnaire): the cost of a pass must not grow with the
database (goal: ratio <= 1.3). ``--postgres`` runs on a fresh PostgreSQL database at
127.0.0.1:5432 instead of SQLite. Goal: the floor's rate is at most 4x mailagent's.

The timed passes start after one warm-up request has been answered, as a long-running worker
is after its first mail (Lingua loads its language models, about 0.4 s, when a process first
reads a guest's words; compiling the mail's templates is another first-mail cost). A second
floor, "durable", adds to the parse what any program that must lose and duplicate nothing
across a crash does per mail at least, in the same run and on the same disk: three SQLite
commits with ``synchronous=FULL`` in WAL mode (the mail stored, "about to send", "sent") and
one reply file written, fsynced and renamed into a Maildir.
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
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))
sys.path.insert(0, str(REPO / "bench"))

from harness import guest_mail, make_config  # noqa: E402
from scheduler import seed  # noqa: E402
from servers import create_database, drop_database  # noqa: E402

from mailagent.service.runtime import Runtime, opened  # noqa: E402
from mailagent.service.worker import run_once  # noqa: E402
from mailagent.transports.opening import open_inbox  # noqa: E402

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def requests(n: int) -> list[bytes]:
    # Addresses no seeded thread has (those are guest<i>@example.org).
    return [guest_mail(sender=f"New Guest {i} <new{i}@example.net>") for i in range(n)]


def floor(folder: Path) -> float:
    """Seconds for the stdlib to parse every file waiting in ``folder``'s Maildir."""
    paths = sorted((folder / "new").iterdir())
    start = time.perf_counter()
    for path in paths:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = msg.get_body(("plain",))
        assert msg["From"] and body is not None and body.get_content()
    return time.perf_counter() - start


def durable_floor(folder: Path) -> float:
    """Seconds for the stdlib to parse every file waiting in ``folder``'s Maildir, with each
    mail's three durable commits and one fsynced reply file."""
    paths = sorted((folder / "new").iterdir())
    out = folder / "floor-out"
    for sub in ("tmp", "new"):
        (out / sub).mkdir(parents=True)
    db = sqlite3.connect(folder / "floor.db", isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL"):
        db.execute(f"PRAGMA {pragma}")
    db.execute("CREATE TABLE mail (id INTEGER PRIMARY KEY, raw BLOB, status TEXT)")
    start = time.perf_counter()
    for i, path in enumerate(paths):
        raw = path.read_bytes()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        body = msg.get_body(("plain",))
        assert msg["From"] and body is not None and body.get_content()
        for sql, params in (
            ("INSERT INTO mail (id, raw, status) VALUES (?, ?, 'stored')", (i, raw)),
            ("UPDATE mail SET status = 'sending' WHERE id = ?", (i,)),
            ("UPDATE mail SET status = 'sent' WHERE id = ?", (i,)),
        ):
            db.execute("BEGIN IMMEDIATE")
            db.execute(sql, params)
            db.execute("COMMIT")
        tmp = out / "tmp" / f"{i}.eml"
        with open(tmp, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out / "new" / f"{i}.eml")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def passes(folder: Path, mails: list[bytes], existing: int, database_url: str | None) -> float:
    """Seconds of worker passes until every request in ``mails`` is answered."""
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
        for raw in mails:
            inbox.append(raw)
        sent, rounds = 0, 0
        start = time.perf_counter()
        while sent < len(mails):
            report = run_once(rt, inbox, NOW)
            sent += report.outbox.sent
            rounds += 1
            assert rounds <= len(mails), report  # every pass must make progress
        elapsed = time.perf_counter() - start
        rt.engine.dispose()
    return elapsed


def warm_up(rt: Runtime) -> None:
    """Answer one request, untimed: the process's first-mail costs are paid once."""
    inbox = open_inbox(rt.config.settings.inbox)
    inbox.append(guest_mail(sender="Warm Up <warm.up@example.net>"))
    for _ in range(3):
        if run_once(rt, inbox, NOW).outbox.sent:
            return
    raise AssertionError("the warm-up request was not answered in three passes")


def measure(n: int, existing: int, postgres: bool) -> tuple[float, float, float]:
    """(floor seconds, durable floor seconds, mailagent seconds) for ``n`` requests over
    ``existing`` threads."""
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
    print(f"{args.n} requests, Maildir + {where}")
    print(f"floor (stdlib parse of the same files): {args.n / base:8,.0f} msg/s")
    print(f"durable floor (parse, 3 commits, file): {args.n / durable:8,.0f} msg/s")
    print(f"mailagent passes until all answered:    {args.n / ours:8,.0f} msg/s")
    print(f"ratio floor/mailagent:                  {ours / base:8.2f} (goal <= 4)")
    print(f"ratio durable floor/mailagent:          {ours / durable:8.2f}")
    if args.existing:
        _, _, grown = measure(args.n, args.existing, args.postgres)
        print(f"the same over {args.existing:,} existing threads:  {args.n / grown:8,.0f} msg/s")
        print(f"ratio grown/empty pass time:            {grown / ours:8.2f} (goal <= 1.3)")


if __name__ == "__main__":
    main()
