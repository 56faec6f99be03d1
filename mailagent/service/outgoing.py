"""Writing outgoing mail: limits first, then render, then a Message row and an Outbox row.

Everything here runs inside the transaction that decided the mail, so the mail exists exactly
when the state change that caused it does (the transactional outbox).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from mailagent.compose.environment import render
from mailagent.compose.message import Envelope, build_message, thread_headers
from mailagent.core import limits
from mailagent.core.decision import Decision, MailSpec
from mailagent.core.headers import is_stand_in
from mailagent.core.identity import ADMIN, GUEST
from mailagent.core.parse import Inbound
from mailagent.service import mail_context
from mailagent.service.runtime import Runtime
from mailagent.store.inbound import msgid_key
from mailagent.store.outbox import next_outbox_seq
from mailagent.store.tables import CANCELLED, DONE, PENDING, Event, Job, Message, Outbox, Thread
from mailagent.store.threads import last_mail_to
from mailagent.store.tokens import party_token
from mailagent.store.traffic import recipient_traffic

log = logging.getLogger("mailagent.outgoing")


def schedule(session: Session, thread_id: int, decision: Decision, now: datetime) -> None:
    """Cancel the pending timers the decision stops, then add the ones it starts."""
    if decision.cancel_jobs:
        session.execute(
            sa.update(Job)
            .where(
                col(Job.thread_id) == thread_id,
                col(Job.kind).in_(decision.cancel_jobs),
                col(Job.status) == PENDING,
            )
            .values(status=CANCELLED, last_error=f"cancelled {now:%Y-%m-%d %H:%M} UTC")
        )
    _add_jobs(session, thread_id, [(job.kind, job.due_at) for job in decision.jobs])


def schedule_one(session: Session, thread_id: int, kind: str, due_at: datetime) -> None:
    _add_jobs(session, thread_id, [(kind, due_at)])


def _add_jobs(session: Session, thread_id: int, jobs: list[tuple[str, datetime]]) -> None:
    if jobs:
        # One multi-row INSERT on the session's connection: nothing needs the new rows' ids
        # or objects, and the thread they belong to is written already.
        session.connection().execute(
            _insert_job(),
            [
                {"thread_id": thread_id, "kind": kind, "due_at": due_at, "payload": {}}
                for kind, due_at in jobs
            ],
        )


def history(
    rt: Runtime, session: Session, thread: Thread, recipient: str, now: datetime
) -> limits.History:
    """Earlier traffic with ``recipient``, as far back as the configured limits look."""
    since = now - limits.lookback(rt.config.settings.limits)
    traffic = recipient_traffic(session, recipient, since)
    earlier, suppressed = traffic.outbox, traffic.suppressed
    return limits.History(
        to_recipient=[at for at, _, _ in earlier],
        to_recipient_in_thread=[at for at, thread_id, _ in earlier if thread_id == thread.id],
        questionnaires_to_recipient=[at for at, _, kind in earlier if kind == "questionnaire"],
        inbound_from_recipient=traffic.inbound,
        explanations_to_recipient=[at for at, _, kind in earlier if kind == "not_request"],
        suppressed=(
            f"{suppressed[0] or 'bounced'} on {suppressed[1]:%Y-%m-%d}" if suppressed else None
        ),
    )


def queue_mail(
    rt: Runtime,
    session: Session,
    thread: Thread,
    spec: MailSpec,
    parent: Inbound | None,
    now: datetime,
    to_addr: str = "",
    reply_token: str = "",
) -> int | None:
    """Write ``spec`` as a Message row plus a pending Outbox row (Message-ID fixed now); returns
    the Outbox row's id.

    Returns None, and logs the reason on the thread, when a rate limit or a suppression bites.
    ``to_addr`` overrides the recipient (an admin). The Reply-To carries the reader's own token
    (the guest's, the manager's or the admins'), or ``reply_token`` when given (a one-time
    confirmation token).
    """
    assert thread.id is not None
    # Whichever worker or job writes it, a thread's mail comes from the inbox it arrived at.
    rt = rt.for_mailbox(thread.mailbox)
    firm = rt.config.settings.firm
    to_addr = to_addr or (thread.guest_email if spec.to_guest else thread.manager_email)
    if not to_addr:
        log.error("thread %s: %s has no recipient; not written", thread.id, spec.kind)
        return None
    refused = limits.refusal(
        spec.kind, history(rt, session, thread, to_addr, now), rt.config.settings.limits, now
    )
    if refused is not None:
        detail = f"{spec.kind} to {to_addr} not sent: {refused}"
        session.add(Event(thread_id=thread.id, at=now, what="limited", detail=detail))
        log.warning("thread %s: %s", thread.id, detail)
        return None
    reader = mail_context.Reader.of(rt, thread, spec, to_addr)
    rendered = render(
        rt.templates,
        spec.kind,
        reader.language,
        mail_context.build(rt, thread, spec, parent, reader),
    )
    in_reply_to, references = "", tuple[str, ...]()
    if spec.in_reply_to_inbound and parent is not None and not is_stand_in(parent.message_id):
        in_reply_to, references = thread_headers(
            parent.message_id, parent.references, parent.in_reply_to
        )
    else:
        # Not an answer to their mail, but the same conversation: threaded under the last
        # mail we sent this person here, so their client keeps it together.
        earlier = last_mail_to(session, thread.id, to_addr)
        if earlier:
            in_reply_to, references = thread_headers(earlier, (), ())
    message_id = f"{secrets.token_hex(16)}@{firm.message_id_domain}"
    to_name = reader.name
    token = reply_token or _token_for(session, thread, reader, to_addr, now)
    envelope = Envelope(
        message_id=message_id,
        date=now,
        from_name=firm.sender_name,
        from_addr=firm.address,
        reply_to=f"{firm.local_part}+{token}@{firm.domain}",
        to_name=to_name,
        to_addr=to_addr,
        subject=rendered.subject,
        auto_submitted=spec.auto_submitted,
        loop_id=firm.instance_id,
        in_reply_to=in_reply_to,
        references=references,
    )
    ics = mail_context.invite_bytes(rt, thread, spec, now) if spec.invite else None
    data = build_message(envelope, rendered.text, rendered.html, ics, spec.invite)
    return _write(
        rt, session, thread.id, spec.kind, message_id, rendered.subject, to_addr, data, now
    )


def _token_for(
    session: Session, thread: Thread, reader: mail_context.Reader, to_addr: str, now: datetime
) -> str:
    """Each reader replies to a token of their own: one that only acts for them."""
    assert thread.id is not None
    if reader.role == GUEST:
        return thread.token
    address = "" if reader.role == ADMIN else to_addr
    return party_token(session, thread.id, reader.role, address, now)


def queue_system_mail(
    rt: Runtime, session: Session, kind: str, context: dict[str, Any], to_addr: str, now: datetime
) -> int:
    """A mail about no one conversation (the admins' digest), in the firm's default language.

    Auto-generated; its Reply-To is the firm's plain address, whose mail from admins is stored
    and never answered."""
    firm = rt.config.settings.firm
    rendered = render(rt.templates, kind, firm.default_language, context)
    message_id = f"{secrets.token_hex(16)}@{firm.message_id_domain}"
    envelope = Envelope(
        message_id=message_id,
        date=now,
        from_name=firm.sender_name,
        from_addr=firm.address,
        reply_to=firm.address,
        to_name="",
        to_addr=to_addr,
        subject=rendered.subject,
        auto_submitted="auto-generated",
        loop_id=firm.instance_id,
    )
    data = build_message(envelope, rendered.text, rendered.html)
    return _write(rt, session, None, kind, message_id, rendered.subject, to_addr, data, now)


def _write(
    rt: Runtime,
    session: Session,
    thread_id: int | None,
    kind: str,
    message_id: str,
    subject: str,
    to_addr: str,
    data: bytes,
    now: datetime,
) -> int:
    """The stored copy (Message) and the row to send (Outbox), Message-ID fixed now; returns
    the Outbox row's id.

    Plain INSERTs on the session's connection: nobody needs these rows as objects, and the
    ORM's bookkeeping cost more than the statements. The sequence lookup comes first, so its
    autoflush has written everything they refer to (the thread).
    """
    firm = rt.config.settings.firm
    seq = next_outbox_seq(session, thread_id, kind)
    conn = session.connection()
    stored = conn.execute(
        _insert_message(),
        {
            "direction": "out",
            "mailbox": rt.mailbox,
            "message_id": message_id,
            "dedupe_key": msgid_key(message_id),
            "thread_id": thread_id,
            "kind": kind,
            "category": "ours",
            "subject": subject,
            "from_addr": firm.address,
            "to_addr": to_addr,
            "at": now,
            "raw": data,
            "size": len(data),
            "status": DONE,
        },
    ).scalar_one()
    row = {
        "message_id": stored,
        "thread_id": thread_id,
        "kind": kind,
        "seq": seq,
        "recipient": to_addr,
        "recipient_key": to_addr.lower(),
        "envelope_from": f"{firm.local_part}+b-{secrets.token_hex(8)}@{firm.domain}",
        "status": PENDING,
        "next_attempt_at": now,
        "created_at": now,
    }
    return int(conn.execute(_insert_outbox(), row).scalar_one())


# Built once: SQLAlchemy then reuses a statement's cache key instead of computing it each time.
@cache
def _insert_message() -> sa.Insert:
    return sa.insert(Message).returning(col(Message.id))


@cache
def _insert_job() -> sa.Insert:
    return sa.insert(Job)


@cache
def _insert_outbox() -> sa.Insert:
    return sa.insert(Outbox).returning(col(Outbox.id))
