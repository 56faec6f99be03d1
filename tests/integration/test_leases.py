"""Inbox leases on SQLite and PostgreSQL: one holder per inbox, fair shares among live workers,
a dead holder's inboxes taken over once its lease runs out, and racing takers never both win."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from mailagent.service import leases
from mailagent.service.leases import Leases
from mailagent.store.database import transaction

INBOXES = ("interviews", "careers")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def worker(engine: Engine, name: str, clock: Clock) -> Leases:
    return Leases(engine, INBOXES, seconds=15, holder=name, clock=clock)


def holders(engine: Engine, clock: Clock) -> dict[str, str]:
    with transaction(engine, readonly=True) as session:
        return {m: h for m, (h, _) in leases.holders(session, clock()).items()}


def test_a_lone_worker_reads_every_inbox_and_shares_them_when_another_starts(
    engine: Engine,
) -> None:
    clock = Clock()
    first, second = worker(engine, "w1", clock), worker(engine, "w2", clock)
    assert first.rebalance() == INBOXES
    assert second.rebalance() == ()  # both are held, and w1 has not yet seen w2
    assert first.rebalance() == ("interviews",)  # w1 gives back what is over its share
    assert second.rebalance() == ("careers",)
    assert holders(engine, clock) == {"interviews": "w1", "careers": "w2"}
    assert first.rebalance() == ("interviews",) and second.rebalance() == ("careers",)


def test_a_dead_workers_inbox_passes_on_once_its_lease_runs_out(engine: Engine) -> None:
    clock = Clock()
    first, second, third = (worker(engine, f"w{i}", clock) for i in (1, 2, 3))
    first.rebalance(), second.rebalance(), third.rebalance(), first.rebalance()
    second.rebalance()
    assert holders(engine, clock) == {"interviews": "w1", "careers": "w2"}
    assert third.rebalance() == ()  # three workers, two inboxes: one stands by
    # w1 is killed: it renews nothing more.
    clock.advance(10)
    second.rebalance()
    assert third.rebalance() == ()  # its lease has not run out yet
    clock.advance(6)
    second.rebalance()
    assert third.rebalance() == ("interviews",)
    assert holders(engine, clock) == {"interviews": "w3", "careers": "w2"}
    # A holder that merely stalled learns between two messages that the inbox is gone.
    first._renewed["interviews"] = 0.0  # its renewal is due
    assert first.holds("interviews") is False
    assert first.held == ()


def test_a_clean_stop_hands_the_inbox_over_at_once(engine: Engine) -> None:
    clock = Clock()
    first, second = worker(engine, "w1", clock), worker(engine, "w2", clock)
    first.rebalance(), second.rebalance(), first.rebalance(), second.rebalance()
    first.release_all()
    assert second.rebalance() == INBOXES


def race(workers: list[Leases]) -> list[str]:
    """All of ``workers`` try to take their inboxes at the same instant; who won."""
    won: list[str] = []
    barrier = threading.Barrier(len(workers))

    def take(lease: Leases) -> None:
        barrier.wait()
        won.extend(lease.holder for _ in lease.take_all())

    threads = [threading.Thread(target=take, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return won


def test_racing_takers_never_both_win(engine: Engine) -> None:
    clock = Clock()
    workers = [Leases(engine, ("interviews",), 15, holder=f"w{i}", clock=clock) for i in range(6)]
    won = race(workers)
    assert len(won) == 1
    assert holders(engine, clock) == {"interviews": won[0]}
    clock.advance(16)  # the winner died: exactly one of the others takes over
    again = race([w for w in workers if w.holder != won[0]])
    assert len(again) == 1
    assert holders(engine, clock) == {"interviews": again[0]}
