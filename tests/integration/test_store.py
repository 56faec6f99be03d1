"""The store on SQLite and PostgreSQL: migrations match the models, times stay aware UTC, SQLite
runs in WAL with BEGIN IMMEDIATE, and claimed work is never handed out twice."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from mailagent.store.claims import claim_jobs
from mailagent.store.database import (
    core_transaction,
    grouped,
    held,
    make_engine,
    transaction,
)
from mailagent.store.migrate import HEAD, current_revision, head_revision, upgrade
from mailagent.store.tables import Job, Message, Outbox, Suppression, Thread
from mailagent.store.traffic import recipient_traffic

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def thread_fields(**fields: object) -> dict[str, object]:
    values: dict[str, object] = {
        "token": f"t{datetime.now().timestamp()}{threading.get_ident()}"[:40],
        "state": "awaiting_guest",
        "mailbox": "inbox",
        "guest_email": "dana@example.org",
        "created_at": NOW,
        "updated_at": NOW,
    }
    values.update(fields)
    return values


def add_thread(engine: Engine, **fields: object) -> int:
    with transaction(engine) as session:
        thread = Thread(**thread_fields(**fields))  # type: ignore[arg-type]
        session.add(thread)
        session.flush()
        assert thread.id is not None
        return thread.id


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    assert current_revision(engine) == head_revision()
    assert upgrade(engine) == head_revision()  # running again is harmless


def test_a_current_schema_starts_without_alembic(tmp_path: Path) -> None:
    assert head_revision() == HEAD  # HEAD names the newest migration
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    assert upgrade(make_engine(url)) == HEAD  # a new database: alembic migrates it
    probe = (
        "import sys; from mailagent.store.database import make_engine; "
        "from mailagent.store.migrate import upgrade; "
        f"print(upgrade(make_engine({url!r})), 'alembic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [HEAD, "False"]


def test_times_come_back_aware_utc(engine: Engine) -> None:
    berlin = timezone(timedelta(hours=1))
    thread_id = add_thread(engine, created_at=datetime(2026, 11, 25, 13, 0, tzinfo=berlin))
    with transaction(engine) as session:
        thread = session.get(Thread, thread_id)
        assert thread is not None
        assert thread.created_at == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
        assert thread.created_at.utcoffset() == timedelta(0)


def test_naive_times_are_refused(engine: Engine) -> None:
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        add_thread(engine, created_at=datetime(2026, 11, 25, 12, 0))


def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_a_held_connections_transactions_each_commit_and_fail_alone(engine: Engine) -> None:
    """A batch of mail runs its transactions on one held connection: each still commits on
    its own (another connection sees it at once), one that fails is undone alone, and the
    connection goes on with the next."""
    with held(engine) as batch:
        first = add_thread(batch, guest_name="first")
        with engine.connect() as other:
            seen = other.execute(sa.select(Thread.guest_name).where(Thread.id == first))
            assert seen.scalar_one() == "first"
        with pytest.raises(RuntimeError), transaction(batch) as session:
            session.add(Thread(**thread_fields(guest_name="undone")))  # type: ignore[arg-type]
            session.flush()
            raise RuntimeError("handling failed")
        with core_transaction(batch) as conn:
            conn.execute(sa.update(Thread).where(Thread.id == first).values(guest_name="again"))
        with transaction(batch, readonly=True) as session:
            names = session.execute(sa.select(Thread.guest_name)).scalars().all()
    assert names == ["again"]


def test_grouped_units_commit_together_on_sqlite_and_alone_elsewhere(engine: Engine) -> None:
    """Inside ``grouped``, a unit of work that fails is still undone alone. On SQLite the
    units that succeed become visible together when the block ends (one commit); on
    PostgreSQL each is committed, and seen by another connection, at once."""
    sqlite = engine.dialect.name == "sqlite"

    def seen() -> list[str]:
        with transaction(engine, readonly=True) as other:  # as the CLI reads
            names = other.execute(sa.select(Thread.guest_name).order_by(Thread.id))
            return list(names.scalars().all())

    with held(engine) as batch, grouped(batch):
        add_thread(batch, guest_name="one")
        with pytest.raises(RuntimeError), transaction(batch) as session:
            session.add(Thread(**thread_fields(guest_name="undone")))  # type: ignore[arg-type]
            session.flush()
            raise RuntimeError("handling failed")
        add_thread(batch, guest_name="two")
        assert seen() == ([] if sqlite else ["one", "two"])
    assert seen() == ["one", "two"]


def test_a_group_that_fails_undoes_all_its_units_on_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    try:
        with pytest.raises(KeyboardInterrupt), held(engine) as batch, grouped(batch):
            add_thread(batch, guest_name="one")
            raise KeyboardInterrupt  # the process stopped before the group's commit
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(Thread)).scalar() == 0
    finally:
        engine.dispose()


def test_sqlite_writers_queue_instead_of_deadlocking(tmp_path: Path) -> None:
    # Two transactions that read and then write: with deferred BEGIN the second writer can get
    # SQLITE_BUSY at once; with BEGIN IMMEDIATE it waits for the first and both succeed.
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    upgrade(engine)
    thread_id = add_thread(engine)
    in_first = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            with transaction(engine) as session:
                thread = session.get(Thread, thread_id)
                assert thread is not None
                in_first.set()
                threading.Event().wait(0.5)
                thread.guest_name = "first"
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=first)
    worker.start()
    in_first.wait(5)
    with transaction(engine) as session:
        thread = session.get(Thread, thread_id)
        assert thread is not None
        thread.guest_name = thread.guest_name + "+second"
    worker.join(10)
    with transaction(engine) as session:
        thread = session.get(Thread, thread_id)
        assert thread is not None and thread.guest_name == "first+second"
    engine.dispose()
    assert errors == []


def test_due_jobs_are_claimed_once_even_by_concurrent_claimers(engine: Engine) -> None:
    thread_id = add_thread(engine)
    with transaction(engine) as session:
        for n in range(40):
            session.add(
                Job(thread_id=thread_id, kind="nudge_guest", due_at=NOW - timedelta(minutes=n))
            )
        session.add(Job(thread_id=thread_id, kind="nudge_guest", due_at=NOW + timedelta(days=1)))
    claimed: list[int] = []
    lock = threading.Lock()

    def claim() -> None:
        for _ in range(10):
            with transaction(engine) as session:
                ids = claim_jobs(session, NOW, 3)
            with lock:
                claimed.extend(ids)

    workers = [threading.Thread(target=claim) for _ in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)

    assert len(claimed) == len(set(claimed)) == 40  # every due job once; the future one not at all


def test_a_recipients_traffic_is_read_in_one_go(engine: Engine) -> None:
    thread_id = add_thread(engine)
    day = timedelta(days=1)

    def ours(session: Session, kind: str, status: str, at: datetime, to: str) -> None:
        message = Message(direction="out", mailbox="inbox", message_id=f"{kind}-{at:%d%H}@x")
        message.at, message.raw = at, b""
        session.add(message)
        session.flush()
        assert message.id is not None
        session.add(
            Outbox(
                message_id=message.id,
                thread_id=thread_id,
                kind=kind,
                recipient=to,
                recipient_key=to.lower(),
                envelope_from="b@x",
                status=status,
                next_attempt_at=at,
                created_at=at,
            )
        )

    with transaction(engine) as session:
        ours(session, "questionnaire", "sent", NOW - day, "Dana@Example.org")
        ours(session, "reminder", "pending", NOW, "dana@example.org")
        ours(session, "nudge_guest", "cancelled", NOW, "dana@example.org")  # never counts
        ours(session, "thank_you", "sent", NOW - 40 * day, "dana@example.org")  # too old
        ours(session, "not_request", "sent", NOW, "ben@example.org")  # someone else
        for at in (NOW - 2 * day, NOW - 50 * day):
            inbound = Message(direction="in", mailbox="inbox", message_id=f"in-{at:%j}@x")
            inbound.at, inbound.raw, inbound.from_addr = at, b"", "dana@example.org"
            session.add(inbound)
        session.add(
            Suppression(address="dana@example.org", reason="550", status="5.1.1", at=NOW - day)
        )

    with transaction(engine) as session:
        traffic = recipient_traffic(session, "DANA@example.org", NOW - 30 * day)

    assert sorted(traffic.outbox) == [
        (NOW - day, thread_id, "questionnaire"),
        (NOW, thread_id, "reminder"),
    ]
    assert traffic.inbound == [NOW - 2 * day]
    assert traffic.suppressed == ("5.1.1", NOW - day)
    with transaction(engine) as session:
        nobody = recipient_traffic(session, "eve@example.org", NOW - 30 * day)
    assert (nobody.outbox, nobody.inbound, nobody.suppressed) == ([], [], None)
