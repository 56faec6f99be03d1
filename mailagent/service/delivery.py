"""Flushing the outbox: pending rows go out through the configured sender, each outcome committed.

Row states (mail-rules E.3): ``pending`` -> ``sending`` (claimed, attempt counted, committed before
the transport is touched) -> ``sent``; a temporary failure goes back to ``pending`` with backoff; a
5xx is ``failed``; a failure after the body went out is ``uncertain`` and is never resent blindly.
A transport that stages mail (a Maildir) sends each claimed batch in two commits instead
(:mod:`mailagent.service.staged`).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import col

from mailagent.errors import (
    PermanentSendError,
    SessionRefused,
    TransportError,
    UncertainSendError,
)
from mailagent.service.outcomes import Outcome, mark_all, release, transport_failed
from mailagent.service.reconcile import SentLookup, reconcile_stale, reconcile_uncertain
from mailagent.service.runtime import Runtime
from mailagent.service.staged import send_staged
from mailagent.store.claims import claim_outbox
from mailagent.store.control import get_control
from mailagent.store.database import core_transaction, transaction
from mailagent.store.outbox import count_due, sent_since
from mailagent.store.tables import FAILED, SENT, UNCERTAIN, Message, Outbox
from mailagent.transports.opening import open_sender
from mailagent.transports.sender import Outgoing, Sender, Staging

log = logging.getLogger("mailagent.delivery")


PAUSED = "paused"
# Rows claimed per transaction: fewer commits, and a crash strands at most this many (each
# goes back to pending once stale, never out twice).
CLAIM_BATCH = 20


@dataclass
class FlushReport:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    uncertain: int = 0
    reconciled: int = 0
    error: str = ""
    held: str = ""


def flush(
    rt: Runtime,
    now: datetime,
    sender: Sender | None = None,
    sent_lookup: SentLookup | None = None,
) -> FlushReport:
    """Send every due pending row (in batches), unless sending is paused or the global circuit
    breaker holds it. ``sent_lookup`` answers whether a Message-ID is in the Sent folder."""
    report = FlushReport()
    sender = sender or open_sender(rt.config.settings.outbox)
    reconcile_stale(rt, now, sender)
    if sent_lookup is not None:
        report.reconciled = reconcile_uncertain(rt, sent_lookup)
    allowance, report.held = _allowance(rt, now)
    if allowance <= 0:
        return report
    with transaction(rt.engine, readonly=True) as session:
        if not count_due(session, now):
            return report  # nothing due: do not even connect
    try:
        with sender, rt.held() as sending:
            _send_due(
                sending,
                now,
                sender,
                report,
                min(allowance, rt.config.settings.outbox.flush_batch),
            )
    except TransportError as exc:  # could not connect, or the server refused the session
        report.error = str(exc)
        log.warning("outbox: %s; mail waits for the next try", exc)
    if not report.error:
        report.held = _allowance(rt, now)[1]  # say so when the breaker stopped this flush
    return report


def _send_due(rt: Runtime, now: datetime, sender: Sender, report: FlushReport, budget: int) -> None:
    """Claim due rows a few at a time and send them until ``budget`` mails were tried, nothing
    is due or the connection is gone; claimed rows not tried go straight back to ``pending``."""
    while budget > 0:
        work = _claim(rt, now, min(budget, CLAIM_BATCH))
        if not work:
            return
        budget -= len(work)
        if isinstance(sender, Staging):
            send_staged(rt, work, now, sender, report)
            continue
        owed = _Owed(rt)
        try:
            for done, (row_id, attempts, kind, mail) in enumerate(work, 1):
                try:
                    keep_going = _send_one(
                        rt, row_id, attempts, kind, mail, now, sender, report, owed
                    )
                except BaseException:
                    # Best effort: if even this fails, the rows go back once stale
                    # (reconcile_stale), and a mail sent is then found uncertain, never resent.
                    with contextlib.suppress(sa.exc.SQLAlchemyError):
                        owed.settle()
                    with contextlib.suppress(sa.exc.SQLAlchemyError):
                        release(rt, [w[0] for w in work[done:]], now, wait=False)
                    raise
                if not keep_going:
                    owed.settle()
                    release(rt, [w[0] for w in work[done:]], now, wait=False)
                    return
        finally:
            owed.settle()


class OutcomeNotCommitted(Exception):
    """Committing the last mail's outcome failed while the next mail waited on the server:
    the flush stops, and neither mail is blamed for it."""


class _Owed:
    """The last mail's outcome, not committed yet: the next mail's sender commits it while it
    first waits on the server, so that commit and the server's work overlap (a Maildir, which
    waits for nothing, sends in batches instead: :mod:`.staged`). It is tried once, before the
    next outcome is owed and before the flush ends; between the server's acceptance and that
    commit lies no more than writing the next command. A commit that fails leaves its row
    ``sending`` (``uncertain`` once stale) and stops the flush."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._outcome: Outcome | None = None
        self._failed: BaseException | None = None

    def later(self, outcome: Outcome) -> None:
        self.settle()
        self._outcome = outcome

    def settle(self) -> None:
        """Commit what is owed, if anything."""
        outcome, self._outcome = self._outcome, None
        if outcome is None:
            return
        try:
            with core_transaction(self._rt.engine) as conn:
                outcome.record(self._rt, conn)
        except BaseException as exc:
            outcome.not_recorded(exc)
            if isinstance(exc, Exception):  # a stop (KeyboardInterrupt, a signal) passes as is
                self._failed = exc
            raise
        outcome.recorded()

    def check(self) -> None:
        """Raise OutcomeNotCommitted if a commit failed during the last send, whatever the
        sender made of that failure."""
        failed, self._failed = self._failed, None
        if failed is not None:
            raise OutcomeNotCommitted(repr(failed)) from failed


