"""What the rate limits read of one address (mail written to it, mail received from
it, its suppression) and suppressing an address after a permanent bounce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from mailagent.store.tables import (
    Message,
    Outbox,
    Suppression,
    UTCDateTime,
)

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
