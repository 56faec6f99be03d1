"""The inbox interface every inbound adapter offers (IMAP, Maildir), and waiting for
new mail on several inboxes at once.

Adapters move bytes and flags; they hold no business rules. Identity is (UIDVALIDITY, UID) as in
IMAP. Neither ever deletes a guest's mail: processed mail gets a keyword or moves to a folder.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Fetched:
    """One message from the inbox. ``raw`` is None when it is over the size cap (not downloaded)."""

    uid: int
    size: int
    raw: bytes | None


class Inbox(Protocol):
    """What the worker needs from an inbox."""

    def open(self) -> int:
        """Connect (if needed) and return the mailbox's UIDVALIDITY."""

    def close(self) -> None: ...

    def fetch_new(self, after_uid: int, limit: int) -> list[Fetched]:
        """Messages with UID > ``after_uid``, oldest first, at most ``limit``."""

    def highest_uid(self) -> int:
        """The UID of the newest message now in the inbox (0 when empty)."""

    def mark_processed(self, uids: Sequence[int]) -> None: ...

    def mark_quarantined(self, uids: Sequence[int]) -> None: ...

    def wait(self, timeout: float, stopping: Callable[[], bool]) -> None:
        """Block until new mail may have arrived, ``timeout`` passed or ``stopping()`` is true."""

    def append(self, raw: bytes) -> str:
        """Deliver ``raw`` into the inbox (for ``mailagent inject``); returns where it went."""

    def describe(self) -> str: ...


def wait_any(inboxes: Sequence[Inbox], timeout: float, stopping: Callable[[], bool]) -> None:
    """Block until new mail may have arrived in any of ``inboxes``, ``timeout`` passed or
    ``stopping()``. Several inboxes wait side by side in threads (each on its own connection);
    the first to wake ends every wait. The first transport error is raised here."""
    if len(inboxes) <= 1:
        if inboxes:
            inboxes[0].wait(timeout, stopping)
        else:
            sleep_until(timeout, stopping)
        return
    woke = threading.Event()
    errors: list[BaseException] = []

    def one(inbox: Inbox) -> None:
        try:
            inbox.wait(timeout, lambda: woke.is_set() or stopping())
        except Exception as exc:  # handed to the caller below
            errors.append(exc)
        finally:
            woke.set()

    threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in inboxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def sleep_until(timeout: float, stopping: Callable[[], bool]) -> None:
    """Sleep ``timeout`` seconds in short slices, returning early once ``stopping()``."""
    deadline = time.monotonic() + timeout
    while not stopping():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.2))
