"""Reply tokens: whose reply address a token is (guest, manager, admin, or a one-time token that
confirms a held mail), and the tokens each party's mail carries.
"""

from __future__ import annotations

import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from mailagent.core.identity import CONFIRM, GUEST
from mailagent.store.tables import Hold, ReplyToken, Thread


def new_token() -> str:
    """A reply token: 26 lower-case base32 characters (130 random bits)."""
    return b32encode(secrets.token_bytes(17)).decode().lower()[:26]


@dataclass(frozen=True)
class TokenOwner:
    thread_id: int
    party: str
    address: str
    hold_id: int | None = None


def token_owner(session: Session, token: str) -> TokenOwner | None:
    """Whose reply address ``token`` is, or None for a token we never gave. A confirmation's
    token stays the confirmation's once settled (it works once; a later reply to it is noted,
    never read as an ordinary reply and passed on)."""
    thread = session.exec(select(Thread).where(Thread.token == token)).first()
    if thread is not None and thread.id is not None:
        return TokenOwner(thread.id, GUEST, thread.guest_key or thread.guest_email.lower())
    given = session.get(ReplyToken, token)
    if given is not None:
        return TokenOwner(given.thread_id, given.party, given.address)
    hold = session.exec(select(Hold).where(Hold.token == token)).first()
    if hold is not None and hold.id is not None:
        return TokenOwner(hold.thread_id, CONFIRM, hold.address, hold.id)
    return None


def party_token(session: Session, thread_id: int, party: str, address: str, now: datetime) -> str:
    """The token of ``party`` at ``address`` on the thread, made on first use."""
    address = address.lower()
    found = session.exec(
        select(ReplyToken.token).where(
            ReplyToken.thread_id == thread_id,
            ReplyToken.party == party,
            ReplyToken.address == address,
        )
    ).first()
    if found is not None:
        return found
    token = new_token()
    session.add(
        ReplyToken(token=token, thread_id=thread_id, party=party, address=address, created_at=now)
    )
    # Written now: the next mail to the same party in this transaction (a second admin, say)
    # must find it, even where the session does not flush before a query.
    session.flush()
    return token
