"""Answer latency of the long-running worker: from IMAP APPEND of a guest's request until the
SMTP server has accepted the questionnaire for that guest.

Starts a private Dovecot and an aiosmtpd sink, then ``mailagent run`` as a subprocess (IDLE on,
otherwise the default worker settings; SQLite in a temporary directory). N requests are
delivered one at a time, each only once the worker's IMAP session sits in IDLE again (Dovecot's
``verbose_proctitle`` shows the command a session is running), so every figure is a wake-up
from IDLE rather than mail queued behind the previous one. Both instants come from
``time.perf_counter()`` in this process: before the APPEND is sent, and when the sink's DATA
handler runs.

Baseline, measured the same way in the same run on another Dovecot user: APPEND until a plain
imapclient session in IDLE sees the EXISTS. Dovecot holds change notifications back for about
half a second, so both figures carry that; the p50 difference is mailagent's own share. Prints
p50, p95 and max in ms for both and "ratio p95/idle-notify-p95". The worker is stopped with
SIGTERM and must exit with status 0.

    .venv/bin/python bench/latency.py [N]
"""

from __future__ import annotations

import argparse
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session
from guests import addresses, mail_servers, requests, sender
from harness import make_config, spawn_worker
from servers import Dovecot, ImapAccount, SmtpServer, _SinkHandler

# The wording around it may change; a line saying the worker stopped is what counts.
STOPPED = re.compile(r"\bworker\b.*\bstopped\b")
STEP_TIMEOUT = 120.0  # generous: a missed IDLE wake-up still ends at the next periodic pass


class TitledDovecot(Dovecot):
    """Dovecot whose imap processes show the running command in their process title."""

    def _prepare_files(self) -> None:
        super()._prepare_files()
        with self.conf.open("a") as conf:
            conf.write("verbose_proctitle = yes\n")


def idling(user: str) -> bool:
    """Whether an IMAP session of ``user`` is in IDLE right now (read from the process titles)."""
    prefix = f"dovecot/imap [{user} ".encode()
    for path in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            title = path.read_bytes()
        except OSError:
            continue  # the process ended while we looked
        if title.startswith(prefix) and b" IDLE]" in title:
            return True
    return False


@dataclass
class _StampingHandler(_SinkHandler):
    """The sink's handler, noting when each recipient's mail arrived (end of DATA)."""

    arrived: dict[str, float] = field(default_factory=dict)
    changed: threading.Condition = field(default_factory=threading.Condition)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        # Stamped before recording: what we measure is the mail reaching the server.
        at = time.perf_counter()
        reply = await super().handle_DATA(server, session, envelope)
        with self.changed:
            for rcpt in envelope.rcpt_tos:
                self.arrived.setdefault(rcpt, at)
            self.changed.notify_all()
        return reply


class StampingSmtp(SmtpServer):
    def _make_handler(self) -> _SinkHandler:
        return _StampingHandler()

    def arrival(self, rcpt: str, timeout: float) -> float | None:
        """When mail for ``rcpt`` arrived, waiting up to ``timeout`` seconds for it."""
        handler = self._handler
        assert isinstance(handler, _StampingHandler)
        with handler.changed:
            handler.changed.wait_for(lambda: rcpt in handler.arrived, timeout)
            return handler.arrived.get(rcpt)


