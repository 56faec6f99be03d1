"""Engine, migrations and the queries the worker and CLI need.

SQLite: WAL, ``synchronous=FULL``, foreign keys, a busy timeout, and every transaction opened with
``BEGIN IMMEDIATE`` so a read-then-write can never deadlock with another writer (mail-rules E.6).
PostgreSQL: the same code; work is claimed with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from mailagent.conversation import OPEN_STATES
from mailagent.models import (
    ASKED,
    CANCELLED,
    PENDING,
    QUARANTINED,
    RECEIVED,
    RUNNING,
    SENDING,
    Assignment,
    Control,
    Event,
    Job,
    Message,
    Outbox,
    Suppression,
    TalentPool,
    Thread,
    UTCDateTime,
    Watermark,
)

READONLY = "mailagent_readonly"
_PG_MIGRATION_LOCK = 0x6D61696C  # "mail": serialises concurrent `db upgrade` on PostgreSQL


def make_engine(url: str) -> Engine:
    """An engine for ``url`` with mailagent's SQLite discipline; creates a SQLite file's folder."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    return sa.create_engine(
        url,
        pool_pre_ping=True,
        # Fail fast instead of hanging when the server is away or a lock is held too long.
        connect_args={"connect_timeout": 10, "options": "-c lock_timeout=30000"},
    )


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take BEGIN away from the driver so that _sqlite_begin decides how transactions start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        # FULL: a commit survives power loss, so mail marked on the server after it is never
        # lost and mail sent after it never goes out twice (mail-rules E.2).
        "synchronous=FULL",
        "foreign_keys=ON",
        "busy_timeout=30000",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    # Readers (the CLI's listings) must not take the write lock the worker needs.
    readonly = conn.get_execution_options().get(READONLY, False)
    conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


