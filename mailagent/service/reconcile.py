"""Settling outbox rows whose fate a stopped process left open: rows left ``sending``, and
``uncertain`` rows the Sent folder can vouch for. Never resends what may have gone out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlmodel import col, select

from mailagent.service.runtime import Runtime
from mailagent.store.database import transaction
from mailagent.store.outbox import uncertain_rows
from mailagent.store.tables import PENDING, SENDING, SENT, UNCERTAIN, Message, Outbox
from mailagent.transports.sender import Sender

log = logging.getLogger("mailagent.delivery")
SentLookup = Callable[[str], "bool | None"]


def reconcile_uncertain(rt: Runtime, sent_lookup: SentLookup) -> int:
    """Settle ``uncertain`` rows whose Message-ID is found in the Sent folder; returns how many.

    A row that is not found stays ``uncertain`` for an admin: absence proves nothing when the
    provider does not file sent mail.
    """
    with transaction(rt.engine) as session:
        rows = uncertain_rows(session, limit=50)
    settled = 0
    for row_id, message_id in rows:
        found = sent_lookup(message_id)
        if found is None:
            break  # the folder cannot be searched now; do not wait on it once per row
        if not found:
            continue
        with transaction(rt.engine) as session:
            row = session.get(Outbox, row_id)
            if row is not None and row.status == UNCERTAIN:
                row.status, row.sent_at = SENT, row.claimed_at
                row.last_error = "found in the Sent folder"
                settled += 1
        log.info(
            "outbox row %s Message-ID <%s>: found in the Sent folder; sent", row_id, message_id
        )
    return settled


def reconcile_stale(rt: Runtime, now: datetime, sender: Sender) -> int:
    """Rows left ``sending`` by a process that died: resolve them or mark them ``uncertain``.

    A row counts as abandoned once it has been ``sending`` for twice the SMTP timeout plus a
    minute, so a live worker's rows are never touched. A row that never reached DATA goes back to
    ``pending``; where the transport can tell (the Maildir pickup folder) a row found there is
    ``sent``; anything else is ``uncertain`` for an admin.
    """
    settings = rt.config.settings.outbox
    cutoff = now - timedelta(seconds=2 * settings.timeout + 60)
    with transaction(rt.engine) as session:
        stmt = (
            select(Outbox, Message.message_id)
            .join(Message, col(Message.id) == Outbox.message_id)
            .where(Outbox.status == SENDING, col(Outbox.claimed_at) < cutoff)
        )
        rows = list(session.exec(stmt).all())
        for row, message_id in rows:
            known = sender.already_sent(message_id)
            if known is True:
                row.status, row.sent_at = SENT, row.claimed_at
            elif known is False or row.data_at is None:
                # Gone, or stopped before DATA: the server cannot have the mail; send it again.
                row.status, row.next_attempt_at = PENDING, now
            else:
                row.status = UNCERTAIN
                row.last_error = "the sending process stopped mid-send; check the recipient's copy"
            log.warning(
                "outbox row %s Message-ID <%s>: found abandoned while sending; now %s",
                row.id,
                message_id,
                row.status,
            )
    return len(rows)
