"""Scheduler scaling: one pass over 1,000 due jobs among few stored threads, then among many
(default 10,000 and 200,000), on SQLite. Every thread has a questionnaire on record (a Message
and a sent Outbox row), so the rate-limit lookups each mail makes meet a realistic history. The
ratio should stay near 1: due jobs and earlier mail are found by indexes, never by scans.

    .venv/bin/python bench/scheduler.py [SMALL] [LARGE] [DUE]
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from harness import make_config  # noqa: E402

from mailagent.service.runtime import opened  # noqa: E402
from mailagent.service.worker import run_jobs  # noqa: E402
from mailagent.store.tables import Job, Message, Outbox, Thread  # noqa: E402

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def seed(engine: sa.Engine, threads: int, due: int) -> None:
    """``threads`` closed threads, ``due`` of them awaiting answers with a nudge due now."""
    created = NOW - timedelta(days=30)
    rows = [
        {
            "token": f"t{i:025d}",
            "state": "awaiting_guest" if i < due else "closed",
            "mailbox": "inbox",
            "guest_email": f"guest{i}@example.org",
            "guest_name": f"Guest {i}",
            "language": "en",
            "timezone": "",
            "manager_name": "",
            "manager_email": "",
            "answers": {},
            "missing": ["background"],
            "meeting_uid": "",
            "meeting_sequence": 0,
            "proposals": [],
            "feedback": "",
            "manager_notes": "",
            "keep_in_touch": False,
            "created_at": created,
            "updated_at": created,
        }
        for i in range(threads)
    ]
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(sa.insert(Thread), rows[start : start + 5000])
        ids = conn.execute(sa.select(Thread.id).order_by(Thread.id).limit(due)).scalars().all()
        seed_history(conn, threads, NOW - timedelta(days=1))  # within the limits' lookback
        if not ids:
            return
        conn.execute(
            sa.insert(Job),
            [
                {
                    "thread_id": i,
                    "kind": "nudge_guest",
                    "due_at": NOW,
                    "status": "pending",
                    "attempts": 0,
                    "payload": {},
                    "last_error": "",
                }
                for i in ids
            ],
        )


def seed_history(conn: sa.Connection, threads: int, at: datetime) -> None:
    """One sent questionnaire per thread (thread ids are 1..threads in a fresh database)."""
    for start in range(1, threads + 1, 5000):
        ids = range(start, min(threads, start + 4999) + 1)
        conn.execute(
            sa.insert(Message),
            [
                {
                    "id": i,
                    "direction": "out",
                    "mailbox": "inbox",
                    "message_id": f"q{i}@mailagent.firm.example",
                    "thread_id": i,
                    "kind": "questionnaire",
                    "to_addr": f"guest{i - 1}@example.org",
                    "at": at,
                    "raw": b"",
                    "status": "done",
                }
                for i in ids
            ],
        )
        conn.execute(
            sa.insert(Outbox),
            [
                {
                    "message_id": i,
                    "thread_id": i,
                    "kind": "questionnaire",
                    "recipient": f"guest{i - 1}@example.org",
                    "recipient_key": f"guest{i - 1}@example.org",
                    "envelope_from": "interviews+b-x@firm.example",
                    "status": "sent",
                    "next_attempt_at": at,
                    "created_at": at,
                    "sent_at": at,
                }
                for i in ids
            ],
        )


def one_pass(threads: int, due: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = make_config(
            folder,
            f"maildir:{folder / 'in'}",
            f"maildir:{folder / 'out'}",
            limits={"global_per_minute": 100_000},
        )
        with opened(config) as rt:
            seed(rt.engine, threads, due)
            start = time.perf_counter()
            ran = run_jobs(rt, NOW)
            elapsed = time.perf_counter() - start
            with rt.engine.connect() as conn:
                written = conn.execute(
                    sa.select(sa.func.count()).select_from(Outbox).where(Outbox.status == "pending")
                ).scalar_one()
        assert ran == due and written == due, (ran, written, due)  # every nudge was written
    return elapsed


def main(small: int, large: int, due: int) -> None:
    few = one_pass(small, due)
    many = one_pass(large, due)
    print(f"{due} due jobs among {small:>7} threads: {few:6.2f} s ({due / few:6.0f} jobs/s)")
    print(f"{due} due jobs among {large:>7} threads: {many:6.2f} s ({due / many:6.0f} jobs/s)")
    print(f"ratio (many / few): {many / few:.2f} (near 1: no full scans)")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:4]]
    main(*(args + [10_000, 200_000, 1_000][len(args) :]))