def wait_until(ready: Callable[[], bool], what: str, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STEP_TIMEOUT
    while not ready():
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited ({worker.returncode}) while waiting: {what}")
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out after {STEP_TIMEOUT:.0f} s: {what}")
        time.sleep(0.002)


def idle_notify(account: ImapAccount, mails: list[bytes]) -> list[float]:
    """Seconds from APPEND until a separate session in IDLE sees EXISTS, one per mail."""
    ready, seen = threading.Event(), threading.Event()
    stamps: list[float] = []
    errors: list[BaseException] = []

    def watch() -> None:
        try:
            with account.client() as watcher:
                watcher.select_folder("INBOX")
                for _ in mails:
                    watcher.idle()
                    ready.set()
                    while True:
                        responses = watcher.idle_check(timeout=STEP_TIMEOUT)
                        if not responses:
                            raise TimeoutError("no EXISTS while in IDLE")
                        if any(isinstance(r, tuple) and r[1:2] == (b"EXISTS",) for r in responses):
                            stamps.append(time.perf_counter())
                            break
                    watcher.idle_done()
                    seen.set()
        except BaseException as exc:
            errors.append(exc)
            ready.set()
            seen.set()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    latencies = []
    with account.client() as deliverer:
        for i, raw in enumerate(mails):
            if not ready.wait(STEP_TIMEOUT) or errors:
                raise SystemExit(f"idle-notify baseline, mail {i}: not in IDLE: {errors[:1]!r}")
            ready.clear()
            start = time.perf_counter()
            deliverer.append("INBOX", raw)
            if not seen.wait(STEP_TIMEOUT) or errors:
                raise SystemExit(f"idle-notify baseline, mail {i}: no EXISTS: {errors[:1]!r}")
            seen.clear()
            latencies.append(stamps[-1] - start)
    thread.join(STEP_TIMEOUT)
    return latencies


def start_worker(folder: Path, account: ImapAccount, smtp: SmtpServer) -> subprocess.Popen[bytes]:
    config = make_config(
        folder,
        account.url(),
        smtp.url,
        # make_config polls every 0.2 s for the tests' sake; at the default 60 s, mail that
        # comes in within a second came through IDLE.
        inbox={"poll_seconds": 60},
        # 60 a minute by default: the breaker would hold mail back and measure the limit.
        limits={"global_per_minute": 100_000},
    )
    return spawn_worker(
        config, {"MAILAGENT_IMAP_PASSWORD": account.password}, folder / "worker.log"
    )


def worker_latencies(
    worker: subprocess.Popen[bytes],
    account: ImapAccount,
    smtp: StampingSmtp,
    mails: list[bytes],
    tag: str,
) -> list[float]:
    latencies = []
    with account.client() as deliverer:
        for i, raw in enumerate(mails):
            wait_until(lambda: idling(account.user), f"worker in IDLE before request {i}", worker)
            rcpt = sender(i, tag)[1]
            start = time.perf_counter()
            deliverer.append("INBOX", raw)
            arrived = smtp.arrival(rcpt, STEP_TIMEOUT)
            if arrived is None:
                raise SystemExit(f"no questionnaire for request {i} within {STEP_TIMEOUT:.0f} s")
            latencies.append(arrived - start)
    return latencies


def stop_worker(worker: subprocess.Popen[bytes], log: Path) -> int:
    worker.send_signal(signal.SIGTERM)
    try:
        code = worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
        print(f"worker ignored SIGTERM for 15 s; killed. Its log ends:\n{tail(log)}")
        return -1
    if code != 0 or not STOPPED.search(log.read_text(errors="replace")):
        print(f"worker exit {code}, no 'stopped' line. Its log ends:\n{tail(log)}")
        return code or 1
    return code


def tail(log: Path, lines: int = 20) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def summary(label: str, seconds: list[float]) -> tuple[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    p50 = statistics.median(ms)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    line = f"{label:<28} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms   max {ms[-1]:8.2f} ms"
    return line, p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=200)
    n: int = parser.parse_args().n
    smtp = StampingSmtp()
    with (
        mail_servers(TitledDovecot(), smtp) as (dovecot, _),
        tempfile.TemporaryDirectory() as tmp,
    ):
        folder = Path(tmp)
        baseline = idle_notify(dovecot.add_user("watch", "watch-pw"), requests(n, ".w"))
        account = dovecot.add_user("agent", "agent-pw")
        worker = start_worker(folder, account, smtp)
        try:
            wait_until(lambda: idling(account.user), "worker start-up and first IDLE", worker)
            ours = worker_latencies(worker, account, smtp, requests(n, ".a"), ".a")
        finally:
            code = stop_worker(worker, folder / "worker.log")
        expected = addresses(n, ".a")
        answered = sum(1 for r in smtp.received if r.rcpt_tos[:1] and r.rcpt_tos[0] in expected)
        extra = len(smtp.received) - answered

    base_line, base_p95 = summary("idle-notify (APPEND->EXISTS)", baseline)
    our_line, our_p95 = summary("mailagent (APPEND->SMTP)", ours)
    print(f"requests: {n}, one at a time, each delivered to a worker in IDLE")
    print(base_line)
    print(our_line)
    print(f"ratio p95/idle-notify-p95: {our_p95 / base_p95:.2f}")
    print(
        f"mailagent's own share (p50 minus idle-notify p50): "
        f"{(statistics.median(ours) - statistics.median(baseline)) * 1000:.1f} ms"
    )
    print(f"questionnaires accepted by SMTP: {answered}/{n} (other mails: {extra})")
    print(f"worker exit status after SIGTERM: {code}")
    return 0 if code == 0 and answered == n and extra == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
