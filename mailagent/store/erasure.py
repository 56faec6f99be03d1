"""Erasing a person: every thread of the address anonymised, their mail and event details
blanked, unsent mail cancelled, except the confirmation and calendar cancellation still owed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, select

from mailagent.store.tables import (
    CANCELLED,
    ERASED,
    HELD_NOW,
    PENDING,
    SENDING,
    Event,
    Hold,
    Message,
    Outbox,
    Suppression,
    TalentPool,
    Thread,
)

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
    # Held mail of theirs is blanked above; its holds can never be carried out now.
    held = col(Hold.thread_id).in_(ids)
    session.execute(
        sa.update(Hold).where(held, col(Hold.status) == HELD_NOW).values(status=ERASED, token=None)
    )
    session.execute(sa.update(Hold).where(held).values(address="", reason=""))
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
