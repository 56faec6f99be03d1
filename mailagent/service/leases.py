"""Which worker reads which inbox, when several run on one database.

Each inbox has at most one lease row: its holder and when the lease runs out. A worker checks
what it holds before every message and renews it every third of the lease time, and takes over
an inbox whose lease has run out, so a killed worker's inboxes pass on within one lease time.
Workers also leave a heartbeat; the inboxes are shared out among the live ones, at most
``ceil(inboxes / workers)`` each, and a worker holding more than its share gives the rest back.

Every change is a single conditional UPDATE or an INSERT that does nothing on conflict, so two
workers racing for one inbox cannot both win (PostgreSQL re-checks the WHERE clause on the row
it waited for; SQLite serialises writers with BEGIN IMMEDIATE). Lease times come from the
database server's clock on PostgreSQL (one clock for workers on several hosts) and from this
host's on SQLite, never from a pass's ``now`` (which ``run --now`` may move): they are about
processes being alive. The message rows are locked while handled besides, so even two holders
at once (a holder that stalled past its lease) cannot answer a mail twice.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailagent.service.runtime import utcnow
from mailagent.store.database import insert_for, transaction
from mailagent.store.tables import Lease, WorkerBeat

log = logging.getLogger("mailagent.leases")


def worker_name() -> str:
    """host:pid:random, unique among workers past and present."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(3)}"


class Leases:
    """One worker's leases on the inboxes named in ``mailboxes``."""

    def __init__(
        self,
        engine: Engine,
        mailboxes: Sequence[str],
        seconds: float,
        holder: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.engine = engine
        self.mailboxes = tuple(mailboxes)
        self.ttl = timedelta(seconds=seconds)
        self.holder = holder or worker_name()
        self.clock = clock
        self.held: tuple[str, ...] = ()
        self._renewed: dict[str, float] = {}

    @property
    def renew_every(self) -> float:
        return self.ttl.total_seconds() / 3

    def rebalance(self) -> tuple[str, ...]:
        """Beat, renew what is held, give back more than a fair share, take free inboxes up to
        it; returns the inboxes held now."""
        with transaction(self.engine) as session:
            now = self._now(session)
            _beat(session, self.holder, now)
            live = _live_workers(session, now - self.ttl)
            share = math.ceil(len(self.mailboxes) / max(1, live))
            mine = [m for m in self.mailboxes if _renew(session, m, self.holder, now + self.ttl)]
            for extra in mine[share:]:
                _release(session, extra, self.holder)
                log.info("inbox %s: given back (%s workers share %s inboxes)", extra, live, share)
            held = mine[:share]
            for mailbox in self.mailboxes:
                if len(held) >= share:
                    break
                if mailbox not in held and _take(session, mailbox, self.holder, now, self.ttl):
                    held.append(mailbox)
        self._note(held)
        return self.held

    def take_all(self) -> tuple[str, ...]:
        """Every inbox no live worker holds (one pass of ``run --once``); returns them."""
        with transaction(self.engine) as session:
            now = self._now(session)
            held = [m for m in self.mailboxes if _take(session, m, self.holder, now, self.ttl)]
        self._note(held)
        return self.held

    def holds(self, mailbox: str) -> bool:
        """Whether this worker still holds ``mailbox``, renewing the lease when it is due.
        False once another worker has taken it over."""
        if mailbox not in self.held:
            return False
        if time.monotonic() - self._renewed.get(mailbox, 0.0) < self.renew_every:
            return True
        with transaction(self.engine) as session:
            kept = _renew(session, mailbox, self.holder, self._now(session) + self.ttl)
        if kept:
            self._renewed[mailbox] = time.monotonic()
            return True
        log.warning("inbox %s: lease lost to another worker; stopping work on it", mailbox)
        self.held = tuple(m for m in self.held if m != mailbox)
        self._renewed.pop(mailbox, None)
        return False

    def release_all(self) -> None:
        """Give every inbox back and leave the list of workers (a clean stop)."""
        with transaction(self.engine) as session:
            session.execute(sa.delete(Lease).where(col(Lease.holder) == self.holder))
            session.execute(sa.delete(WorkerBeat).where(col(WorkerBeat.id) == self.holder))
        self._note([])

    def _now(self, session: Session) -> datetime:
        if self.clock is not None:
            return self.clock()
        if session.get_bind().dialect.name == "postgresql":
            server: datetime = session.execute(sa.select(sa.func.now())).scalar_one()
            return server.astimezone(UTC)
        return utcnow()

    def _note(self, held: Sequence[str]) -> None:
        """``held`` were all just taken or renewed."""
        for mailbox in sorted(set(held) - set(self.held)):
            log.info("inbox %s: taken by worker %s", mailbox, self.holder)
        now = time.monotonic()
        self._renewed = dict.fromkeys(held, now)
        self.held = tuple(m for m in self.mailboxes if m in held)  # in the config's order


def holders(session: Session, now: datetime) -> dict[str, tuple[str, datetime]]:
    """Each inbox with a live lease: its holder and when the lease runs out."""
    rows = session.exec(select(Lease).where(col(Lease.expires_at) > now)).all()
    return {r.mailbox: (r.holder, r.expires_at) for r in rows}


def _beat(session: Session, holder: str, now: datetime) -> None:
    done = session.execute(
        sa.update(WorkerBeat)
        .where(col(WorkerBeat.id) == holder)
        .values(seen_at=now)
        .returning(col(WorkerBeat.id))
    )
    if not _changed(done):
        session.add(WorkerBeat(id=holder, started_at=now, seen_at=now))
    # Workers gone for a day are forgotten (a crashed worker cannot remove itself).
    session.execute(sa.delete(WorkerBeat).where(col(WorkerBeat.seen_at) < now - timedelta(days=1)))


def _live_workers(session: Session, since: datetime) -> int:
    query = sa.select(sa.func.count()).where(col(WorkerBeat.seen_at) > since)
    return int(session.execute(query).scalar_one())


def _renew(session: Session, mailbox: str, holder: str, until: datetime) -> bool:
    """Extend our own lease; False when we do not (or no longer) hold it."""
    done = session.execute(
        sa.update(Lease)
        .where(col(Lease.mailbox) == mailbox, col(Lease.holder) == holder)
        .values(expires_at=until)
        .returning(col(Lease.mailbox))
    )
    return _changed(done)


def _take(session: Session, mailbox: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take ``mailbox`` if nobody holds it or its lease ran out; True if we now hold it."""
    values = {"mailbox": mailbox, "holder": holder, "expires_at": now + ttl, "acquired_at": now}
    insert = insert_for(session.get_bind().dialect.name)
    created = session.execute(
        insert(Lease)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["mailbox"])
        .returning(col(Lease.mailbox))
    )
    if _changed(created):
        return True
    # The WHERE is checked again on the row a concurrent taker committed: one of them wins.
    taken = session.execute(
        sa.update(Lease)
        .where(
            col(Lease.mailbox) == mailbox,
            sa.or_(col(Lease.expires_at) <= now, col(Lease.holder) == holder),
        )
        .values(holder=holder, expires_at=now + ttl, acquired_at=now)
        .returning(col(Lease.mailbox))
    )
    return _changed(taken)


def _release(session: Session, mailbox: str, holder: str) -> None:
    session.execute(
        sa.delete(Lease).where(col(Lease.mailbox) == mailbox, col(Lease.holder) == holder)
    )


def _changed(result: sa.Result[Any]) -> bool:
    """Whether a statement with RETURNING touched a row (``rowcount`` is not reliable for an
    INSERT that did nothing on conflict)."""
    return result.first() is not None
