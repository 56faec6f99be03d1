"""The worker: one pass (``run_once``) and the long-running loop (``run``).

A pass: inbox step (fetch, handle, mark), due jobs, outbox flush. The loop repeats passes, waits
with IDLE (or sleeps for ``poll_seconds``), lets the ``schedule`` library tick the periodic work,
and survives transport outages with capped, jittered backoff. SIGTERM/SIGINT finish the message in
hand and exit; a second signal exits at once.
"""

from __future__ import annotations

import logging
import random
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType

import schedule
import sqlalchemy as sa
from sqlmodel import Session

from mailagent.config.transport import InboxSettings
from mailagent.errors import TransportError
from mailagent.service.delivery import FlushReport, flush
from mailagent.service.housekeeping import run_due
from mailagent.service.intake import IntakeReport, intake
from mailagent.service.leases import Leases
from mailagent.service.runtime import Runtime, utcnow
from mailagent.store.claims import claim_jobs, release_stale_jobs
from mailagent.store.database import transaction
from mailagent.store.tables import FAILED, PENDING, Event, Job
from mailagent.transports.imap import ImapInbox
from mailagent.transports.inbox import Inbox, wait_any
from mailagent.transports.opening import open_inbox
from mailagent.transports.sender import Sender

log = logging.getLogger("mailagent.worker")

# Job kind -> handler(runtime, job, now). The guest and manager sides register nudges, reminders
# and the like here; a kind without a handler is failed and logged, never retried forever.
JobHandler = Callable[[Runtime, Session, Job, datetime], None]
STALE_JOB = timedelta(minutes=10)
JOB_ATTEMPTS = 3
JOB_BATCH = 20


@dataclass
class PassReport:
    intake: IntakeReport = field(default_factory=IntakeReport)
    jobs: int = 0
    outbox: FlushReport = field(default_factory=FlushReport)
    # Inbox name -> what failed ("" when the whole pass failed).
    inbox_errors: dict[str, str] = field(default_factory=dict)

    @property
    def inbox_error(self) -> str:
        return "; ".join(f"{n}: {e}" if n else e for n, e in self.inbox_errors.items())


