"""``mailagent run --once --dry-run``: one whole pass, rendered and logged, then undone.

Everything runs as usual inside one outer database transaction that is rolled back at the end
(each unit of work becomes a savepoint), mail is logged instead of sent, and the inbox is read
but never marked. So an admin sees exactly what the next pass would send, and nothing happens.
On SQLite the pass holds the write lock until it ends: a running worker waits meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from types import TracebackType
from typing import Any, cast

from sqlalchemy.engine import Engine

from mailagent.core.mime import Limits
from mailagent.core.parse import parse_message
from mailagent.service.runtime import Runtime
from mailagent.transports.inbox import Inbox
from mailagent.transports.sender import Outgoing, nothing_yet

log = logging.getLogger("mailagent.dryrun")


@contextmanager
def rolled_back(rt: Runtime) -> Iterator[Runtime]:
    """``rt`` on one connection whose work is all undone when the block ends."""
    connection = rt.engine.connect()
    outer = connection.begin()
    try:
        # store.transaction opens sessions on this connection as savepoints.
        yield replace(rt, engine=cast(Engine, connection))
    finally:
        outer.rollback()
        connection.close()


class LoggingSender:
    """A sender that only says what it would send."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> LoggingSender:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    def send(
        self,
        mail: Outgoing,
        before_body: Callable[[], None] = nothing_yet,
        while_waiting: Callable[[], None] = nothing_yet,
    ) -> None:
        while_waiting()
        parsed = parse_message(mail.data, Limits())
        self.count += 1
        log.info(
            "dry run: would send Message-ID <%s> to %s: %s\n%s",
            mail.message_id,
            mail.recipient,
            parsed.subject,
            parsed.text.strip(),
        )

    def alive(self) -> bool:
        return True

    def already_sent(self, message_id: str) -> bool | None:
        return None


class UnmarkedInbox:
    """An inbox read as usual, whose messages are never marked or moved."""

    def __init__(self, inner: Inbox) -> None:
        self._inner = inner

    def mark_processed(self, uids: Sequence[int]) -> None:
        if uids:
            log.info("dry run: %s message(s) would be marked handled", len(uids))

    def mark_quarantined(self, uids: Sequence[int]) -> None:
        if uids:
            log.info("dry run: %s message(s) would be moved to quarantine", len(uids))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
