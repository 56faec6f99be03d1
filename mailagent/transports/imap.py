"""The IMAP inbox adapter, on imapclient: UID commands only, ``BODY.PEEK[]`` (never sets
\\Seen), explicit socket timeouts, IDLE when offered, and any failure turned into TransportError
after dropping the connection (the worker reconnects with backoff)."""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from mailagent.config.endpoints import Endpoint
from mailagent.config.transport import InboxSettings
from mailagent.errors import TransportError
from mailagent.transports import oauth
from mailagent.transports.inbox import Fetched, sleep_until

log = logging.getLogger(__name__)
BATCH_BYTES = 50_000_000  # bodies fetched per round, so a batch of large mail stays in memory


class ImapInbox:
    """One IMAP folder through imapclient: UID commands only, ``BODY.PEEK[]`` (never \\Seen)."""

    def __init__(self, endpoint: Endpoint, settings: InboxSettings) -> None:
        self.endpoint = endpoint
        self.settings = settings
        self.folder = endpoint.folder or "INBOX"
        self.client: Any = None
        self.connected_at = 0.0
        self.capabilities: frozenset[bytes] = frozenset()
        self.permanent_keywords = False

    def _connect(self) -> Any:
        from imapclient import IMAPClient, SocketTimeout

        s = self.settings
        context = ssl.create_default_context(cafile=s.ca_file or None)
        if not s.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        tls = self.endpoint.scheme == "imaps"
        client = IMAPClient(
            self.endpoint.host,
            port=self.endpoint.port,
            ssl=tls,
            ssl_context=context,
            timeout=SocketTimeout(connect=s.connect_timeout, read=s.read_timeout),
        )
        try:
            if not tls and s.starttls:
                client.starttls(context)
            self._login(client)
            info = client.select_folder(self.folder)
        except Exception:
            _shutdown(client)
            raise
        self.capabilities = frozenset(client.capabilities())
        flags = info.get(b"PERMANENTFLAGS", ())
        self.permanent_keywords = b"\\*" in flags
        self.uidvalidity = int(info[b"UIDVALIDITY"])
        self.connected_at = time.monotonic()
        return client

    def _login(self, client: Any) -> None:
        s, user = self.settings, self.endpoint.user
        if s.auth != "xoauth2":
            client.login(user, s.password() or "")
            return
        what = f"IMAP {self.endpoint.display()}"
        token = oauth.fetch_token(s.oauth2_token_command, s.oauth2_token_file, what)
        try:
            client.oauth2_login(user, token)
        except Exception as exc:  # imapclient reports a refused login as its own error type
            raise oauth.refused(what, str(exc)[:200]) from None

    @contextlib.contextmanager
    def _guard(self, what: str) -> Iterator[Any]:
        """Turn any socket/protocol failure into TransportError and drop the connection."""
        try:
            if self.client is None:
                self.client = self._connect()
            yield self.client
        except TransportError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise TransportError(f"IMAP {self.endpoint.display()}: {what}: {exc!r}") from exc

    def open(self) -> int:
        too_old = time.monotonic() - self.connected_at > self.settings.session_max_seconds
        if self.client is not None and too_old:
            self.close()  # servers log out idle sessions at 30 min; reconnect before that
        with self._guard("connect"):
            pass
        with self._guard("select") as client:
            info = client.select_folder(self.folder)
            self.uidvalidity = int(info[b"UIDVALIDITY"])
        return self.uidvalidity

    def close(self) -> None:
        if self.client is not None:
            _shutdown(self.client)
            self.client = None

    def fetch_new(self, after_uid: int, limit: int) -> list[Fetched]:
        with self._guard("fetch") as client:
            found = client.search(["UID", f"{after_uid + 1}:*"])
            # "n:*" always includes the highest UID, even when it is below n (RFC 3501 6.4.8).
            uids = sorted(uid for uid in found if uid > after_uid)[:limit]
            if not uids:
                return []
            sizes = client.fetch(uids, ["RFC822.SIZE"])
            uids = _within_budget(uids, sizes, BATCH_BYTES)
            cap = self.settings.max_message_bytes
            small = [u for u in uids if sizes.get(u, {}).get(b"RFC822.SIZE", 0) <= cap]
            bodies = client.fetch(small, ["BODY.PEEK[]"]) if small else {}
        out: list[Fetched] = []
        for uid in uids:
            if uid not in sizes:
                continue  # expunged between SEARCH and FETCH
            size = int(sizes[uid].get(b"RFC822.SIZE", 0))
            raw = bodies.get(uid, {}).get(b"BODY[]") if uid in small else None
            if uid in small and raw is None:
                # Expunged meanwhile, or the server did not send it: stop here so the watermark
                # cannot pass a message that may still be there.
                break
            out.append(Fetched(uid=uid, size=size, raw=raw))
        return out

    def highest_uid(self) -> int:
        with self._guard("search") as client:
            return max(client.search(["ALL"]), default=0)

    def mark_processed(self, uids: Sequence[int]) -> None:
        self._mark(uids, self.settings.processed_keyword, self.settings.processed_folder)

    def mark_quarantined(self, uids: Sequence[int]) -> None:
        self._mark(uids, self.settings.quarantine_keyword, self.settings.quarantine_folder)

    def has_message_id(self, folder: str, message_id: str) -> bool:
        """Whether ``folder`` holds a message with this Message-ID (UID SEARCH HEADER)."""
        with self._guard("search sent") as client:
            if not client.folder_exists(folder):
                return False
            client.select_folder(folder, readonly=True)
            try:
                found = client.search(["HEADER", "Message-ID", f"<{message_id}>"])
            finally:
                client.select_folder(self.folder)
        return bool(found)

    def _mark(self, uids: Sequence[int], keyword: str, folder: str) -> None:
        if not uids:
            return
        with self._guard("mark") as client:
            if keyword and self.permanent_keywords:
                client.add_flags(list(uids), [keyword.encode()], silent=True)
            if folder:
                self._move(client, list(uids), folder)

    def _move(self, client: Any, uids: list[int], folder: str) -> None:
        if not client.folder_exists(folder):
            client.create_folder(folder)
        if b"MOVE" in self.capabilities:
            client.move(uids, folder)
        elif b"UIDPLUS" in self.capabilities:
            client.copy(uids, folder)
            client.add_flags(uids, [b"\\Deleted"], silent=True)
            client.uid_expunge(uids)
        else:
            log.warning(
                "IMAP %s has neither MOVE nor UIDPLUS: processed mail stays in %s (keyword only)",
                self.endpoint.display(),
                self.folder,
            )

    def wait(self, timeout: float, stopping: Callable[[], bool]) -> None:
        if not (self.settings.idle and b"IDLE" in self.capabilities) or self.client is None:
            sleep_until(timeout, stopping)
            return
        deadline = time.monotonic() + min(timeout, self.settings.idle_renew_seconds)
        with self._guard("idle") as client:
            client.idle()
            while not stopping() and time.monotonic() < deadline:
                slice_ = max(0.05, min(1.0, deadline - time.monotonic()))
                started = time.monotonic()
                responses = client.idle_check(timeout=slice_)
                if not responses and time.monotonic() - started < slice_ / 2:
                    # idle_check swallows EOF and returns at once: the link is dead (D10).
                    raise TransportError("IMAP connection lost during IDLE")
                if any(
                    r[1:2] == (b"BYE",) or r[:1] == (b"BYE",)
                    for r in responses
                    if isinstance(r, tuple)
                ):
                    raise TransportError("IMAP server ended the session during IDLE")
                if any(r[1:2] == (b"EXISTS",) for r in responses if isinstance(r, tuple)):
                    break
            # Only on a healthy link: after an error idle_done() can hang (imapclient #449).
            client.idle_done()

    def append(self, raw: bytes) -> str:
        with self._guard("append") as client:
            result = client.append(self.folder, raw)
        text = result.decode(errors="replace") if isinstance(result, bytes) else str(result)
        return f"{self.endpoint.display()} ({text.strip()})"

    def describe(self) -> str:
        return self.endpoint.display()


def _within_budget(uids: list[int], sizes: dict[int, Any], budget: int) -> list[int]:
    """The leading UIDs whose bodies fit in ``budget`` bytes together (always at least one)."""
    total, kept = 0, list[int]()
    for uid in uids:
        total += int(sizes.get(uid, {}).get(b"RFC822.SIZE", 0))
        if kept and total > budget:
            break
        kept.append(uid)
    return kept


def _shutdown(client: Any) -> None:
    # Never LOGOUT or idle_done() on a broken link: both can hang (imapclient #449).
    with contextlib.suppress(Exception):
        client.shutdown()
