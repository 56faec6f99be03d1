"""Applying a delivery report (DSN) to the mail it returns: the row is marked, the address is
suppressed on a permanent failure, the thread's log says so. Reports that return no mail of
ours change nothing (anyone can send one)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session

from mailagent.core import bounces
from mailagent.core.parse import Inbound
from mailagent.service.runtime import Runtime
from mailagent.store.inbound import update_row
from mailagent.store.outbox import outbox_by_envelope, outbox_by_message_id
from mailagent.store.tables import BOUNCED, DONE, Event, Message, Outbox
from mailagent.store.traffic import suppress

log = logging.getLogger("mailagent.intake")


def apply_report(
    rt: Runtime,
    session: Session,
    row: Message,
    msg: Inbound,
    report: bounces.Report,
    now: datetime,
) -> str:
    """Tie a delivery report to the mail it returns; stop writing to addresses that failed."""
    sent = _bounced_row(rt, session, msg, report)
    thread_id = sent.thread_id if sent else None
    update_row(session, row, kind="bounce", status=DONE, thread_id=thread_id)
    if sent is None:
        # Anyone can send a "report": only one that returns a mail of ours counts.
        log.warning(
            "Message-ID <%s>: delivery report matches no mail of ours; ignored", msg.message_id
        )
        return DONE
    for rcpt in report.recipients:
        if rcpt.permanent and rcpt.address == sent.recipient.lower():
            what = "bounce"
            detail = f"{rcpt.address}: {rcpt.status} {rcpt.diagnostic}; no more mail to it"
            suppress(
                session,
                rcpt.address,
                rcpt.diagnostic or "permanent failure",
                rcpt.status,
                msg.message_id,
                thread_id,
                now,
            )
            sent.status = BOUNCED
        else:
            what, detail = "bounce_ignored", f"{rcpt.address}: {rcpt.action} {rcpt.status}"
        if thread_id is not None:
            session.add(Event(thread_id=thread_id, at=now, what=what, detail=detail[:2000]))
        log.warning(
            "Message-ID <%s>: delivery report for outbox row %s%s: %s",
            msg.message_id,
            sent.id,
            f" [thread {thread_id}]" if thread_id else "",
            detail,
        )
    return DONE


def _bounced_row(
    rt: Runtime, session: Session, msg: Inbound, report: bounces.Report
) -> Outbox | None:
    """The outbox row a report is about: by its VERP bounce address, else by quoted Message-ID."""
    for address in (*msg.recipients, *msg.delivered_to):
        if bounces.bounce_tag(address, rt.us.address):
            found = outbox_by_envelope(session, address)
            if found is not None:
                return found
    if report.original_message_id:
        return outbox_by_message_id(session, report.original_message_id)
    return None
