"""``mailagent run`` killed with SIGKILL at random moments while guests write and reply.

A traffic thread APPENDs guest requests to the Dovecot INBOX in bursts and answers every
questionnaire that reaches the aiosmtpd sink with the guest's reply (APPENDed too). Meanwhile the
worker process is started, killed with SIGKILL after a random 0.05-1.5 s and started again, many
times over; a last worker then runs until everything is drained and gets SIGTERM. The accounting
at the end is exact: every inbound mail stored once and handled, one thread per request, every
reply on its guest's thread, no Message-ID twice at the sink, at most one questionnaire per guest
and exactly one unless its outbox row ended ``uncertain``, every IMAP message marked processed.

``run_scenario`` is also what ``bench/sigkill_faults.py`` runs with bigger numbers. The seed is
printed; ``MAILAGENT_SIGKILL_SEED=<seed>`` replays the same kill schedule and bursts (the
interleaving with the worker still depends on timing).
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
import sqlalchemy as sa
from harness import REPO, guest_mail, make_config, messages, outbox_rows, parse, reply_to, threads
from servers import ImapAccount, SmtpServer

from mailagent.config.settings import Config
from mailagent.store.tables import (
    DONE,
    PENDING,
    QUARANTINED,
    RECEIVED,
    SENDING,
    SENT,
    UNCERTAIN,
    Outbox,
)

PROCESSED_KEYWORD = b"$MailagentProcessed"
SEED_ENV = "MAILAGENT_SIGKILL_SEED"


@dataclass(frozen=True)
class Params:
    """The scenario's knobs; the test uses the defaults, the bench script scales them up."""

    seed: int
    requests: int = 300
    kills: int = 30
    up_min: float = 0.05  # seconds a worker lives before its SIGKILL
    up_max: float = 1.5
    burst_min: int = 5  # requests APPENDed back to back
    burst_max: int = 20
    gap_min: float = 0.2  # pause between two bursts
    gap_max: float = 1.0
    drain_deadline: float = 300.0  # the last worker must drain everything within this


def scenario_config(
    folder: Path, account: ImapAccount, sink: SmtpServer, database_url: str | None = None
) -> Config:
    # outbox.timeout 5: a row a killed worker left ``sending`` is reconciled after 2*5+60 s.
    # The global breaker (60 mails a minute by default) would stretch 300 questionnaires over
    # five minutes; it is not what this test is about, so it is set out of reach.
    return make_config(
        folder,
        account.url(),
        sink.url,
        database_url,
        inbox={"poll_seconds": 0.5, "fetch_batch": 25},
        worker={"jobs_every_seconds": 1},
        outbox={"timeout": 5, "retry_first_seconds": 1},
        limits={"global_per_minute": 100_000},
    )


def bare_id(message_id: object) -> str:
    """A Message-ID without angle brackets or surrounding space, as the store keeps it."""
    return str(message_id or "").strip().removeprefix("<").removesuffix(">")


def guest_of(address: str) -> str:
    return address.strip().lower()


# --------------------------------------------------------------------------------------------
# The guests: requests in bursts, a reply to every questionnaire that arrives
# --------------------------------------------------------------------------------------------


