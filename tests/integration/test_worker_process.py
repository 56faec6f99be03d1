"""``mailagent run`` as a real process: IDLE wakes it, SIGTERM stops it cleanly, an outage does
not end it, and a restart answers nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import REPO, guest_mail, make_config, threads
from servers import ImapAccount, SmtpServer

from mailagent.config.settings import Config


def start_worker(config: Config, password: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "MAILAGENT_IMAP_PASSWORD": password}
    return subprocess.Popen(
        [sys.executable, "-m", "mailagent", "--config", str(config.path), "run", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 15) -> str:
    process.send_signal(sig)
    out, _ = process.communicate(timeout=timeout)
    return out


@pytest.fixture
def config(tmp_path: Path, imap_account: ImapAccount, smtp_server: SmtpServer) -> Config:
    # Polling is made slow on purpose: mail that arrives within seconds came through IDLE.
    return make_config(
        tmp_path,
        imap_account.url(),
        smtp_server.url,
        inbox={"poll_seconds": 600},
        worker={"jobs_every_seconds": 600},
    )


@pytest.fixture
def worker(config: Config, imap_account: ImapAccount) -> Iterator[subprocess.Popen[str]]:
    process = start_worker(config, imap_account.password)
    yield process
    if process.poll() is None:
        process.kill()
        process.communicate()


def wait_until(predicate: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(predicate) and predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_idle_wakes_the_worker_and_sigterm_stops_it(
    worker: subprocess.Popen[str],
    config: Config,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
) -> None:
    time.sleep(1.5)  # let it start, drain the empty inbox and enter IDLE
    imap_account.append(guest_mail(sender="Ana <ana@example.org>"))
    smtp_server.wait_for(1, timeout=15)
    imap_account.append(guest_mail(sender="Ben <ben@example.org>"))
    smtp_server.wait_for(2, timeout=15)

    out = stop(worker)

    assert worker.returncode == 0, out
    assert "worker stopped" in out
    assert sorted(t.guest_email for t in threads(config)) == ["ana@example.org", "ben@example.org"]


def test_restart_after_sigkill_answers_nothing_twice(
    worker: subprocess.Popen[str],
    config: Config,
    imap_account: ImapAccount,
    smtp_server: SmtpServer,
) -> None:
    for n in range(5):
        imap_account.append(guest_mail(sender=f"Guest {n} <guest{n}@example.org>"))
    smtp_server.wait_for(5, timeout=20)
    stop(worker, signal.SIGKILL)

    again = start_worker(config, imap_account.password)
    try:
        imap_account.append(guest_mail(sender="Late <late@example.org>"))
        smtp_server.wait_for(6, timeout=20)
        time.sleep(1)
    finally:
        out = stop(again)
    assert again.returncode == 0, out
    recipients = [r.rcpt_tos[0] for r in smtp_server.received]
    assert len(recipients) == len(set(recipients)) == 6


def test_an_imap_outage_is_survived(
    tmp_path: Path, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    # Port 1 on loopback refuses connections: the worker must keep trying, not exit.
    broken = make_config(
        tmp_path,
        "imap://nobody@127.0.0.1:1/INBOX",
        smtp_server.url,
        inbox={"backoff_max_seconds": 1},
    )
    process = start_worker(broken, "x")
    time.sleep(4)
    assert process.poll() is None
    out = stop(process)
    assert process.returncode == 0
    refusals = out.count("Connection refused")
    assert refusals >= 2, out  # logged once per retry, with the reason
    assert "next pass in" in out