def _claim(rt: Runtime, now: datetime, limit: int) -> list[tuple[int, int, str, Outgoing]]:
    """Up to ``limit`` due rows, claimed (``sending``, attempt counted) in one transaction.

    A crash leaves the rows not yet tried ``sending`` without ``data_at``; reconcile_stale puts
    them back to ``pending`` once they are stale, so nothing is lost and nothing goes out twice.
    """
    with transaction(rt.engine) as session:
        ids = claim_outbox(session, now, limit)
        if not ids:
            return []
        # The columns sending needs, not the rows as objects: loading them costs more than the
        # query.
        rows = session.execute(
            sa.select(
                col(Outbox.id),
                col(Outbox.attempts),
                col(Outbox.kind),
                col(Outbox.envelope_from),
                col(Outbox.recipient),
                col(Message.message_id),
                col(Message.raw),
            )
            .join(Message, col(Message.id) == Outbox.message_id)
            .where(col(Outbox.id).in_(ids))
            .order_by(col(Outbox.id))
        ).all()
        work = []
        for row_id, attempts, kind, envelope_from, recipient, message_id, raw in rows:
            head = raw.split(b"\r\n\r\n", 1)[0]
            mail = Outgoing(
                message_id,
                envelope_from,
                recipient,
                raw,
                # RFC 3834 3.3: direct answers ask for no delivery notifications.
                notify_never=b"\r\nAuto-Submitted: auto-replied" in head,
            )
            work.append((row_id, attempts, kind, mail))
        return work


def _allowance(rt: Runtime, now: datetime) -> tuple[int, str]:
    """How many mails may go out now, and why none may when it is zero."""
    limit = rt.config.settings.limits.global_per_minute
    with transaction(rt.engine) as session:
        paused = get_control(session, PAUSED)
        if paused is not None and paused.value:
            return (
                0,
                f"paused by {paused.actor or 'an admin'} at {paused.updated_at:%Y-%m-%d %H:%M} UTC",
            )
        recent = sent_since(session, now - timedelta(minutes=1))
        pending = count_due(session, now)
    if recent >= limit and pending:
        held = f"circuit breaker: {recent} mails in the last minute (limit {limit})"
        log.error("outbox: %s; %s mail(s) wait", held, pending)
        return 0, held
    return limit - recent, ""


def _about_to_send(rt: Runtime, owed: _Owed, row_id: int, now: datetime) -> None:
    """Just before the body goes out: commit the previous outcome if the sender had nothing to
    wait for earlier, then mark this row "about to send"."""
    owed.settle()
    with core_transaction(rt.engine) as conn:
        mark_all(conn, [row_id], now)


def _send_one(
    rt: Runtime,
    row_id: int,
    attempts: int,
    kind: str,
    mail: Outgoing,
    now: datetime,
    sender: Sender,
    report: FlushReport,
    owed: _Owed,
) -> bool:
    """Send one row and leave its outcome ``owed`` (the previous one is committed while this
    mail first waits on the server); False when the connection is gone."""
    status, error, keep_going = SENT, "", True
    try:
        try:
            sender.send(mail, lambda: _about_to_send(rt, owed, row_id, now), owed.settle)
        finally:
            owed.check()
    except OutcomeNotCommitted:
        raise
    except SessionRefused:
        release(rt, [row_id], now)
        raise
    except PermanentSendError as exc:
        status, error = FAILED, str(exc)
        log.error(
            "outbox row %s Message-ID <%s>: permanently refused: %s", row_id, mail.message_id, exc
        )
    except UncertainSendError as exc:
        status, error, keep_going = UNCERTAIN, str(exc), False
        log.error(
            "outbox row %s Message-ID <%s>: delivery uncertain, not resent automatically: %s",
            row_id,
            mail.message_id,
            exc,
        )
    except TransportError as exc:
        status, error = transport_failed(rt, row_id, attempts, mail, exc), str(exc)
        keep_going = sender.alive()
    except sa.exc.SQLAlchemyError:
        # The database failed marking this mail, not the mail: the flush stops, and this row
        # (which never reached DATA) goes back to pending once stale (reconcile_stale).
        raise
    except Exception as exc:  # a bug or an unsendable row must not take the worker down
        status, error, keep_going = FAILED, repr(exc), sender.alive()
        log.exception("outbox row %s Message-ID <%s>: cannot be sent", row_id, mail.message_id)
    owed.later(Outcome(row_id, kind, mail, status, error, attempts, now, report))
    return keep_going
