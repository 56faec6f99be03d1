"""SQLModel tables. Every timestamp is timezone-aware UTC in Python on SQLite and PostgreSQL alike.

Status values are plain strings (listed as constants) so that the CLI's JSON and other people's
scripts see the same words as the database.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import JSON, Field, SQLModel


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; naive UTC on SQLite so its text comparison stays correct."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: mailagent stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


# Message.status
RECEIVED = "received"
DONE = "done"
DUPLICATE = "duplicate"
QUARANTINED = "quarantined"
# Message.server_action: mark it handled on the server (the other action is QUARANTINED).
PROCESSED = "processed"
# Message.server_action / Outbox.status / Job.status
PENDING = "pending"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
UNCERTAIN = "uncertain"
CANCELLED = "cancelled"
BOUNCED = "bounced"
RUNNING = "running"


class Thread(SQLModel, table=True):
    """One guest's conversation, from request to close."""

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=40, unique=True)
    state: str = Field(max_length=32, index=True)
    mailbox: str = Field(max_length=64)
    guest_email: str = Field(max_length=320, index=True)
    # The address in lower case: a guest's threads are found by it through an index.
    guest_key: str = Field(default="", max_length=320, index=True)
    guest_name: str = Field(default="", max_length=200)
    language: str = Field(default="en", max_length=16)
    timezone: str = Field(default="", max_length=64)
    manager_name: str = Field(default="", max_length=200)
    manager_email: str = Field(default="", max_length=320)
    answers: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    missing: list[str] = Field(default_factory=list, sa_type=JSON)
    meeting_start: datetime | None = _utc(default=None)
    meeting_end: datetime | None = _utc(default=None)
    # The meeting's calendar identity: one UID for its life, SEQUENCE raised on every change.
    meeting_uid: str = Field(default="", max_length=200)
    meeting_sequence: int = 0
    # Times the manager offered, ISO 8601 UTC, while the guest picks one.
    proposals: list[str] = Field(default_factory=list, sa_type=JSON)
    # Times offered to the manager (ISO 8601) in the last mail that offered any, in its order:
    # "the second one" in the reply means the second of these.
    offered: list[str] = Field(default_factory=list, sa_type=JSON)
    # Where those times came from: OFFERED_FROM_* below.
    offered_from: str = Field(default="", max_length=16)
    feedback: str = Field(default="", sa_type=sa.Text)
    manager_notes: str = Field(default="", sa_type=sa.Text)
    keep_in_touch: bool = False
    consent_at: datetime | None = _utc(default=None)
    consent_until: datetime | None = _utc(default=None)
    created_at: datetime = _utc()
    updated_at: datetime = _utc()


# Assignment.status
ASKED = "asked"
ACCEPTED = "accepted"
DECLINED = "declined"
TIMED_OUT = "timed_out"
DELEGATED = "delegated"
RELEASED = "released"


