"""One inbox step of a pass: fetch, store, then hand each message to
:mod:`mailagent.service.handling`, and mark handled mail on the server.

Mailman's runner discipline: the raw bytes are committed before anything else is tried; each
message then gets one transaction (on SQLite a savepoint, a run of fresh messages sharing one
commit); a message that keeps failing is quarantined after
``max_attempts`` and never blocks the ones behind it. The server is touched (keyword or move)
only after the commit.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from mailagent.errors import TransportError
from mailagent.service.runtime import Runtime
from mailagent.store.database import grouped, transaction
from mailagent.store.inbound import (
    get_watermark,
    pending_server_actions,
    received_attempts,
    set_watermark,
    store_fetched,
)
from mailagent.store.tables import DUPLICATE, PROCESSED, QUARANTINED, Message
from mailagent.transports.inbox import Inbox

log = logging.getLogger("mailagent.intake")


@dataclass
class IntakeReport:
    fetched: int = 0
    handled: int = 0
    quarantined: int = 0
    duplicates: int = 0

    def add(self, other: IntakeReport) -> None:
        self.fetched += other.fetched
        self.handled += other.handled
        self.quarantined += other.quarantined
        self.duplicates += other.duplicates


def intake(rt: Runtime, inbox: Inbox, now: datetime, stopping: Callable[[], bool]) -> IntakeReport:
    """Fetch new mail and handle everything received; raises TransportError if the inbox fails."""
    report = IntakeReport()
    uidvalidity = inbox.open()
    _server_actions(rt, inbox, uidvalidity)
    settings = rt.config.settings.inbox
    while not stopping():
        fetched = _fetch(rt, inbox, uidvalidity, now)
        report.fetched += fetched
        _handle_received(rt, now, stopping, report)
        _server_actions(rt, inbox, uidvalidity)
        if fetched < settings.fetch_batch:
            break  # the inbox is drained; a message that failed is retried next pass
    return report


def _fetch(rt: Runtime, inbox: Inbox, uidvalidity: int, now: datetime) -> int:
    with transaction(rt.engine) as session:
        mark = get_watermark(session, rt.mailbox)
        last_uid = 0
        if mark is not None and mark.uidvalidity == uidvalidity:
            last_uid = mark.last_uid
        elif mark is not None:
            log.warning(
                "inbox %s: UIDVALIDITY changed from %s to %s; reading the whole mailbox again "
                "(Message-IDs already stored are not handled twice)",
                rt.mailbox,
                mark.uidvalidity,
                uidvalidity,
            )
    if mark is None and rt.config.settings.inbox.skip_existing:
        last_uid = inbox.highest_uid()
        log.warning(
            "inbox %s: first start; %s existing message(s) left alone (skip_existing)",
            rt.mailbox,
            last_uid,
        )
        with transaction(rt.engine) as session:
            set_watermark(session, rt.mailbox, uidvalidity, last_uid, now)
        return 0
    items = inbox.fetch_new(last_uid, rt.config.settings.inbox.fetch_batch)
    with transaction(rt.engine) as session:
        store_fetched(
            session, rt.mailbox, uidvalidity, ((f.uid, f.size, f.raw) for f in items), now
        )
        top = max((f.uid for f in items), default=last_uid)
        set_watermark(session, rt.mailbox, uidvalidity, top, now)
    for f in items:
        if f.raw is None:
            log.error(
                "inbox %s uid %s: %s bytes is over the size cap; quarantined unread",
                rt.mailbox,
                f.uid,
                f.size,
            )
    return len(items)


def _handle_received(
    rt: Runtime, now: datetime, stopping: Callable[[], bool], report: IntakeReport
) -> None:
    """Handle the stored batch, each message in a transaction (or savepoint) of its own.

    Messages never tried before have their attempt counted together, in one commit before any
    of them is handled. A crash in the middle charges the whole batch one try, so a message
    that was tried before is counted alone (E.7): a poison message then uses up only its own
    tries, and its neighbours lose at most one. Where the database takes one writer at a time
    anyway (SQLite), runs of up to GROUP fresh messages are committed together, each still a
    savepoint of its own (see :func:`mailagent.store.database.grouped`).
    """
    with transaction(rt.engine) as session:
        rows = received_attempts(session, rt.mailbox, rt.config.settings.inbox.fetch_batch)
    if not rows:
        return
    # Imported with the first message to handle: reading and answering mail is most of the
    # code, and a pass with nothing to read (an idle ``run --once``) never loads it.
    from mailagent.service import handling

    handling.prepare(rt)
    fresh = [row_id for row_id, attempts in rows if attempts == 0]
    handling.count_attempts(rt, fresh, +1)
    # Counted tries whose handling is not committed yet: given back if it never is.
    unused = dict.fromkeys(fresh)
    queue = deque(rows)
    try:
        with rt.held() as batch:
            # ``stopping`` is asked only between groups: it may renew the inbox's lease on a
            # connection of its own, which would wait for the lock a group holds.
            while queue and not stopping():
                _handle_next(batch, queue, now, report, unused)
    except Exception:
        # The database failed under us: the messages not handled did not fail, give their
        # tries back (best effort, on a connection of its own; only a process that dies keeps
        # them charged).
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            handling.count_attempts(rt, list(unused), -1)
        raise
    # Stopping is not failing either.
    handling.count_attempts(rt, list(unused), -1)


# A group of fresh messages ends after this many, or once it has taken this long: a crash
# undoes at most one group's handling (each of its messages is then handled again, its try
# counted alone), and a stop, a lease renewal or a second writer waits at most about this
# long (plus one message's time budget).
GROUP = 20
GROUP_SECONDS = 1.0


def _handle_next(
    rt: Runtime,
    queue: deque[tuple[int, int]],
    now: datetime,
    report: IntakeReport,
    unused: dict[int, None],
) -> None:
    """Handle the next message of ``queue`` (row id, tries so far) alone if it was tried
    before, since its try must be committed before it is handled; else the run of fresh
    messages at its head, as one group (see :func:`mailagent.store.database.grouped`).
    Outcomes count in ``report`` once committed."""
    from mailagent.service import handling

    outcomes: dict[int, str] = {}
    row_id, attempts = queue[0]
    if attempts:
        queue.popleft()
        outcomes[row_id] = handling.handle_one(rt, row_id, now)
    else:
        started = time.monotonic()
        with grouped(rt.engine):
            while queue and queue[0][1] == 0 and len(outcomes) < GROUP:
                if time.monotonic() - started > GROUP_SECONDS:
                    break
                row_id, _ = queue.popleft()
                outcomes[row_id] = handling.handle_counted(rt, row_id, 1, now)
    for row_id in outcomes:
        unused.pop(row_id, None)
    report.handled += len(outcomes)
    report.quarantined += list(outcomes.values()).count(QUARANTINED)
    report.duplicates += list(outcomes.values()).count(DUPLICATE)


def _server_actions(rt: Runtime, inbox: Inbox, uidvalidity: int) -> None:
    """Marking is retried every pass, but a folder the server refuses never stops the intake."""
    try:
        apply_server_actions(rt, inbox, uidvalidity)
    except TransportError as exc:
        log.error("inbox %s: marking handled mail failed (retried next pass): %s", rt.mailbox, exc)
        inbox.open()


def apply_server_actions(rt: Runtime, inbox: Inbox, uidvalidity: int) -> None:
    """Mark committed messages on the server; on failure they stay pending for the next pass.

    Rows stored under an older UIDVALIDITY are cleared without action: their UIDs now name
    nothing (or something else).
    """
    with transaction(rt.engine) as session:
        rows = pending_server_actions(session, rt.mailbox)
    if not rows:
        return
    current = [r for r in rows if r.uidvalidity == uidvalidity and r.uid is not None]
    inbox.mark_processed([r.uid for r in current if r.server_action == PROCESSED and r.uid])
    inbox.mark_quarantined([r.uid for r in current if r.server_action == QUARANTINED and r.uid])
    with transaction(rt.engine) as session:
        session.execute(
            sa.update(Message)
            .where(Message.id.in_([r.id for r in rows]))  # type: ignore[union-attr]
            .values(server_action="")
        )
