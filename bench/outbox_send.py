"""Outbox send rate: N questionnaires waiting in the outbox (SQLite), sent by ``flush`` through
an aiosmtpd server, against a floor measured in the same run: smtplib sending the very same
stored mails over one connection to the same server, with nothing recorded.

    .venv/bin/python bench/outbox_send.py [N]

Prints msgs/s for both and the ratio (mailagent's rate over the floor's; goal >= 0.5).
"""

from __future__ import annotations

import smtplib
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from harness import FIRM, guest_mail, make_config  # noqa: E402
from servers import SmtpServer  # noqa: E402

from mailagent.service.delivery import PAUSED, flush  # noqa: E402
from mailagent.service.runtime import opened  # noqa: E402
from mailagent.service.worker import run_once  # noqa: E402
from mailagent.store.control import set_control  # noqa: E402
from mailagent.store.database import transaction  # noqa: E402
from mailagent.store.tables import Message, Outbox  # noqa: E402
from mailagent.transports.opening import open_inbox  # noqa: E402

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def queued(folder: Path, n: int, smtp: SmtpServer) -> tuple[float, list[tuple[str, bytes]]]:
    """(seconds mailagent's flush took for ``n`` queued questionnaires, the mails it sent)."""
    config = make_config(
        folder,
        f"maildir:{folder / 'in'}",
        smtp.url,
        limits={"global_per_minute": 100_000},  # measure sending, not the breaker
        outbox={"flush_batch": 10_000},
    )
    inbox = open_inbox(config.settings.inbox)
    for i in range(n):
        inbox.append(guest_mail(sender=f"Guest {i} <guest{i}@example.org>"))
    with opened(config) as rt:
        with transaction(rt.engine) as session:
            set_control(session, PAUSED, "1", "bench", NOW)  # queue everything, send nothing
        run_once(rt, inbox, NOW)
        with transaction(rt.engine) as session:
            set_control(session, PAUSED, "", "bench", NOW)
            mails = [
                (row.recipient, raw)
                for row, raw in session.execute(
                    sa.select(Outbox, Message.raw).join(Message, Message.id == Outbox.message_id)
                ).all()
            ]
        start = time.perf_counter()
        report = flush(rt, NOW)
        elapsed = time.perf_counter() - start
    assert report.sent == n == len(mails), report
    return elapsed, mails


def floor(mails: list[tuple[str, bytes]], smtp: SmtpServer) -> float:
    start = time.perf_counter()
    with smtplib.SMTP(smtp.host, smtp.port) as out:
        for recipient, raw in mails:
            out.sendmail(FIRM, [recipient], raw)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    smtp = SmtpServer()
    smtp.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            ours, mails = queued(Path(tmp), n, smtp)
        base = floor(mails, smtp)
    finally:
        smtp.stop()
    print(f"{n} questionnaires through aiosmtpd")
    print(f"floor (smtplib, one connection, same mails): {n / base:8,.0f} msgs/s")
    print(f"mailagent flush:                             {n / ours:8,.0f} msgs/s")
    print(f"ratio mailagent/floor:                       {base / ours:8.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