class Assignment(SQLModel, table=True):
    """A manager asked to hold a thread's conversation, and how that ended.

    Routing counts these for quotas and fairness, and never asks the same manager twice in a
    thread.
    """

    __table_args__ = (sa.Index("ix_assignment_manager", "manager_name", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    manager_name: str = Field(max_length=200)
    manager_email: str = Field(max_length=320)
    at: datetime = _utc()
    status: str = Field(default=ASKED, max_length=16)
    reason: str = Field(default="", max_length=2000)


class TalentPool(SQLModel, table=True):
    """A guest who agreed to be kept in touch with, and until when that consent holds."""

    email: str = Field(primary_key=True, max_length=320)
    name: str = Field(default="", max_length=200)
    thread_id: int | None = Field(default=None, foreign_key="thread.id")
    consent_at: datetime = _utc()
    consent_until: datetime = _utc()
    notes: str = Field(default="", sa_type=sa.Text)
    added_at: datetime = _utc()


class Message(SQLModel, table=True):
    """Every mail in or out, with its raw bytes. Inbound rows are keyed by the server's identity."""

    __table_args__ = (
        sa.UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_message_server_identity"),
        sa.UniqueConstraint("direction", "mailbox", "dedupe_key", name="uq_message_dedupe"),
        sa.Index("ix_message_sender", "direction", "from_addr", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    direction: str = Field(max_length=3)
    mailbox: str = Field(max_length=64)
    uidvalidity: int | None = Field(default=None, sa_type=sa.BigInteger)
    uid: int | None = Field(default=None, sa_type=sa.BigInteger)
    message_id: str = Field(max_length=998, index=True)
    dedupe_key: str | None = Field(default=None, max_length=64)
    thread_id: int | None = Field(default=None, foreign_key="thread.id", index=True)
    kind: str = Field(default="", max_length=32)
    category: str = Field(default="", max_length=32)
    rule: str = Field(default="", max_length=200)
    subject: str = Field(default="", max_length=400)
    from_addr: str = Field(default="", max_length=320)
    to_addr: str = Field(default="", max_length=320)
    at: datetime = _utc()
    raw: bytes = Field(sa_type=sa.LargeBinary)
    size: int = 0
    status: str = Field(default=RECEIVED, max_length=16, index=True)
    attempts: int = 0
    last_error: str = Field(default="", max_length=2000)
    server_action: str = Field(default="", max_length=16, index=True)


class Outbox(SQLModel, table=True):
    """A mail to send, written in the transaction that decided it; its Message row has the bytes."""

    __table_args__ = (
        sa.UniqueConstraint("thread_id", "kind", "seq", name="uq_outbox_idempotency"),
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_recipient_key", "recipient_key", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id")
    # None for mail about no one conversation (the admins' weekly digest).
    thread_id: int | None = Field(default=None, foreign_key="thread.id", index=True)
    kind: str = Field(max_length=32)
    seq: int = 1
    recipient: str = Field(max_length=320)
    # The recipient in lower case: the rate limits look mail up by it through an index.
    recipient_key: str = Field(default="", max_length=320)
    envelope_from: str = Field(max_length=320)
    status: str = Field(default=PENDING, max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = _utc()
    claimed_at: datetime | None = _utc(default=None)
    # Set (and committed) just before the body goes out: without it a dead sender's row is
    # known never to have reached DATA and may safely be retried.
    data_at: datetime | None = _utc(default=None)
    last_error: str = Field(default="", max_length=2000)
    sent_at: datetime | None = _utc(default=None, index=True)
    created_at: datetime = _utc()


class Job(SQLModel, table=True):
    """Scheduled work for a thread (nudges, reminders...). Due times live here, not in memory."""

    __table_args__ = (sa.Index("ix_job_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    kind: str = Field(max_length=32)
    due_at: datetime = _utc()
    status: str = Field(default=PENDING, max_length=16)
    claimed_at: datetime | None = _utc(default=None)
    attempts: int = 0
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    last_error: str = Field(default="", max_length=2000)


class Watermark(SQLModel, table=True):
    """How far an inbox was read: all mail up to ``last_uid`` under ``uidvalidity`` is stored."""

    mailbox: str = Field(primary_key=True, max_length=64)
    uidvalidity: int = Field(sa_type=sa.BigInteger)
    last_uid: int = Field(default=0, sa_type=sa.BigInteger)
    updated_at: datetime = _utc()


class Event(SQLModel, table=True):
    """Append-only log of what happened to a thread and why."""

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    at: datetime = _utc()
    what: str = Field(max_length=64)
    detail: str = Field(default="", max_length=2000)
    actor: str = Field(default="mailagent", max_length=320)


class Suppression(SQLModel, table=True):
    """An address mailagent no longer writes to (a permanent bounce), with the evidence."""

    address: str = Field(primary_key=True, max_length=320)
    reason: str = Field(max_length=2000)
    status: str = Field(default="", max_length=16)
    message_id: str = Field(default="", max_length=998)
    thread_id: int | None = Field(default=None, foreign_key="thread.id")
    at: datetime = _utc()


class Control(SQLModel, table=True):
    """Switches an admin flips at run time (``paused``), shared by every worker."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(default="", max_length=2000)
    actor: str = Field(default="", max_length=320)
    updated_at: datetime = _utc()


class Lease(SQLModel, table=True):
    """Which worker reads an inbox, until when. A holder renews well before ``expires_at``; once
    it has passed, any worker may take the inbox over."""

    mailbox: str = Field(primary_key=True, max_length=64)
    holder: str = Field(max_length=128)
    expires_at: datetime = _utc()
    acquired_at: datetime = _utc()


class WorkerBeat(SQLModel, table=True):
    """A running worker and when it was last seen: the inboxes are shared among the live ones."""

    __tablename__ = "worker"

    id: str = Field(primary_key=True, max_length=128)
    started_at: datetime = _utc()
    seen_at: datetime = _utc(index=True)


class ReplyToken(SQLModel, table=True):
    """A reply address's token for one party of a thread besides the guest (whose token is
    ``Thread.token``): one per manager briefed and one for the admins' mail about it. A token
    authorises its own party only (:mod:`mailagent.core.identity`)."""

    __tablename__ = "reply_token"
    __table_args__ = (sa.UniqueConstraint("thread_id", "party", "address", name="uq_reply_token"),)

    token: str = Field(primary_key=True, max_length=40)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    party: str = Field(max_length=16)
    # Lower case; "" for the admins' token (any configured admin).
    address: str = Field(default="", max_length=320)
    created_at: datetime = _utc()


# Hold.status
HELD_NOW = "held"
RELEASED_BY_ADMIN = "released"
CONFIRMED = "confirmed"
REFUSED = "refused"
ERASED = "erased"
HOLD_EXPIRED = "expired"


class Hold(SQLModel, table=True):
    """An inbound mail whose action was not carried out because its sender could not be
    shown to be the party it claims (see :mod:`mailagent.core.identity`).

    It waits until the party answers the confirmation mail on ``token`` (one-time), or an admin
    releases it; then the held mail is handled again as vouched for.
    """

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    party: str = Field(max_length=16)
    action: str = Field(max_length=32)
    reason: str = Field(default="", max_length=2000)
    # Where the confirmation went (lower case) and the token its answer must come to.
    address: str = Field(default="", max_length=320)
    token: str | None = Field(default=None, max_length=40, unique=True)
    status: str = Field(default=HELD_NOW, max_length=16, index=True)
    at: datetime = _utc()
    expires_at: datetime | None = _utc(default=None)
    resolved_at: datetime | None = _utc(default=None)
    resolved_by: str = Field(default="", max_length=320)


# Thread.offered_from
OFFERED_FROM_HOURS = "office_hours"  # no calendar configured
OFFERED_FROM_CALENDAR = "calendar"  # free in the manager's calendar
OFFERED_FROM_FALLBACK = "unreachable"  # the calendar could not be read: office hours instead


class CalendarOutage(SQLModel, table=True):
    """A manager's calendar that could not be read, from the first failure until it answers
    again: logged once when it starts, shown by ``check-config`` and in the digest."""

    __tablename__ = "calendar_outage"

    manager: str = Field(primary_key=True, max_length=200)
    since: datetime = _utc()
    checked_at: datetime = _utc()
    error: str = Field(default="", max_length=500)
    failures: int = 1
