"""Worker memory over N requests: the resident set size of one long-lived runtime (as
``mailagent run`` keeps it) after each tenth of N is delivered and fully answered.

In-process, on the embedded default transports (Maildir inbox, Maildir outbox, SQLite in a
temporary directory). Per chunk: deliver N/10 new requests, run ``run_once`` passes until every
questionnaire of the chunk is written, ``gc.collect()``, read VmRSS from /proc/self/status.
The mails of a chunk are built just before it and dropped after, so this script's own data does
not grow with N. Prints a table chunk -> RSS MB (with the chunk's msgs/s, which shows whether
passes slow down as the database and folders grow) and "ratio last/first-chunk RSS" (flat is
about 1.00). Exits non-zero unless N questionnaires went out.

    .venv/bin/python bench/memory.py [N]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path

from guests import addresses, request
from harness import maildir_config

from mailagent.service.runtime import Runtime, opened
from mailagent.service.worker import run_once
from mailagent.transports.inbox import Inbox
from mailagent.transports.opening import open_inbox

CHUNKS = 10


def status_mb(field: str) -> float:
    """A ``kB`` line of /proc/self/status (VmRSS, VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise LookupError(field)


def answer_chunk(rt: Runtime, inbox: Inbox, first: int, last: int) -> int:
    """Deliver requests ``first..last-1`` and pass until all are answered; returns the passes."""
    for i in range(first, last):
        inbox.append(request(i))
    want, sent, passes = last - first, 0, 0
    while sent < want:
        report = run_once(rt, inbox, datetime.now(UTC))
        passes += 1
        sent += report.outbox.sent
        if not (report.intake.fetched or report.outbox.sent):
            # Nothing read and nothing sent: another pass would not change that.
            raise SystemExit(f"requests {first}..{last - 1}: pass {passes} stalled: {report}")
    return passes


def recipients(out: Path) -> tuple[int, list[str]]:
    """How many mails the outbox folder holds, and the recipients of the auto-replies among them."""
    parser = BytesHeaderParser(policy=default)
    files = list((out / "new").iterdir())
    found = []
    for path in files:
        with path.open("rb") as mail:
            headers = parser.parse(mail)
        if headers["Auto-Submitted"] == "auto-replied":
            found.extend(a.addr_spec for a in headers["To"].addresses)
    return len(files), found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=20_000)
    n: int = parser.parse_args().n
    bounds = [round(n * (c + 1) / CHUNKS) for c in range(CHUNKS)]
    rows: list[tuple[int, int, float, float, int]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # 60 a minute by default: the breaker would make every chunk wait for the clock.
        config = maildir_config(folder, limits={"global_per_minute": 100_000})
        inbox = open_inbox(config.settings.inbox)
        with opened(config) as rt:
            # An empty pass first: imports, templates and connections are start-up, not growth.
            run_once(rt, inbox, datetime.now(UTC))
            gc.collect()
            start_rss = status_mb("VmRSS")
            first = 0
            for c, last in enumerate(bounds, 1):
                started = time.perf_counter()
                passes = answer_chunk(rt, inbox, first, last)
                seconds = time.perf_counter() - started
                gc.collect()
                rows.append((c, last, status_mb("VmRSS"), (last - first) / seconds, passes))
                first = last
            peak = status_mb("VmHWM")
        files, got = recipients(folder / "out")
    answered = len(set(got) & addresses(n))

    print(f"requests: {n} in {CHUNKS} chunks")
    print(f"RSS after start-up and one empty pass: {start_rss:.1f} MB")
    print(f"{'chunk':>5} {'answered':>9} {'RSS MB':>8} {'msgs/s':>8} {'passes':>7}")
    for c, total, rss, rate, passes in rows:
        print(f"{c:>5} {total:>9} {rss:>8.1f} {rate:>8.0f} {passes:>7}")
    print(f"peak RSS (VmHWM): {peak:.1f} MB")
    print(f"ratio last/first-chunk RSS: {rows[-1][2] / rows[0][2]:.2f}")
    print(f"growth after the first chunk: {rows[-1][2] - rows[0][2]:+.1f} MB")
    print(f"questionnaires written to the outbox: {answered}/{n} (mails in all: {files})")
    return 0 if answered == n == len(got) == files else 1


if __name__ == "__main__":
    sys.exit(main())
