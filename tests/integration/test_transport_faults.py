"""``mailagent run`` as a real process while its servers fail under it.

Each test runs the worker against a private Dovecot (``dovecot_factory``, not the session's, so
it can be stopped and started again on the same port with the same mail) and an aiosmtpd sink,
with short poll, backoff and retry settings. The servers fail: IMAP goes away while the worker
idles, is killed with SIGKILL in the middle of fetching, SMTP is down for a while, SMTP refuses
with 4xx and 5xx replies. What must hold afterwards is read from the database and the sink, never
from timings: every request answered exactly once (or, for a 5xx, failed and never resent),
outbox rows in their final state, the worker still running and stopping cleanly on SIGTERM.

Every test ends with a *sentinel*: a last request appended once everything has settled. When it
is answered the worker has made at least one more full pass (fetch, handle, flush) after the
faults, so a message fetched twice or a row sent twice would have shown by then.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import cast

import pytest
from harness import REPO, guest_mail, make_config, messages, outbox_rows, threads
from servers import (
    LOOPBACK,
    Dovecot,
    DovecotFactory,
    ImapAccount,
    SmtpServer,
    SmtpServerFactory,
    SmtpStage,
)

from mailagent.config.settings import Config

PROCESSED = b"$MailagentProcessed"
DEADLINE = 60.0  # generous: how long a wait may take before the test gives up


class Worker:
    """A ``mailagent run`` process; its output goes to a file (a pipe could fill and block it)."""

    def __init__(self, config: Config, password: str, log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mailagent", "--config", str(config.path), "run"],
            cwd=REPO,
            env={**os.environ, "MAILAGENT_IMAP_PASSWORD": password},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        """SIGTERM, wait, return the exit status."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        finally:
            self._log.close()

    def kill(self) -> None:
        if self.alive():
            self.process.kill()
            self.process.wait()
        self._log.close()


def wait_until(what: str, predicate: Callable[[], bool], worker: Worker) -> None:
    deadline = time.monotonic() + DEADLINE
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {DEADLINE:.0f} s: {what}\n{worker.log()[-6000:]}")
        if not worker.alive():
            raise AssertionError(f"the worker exited while waiting for: {what}\n{worker.log()}")
        time.sleep(0.1)


BIG = "Some background about me, so that you can pick the right manager.\n" * 14_000


def request(tag: str, padding: str = "") -> bytes:
    return guest_mail(
        sender=f"Guest {tag} <{tag}@example.org>",
        subject=f"Informational interview ({tag})?",
        body="Hello, could I talk to one of your managers for half an hour?\n" + padding,
        message_id=f"<{tag}@mail.example.org>",
    )


def recipients(*sinks: SmtpServer) -> Counter[str]:
    """How many mails each address got, over all ``sinks``."""
    return Counter(r.rcpt_tos[0] for sink in sinks for r in sink.received)


def message_ids(*sinks: SmtpServer) -> Counter[str]:
    return Counter(str(r.message["Message-ID"]) for sink in sinks for r in sink.received)


def settled(config: Config) -> bool:
    """Every inbound mail handled and every outbox row in a final state."""
    inbound = [m for m in messages(config) if m.direction == "in"]
    return all(m.status == "done" for m in inbound) and all(
        r.status in ("sent", "failed", "uncertain") for r in outbox_rows(config)
    )


def assert_exactly_once(config: Config, tags: list[str], *sinks: SmtpServer) -> None:
    """One thread, one sent questionnaire and one delivered copy per request; nothing else."""
    addresses = sorted(f"{tag}@example.org" for tag in tags)
    assert sorted(recipients(*sinks).elements()) == addresses, recipients(*sinks)
    assert all(n == 1 for n in message_ids(*sinks).values()), message_ids(*sinks)
    inbound = [m for m in messages(config) if m.direction == "in"]
    assert sorted(m.message_id for m in inbound) == sorted(f"{t}@mail.example.org" for t in tags)
    assert {(m.status, m.kind) for m in inbound} == {("done", "request")}
    assert sorted(t.guest_email for t in threads(config)) == addresses
    rows = outbox_rows(config)
    assert sorted(r.recipient for r in rows) == addresses
    assert {(r.kind, r.status) for r in rows} == {("questionnaire", "sent")}


