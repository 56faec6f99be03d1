"""Ingest throughput on real servers: N guest requests waiting in a Dovecot INBOX, answered with
the questionnaire through an aiosmtpd server (SQLite in a temporary directory).

Two timed parts on the same Dovecot, each with its own copy of the N mails (its own IMAP user)
and its own SMTP sink, so neither sees the other's work:

- floor: what any program must do at least: IMAP SEARCH, FETCH BODY.PEEK[] in chunks of 500,
  parse each mail with the stdlib, send one pre-built reply per mail over ONE SMTP connection.
  No database, no flags set on the server, so it can run again on the same mails: it runs
  ``--floor-runs`` times (default 3) and the median counts, because single runs of it vary by
  half on a shared machine.
- mailagent: ``run_once`` passes in this process (one runtime, one inbox connection, as the
  long-running worker keeps them) until the sink has accepted all N questionnaires.

Prints msgs/s for both and "ratio mailagent/floor" (rate over rate: 1.00 would be the floor).
Exits non-zero unless exactly one questionnaire reached each of the N guests. ``--profile`` runs
the mailagent part under cProfile and prints the top 30 entries by cumulative time, the top 20
by own time, and the package's own top 30 by cumulative time (``--profile-out FILE`` keeps the
stats for pstats or snakeviz).

    .venv/bin/python bench/ingest.py [N] [--floor-runs K] [--profile [--profile-out FILE]]
"""

from __future__ import annotations

import argparse
import cProfile
import email
import email.policy
import os
import pstats
import smtplib
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from guests import addresses, mail_servers, requests
from harness import FIRM, make_config
from servers import ImapAccount, SmtpServer

from mailagent.service.runtime import opened
from mailagent.service.worker import run_once
from mailagent.transports.opening import open_inbox

FETCH_CHUNK = 500
APPEND_CHUNK = 500


def preload(account: ImapAccount, mails: list[bytes]) -> None:
    """Put ``mails`` into the account's INBOX with MULTIAPPEND, a chunk per command."""
    with account.client() as client:
        for start in range(0, len(mails), APPEND_CHUNK):
            client.multiappend("INBOX", mails[start : start + APPEND_CHUNK])
        status = cast(dict[bytes, int], client.folder_status("INBOX", [b"MESSAGES"]))
    if status[b"MESSAGES"] != len(mails):
        raise SystemExit(f"preload: INBOX holds {status[b'MESSAGES']} mails, not {len(mails)}")


def prebuilt_reply() -> bytes:
    # About the size of the questionnaire's text part, so the SMTP leg moves similar bytes.
    reply = EmailMessage()
    reply["From"] = FIRM
    reply["Subject"] = "Re: Informational interview"
    reply.set_content("Thank you for your mail. " * 120)
    return reply.as_bytes(policy=email.policy.SMTP)


def floor(account: ImapAccount, smtp: SmtpServer) -> float:
    data = prebuilt_reply()
    start = time.perf_counter()
    with account.client() as client, smtplib.SMTP(smtp.host, smtp.port) as out:
        client.select_folder("INBOX")
        uids = cast(list[int], client.search("ALL"))
        for first in range(0, len(uids), FETCH_CHUNK):
            chunk = uids[first : first + FETCH_CHUNK]
            fetched = cast(dict[int, dict[bytes, Any]], client.fetch(chunk, ["BODY.PEEK[]"]))
            for uid in chunk:
                msg = email.message_from_bytes(fetched[uid][b"BODY[]"], policy=email.policy.default)
                guest = msg["From"].addresses[0].addr_spec
                out.sendmail(FIRM, [guest], data)
    return time.perf_counter() - start


