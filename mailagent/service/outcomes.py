"""How one try to send an outbox row ended: the outcome, its commit and its log lines, the
"about to send" mark that comes before the body goes out, and giving back a row never tried.
Shared by the one-mail-at-a-time flush (:mod:`mailagent.service.delivery`) and the staged one
(:mod:`mailagent.service.staged`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session, col

from mailagent.errors import TransportError
from mailagent.service.runtime import Runtime
from mailagent.store.database import write
from mailagent.store.erasure import SPARED_KINDS, erase_if_forgotten
from mailagent.store.tables import FAILED, PENDING, SENDING, SENT, UNCERTAIN, Outbox
from mailagent.transports.sender import Outgoing

if TYPE_CHECKING:
    from mailagent.service.delivery import FlushReport

log = logging.getLogger("mailagent.delivery")


def backoff(settings_first: float, settings_max: float, attempts: int) -> timedelta:
    """Exponential retry delay after ``attempts`` tries, capped."""
    return timedelta(seconds=min(settings_max, settings_first * 2 ** max(0, attempts - 1)))


def transport_failed(
    rt: Runtime, row_id: int, attempts: int, mail: Outgoing, exc: TransportError
) -> str:
    """The status after a try the transport refused before anything went out: ``pending``
    (retried with backoff) or, once the tries are used up, ``failed``; logged either way."""
    if attempts >= rt.config.settings.outbox.max_attempts:
        log.error(
            "outbox row %s Message-ID <%s>: gave up after %s tries: %s",
            row_id,
            mail.message_id,
            attempts,
            exc,
        )
        return FAILED
    log.warning("outbox row %s Message-ID <%s>: will retry: %s", row_id, mail.message_id, exc)
    return PENDING


@dataclass(frozen=True)
class Outcome:
    """How one try ended, to be committed and then counted."""

    row_id: int
    kind: str
    mail: Outgoing
    status: str
    error: str
    attempts: int
    now: datetime
    report: FlushReport

    def record(self, rt: Runtime, conn: sa.Connection) -> None:
        """Write the outcome on ``conn``: one UPDATE, no read of the row."""
        params = {"row_id": self.row_id, "at": self.now}
        if self.status == SENT and self.kind not in SPARED_KINDS:
            conn.execute(_sent_update(), params)
            return
        settings = rt.config.settings.outbox
        values: dict[str, object] = {"status": self.status, "last_error": self.error[:2000]}
        if self.status == SENT:
            values["sent_at"] = self.now
        elif self.status == PENDING:
            values["next_attempt_at"] = self.now + backoff(
                settings.retry_first_seconds, settings.retry_max_seconds, self.attempts
            )
            # A try that ends in a retry certainly delivered nothing, though it may have
            # committed "about to send DATA": cleared, so that a crash in the next try before
            # DATA is read as "never sent" (pending), not "uncertain".
            values["data_at"] = None
        conn.execute(sa.update(Outbox).where(col(Outbox.id) == self.row_id).values(**values))
        if self.status == SENT:  # a spared kind: blanked once out if its guest was forgotten
            with Session(conn) as session:
                row = session.get(Outbox, self.row_id)
                assert row is not None
                erase_if_forgotten(session, row)
                session.flush()

    def not_recorded(self, exc: BaseException) -> None:
        log.error(
            "outbox row %s Message-ID <%s>: %s, but that could not be recorded (%r); the row "
            "stays sending, and is found uncertain once stale if it went out",
            self.row_id,
            self.mail.message_id,
            self.status,
            exc,
        )

    def recorded(self) -> None:
        if self.status == SENT:
            log.info(
                "outbox row %s Message-ID <%s>: sent to %s",
                self.row_id,
                self.mail.message_id,
                self.mail.recipient,
            )
        report = self.report
        report.sent += self.status == SENT
        report.retry += self.status == PENDING
        report.failed += self.status == FAILED
        report.uncertain += self.status == UNCERTAIN


def record_all(rt: Runtime, conn: sa.Connection, outcomes: list[Outcome]) -> None:
    """Write ``outcomes`` on ``conn``; the plain "sent" ones (most) in one executemany."""
    plain: list[Outcome] = []
    for outcome in outcomes:
        if outcome.status == SENT and outcome.kind not in SPARED_KINDS:
            plain.append(outcome)
        else:
            outcome.record(rt, conn)
    if plain:
        conn.execute(_sent_update(), [{"row_id": o.row_id, "at": o.now} for o in plain])


def mark_all(conn: sa.Connection, row_ids: list[int], now: datetime) -> None:
    """Mark, before their bodies go out, that the mails of ``row_ids`` may be sent (a crash
    after this leaves them ``uncertain`` unless the transport can tell), in one executemany."""
    if row_ids:
        conn.execute(_data_at_update(), [{"row_id": i, "at": now} for i in row_ids])


# The statements of every mail sent, built once (SQLAlchemy then skips building and
# keying them again: a tenth of a millisecond each).
@cache
def _data_at_update() -> sa.Update:
    return (
        sa.update(Outbox)
        .where(col(Outbox.id) == sa.bindparam("row_id"))
        .values(data_at=sa.bindparam("at"))
    )


@cache
def _sent_update() -> sa.Update:
    return (
        sa.update(Outbox)
        .where(col(Outbox.id) == sa.bindparam("row_id"))
        .values(status=SENT, last_error="", sent_at=sa.bindparam("at"))
    )


def release(rt: Runtime, ids: list[int], now: datetime, wait: bool = True) -> None:
    """Put claimed rows that were never tried back to ``pending``, their attempt not counted;
    ``wait`` delays their next try by the first retry interval."""
    if not ids:
        return
    values: dict[str, object] = {"status": PENDING, "attempts": col(Outbox.attempts) - 1}
    if wait:
        values["next_attempt_at"] = now + timedelta(
            seconds=rt.config.settings.outbox.retry_first_seconds
        )
    write(
        rt.engine,
        sa.update(Outbox)
        .where(col(Outbox.id).in_(ids), col(Outbox.status) == SENDING)
        .values(**values),
    )