class Traffic(threading.Thread):
    """APPENDs ``requests`` guest requests in bursts and a reply to each questionnaire received.

    Uses one IMAP connection of its own. Everything it did is recorded for the accounting; an
    exception ends the thread and is re-raised by ``check()`` in the main thread.
    """

    def __init__(self, account: ImapAccount, sink: SmtpServer, params: Params) -> None:
        super().__init__(name="guest-traffic", daemon=True)
        self.account = account
        self.sink = sink
        self.params = params
        self.rng = random.Random(params.seed ^ 0x5EED)
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.error: BaseException | None = None
        self.request_ids: dict[str, str] = {}  # guest email -> request Message-ID
        self.reply_ids: dict[str, list[str]] = {}  # guest email -> reply Message-IDs
        self.answered: set[str] = set()  # Message-IDs of questionnaires replied to
        self.sink_seen = 0  # sink messages looked at so far
        self.bursts = 0
        self.requests_done_at: float | None = None

    def run(self) -> None:
        try:
            with self.account.client() as client:
                self._loop(client)
        except BaseException as exc:  # handed to the main thread by check()
            self.error = exc

    def _loop(self, client: Any) -> None:
        p, n = self.params, 0
        next_burst = time.monotonic()
        while not self.stop_event.is_set():
            if n < p.requests and time.monotonic() >= next_burst:
                size = min(self.rng.randint(p.burst_min, p.burst_max), p.requests - n)
                for _ in range(size):
                    email = f"guest{n}@example.org"
                    mid = f"<request.{n}.{p.seed}@mail.example.org>"
                    client.append(
                        "INBOX", guest_mail(sender=f"Guest {n} <{email}>", message_id=mid)
                    )
                    with self.lock:
                        self.request_ids[email] = bare_id(mid)
                    n += 1
                self.bursts += 1
                next_burst = time.monotonic() + self.rng.uniform(p.gap_min, p.gap_max)
                if n == p.requests:
                    self.requests_done_at = time.monotonic()
            self._answer(client)
            self.stop_event.wait(0.05)

    def _answer(self, client: Any) -> None:
        received = self.sink.received
        for record in received[self.sink_seen :]:
            ours = record.message
            mid = bare_id(ours["Message-ID"])
            if mid not in self.answered:
                raw = reply_to(ours)
                client.append("INBOX", raw)
                guest = guest_of(record.rcpt_tos[0])
                with self.lock:
                    self.reply_ids.setdefault(guest, []).append(bare_id(parse(raw)["Message-ID"]))
                    self.answered.add(mid)
        self.sink_seen = len(received)

    def check(self) -> None:
        if self.error is not None:
            raise AssertionError(f"guest traffic failed: {self.error!r}") from self.error

    def idle(self) -> bool:
        """All requests are in and every sink message seen so far has been answered."""
        return self.requests_done_at is not None and self.sink_seen == len(self.sink.received)

    def expected_inbound(self) -> set[str]:
        with self.lock:
            replies = {mid for mids in self.reply_ids.values() for mid in mids}
            return set(self.request_ids.values()) | replies

    def finish(self) -> None:
        self.stop_event.set()
        self.join(timeout=30)
        self.check()


# --------------------------------------------------------------------------------------------
# The worker process
# --------------------------------------------------------------------------------------------