class StopFlag:
    """Set by the first SIGTERM/SIGINT; the second one raises SystemExit at once."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._handle)
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.requested:
            log.warning("second %s: exiting now", signal.Signals(signum).name)
            raise SystemExit(128 + signum)
        self.requested = True
        log.info("%s: finishing the message in hand, then exiting", signal.Signals(signum).name)


def run_jobs(rt: Runtime, now: datetime, handlers: dict[str, JobHandler] | None = None) -> int:
    """Run due jobs, each claimed once (never twice, even across workers) and run in its own
    transaction. A job a dead worker left ``running`` is given back after ``STALE_JOB``; one
    that keeps failing is marked failed after ``JOB_ATTEMPTS`` tries."""
    with transaction(rt.engine) as session:
        release_stale_jobs(session, now - STALE_JOB, JOB_ATTEMPTS)
    count = 0
    while True:
        # Claimed a few at a time (one commit for the lot); a worker killed with some in hand
        # leaves them `running` until STALE_JOB gives them back.
        with transaction(rt.engine) as session:
            ids = claim_jobs(session, now, JOB_BATCH)
        if ids:
            handlers = handlers if handlers is not None else _handlers()
            for job_id in ids:
                _run_job(rt, job_id, now, handlers)
        count += len(ids)
        if len(ids) < JOB_BATCH:
            return count


def _handlers() -> dict[str, JobHandler]:
    # Imported with the first due job: the handlers write mail, which a pass with nothing due
    # never needs to load.
    from mailagent.service.followups import HANDLERS

    return dict(HANDLERS)


def _run_job(rt: Runtime, job_id: int, now: datetime, handlers: dict[str, JobHandler]) -> None:
    try:
        with transaction(rt.engine) as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            handler = handlers.get(job.kind)
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            handler(rt, session, job, now)
            job.status = "done"
    except Exception as exc:
        with transaction(rt.engine) as session:
            job = session.get(Job, job_id)
            if job is None:
                return
            given_up = job.attempts >= JOB_ATTEMPTS or isinstance(exc, LookupError)
            job.status = FAILED if given_up else PENDING
            job.last_error = repr(exc)[:2000]
            session.add(
                Event(thread_id=job.thread_id, at=now, what="job_failed", detail=job.last_error)
            )
        log.error("thread %s job %s (%s): %r", job.thread_id, job_id, job.kind, exc)


def run_once(
    rt: Runtime,
    inbox: Inbox,
    now: datetime,
    stopping: Callable[[], bool] = lambda: False,
    sender: Sender | None = None,
) -> PassReport:
    """Exactly one pass at instant ``now`` over ``rt``'s inbox. Transport failures are
    reported, not raised. ``sender`` replaces the configured outgoing transport (a dry run's)."""
    return run_pass(rt, {rt.mailbox: inbox}, now, stopping, sender)


def run_pass(
    rt: Runtime,
    inboxes: Mapping[str, Inbox],
    now: datetime,
    stopping: Callable[[], bool] = lambda: False,
    sender: Sender | None = None,
    holds: Callable[[str], bool] = lambda _name: True,
) -> PassReport:
    """One pass: each inbox (by name) in turn, then due jobs, housekeeping and the outbox.
    An inbox whose lease ``holds`` no longer confirms is left between two messages."""
    report = PassReport()
    for name, inbox in inboxes.items():
        if stopping():
            break
        try:
            report.intake.add(
                intake(rt.for_mailbox(name), inbox, now, _until(stopping, holds, name))
            )
        except TransportError as exc:
            report.inbox_errors[name] = str(exc)
            log.warning("inbox %s: %s", name, exc)
    if not stopping():
        report.jobs = run_jobs(rt, now)
        run_due(rt, now)
        primary = inboxes.get(rt.mailbox)
        lookup = sent_lookup(rt, primary) if primary is not None else None
        report.outbox = flush(rt, now, sender, sent_lookup=lookup)
    return report


def _until(
    stopping: Callable[[], bool], holds: Callable[[str], bool], name: str
) -> Callable[[], bool]:
    return lambda: stopping() or not holds(name)


def sent_lookup(rt: Runtime, inbox: Inbox) -> Callable[[str], bool | None] | None:
    """How to look for a Message-ID in the Sent folder, when IMAP and ``sent_folder`` allow it."""
    folder = rt.config.settings.outbox.sent_folder
    if not folder or not isinstance(inbox, ImapInbox):
        return None

    def lookup(message_id: str) -> bool | None:
        try:
            return inbox.has_message_id(folder, message_id)
        except TransportError as exc:
            log.warning("Sent folder %s: %s", folder, exc)
            return None

    return lookup


def run(rt: Runtime, stop: StopFlag, clock: Callable[[], datetime] = utcnow) -> None:
    """The long-running loop; returns when ``stop`` is set. Each pass starts by renewing this
    worker's inbox leases and taking its share of the free inboxes."""
    settings = rt.config.settings
    configured = {i.name: i for i in settings.all_inboxes()}
    leases = Leases(rt.engine, list(configured), settings.worker.lease_seconds)
    inboxes: dict[str, Inbox] = {}
    scheduler = schedule.Scheduler()
    scheduler.every(max(1, round(settings.worker.jobs_every_seconds))).seconds.do(
        _periodic, rt, clock
    )
    failures = 0
    log.info(
        "worker started: inboxes %s, outbox %s; worker id %s",
        ", ".join(f"{n} ({open_inbox(i).describe()})" for n, i in configured.items()),
        settings.outbox.endpoint.display(),
        leases.holder,
    )
    try:
        while not stop():
            _hold(inboxes, _guarded_leases(leases), configured)
            report = _guarded_pass(rt, inboxes, clock, stop, leases.holds)
            _guarded(scheduler.run_pending)
            if report.inbox_errors or report.outbox.error:
                failures += 1
                delay = _retry_delay(failures, settings.inbox.backoff_max_seconds)
                # The failing step has logged what went wrong; this says when we try again.
                log.info("transport trouble (try %s); next pass in %.1f s", failures, delay)
                for name in report.inbox_errors:
                    if name in inboxes:
                        inboxes[name].close()
                _back_off(delay, leases, stop)
                continue
            failures = 0
            idle = max(0.0, scheduler.idle_seconds or 0.0) + 0.05
            wait = min(settings.inbox.poll_seconds, idle, leases.renew_every)
            try:
                wait_any(list(inboxes.values()), wait, stop)
            except TransportError as exc:
                log.warning("inbox: %s", exc)
                _back_off(_retry_delay(1, settings.inbox.backoff_max_seconds), leases, stop)
    finally:
        for inbox in inboxes.values():
            inbox.close()
        _guarded(leases.release_all)
        log.info("worker stopped (worker id %s)", leases.holder)


def _guarded_leases(leases: Leases) -> tuple[str, ...]:
    """The inboxes this worker holds now; none while the database cannot say."""
    try:
        return leases.rebalance()
    except sa.exc.OperationalError as exc:
        log.warning("database unavailable (inbox leases): %s", exc.orig)
        return ()


def _hold(
    inboxes: dict[str, Inbox], held: Sequence[str], configured: Mapping[str, InboxSettings]
) -> None:
    """Open the inboxes just taken, close the ones given back or lost."""
    for name in [n for n in inboxes if n not in held]:
        inboxes.pop(name).close()
    for name in held:
        if name not in inboxes:
            inboxes[name] = open_inbox(configured[name])


def _guarded_pass(
    rt: Runtime,
    inboxes: Mapping[str, Inbox],
    clock: Callable[[], datetime],
    stop: StopFlag,
    holds: Callable[[str], bool],
) -> PassReport:
    """One pass that cannot end the process: any failure is logged and becomes a retry."""
    try:
        return run_pass(rt, inboxes, clock(), stop, holds=holds)
    except sa.exc.OperationalError as exc:
        log.warning("database unavailable: %s", exc.orig)
        return PassReport(inbox_errors={"": f"database: {exc.orig!r}"})
    except Exception as exc:
        log.exception("pass failed; retrying with backoff")
        return PassReport(inbox_errors={"": repr(exc)})


def _guarded(step: Callable[[], object]) -> None:
    try:
        step()
    except sa.exc.OperationalError as exc:
        log.warning("database unavailable: %s", exc.orig)
    except Exception:
        log.exception("periodic work failed; it runs again on the next tick")


def _periodic(rt: Runtime, clock: Callable[[], datetime]) -> None:
    # Work that is due without new mail (jobs, retries of the outbox) runs on the scheduler's tick.
    now = clock()
    run_jobs(rt, now)
    flush(rt, now)


def _retry_delay(failures: int, cap: float) -> float:
    """Exponential backoff from 1 s, capped, with jitter so restarted fleets do not stampede."""
    base: float = min(cap, 2.0 ** min(failures - 1, 20))
    return base * random.uniform(0.5, 1.0)


def _back_off(seconds: float, leases: Leases, stop: Callable[[], bool]) -> None:
    """Wait out a backoff without letting this worker's leases run out meanwhile."""
    deadline = time.monotonic() + seconds
    while not stop() and (left := deadline - time.monotonic()) > 0:
        _sleep(min(left, leases.renew_every), stop)
        if time.monotonic() < deadline:
            _guarded_leases(leases)


def _sleep(seconds: float, stop: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while not stop() and time.monotonic() < deadline:
        time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