def mailagent_passes(
    account: ImapAccount, smtp: SmtpServer, n: int, folder: Path, profile: bool
) -> tuple[float, int, cProfile.Profile | None]:
    """Seconds and passes until the sink holds ``n`` mails, and the profile when asked."""
    os.environ["MAILAGENT_IMAP_PASSWORD"] = account.password
    config = make_config(
        folder,
        account.url(),
        smtp.url,
        # 60 a minute by default: the breaker would make this a measure of the limit.
        limits={"global_per_minute": 100_000},
    )
    profiler = cProfile.Profile() if profile else None
    passes = 0
    with opened(config) as rt:  # migrations run here, outside the timed part
        inbox = open_inbox(config.settings.inbox)
        try:
            start = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            while len(smtp.received) < n:
                report = run_once(rt, inbox, datetime.now(UTC))
                passes += 1
                if not (report.intake.fetched or report.outbox.sent):
                    # Nothing read and nothing sent: another pass would not change that.
                    if profiler is not None:
                        profiler.disable()
                    raise SystemExit(f"pass {passes} made no progress: {report}")
            if profiler is not None:
                profiler.disable()
            elapsed = time.perf_counter() - start
        finally:
            inbox.close()
    return elapsed, passes, profiler


def questionnaires(smtp: SmtpServer, expected: set[str]) -> int:
    """How many guests got exactly one answer, an auto-reply to their request."""
    got: dict[str, int] = {}
    for record in smtp.received:
        msg = record.message
        if msg["Auto-Submitted"] == "auto-replied" and str(msg["Subject"]).startswith("Re: "):
            for rcpt in record.rcpt_tos:
                got[rcpt] = got.get(rcpt, 0) + 1
    return sum(1 for address in expected if got.get(address) == 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=2000)
    parser.add_argument(
        "--floor-runs", type=int, default=3, help="runs of the floor; the median counts"
    )
    parser.add_argument("--profile", action="store_true", help="cProfile the mailagent part")
    parser.add_argument(
        "--profile-out", metavar="FILE", help="with --profile: also dump the stats to FILE"
    )
    args = parser.parse_args()
    n: int = args.n
    mails = requests(n)
    floor_sink = SmtpServer()
    with (
        mail_servers(smtp=SmtpServer()) as (dovecot, agent_sink),
        tempfile.TemporaryDirectory() as tmp,
    ):
        floor_sink.start()
        try:
            floor_account = dovecot.add_user("floor", "floor-pw")
            agent_account = dovecot.add_user("agent", "agent-pw")
            load = time.perf_counter()
            preload(floor_account, mails)
            preload(agent_account, mails)
            load = time.perf_counter() - load
            floor_runs = [floor(floor_account, floor_sink) for _ in range(max(1, args.floor_runs))]
            base = statistics.median(floor_runs)
            ours, passes, profiler = mailagent_passes(
                agent_account, agent_sink, n, Path(tmp), args.profile
            )
            floor_sent = len(floor_sink.received) // len(floor_runs)
            answered = questionnaires(agent_sink, addresses(n))
            extra = len(agent_sink.received) - answered
        finally:
            floor_sink.stop()

    print(f"requests: {n} (preloaded into two INBOXes with MULTIAPPEND in {load:.2f} s)")
    print(
        f"floor:     {base:7.2f} s, {n / base:8,.0f} msgs/s "
        "(IMAP fetch + stdlib parse + one SMTP connection; median of "
        + ", ".join(f"{t:.2f}" for t in floor_runs)
        + " s)"
    )
    print(f"mailagent: {ours:7.2f} s, {n / ours:8,.0f} msgs/s ({passes} run_once passes)")
    print(f"ratio mailagent/floor: {base / ours:.2f} (msgs/s over msgs/s)")
    print(f"floor replies accepted by SMTP: {floor_sent}/{n} a run")
    print(f"questionnaires accepted by SMTP: {answered}/{n} (other mails: {extra})")
    if profiler is not None:
        print("\n--- mailagent part, top 30 by cumulative time ---")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
        print("--- mailagent part, top 20 by own time ---")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(20)
        # The cumulative list is mostly SQLAlchemy's frames; this one names our own steps.
        print("--- mailagent part, the package's own functions, top 30 by cumulative time ---")
        own = pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative")
        own.print_stats(r"/mailagent/(?!.*site-packages)", 30)
        if args.profile_out:
            profiler.dump_stats(args.profile_out)
    floor_ok = len(floor_sink.received) == n * len(floor_runs)
    return 0 if answered == n and extra == 0 and floor_ok else 1


if __name__ == "__main__":
    sys.exit(main())