def all_processed(account: ImapAccount, count: int) -> Callable[[], bool]:
    def check() -> bool:
        found = account.messages()
        return len(found) == count and all(PROCESSED in flags for _, flags, _ in found)

    return check


def drained(sink: SmtpServer, account: ImapAccount, count: int) -> Callable[[], bool]:
    """All ``count`` requests so far answered and marked processed: the worker is idle."""
    marked = all_processed(account, count)
    return lambda: len(sink.received) == count and marked()


def worker_config(tmp_path: Path, inbox_url: str, sink: SmtpServer) -> Config:
    return make_config(
        tmp_path,
        inbox_url,
        sink.url,
        inbox={"poll_seconds": 0.5, "backoff_max_seconds": 2},
        outbox={"retry_first_seconds": 1},
        worker={"jobs_every_seconds": 1},
    )


@pytest.fixture
def imap(dovecot_factory: DovecotFactory) -> Dovecot:
    """A private Dovecot this test may halt and resume."""
    return dovecot_factory()


@pytest.fixture
def account(imap: Dovecot) -> ImapAccount:
    return imap.add_user("interviews", "secret-password")


@pytest.fixture
def start_worker(tmp_path: Path, account: ImapAccount) -> Iterator[Callable[[Config], Worker]]:
    started: list[Worker] = []

    def start(config: Config) -> Worker:
        worker = Worker(config, account.password, tmp_path / f"worker{len(started)}.log")
        started.append(worker)
        # Its database is migrated and its loop running before the test looks at either.
        wait_until("the worker has started", lambda: "worker started" in worker.log(), worker)
        return worker

    yield start
    for worker in started:
        worker.kill()


def finish(worker: Worker, config: Config, account: ImapAccount, sink: SmtpServer, n: int) -> None:
    """The sentinel (see the module's docstring), then a clean SIGTERM."""
    account.append(request("sentinel"))
    wait_until(
        "the sentinel is answered", lambda: recipients(sink)["sentinel@example.org"] > 0, worker
    )
    wait_until("everything settled", lambda: settled(config), worker)
    wait_until("every message marked processed", all_processed(account, n + 1), worker)
    status = worker.stop()
    assert status == 0, worker.log()
    assert "worker stopped" in worker.log()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_imap_server_stopped_while_idle_then_back(
    tmp_path: Path,
    imap: Dovecot,
    account: ImapAccount,
    smtp_server: SmtpServer,
    start_worker: Callable[[Config], Worker],
) -> None:
    config = worker_config(tmp_path, account.url(), smtp_server)
    worker = start_worker(config)
    account.append(request("before"))
    wait_until("the first request is answered", lambda: len(smtp_server.received) == 1, worker)
    time.sleep(1)  # setup, not an assertion: let it go back to IDLE

    imap.halt()  # clean shutdown: the IDLE connection gets "* BYE"
    time.sleep(4)  # nothing delivered; the worker retries with backoff (at most 2 s)
    assert worker.alive(), worker.log()
    imap.resume()

    tags = [f"after{n}" for n in range(5)]
    for tag in tags:
        account.append(request(tag))
    wait_until("all requests answered", lambda: len(smtp_server.received) >= 6, worker)
    finish(worker, config, account, smtp_server, 6)

    assert_exactly_once(config, ["before", *tags, "sentinel"], smtp_server)
    log = worker.log()
    assert "Connection refused" in log, log  # it did notice the outage and kept trying


