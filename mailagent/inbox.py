"""Inbound adapters: IMAP (imapclient) and Maildir (stdlib ``mailbox``), one interface.

Adapters move bytes and flags; they hold no business rules. Identity is (UIDVALIDITY, UID) as in
IMAP; the Maildir adapter keeps its own UID list so the worker treats both alike. Neither ever
deletes a guest's mail: processed mail gets a keyword or moves to a folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from mailagent.config import Endpoint, InboxSettings
from mailagent.errors import TransportError

log = logging.getLogger(__name__)
UIDLIST = "mailagent-uidlist.json"
BATCH_BYTES = 50_000_000  # bodies fetched per round, so a batch of large mail stays in memory


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


def open_inbox(settings: InboxSettings) -> Inbox:
    endpoint = settings.endpoint
    if endpoint.is_maildir:
        return MaildirInbox(Path(endpoint.path), settings)
    return ImapInbox(endpoint, settings)


def _sleep(timeout: float, stopping: Callable[[], bool]) -> None:
    deadline = time.monotonic() + timeout
    while not stopping():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.2))


# --- Maildir ---------------------------------------------------------------------------------


class MaildirInbox:
    """A Maildir folder. Processed mail moves from ``new/`` to ``cur/`` (or a Maildir++ folder).

    UIDs: ``mailagent-uidlist.json`` in the folder maps each file's key to a UID, assigned in
    delivery order; UIDVALIDITY is fixed when the list is created. Losing the list is like an IMAP
    UIDVALIDITY change: everything is read again and Message-IDs catch the repeats.
    """

    def __init__(self, path: Path, settings: InboxSettings) -> None:
        self.path = path
        self.settings = settings

    def _box(self) -> Any:
        import mailbox

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(str(self.path), factory=None, create=True)

    @contextlib.contextmanager
    def _uidlist(self) -> Iterator[dict[str, Any]]:
        self._box()
        lock_path = self.path / (UIDLIST + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            path = self.path / UIDLIST
            try:
                data = json.loads(path.read_text())
            except (FileNotFoundError, ValueError):
                data = {"uidvalidity": int(time.time()), "next_uid": 1, "uids": {}}
            yield data
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            os.replace(tmp, path)

    def _files(self) -> dict[str, Path]:
        """Key -> file for every message in new/ and cur/, in delivery (mtime) order."""
        found: list[tuple[float, str, Path]] = []
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if entry.name.startswith("."):
                    continue
                try:
                    mtime = entry.stat().st_mtime
                except FileNotFoundError:
                    continue  # renamed right now; seen under its new name next time
                key = entry.name.split(":", 1)[0]
                found.append((mtime, key, Path(entry.path)))
        return {key: path for _, key, path in sorted(found)}

    def _read(self, key: str, path: Path) -> tuple[int, bytes | None] | None:
        """Size and bytes of message ``key``, following a rename by another program (new/ ->
        cur/, flags changed); None only when it is gone from both folders."""
        for _ in range(3):
            try:
                size = path.stat().st_size
                if size > self.settings.max_message_bytes:
                    return size, None
                return size, path.read_bytes()
            except FileNotFoundError:
                moved = [p for sub in ("new", "cur") for p in (self.path / sub).glob(f"{key}*")]
                if not moved:
                    return None
                path = moved[0]
        return None

    def open(self) -> int:
        with self._uidlist() as data:
            return int(data["uidvalidity"])

    def close(self) -> None:
        return None

    def fetch_new(self, after_uid: int, limit: int) -> list[Fetched]:
        files = self._files()
        with self._uidlist() as data:
            uids: dict[str, int] = data["uids"]
            for key in files:
                if key not in uids:
                    uids[key] = data["next_uid"]
                    data["next_uid"] += 1
            for key in set(uids) - set(files):
                del uids[key]
        wanted = sorted((uid, key) for key, uid in uids.items() if uid > after_uid)[:limit]
        out: list[Fetched] = []
        for uid, key in wanted:
            found = self._read(key, files[key])
            if found is None:
                continue  # deleted by someone else: there is nothing left to lose
            out.append(Fetched(uid=uid, size=found[0], raw=found[1]))
        return out

    def highest_uid(self) -> int:
        files = self._files()
        with self._uidlist() as data:
            for key in files:
                if key not in data["uids"]:
                    data["uids"][key] = data["next_uid"]
                    data["next_uid"] += 1
            return max((data["uids"][k] for k in files), default=0)

    def mark_processed(self, uids: Sequence[int]) -> None:
        self._mark(uids, self.settings.processed_folder)

    def mark_quarantined(self, uids: Sequence[int]) -> None:
        self._mark(uids, self.settings.quarantine_folder or "Quarantine")

    def _mark(self, uids: Sequence[int], folder: str) -> None:
        """Move the files to cur/ (keeping their flags) or into Maildir++ folder ``.<folder>``."""
        wanted = set(uids)
        with self._uidlist() as data:
            keys = {key: uid for key, uid in data["uids"].items() if uid in wanted}
        files = self._files()
        target = self.path / f".{folder}" if folder else self.path
        if folder:
            self._box().add_folder(folder)
        for key in keys:
            path = files.get(key)
            if path is None:
                continue
            name = path.name if ":" in path.name else f"{path.name}:2,"
            with contextlib.suppress(FileNotFoundError):
                os.rename(path, target / "cur" / name)

    def wait(self, timeout: float, stopping: Callable[[], bool]) -> None:
        _sleep(timeout, stopping)

    def append(self, raw: bytes) -> str:
        key = self._box().add(raw)
        return f"{self.path}/new/{key}"

    def describe(self) -> str:
        return f"maildir:{self.path}"


# --- IMAP ------------------------------------------------------------------------------------


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
            client.login(self.endpoint.user, s.password() or "")
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
            _sleep(timeout, stopping)
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
