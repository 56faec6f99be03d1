"""PURE: which thread does an inbound mail belong to?

Order (mail-rules B.3): the token in the address it reached, then In-Reply-To, then References
newest first, then the sender's single open thread. The caller looks the candidates up in the
database and passes them in; this module only decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mailagent.core.parse import Inbound

TOKEN_RE = re.compile(r"^[a-z2-7]{26}$")


@dataclass(frozen=True)
class Match:
    """``thread_id`` is None when the mail starts something new; ``how`` names the rule used.

    For a match by token, ``party`` is whose reply address it came to (guest, manager, admin
    or confirm: :mod:`mailagent.core.identity`) and ``address`` who that token was given to.
    """

    thread_id: int | None
    how: str
    note: str = ""
    party: str = ""
    address: str = ""
    token: str = ""


def tokens_in(recipients: Sequence[str], address: str) -> list[str]:
    """Reply tokens in ``recipients``: ``local+TOKEN@domain`` for our inbox ``address``."""
    our_local, _, our_domain = address.lower().rpartition("@")
    found: list[str] = []
    for addr in recipients:
        local, _, domain = addr.lower().rpartition("@")
        base, plus, tag = local.partition("+")
        if plus and base == our_local and domain == our_domain and TOKEN_RE.match(tag):
            found.append(tag)
    return list(dict.fromkeys(found))


def match_thread(
    msg: Inbound,
    token_threads: Mapping[str, int],
    msgid_threads: Mapping[str, int],
    sender_open_threads: Sequence[int],
) -> Match:
    """Decide the thread for ``msg``.

    ``token_threads`` maps the tokens found in its recipients to threads; ``msgid_threads`` maps the
    Message-IDs it refers to (In-Reply-To, References) to threads; ``sender_open_threads`` lists the
    open threads of its sender.
    """
    by_headers = _by_headers(msg, msgid_threads)
    if token_threads:
        thread_id = next(iter(token_threads.values()))
        note = ""
        if by_headers.thread_id is not None and by_headers.thread_id != thread_id:
            note = f"token says thread {thread_id}, headers say {by_headers.thread_id}; token wins"
        return Match(thread_id, "token", note)
    if by_headers.thread_id is not None:
        return by_headers
    if sender_open_threads:
        # A sender normally has one open thread (a second request joins it); if an admin made
        # more, the newest is the one the sender is most likely writing about.
        count = len(sender_open_threads)
        note = f"newest of {count} open threads of this sender" if count > 1 else ""
        return Match(max(sender_open_threads), "sender", note)
    return Match(None, "new")


def _by_headers(msg: Inbound, msgid_threads: Mapping[str, int]) -> Match:
    for mid in msg.in_reply_to:
        if mid in msgid_threads:
            return Match(msgid_threads[mid], "in-reply-to")
    for mid in reversed(msg.references):
        if mid in msgid_threads:
            return Match(msgid_threads[mid], "references")
    return Match(None, "new")