class ImapTap:
    """A TCP proxy between the worker and Dovecot that can freeze a connection mid-command, so a
    kill lands exactly there rather than wherever timing puts it.

    ``arm(command, pass_bytes)``: the next connection that sends ``command`` forwards it to
    Dovecot, then lets at most ``pass_bytes`` of what Dovecot answers through to the worker and
    holds the rest; ``sprung`` is set at that moment (Dovecot has started answering, the worker
    waits mid-reply). ``release()`` ends the hold: the frozen connection is closed, as a dead
    server's would be. Other connections pass untouched; while Dovecot is down, a new
    connection is accepted and closed at once.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._server = socket.create_server((LOOPBACK, 0))
        self.port = cast(int, self._server.getsockname()[1])
        self._lock = threading.Lock()
        self._trap: tuple[bytes, int] | None = None
        self.sprung = threading.Event()
        self._released = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, user: str) -> str:
        return f"imap://{user}@{LOOPBACK}:{self.port}/INBOX"

    def arm(self, command: bytes, pass_bytes: int = 0) -> None:
        with self._lock:
            self._trap = (command.upper(), pass_bytes)
            self.sprung.clear()
            self._released.clear()

    def release(self) -> None:
        self._released.set()

    def close(self) -> None:
        self._released.set()
        with self._lock:
            sockets, self._sockets = [self._server, *self._sockets], []
        _close(*sockets)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection((LOOPBACK, self.upstream_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets += [client, upstream]
            budget: list[int | None] = [None]  # what Dovecot may still send; None: no limit
            for pump in (self._pump_up, self._pump_down):
                threading.Thread(target=pump, args=(client, upstream, budget), daemon=True).start()

    def _pump_up(
        self, client: socket.socket, upstream: socket.socket, budget: list[int | None]
    ) -> None:
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                with self._lock:
                    trap = self._trap
                    if trap is not None and trap[0] in data.upper():
                        self._trap = None
                        budget[0] = trap[1]  # set before the command goes out
                upstream.sendall(data)
        _close(client, upstream)

    def _pump_down(
        self, client: socket.socket, upstream: socket.socket, budget: list[int | None]
    ) -> None:
        with contextlib.suppress(OSError):
            while data := upstream.recv(65536):
                limit = budget[0]
                if limit is None:
                    client.sendall(data)
                    continue
                client.sendall(data[:limit])
                budget[0] = limit - len(data[:limit])
                if budget[0] == 0:
                    self.sprung.set()
                    self._released.wait()
                    break
        _close(client, upstream)


def _close(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()


@pytest.fixture
def tap(imap: Dovecot) -> Iterator[ImapTap]:
    proxy = ImapTap(imap.port)
    yield proxy
    proxy.close()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_imap_server_killed_mid_fetch_repeatedly(
    tmp_path: Path,
    imap: Dovecot,
    account: ImapAccount,
    tap: ImapTap,
    smtp_server: SmtpServer,
    start_worker: Callable[[Config], Worker],
) -> None:
    config = worker_config(tmp_path, tap.url(account.user), smtp_server)
    worker = start_worker(config)

    # Three SIGKILLs of Dovecot (no BYE, no clean close), each once the worker has drained the
    # inbox; a burst of requests arrives at once (MULTIAPPEND: one EXISTS), then Dovecot dies:
    # 1. mid-FETCH: the worker asked for the bodies (~1 MB each) and got the first 256 KB;
    # 2. mid-STORE: Dovecot got the "processed" flags for the handled burst, its answer is lost;
    # 3. in IDLE, with nothing in flight.
    tags: list[str] = []
    cycles: list[tuple[bytes | None, int, str]] = [
        (b"BODY.PEEK[]", 256 * 1024, BIG),
        (b" STORE ", 0, ""),
        (None, 0, ""),
    ]
    for cycle, (command, pass_bytes, padding) in enumerate(cycles):
        wait_until(
            f"cycle {cycle}: the {len(tags)} requests so far answered and marked",
            drained(smtp_server, account, len(tags)),
            worker,
        )
        if command is None:
            time.sleep(0.5)  # setup: back in IDLE
        else:
            tap.arm(command, pass_bytes)
            burst = [f"c{cycle}m{n}" for n in range(12)]
            with account.client() as client:
                client.multiappend("INBOX", [request(tag, padding) for tag in burst])
            tags += burst
            assert tap.sprung.wait(DEADLINE), f"cycle {cycle}: no {command!r}\n{worker.log()}"
        imap.halt(hard=True)
        tap.release()
        time.sleep(1.5)  # the worker finds Dovecot down and backs off
        assert worker.alive(), worker.log()
        imap.resume()

    late = [f"late{n}" for n in range(5)]
    for tag in late:
        account.append(request(tag))
    tags += late
    wait_until("all requests answered", lambda: len(smtp_server.received) >= len(tags), worker)
    finish(worker, config, account, smtp_server, len(tags))

    assert_exactly_once(config, [*tags, "sentinel"], smtp_server)


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_smtp_server_down_then_back_on_the_same_port(
    tmp_path: Path,
    account: ImapAccount,
    smtp_server_factory: SmtpServerFactory,
    start_worker: Callable[[Config], Worker],
) -> None:
    first = smtp_server_factory()
    config = worker_config(tmp_path, account.url(), first)
    worker = start_worker(config)
    account.append(request("before"))
    wait_until("the first request is answered", lambda: len(first.received) == 1, worker)

    first.stop()
    log_before = len(worker.log())
    tags = [f"during{n}" for n in range(5)]
    for tag in tags:
        account.append(request(tag))

    def queued() -> bool:
        rows = [r for r in outbox_rows(config) if r.recipient != "before@example.org"]
        return len(rows) == len(tags)

    wait_until("the questionnaires are queued", queued, worker)
    time.sleep(5)  # the outage lasts a while; the worker keeps trying (every second or two)
    rows = [r for r in outbox_rows(config) if r.recipient != "before@example.org"]
    assert {r.status for r in rows} == {"pending"}, [(r.id, r.status, r.last_error) for r in rows]
    assert worker.alive(), worker.log()
    assert "Connection refused" in worker.log()[log_before:], worker.log()

    second = smtp_server_factory(port=first.port)
    wait_until("every questionnaire delivered", lambda: len(second.received) >= len(tags), worker)
    finish(worker, config, account, second, 1 + len(tags))

    assert recipients(first) == Counter({"before@example.org": 1})
    assert_exactly_once(config, ["before", *tags, "sentinel"], first, second)
    # A connection refused before any row was tried uses up no attempt (max_attempts would
    # otherwise turn a long outage into failed mail).
    assert {r.attempts for r in outbox_rows(config)} == {1}


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_smtp_4xx_is_retried_and_5xx_fails(
    tmp_path: Path,
    account: ImapAccount,
    smtp_server: SmtpServer,
    start_worker: Callable[[Config], Worker],
) -> None:
    config = worker_config(tmp_path, account.url(), smtp_server)
    worker = start_worker(config)

    def row_of(tag: str) -> tuple[str, int, str] | None:
        for row in outbox_rows(config):
            if row.recipient == f"{tag}@example.org":
                return row.status, row.attempts, row.last_error
        return None

    def final(tag: str) -> Callable[[], bool]:
        return lambda: (row_of(tag) or ("",))[0] in ("sent", "failed", "uncertain")

    # One case at a time: a scripted failure hits whichever mail comes next.
    cases: list[tuple[str, str, SmtpStage, int, str]] = [
        ("rcpt451", "451 4.3.0 try later", "RCPT", 2, "sent"),
        ("data452", "452 4.3.1 insufficient storage", "DATA", 1, "sent"),
        ("rcpt550", "550 5.1.1 no such user", "RCPT", 1, "failed"),
        ("data554", "554 5.6.0 message refused", "DATA", 1, "failed"),
    ]
    for tag, reply, stage, times, _ in cases:
        smtp_server.fail_next(reply, times=times, at=stage)
        account.append(request(tag))
        wait_until(f"{tag}: its row reaches a final state", final(tag), worker)

    finish(worker, config, account, smtp_server, len(cases))

    outcome = {tag: row_of(tag) for tag, *_ in cases}
    for tag, reply, _, times, status in cases:
        row = outcome[tag]
        assert row is not None, outcome
        if status == "sent":
            # Refused `times` times with a 4xx, then accepted: one attempt more than refusals.
            assert row[:2] == ("sent", times + 1), outcome
        else:
            # A 5xx is final at once: one attempt, the reply kept, never resent.
            assert row[:2] == ("failed", 1), outcome
            assert reply.split()[0] in row[2], outcome
    assert sorted(recipients(smtp_server).elements()) == [
        "data452@example.org",
        "rcpt451@example.org",
        "sentinel@example.org",
    ], recipients(smtp_server)
    assert all(n == 1 for n in message_ids(smtp_server).values())
    assert len(threads(config)) == len(cases) + 1