@contextmanager
def transaction(engine: Engine | sa.Connection, readonly: bool = False) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back if it raises.

    ``readonly`` opens a plain (deferred) transaction on SQLite, which never blocks the worker.
    """
    if isinstance(engine, sa.Connection):
        # A dry run's one connection: each unit of work is a savepoint inside its transaction.
        with (
            Session(
                engine, expire_on_commit=False, join_transaction_mode="create_savepoint"
            ) as session,
            session.begin(),
        ):
            yield session
        return
    bind = engine.execution_options(**{READONLY: True}) if readonly else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


def write(engine: Engine | sa.Connection, statement: sa.Executable) -> None:
    """Run one Core statement (an UPDATE of known rows) as a transaction of its own.

    The ORM's session and its bookkeeping are skipped: on the send path they cost more than
    the statement.
    """
    if isinstance(engine, sa.Connection):
        with engine.begin_nested():  # a dry run's savepoint, as in :func:`transaction`
            engine.execute(statement)
        return
    with engine.begin() as conn:
        conn.execute(statement)


def _alembic_config() -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "mailagent:migrations")
    return cfg


def upgrade(engine: Engine) -> str | None:
    """Apply every pending migration; returns the revision now current."""
    cfg = _alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def msgid_key(message_id: str) -> str:
    """The dedupe key of a normalised Message-ID (fixed length, so it indexes well)."""
    return hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()


# --- inbox -----------------------------------------------------------------------------------


def get_watermark(session: Session, mailbox: str) -> Watermark | None:
    return session.get(Watermark, mailbox)


def set_watermark(
    session: Session, mailbox: str, uidvalidity: int, last_uid: int, now: datetime
) -> None:
    mark = session.get(Watermark, mailbox)
    if mark is None:
        session.add(
            Watermark(mailbox=mailbox, uidvalidity=uidvalidity, last_uid=last_uid, updated_at=now)
        )
    else:
        mark.uidvalidity, mark.last_uid, mark.updated_at = uidvalidity, last_uid, now
        session.add(mark)


def store_fetched(
    session: Session,
    mailbox: str,
    uidvalidity: int,
    items: Iterable[tuple[int, int, bytes | None]],
    now: datetime,
) -> int:
    """Insert fetched mail (uid, size, raw) as ``received`` rows, skipping known server identities.

    Mail over the size cap (``raw`` None) is stored without its bytes and quarantined at once.
    """
    rows = [
        {
            "direction": "in",
            "mailbox": mailbox,
            "uidvalidity": uidvalidity,
            "uid": uid,
            "message_id": "",
            "raw": raw if raw is not None else b"",
            "size": size,
            "at": now,
            "status": RECEIVED if raw is not None else QUARANTINED,
            "attempts": 0,
            "kind": "",
            "category": "",
            "rule": "",
            "subject": "",
            "from_addr": "",
            "to_addr": "",
            "last_error": "" if raw is not None else f"over the size cap ({size} bytes)",
            "server_action": "" if raw is not None else QUARANTINED,
        }
        for uid, size, raw in items
    ]
    if not rows:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(Message).on_conflict_do_nothing(index_elements=["mailbox", "uidvalidity", "uid"])
    result = session.execute(stmt, rows)
    return int(getattr(result, "rowcount", 0) or 0)


def received_attempts(session: Session, mailbox: str, limit: int) -> list[tuple[int, int]]:
    """``(id, attempts)`` of the oldest messages of ``mailbox`` still to be handled."""
    stmt = (
        sa.select(col(Message.id), col(Message.attempts))
        .where(
            col(Message.direction) == "in",
            col(Message.mailbox) == mailbox,
            col(Message.status) == RECEIVED,
        )
        .order_by(col(Message.id))
        .limit(limit)
    )
    return [(int(i), int(a)) for i, a in session.execute(stmt).all()]


def pending_server_actions(session: Session, mailbox: str) -> list[Message]:
    stmt = (
        select(Message)
        .where(Message.direction == "in", Message.mailbox == mailbox, Message.server_action != "")
        .order_by(col(Message.id))
    )
    return list(session.exec(stmt).all())


def message_id_seen(session: Session, direction: str, mailbox: str, key: str) -> bool:
    params = {"direction": direction, "mailbox": mailbox, "key": key}
    return session.execute(_seen_query(), params).first() is not None


@cache
def _seen_query() -> sa.Select[Any]:
    # Hot statements are built once with bound parameters: SQLAlchemy then reuses their cache
    # key instead of computing it on every call (a few percent of the time spent on a mail).
    return sa.select(col(Message.id)).where(
        col(Message.direction) == sa.bindparam("direction"),
        col(Message.mailbox) == sa.bindparam("mailbox"),
        col(Message.dedupe_key) == sa.bindparam("key"),
    )


# --- threads ---------------------------------------------------------------------------------


def thread_by_token(session: Session, token: str) -> Thread | None:
    return session.exec(select(Thread).where(Thread.token == token)).first()


def threads_by_message_ids(session: Session, message_ids: Sequence[str]) -> dict[str, int]:
    """Message-ID -> thread id for the ids we know (ours or the guests')."""
    if not message_ids:
        return {}
    stmt = select(Message.message_id, Message.thread_id).where(
        col(Message.message_id).in_(list(message_ids)), col(Message.thread_id).is_not(None)
    )
    return {mid: tid for mid, tid in session.exec(stmt).all() if tid is not None}


def open_threads_for(session: Session, mailbox: str, email: str) -> list[int]:
    rows = session.execute(_open_threads_query(), {"mailbox": mailbox, "key": email.lower()})
    return [int(i) for i in rows.scalars().all() if i is not None]


@cache
def _open_threads_query() -> sa.Select[Any]:
    return sa.select(col(Thread.id)).where(
        col(Thread.mailbox) == sa.bindparam("mailbox"),
        col(Thread.guest_key) == sa.bindparam("key"),
        col(Thread.state).in_(OPEN_STATES),
    )


def thread_messages(session: Session, thread_id: int) -> list[Message]:
    stmt = select(Message).where(Message.thread_id == thread_id).order_by(col(Message.id))
    return list(session.exec(stmt).all())


def list_threads(
    session: Session,
    state: str | None = None,
    guest: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    manager: str | None = None,
) -> list[Thread]:
    """Threads, oldest first; ``guest`` and ``manager`` match part of an address or name, the
    dates bound when the thread was created."""
    stmt = select(Thread).order_by(col(Thread.id))
    if manager:
        wanted = f"%{manager.lower()}%"
        stmt = stmt.where(
            sa.func.lower(Thread.manager_email).like(wanted)
            | sa.func.lower(Thread.manager_name).like(wanted)
        )
    if state:
        stmt = stmt.where(Thread.state == state)
    if guest:
        pattern = f"%{guest.lower()}%"
        stmt = stmt.where(
            sa.func.lower(Thread.guest_email).like(pattern)
            | sa.func.lower(Thread.guest_name).like(pattern)
        )
    if since:
        stmt = stmt.where(Thread.created_at >= since)
    if until:
        stmt = stmt.where(Thread.created_at < until)
    return list(session.exec(stmt).all())


def thread_events(session: Session, thread_id: int) -> list[Event]:
    stmt = select(Event).where(Event.thread_id == thread_id).order_by(col(Event.id))
    return list(session.exec(stmt).all())


def thread_jobs(session: Session, thread_id: int) -> list[Job]:
    stmt = select(Job).where(Job.thread_id == thread_id).order_by(col(Job.due_at), col(Job.id))
    return list(session.exec(stmt).all())


def next_outbox_seq(session: Session, thread_id: int | None, kind: str) -> int:
    """The next sequence number of ``kind`` in the thread (or among mail of no thread)."""
    if thread_id is None:
        same = col(Outbox.thread_id).is_(None)
        stmt = sa.select(sa.func.max(Outbox.seq)).where(same, col(Outbox.kind) == kind)
        return int(session.execute(stmt).scalar_one() or 0) + 1
    found = session.execute(_seq_query(), {"thread_id": thread_id, "kind": kind}).scalar_one()
    return int(found or 0) + 1


@cache
def _seq_query() -> sa.Select[Any]:
    return sa.select(sa.func.max(Outbox.seq)).where(
        col(Outbox.thread_id) == sa.bindparam("thread_id"),
        col(Outbox.kind) == sa.bindparam("kind"),
    )


# --- claiming work ---------------------------------------------------------------------------


def _claim(
    session: Session,
    table: type[Outbox] | type[Job],
    due_at: Any,
    claimed: str,
    now: datetime,
    limit: int,
) -> list[int]:
    """Move up to ``limit`` due ``pending`` rows of ``table`` to ``claimed``; return their ids.

    One UPDATE ... RETURNING over a SKIP LOCKED sub-select, so two workers never claim one row
    (SQLAlchemy drops FOR UPDATE on SQLite, where BEGIN IMMEDIATE serialises writers instead).
    The claim time is recorded and the attempt counted before any work starts.
    """
    row_id = col(table.id)
    due = (
        sa.select(row_id)
        .where(col(table.status) == PENDING, due_at <= now)
        .order_by(due_at, row_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        sa.update(table)
        .where(row_id.in_(due.scalar_subquery()))
        .values(status=claimed, claimed_at=now, attempts=col(table.attempts) + 1)
        .returning(row_id)
    )
    return sorted(int(i) for i in session.execute(stmt).scalars().all() if i is not None)


def claim_outbox(session: Session, now: datetime, limit: int) -> list[int]:
    """Claim due pending outbox rows: they become ``sending``."""
    return _claim(session, Outbox, col(Outbox.next_attempt_at), SENDING, now, limit)


def claim_jobs(session: Session, now: datetime, limit: int) -> list[int]:
    """Claim due pending jobs: they become ``running``."""
    return _claim(session, Job, col(Job.due_at), RUNNING, now, limit)


def thread_outbox(session: Session, thread_id: int) -> list[Outbox]:
    return list(session.execute(_thread_outbox_query(), {"thread_id": thread_id}).scalars())


@cache
def _thread_outbox_query() -> sa.Select[Any]:
    return (
        sa.select(Outbox)
        .where(col(Outbox.thread_id) == sa.bindparam("thread_id"))
        .order_by(col(Outbox.id))
    )


# --- limits, suppression, switches -----------------------------------------------------------

COUNTED = ("pending", "sending", "sent", "uncertain", "bounced")


@dataclass(frozen=True)
class Traffic:
    """What the rate limits need to know of one address, read by :func:`recipient_traffic`."""

    outbox: list[tuple[datetime, int | None, str]]  # (written at, thread id, kind) of our mail
    inbound: list[datetime]  # when mail from the address arrived
    suppressed: tuple[str, datetime] | None  # (status, since when) of a suppression


def recipient_traffic(session: Session, address: str, since: datetime) -> Traffic:
    """Mail written to ``address`` that counts against limits and mail received from it since
    ``since``, and its suppression: one round trip of three indexed lookups."""
    outbox: list[tuple[datetime, int | None, str]] = []
    inbound: list[datetime] = []
    suppressed = None
    params = {"key": address.lower(), "since": since}
    for src, at, thread_id, kind in session.execute(_traffic_query(), params).all():
        if src == "out":
            outbox.append((at, thread_id, kind))
        elif src == "in":
            inbound.append(at)
        else:
            suppressed = (kind or "", at)
    return Traffic(outbox, inbound, suppressed)


@cache
def _traffic_query() -> sa.CompoundSelect[Any]:
    key: sa.BindParameter[str] = sa.bindparam("key", type_=sa.String)
    since: sa.BindParameter[datetime] = sa.bindparam("since", type_=UTCDateTime)
    no_id = sa.cast(sa.null(), sa.Integer)
    columns: list[Any] = [
        sa.literal("out").label("src"),
        col(Outbox.created_at).label("at"),
        col(Outbox.thread_id).label("thread_id"),
        col(Outbox.kind).label("kind"),
    ]
    ours = sa.select(*columns).where(
        col(Outbox.recipient_key) == key,
        col(Outbox.created_at) >= since,
        col(Outbox.status).in_(COUNTED),
    )
    theirs = sa.select(
        sa.literal("in"), col(Message.at), no_id, sa.cast(sa.null(), sa.String)
    ).where(col(Message.direction) == "in", col(Message.from_addr) == key, col(Message.at) >= since)
    barred = sa.select(
        sa.literal("sup"), col(Suppression.at), no_id, col(Suppression.status)
    ).where(col(Suppression.address) == key)
    return sa.union_all(ours, theirs, barred)


def suppression_for(session: Session, address: str) -> Suppression | None:
    return session.get(Suppression, address.lower())


def suppress(
    session: Session,
    address: str,
    reason: str,
    status: str,
    message_id: str,
    thread_id: int | None,
    now: datetime,
) -> bool:
    """Record a permanent failure for ``address``; False if it was already suppressed."""
    if session.get(Suppression, address.lower()) is not None:
        return False
    session.add(
        Suppression(
            address=address.lower(),
            reason=reason[:2000],
            status=status[:16],
            message_id=message_id[:998],
            thread_id=thread_id,
            at=now,
        )
    )
    return True


def sent_since(session: Session, since: datetime) -> int:
    stmt = (
        select(sa.func.count())
        .select_from(Outbox)
        .where(
            col(Outbox.sent_at).is_not(None),
            Outbox.sent_at >= since,  # type: ignore[operator]
        )
    )
    return int(session.exec(stmt).one())


def get_control(session: Session, key: str) -> Control | None:
    return session.get(Control, key)


def set_control(session: Session, key: str, value: str, actor: str, now: datetime) -> None:
    row = session.get(Control, key) or Control(key=key)
    row.value, row.actor, row.updated_at = value, actor, now
    session.add(row)


def outbox_by_envelope(session: Session, envelope_from: str) -> Outbox | None:
    stmt = select(Outbox).where(sa.func.lower(Outbox.envelope_from) == envelope_from.lower())
    return session.exec(stmt).first()


def outbox_by_message_id(session: Session, message_id: str) -> Outbox | None:
    stmt = (
        select(Outbox)
        .join(Message, col(Message.id) == Outbox.message_id)
        .where(Message.direction == "out", Message.message_id == message_id)
    )
    return session.exec(stmt).first()


def count_due(session: Session, now: datetime) -> int:
    stmt = (
        select(sa.func.count())
        .select_from(Outbox)
        .where(Outbox.status == PENDING, Outbox.next_attempt_at <= now)
    )
    return int(session.exec(stmt).one())


def uncertain_rows(session: Session, limit: int) -> list[tuple[int, str]]:
    """(outbox id, Message-ID) of rows whose delivery is uncertain, oldest first."""
    stmt = (
        select(Outbox.id, Message.message_id)
        .join(Message, col(Message.id) == Outbox.message_id)
        .where(Outbox.status == "uncertain")
        .order_by(col(Outbox.id))
        .limit(limit)
    )
    return [(i, mid) for i, mid in session.exec(stmt).all() if i is not None]


def release_stale_jobs(session: Session, claimed_before: datetime, max_attempts: int) -> None:
    """Jobs left ``running`` by a worker that died: back to ``pending``, or ``failed`` when they
    have used up their tries (a job that kills its worker must not do so forever)."""
    stale = (col(Job.status) == RUNNING) & (col(Job.claimed_at) < claimed_before)
    session.execute(
        sa.update(Job).where(stale & (col(Job.attempts) >= max_attempts)).values(status="failed")
    )
    session.execute(sa.update(Job).where(stale).values(status=PENDING))


def last_mail_to(session: Session, thread_id: int, address: str) -> str:
    """The Message-ID of the last mail written to ``address`` in the thread, or ""."""
    stmt = (
        select(Message.message_id)
        .where(
            Message.thread_id == thread_id,
            Message.direction == "out",
            sa.func.lower(Message.to_addr) == address.lower(),
        )
        .order_by(col(Message.id).desc())
        .limit(1)
    )
    return session.exec(stmt).first() or ""


def end_assignments(session: Session, thread_id: int, status: str) -> None:
    """Close the thread's open assignment (a manager still asked) with ``status``."""
    session.execute(
        sa.update(Assignment)
        .where(col(Assignment.thread_id) == thread_id, col(Assignment.status) == ASKED)
        .values(status=status)
    )


def thread_assignments(session: Session, thread_id: int) -> list[Assignment]:
    stmt = select(Assignment).where(Assignment.thread_id == thread_id).order_by(col(Assignment.id))
    return list(session.exec(stmt).all())


FORGOTTEN_KIND = "forgotten"
# Mail still owed after a guest is forgotten: the confirmation to them, and the calendar
# cancellation to the manager of a meeting that will not happen. Blanked once sent.
SPARED_KINDS = (FORGOTTEN_KIND, "cancelled_manager")
FORGOTTEN_DOMAIN = "forgotten.invalid"


def forget_address(session: Session, address: str, now: datetime) -> list[int]:
    """Erase what is held about ``address``: every thread of it is anonymised, the raw bytes,
    subjects and addresses of its mail and the details of its events are blanked, mail not yet
    sent is cancelled, and any suppression and talent-pool entry of it are dropped. Unsent mail
    of the ``SPARED_KINDS`` is kept until sent. Returns the thread ids touched."""
    address = address.lower()
    threads = list(session.exec(select(Thread).where(Thread.guest_key == address)).all())
    ids = [t.id for t in threads if t.id is not None]
    for thread in threads:
        thread.guest_email = thread.guest_key = f"forgotten-{thread.id}@{FORGOTTEN_DOMAIN}"
        thread.guest_name, thread.timezone = "", ""
        thread.answers, thread.missing = {}, []
        thread.feedback, thread.manager_notes, thread.proposals = "", "", []
        thread.keep_in_touch, thread.consent_at, thread.consent_until = False, None, None
        thread.updated_at = now
    session.flush()
    in_threads = col(Outbox.thread_id).in_(ids)
    unsent = col(Outbox.status).in_((PENDING, SENDING))
    session.execute(
        sa.update(Outbox)
        .where(in_threads, unsent, col(Outbox.kind).not_in(SPARED_KINDS))
        .values(status=CANCELLED, last_error="the guest asked to be forgotten")
    )
    owed = sa.select(col(Outbox.message_id)).where(in_threads, unsent)
    mine = (col(Message.thread_id).in_(ids)) | (col(Message.from_addr) == address)
    session.execute(
        sa.update(Message)
        .where(mine, col(Message.id).not_in(owed))
        .values(raw=b"", subject="", from_addr="", to_addr="", size=0)
    )
    session.execute(
        sa.update(Outbox)
        .where(in_threads, ~unsent)
        .values(recipient="", recipient_key="", envelope_from="")
    )
    blank = col(Event.thread_id).in_(ids) & (col(Event.what) != FORGOTTEN_KIND)
    session.execute(sa.update(Event).where(blank).values(detail=""))
    session.execute(sa.delete(Suppression).where(col(Suppression.address) == address))
    session.execute(sa.delete(TalentPool).where(col(TalentPool.email) == address))
    return ids


def erase_if_forgotten(session: Session, row: Outbox) -> None:
    """Once mail still owed to a forgotten guest's thread is out, it too is blanked."""
    thread = session.get(Thread, row.thread_id) if row.thread_id is not None else None
    if thread is None or not thread.guest_email.endswith(f"@{FORGOTTEN_DOMAIN}"):
        return
    erase_sent_confirmation(session, row)


def erase_sent_confirmation(session: Session, row: Outbox) -> None:
    """Once the "forgotten" confirmation is out, it too is blanked."""
    message = session.get(Message, row.message_id)
    if message is not None:
        message.raw, message.to_addr, message.subject, message.size = b"", "", "", 0
    row.recipient, row.recipient_key, row.envelope_from = "", "", ""
