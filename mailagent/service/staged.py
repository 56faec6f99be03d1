"""Sending a claimed batch through a transport that stages each mail before it delivers it
(:class:`~mailagent.transports.sender.Staging`: the Maildir pickup folder writes a file in
``tmp/`` and delivers it by the rename into ``new/``).

Such a transport waits for no server, so a batch takes two commits instead of one a mail:
every mail is staged (written and fsynced), one commit marks the staged ones "about to send",
each is delivered, and one commit records every outcome. A crash after the first commit
leaves the rows ``sending``; once they are stale, a mail still staged is written again and a
delivered one is recorded sent (``reconcile_stale`` asks the folder), so nothing is lost and
nothing goes out twice. Between a delivery and the commit that records it lie at most the
batch's other renames.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from mailagent.errors import TransportError
from mailagent.service.outcomes import Outcome, mark_all, record_all, release, transport_failed
from mailagent.service.runtime import Runtime
from mailagent.store.database import core_transaction
from mailagent.store.tables import FAILED, SENT
from mailagent.transports.sender import Outgoing, Staging

if TYPE_CHECKING:  # the flush imports this module
    from mailagent.service.delivery import FlushReport

log = logging.getLogger("mailagent.delivery")

Work = tuple[int, int, str, Outgoing]  # (row id, tries, kind, mail) as claimed


def send_staged(
    rt: Runtime, work: list[Work], now: datetime, sender: Staging, report: FlushReport
) -> None:
    """Send the claimed rows of ``work`` (see the module's docstring). Until the batch is
    marked "about to send", a failure or a stop gives every row back at once; after, the
    outcomes reached are recorded (best effort) and the rest stay ``sending``, to be settled
    once stale."""
    outcomes: list[Outcome] = []
    staged: list[Work] = []
    try:
        for row_id, attempts, kind, mail in work:
            failed = _try(rt, row_id, attempts, mail, sender.stage)
            if failed is None:
                staged.append((row_id, attempts, kind, mail))
            else:
                outcomes.append(Outcome(row_id, kind, mail, *failed, attempts, now, report))
        with core_transaction(rt.engine) as conn:
            mark_all(conn, [row_id for row_id, *_ in staged], now)
    except BaseException:
        # Nothing went out (best effort; if even this fails, the rows go back once stale).
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            release(rt, [row_id for row_id, *_ in work], now, wait=False)
        raise
    try:
        for row_id, attempts, kind, mail in staged:
            failed = _try(rt, row_id, attempts, mail, sender.deliver)
            status, error = failed or (SENT, "")
            outcomes.append(Outcome(row_id, kind, mail, status, error, attempts, now, report))
    except BaseException:
        with contextlib.suppress(sa.exc.SQLAlchemyError):
            _record(rt, outcomes)
        raise
    _record(rt, outcomes)


def _record(rt: Runtime, outcomes: list[Outcome]) -> None:
    """Commit ``outcomes`` in one transaction, then log and count them."""
    try:
        with core_transaction(rt.engine) as conn:
            record_all(rt, conn, outcomes)
    except BaseException as exc:
        for outcome in outcomes:
            outcome.not_recorded(exc)
        raise
    for outcome in outcomes:
        outcome.recorded()


def _try(
    rt: Runtime, row_id: int, attempts: int, mail: Outgoing, step: Callable[[Outgoing], None]
) -> tuple[str, str] | None:
    """Run one step of sending ``mail``; None if it worked, else the row's (status, error)."""
    try:
        step(mail)
    except TransportError as exc:
        return transport_failed(rt, row_id, attempts, mail, exc), str(exc)
    except Exception as exc:  # a bug or an unsendable row must not take the worker down
        log.exception("outbox row %s Message-ID <%s>: cannot be sent", row_id, mail.message_id)
        return FAILED, repr(exc)
    return None