def start_worker(config: Config, password: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MAILAGENT_IMAP_PASSWORD": password}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "mailagent", "--config", str(config.path), "run"],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


_PHASES = (  # the last of these in a killed worker's log says roughly what it was doing
    ("worker started", "idle or polling"),
    ("new request; questionnaire queued", "handling inbound mail"),
    ("reply from guest", "handling inbound mail"),
    ("sent to", "sending"),
)


def kill_phase(log_text: str) -> str:
    phase = "starting up"
    best = -1
    for marker, name in _PHASES:
        at = log_text.rfind(marker)
        if at > best:
            best, phase = at, name
    return phase


@dataclass
class Run:
    """What happened: kills, timings and the worker logs (kept for a failure's report)."""

    kills: int = 0
    crashes: list[str] = field(default_factory=list)  # workers that exited before their kill
    phases: Counter[str] = field(default_factory=Counter)
    kill_seconds: float = 0.0
    drain_seconds: float = 0.0
    final_output: str = ""
    final_returncode: int | None = None
    log_dir: Path = Path()


def imap_flags(account: ImapAccount) -> dict[int, set[bytes]]:
    with account.client() as client:
        client.select_folder("INBOX", readonly=True)
        uids = cast(list[int], client.search("ALL"))
        if not uids:
            return {}
        fetched = cast(dict[int, dict[bytes, Any]], client.fetch(uids, ["FLAGS"]))
    return {uid: set(data[b"FLAGS"]) for uid, data in fetched.items()}


def drain_status(
    config: Config, account: ImapAccount, sink: SmtpServer, traffic: Traffic
) -> tuple[bool, str]:
    """Whether the final worker is done, and a line saying what is still outstanding."""
    if not traffic.idle():
        return False, "guest traffic still appending"
    expected = traffic.expected_inbound()
    try:
        inbound = [m for m in messages(config) if m.direction == "in"]
    except sa.exc.OperationalError as exc:
        # Every earlier worker may have been killed before its migrations committed: the
        # final one creates the schema first.
        return False, f"database not ready: {str(exc).splitlines()[0]}"
    settled = {m.message_id for m in inbound if m.status != RECEIVED}
    waiting = [m for m in inbound if m.status == RECEIVED]
    missing = expected - settled
    open_rows = [r for r in outbox_rows(config) if r.status in (PENDING, SENDING)]
    if missing or waiting or open_rows:
        return False, (
            f"{len(missing)} inbound not settled, {len(waiting)} received, "
            f"{len(open_rows)} outbox rows pending/sending"
        )
    if not traffic.idle():  # a questionnaire went out while we looked: its reply is coming
        return False, "a reply is being appended"
    unmarked = [uid for uid, flags in imap_flags(account).items() if PROCESSED_KEYWORD not in flags]
    if unmarked:
        return False, f"{len(unmarked)} IMAP messages without {PROCESSED_KEYWORD.decode()}"
    return True, "drained"


def run_scenario(
    config: Config, account: ImapAccount, sink: SmtpServer, params: Params, log_dir: Path
) -> tuple[Run, Traffic]:
    """Start/SIGKILL the worker ``params.kills`` times under live traffic, then drain and stop."""
    rng = random.Random(params.seed)
    run = Run(log_dir=log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    traffic = Traffic(account, sink, params)
    traffic.start()
    process: subprocess.Popen[bytes] | None = None
    try:
        started = time.monotonic()
        for k in range(params.kills):
            log = log_dir / f"worker-{k:03d}.log"
            process = start_worker(config, account.password, log)
            time.sleep(rng.uniform(params.up_min, params.up_max))
            if process.poll() is not None:
                run.crashes.append(f"{log.name}: exited {process.returncode} before its kill")
            else:
                process.send_signal(signal.SIGKILL)
                process.wait()
                run.kills += 1
                run.phases[kill_phase(log.read_text(errors="replace"))] += 1
            process = None
            traffic.check()
        run.kill_seconds = time.monotonic() - started

        started = time.monotonic()
        final_log = log_dir / "worker-final.log"
        process = start_worker(config, account.password, final_log)
        deadline = started + params.drain_deadline
        status = ""
        while time.monotonic() < deadline:
            traffic.check()
            if process.poll() is not None:
                break  # the assertions on the final worker report it
            done, status = drain_status(config, account, sink, traffic)
            if done:
                break
            time.sleep(1.0)
        run.drain_seconds = time.monotonic() - started
        # The clean stop under test is the running worker's: when the others left nothing to
        # do, SIGTERM could otherwise land while it still imports, before it handles signals.
        up_by = time.monotonic() + 30
        while process.poll() is None and time.monotonic() < up_by:
            if "worker started" in final_log.read_text(errors="replace"):
                break
            time.sleep(0.1)
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        run.final_returncode = process.returncode
        run.final_output = final_log.read_text(errors="replace")
        if status != "drained":
            run.crashes.append(f"final worker did not drain in time: {status}")
        process = None
    finally:
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        traffic.finish()
    return run, traffic


# --------------------------------------------------------------------------------------------
# The accounting
# --------------------------------------------------------------------------------------------


@dataclass
class Figures:
    requests: int = 0
    replies: int = 0
    kills: int = 0
    duplicates: int = 0
    losses: int = 0
    uncertain: int = 0
    uncertain_delivered: int = 0  # of the uncertain rows, how many the sink did get
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"requests={self.requests} replies={self.replies} kills={self.kills} "
            f"duplicates={self.duplicates} losses={self.losses} uncertain={self.uncertain}"
        )


def _first(items: list[str], limit: int = 10) -> str:
    return ", ".join(items[:limit]) + (f" ... ({len(items)} in all)" if len(items) > limit else "")


def account_for(
    config: Config, account: ImapAccount, sink: SmtpServer, traffic: Traffic, run: Run
) -> Figures:
    """Compare what the guests sent and got with the store, the sink and the IMAP flags."""
    fig = Figures(kills=run.kills)
    problems = fig.problems
    request_ids = dict(traffic.request_ids)
    reply_ids = {g: list(m) for g, m in traffic.reply_ids.items()}
    fig.requests = len(request_ids)
    fig.replies = sum(len(m) for m in reply_ids.values())

    rows = messages(config)
    inbound = [m for m in rows if m.direction == "in"]
    # A row quarantined unread has no Message-ID of its own yet: read it from its bytes, so
    # the mail counts as stored (and quarantined), not as lost and as a duplicate of another.
    stored_id = {m.id: m.message_id or bare_id(parse(m.raw)["Message-ID"]) for m in inbound}
    by_id = Counter(stored_id[m.id] for m in inbound)
    row_of = {stored_id[m.id]: m for m in inbound}
    expected = set(request_ids.values()) | {mid for mids in reply_ids.values() for mid in mids}

    # Inbound: each mail stored once and done.
    twice = sorted(mid for mid, n in by_id.items() if n > 1)
    absent = sorted(expected - set(by_id))
    extra = sorted(set(by_id) - expected)
    fig.duplicates += sum(by_id[mid] - 1 for mid in twice)
    fig.losses += len(absent)
    if twice:
        problems.append(f"inbound stored more than once: {_first(twice)}")
    if absent:
        problems.append(f"inbound never stored: {_first(absent)}")
    if extra:
        problems.append(f"inbound rows nobody sent: {_first(extra)}")
    by_status = Counter(m.status for m in inbound)
    if set(by_status) != {DONE}:
        bad = [
            f"{stored_id[m.id]} {m.status} attempts={m.attempts}"
            for m in inbound
            if m.status != DONE
        ]
        problems.append(f"inbound statuses {dict(by_status)}: {_first(bad)}")
    if by_status[RECEIVED] or by_status[QUARANTINED]:
        fig.losses += by_status[RECEIVED] + by_status[QUARANTINED]
    uids = Counter((m.uidvalidity, m.uid) for m in inbound)
    if any(n > 1 for n in uids.values()):
        problems.append("two inbound rows share one (UIDVALIDITY, UID)")

    # Threads: one per request, one per guest.
    ths = threads(config)
    thread_of = {t.guest_email.lower(): t.id for t in ths}
    if len(ths) != len(request_ids) or set(thread_of) != set(request_ids):
        per_guest = Counter(t.guest_email.lower() for t in ths)
        doubled = sorted(g for g, n in per_guest.items() if n > 1)
        fig.duplicates += sum(per_guest[g] - 1 for g in doubled)
        fig.losses += len(set(request_ids) - set(thread_of))
        problems.append(
            f"{len(ths)} threads for {len(request_ids)} requests; guests with two: "
            f"{_first(doubled)}; without: {_first(sorted(set(request_ids) - set(thread_of)))}"
        )
    for guest, mid in request_ids.items():
        row = row_of.get(mid)
        if row is not None and (row.kind != "request" or row.thread_id != thread_of.get(guest)):
            problems.append(
                f"request {mid} of {guest}: kind {row.kind!r}, thread {row.thread_id}, "
                f"guest's thread {thread_of.get(guest)}"
            )
    for guest, mids in reply_ids.items():
        for mid in mids:
            row = row_of.get(mid)
            if row is not None and (row.kind != "reply" or row.thread_id != thread_of.get(guest)):
                problems.append(
                    f"reply {mid} of {guest}: kind {row.kind!r}, thread {row.thread_id}, "
                    f"guest's thread {thread_of.get(guest)}"
                )

    # Outgoing: no Message-ID twice, at most one mail per (recipient, kind), exactly one
    # questionnaire per guest unless its row ended uncertain; no row left pending or sending.
    out_kind = {m.message_id: m.kind for m in rows if m.direction == "out"}
    out_row_msg = {m.id: m.message_id for m in rows if m.direction == "out"}
    received = sink.received
    sink_ids = Counter(bare_id(r.message["Message-ID"]) for r in received)
    resent = sorted(mid for mid, n in sink_ids.items() if n > 1)
    if resent:
        problems.append(f"Message-IDs received twice by the sink: {_first(resent)}")
    unknown = sorted(mid for mid in sink_ids if mid not in out_kind)
    if unknown:
        problems.append(f"sink got mail the store does not know: {_first(unknown)}")
    per_pair = Counter(
        (guest_of(r.rcpt_tos[0]), out_kind.get(bare_id(r.message["Message-ID"]), "?"))
        for r in received
    )
    doubled_pairs = sorted(f"{g}/{k}" for (g, k), n in per_pair.items() if n > 1)
    fig.duplicates += sum(n - 1 for n in per_pair.values())  # includes a Message-ID resent
    if doubled_pairs:
        problems.append(f"more than one mail of a kind to one guest: {_first(doubled_pairs)}")
    if any(len(r.rcpt_tos) != 1 for r in received):
        problems.append("a sink message had other than exactly one recipient")

    outbox = outbox_rows(config)
    open_rows = [f"row {r.id} {r.status}" for r in outbox if r.status in (PENDING, SENDING)]
    if open_rows:
        problems.append(f"outbox rows never settled: {_first(open_rows)}")
    other = [f"row {r.id} {r.status}" for r in outbox if r.status not in (SENT, UNCERTAIN)]
    if other and not open_rows:
        problems.append(f"outbox rows neither sent nor uncertain: {_first(other)}")
    rows_per_thread = Counter((r.thread_id, r.kind) for r in outbox)
    if any(n > 1 for n in rows_per_thread.values()):
        problems.append(f"more than one outbox row per (thread, kind): {rows_per_thread}")
    delivered = {guest_of(r.rcpt_tos[0]) for r in received}
    for r in outbox:
        mid = out_row_msg.get(r.message_id, "")
        got = sink_ids.get(mid, 0)
        if r.status == SENT and got != 1:
            fig.losses += got == 0
            problems.append(f"outbox row {r.id} sent, but the sink got it {got} times")
        elif r.status == UNCERTAIN:
            fig.uncertain += 1
            fig.uncertain_delivered += got >= 1
    for guest in request_ids:
        thread = thread_of.get(guest)
        statuses = [r.status for r in outbox if r.thread_id == thread and r.kind == "questionnaire"]
        if guest not in delivered and statuses != [UNCERTAIN] and thread is not None:
            fig.losses += 1
            problems.append(f"{guest} got no questionnaire; its outbox rows: {statuses}")

    # The server: every message carries the processed keyword.
    flags = imap_flags(account)
    unmarked = sorted(uid for uid, f in flags.items() if PROCESSED_KEYWORD not in f)
    if unmarked:
        problems.append(f"IMAP UIDs without {PROCESSED_KEYWORD.decode()}: {unmarked[:20]}")
    if len(flags) != len(expected):
        problems.append(f"{len(flags)} IMAP messages, {len(expected)} appended")

    # The processes: none died on its own, the last one stopped cleanly on SIGTERM.
    problems.extend(run.crashes)
    if run.final_returncode != 0:
        problems.append(f"final worker exit status {run.final_returncode}")
    for marker in ("Traceback", "quarantined"):
        if marker in run.final_output:
            problems.append(f"final worker log mentions {marker!r}")
    return fig


def uncertain_batches(config: Config, sink: SmtpServer) -> list[str]:
    """One line per flush (rows claimed at one instant) that left rows ``uncertain``."""
    at_sink = {bare_id(r.message["Message-ID"]) for r in sink.received}
    out_ids = {m.id: m.message_id for m in messages(config) if m.direction == "out"}
    batches: dict[object, list[Outbox]] = {}
    for row in outbox_rows(config):
        batches.setdefault(row.claimed_at, []).append(row)
    lines = []
    for claimed_at, group in batches.items():
        unsure = [r for r in group if r.status == UNCERTAIN]
        if not unsure:
            continue
        seen = sum(out_ids.get(r.message_id) in at_sink for r in unsure)
        ids = [r.id or 0 for r in unsure]
        lines.append(
            f"  flush at {claimed_at}: {len(group)} rows claimed, "
            f"{sum(r.status == SENT for r in group)} sent, {len(unsure)} uncertain "
            f"(rows {min(ids)}-{max(ids)}, attempts {sorted({r.attempts for r in unsure})}), "
            f"{seen} of those at the sink"
        )
    return lines


def report(params: Params, run: Run, fig: Figures) -> str:
    phases = ", ".join(f"{name}: {n}" for name, n in sorted(run.phases.items()))
    return "\n".join(
        [
            fig.summary(),
            f"seed={params.seed} kill phase {run.kill_seconds:.1f} s, drain {run.drain_seconds:.1f}"
            f" s; kills landed while {phases}",
            f"uncertain rows the sink did receive: {fig.uncertain_delivered}, "
            f"did not: {fig.uncertain - fig.uncertain_delivered}",
            f"worker logs: {run.log_dir}",
        ]
    )


def log_excerpts(run: Run, pattern: str = r"ERROR|WARNING|Traceback") -> str:
    found = []
    for path in sorted(run.log_dir.glob("worker-*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if re.search(pattern, line):
                found.append(f"{path.name}: {line}")
    return "\n".join(found[:40])


def pick_seed() -> int:
    value = os.environ.get(SEED_ENV)
    return int(value) if value else random.SystemRandom().randrange(2**32)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_random_sigkills_lose_nothing_and_send_nothing_twice(
    tmp_path: Path, imap_account: ImapAccount, smtp_server: SmtpServer
) -> None:
    params = Params(seed=pick_seed())
    print(f"\nsigkill faults: seed={params.seed} ({SEED_ENV}={params.seed} replays it)")
    config = scenario_config(tmp_path, imap_account, smtp_server)

    run, traffic = run_scenario(config, imap_account, smtp_server, params, tmp_path / "logs")
    fig = account_for(config, imap_account, smtp_server, traffic, run)
    print(report(params, run, fig))
    print("\n".join(uncertain_batches(config, smtp_server)))

    assert run.kills >= 30
    assert fig.requests == params.requests >= 300
    assert not fig.problems, "\n".join([*fig.problems, log_excerpts(run)])
    assert fig.duplicates == 0
    assert fig.losses == 0
