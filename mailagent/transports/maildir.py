"""The Maildir inbox (stdlib ``mailbox``): a local folder read like an IMAP mailbox.
It keeps its own UID list, so the worker treats both alike.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from mailagent.config.transport import InboxSettings
from mailagent.transports.inbox import Fetched, sleep_until

UIDLIST = "mailagent-uidlist.json"


class MaildirInbox:
    """A Maildir folder. Processed mail moves from ``new/`` to ``cur/`` (or a Maildir++ folder).

    UIDs: ``mailagent-uidlist.json`` in the folder maps each file's key to a UID, assigned in
    delivery order; UIDVALIDITY is fixed when the list is created. Losing the list is like an IMAP
    UIDVALIDITY change: everything is read again and Message-IDs catch the repeats.

    Handled mail stays in the folder, so a pass must not cost more as it fills up: directory
    listings are names only (only new files are stat'ed, for their delivery order), the list is
    re-read only when another process changed it, and written only when it changed.
    """

    def __init__(self, path: Path, settings: InboxSettings) -> None:
        self.path = path
        self.settings = settings
        self._cached: tuple[tuple[int, int, int], dict[str, Any]] | None = None

    def _box(self) -> Any:
        import mailbox

        self.path.parent.mkdir(parents=True, exist_ok=True)
        return mailbox.Maildir(str(self.path), factory=None, create=True)

    @contextlib.contextmanager
    def _uidlist(self) -> Iterator[dict[str, Any]]:
        """The UID list, locked against other processes; written back if the block changed it."""
        self._box()
        lock_path = self.path / (UIDLIST + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            path = self.path / UIDLIST
            data = self._read_uidlist(path)
            before = (data["next_uid"], len(data["uids"]), data["uidvalidity"])
            try:
                yield data
            except BaseException:
                self._cached = None  # the block may have changed it half-way: read it again
                raise
            if self._cached is not None and before == (
                data["next_uid"],
                len(data["uids"]),
                data["uidvalidity"],
            ):
                return  # UIDs are only ever added or dropped: the counts tell a change
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data))
            os.replace(tmp, path)
            self._cached = (_identity(path), data)

    def _read_uidlist(self, path: Path) -> dict[str, Any]:
        try:
            identity = _identity(path)
        except FileNotFoundError:
            self._cached = None
            return {"uidvalidity": int(time.time()), "next_uid": 1, "uids": {}}
        if self._cached is not None and self._cached[0] == identity:
            return self._cached[1]
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except (FileNotFoundError, ValueError):
            self._cached = None
            return {"uidvalidity": int(time.time()), "next_uid": 1, "uids": {}}
        self._cached = (identity, data)
        return data

    def _names(self) -> dict[str, str]:
        """Key -> file for every message in new/ and cur/ (names only, nothing stat'ed; plain
        strings, as a Path per file would intern every name for good)."""
        found: dict[str, str] = {}
        for sub in ("new", "cur"):
            for entry in os.scandir(self.path / sub):
                if not entry.name.startswith("."):
                    found[entry.name.split(":", 1)[0]] = entry.path
        return found

    def _number(self, data: dict[str, Any], files: dict[str, str]) -> None:
        """Give each file not yet in the list the next UID, in delivery (mtime) order, and drop
        the keys whose files are gone."""
        uids: dict[str, int] = data["uids"]
        fresh: list[tuple[float, str]] = []
        for key, path in files.items():
            if key in uids:
                continue
            try:
                fresh.append((os.stat(path).st_mtime, key))
            except FileNotFoundError:
                continue  # renamed right now; seen under its new name next time
        for _, key in sorted(fresh):
            uids[key] = data["next_uid"]
            data["next_uid"] += 1
        if len(uids) > len(files):
            for key in set(uids) - set(files):
                del uids[key]

    def _read(self, key: str, path: str) -> tuple[int, bytes | None] | None:
        """Size and bytes of message ``key``, following a rename by another program (new/ ->
        cur/, flags changed); None only when it is gone from both folders."""
        for _ in range(3):
            try:
                size = os.stat(path).st_size
                if size > self.settings.max_message_bytes:
                    return size, None
                return size, Path(path).read_bytes()
            except FileNotFoundError:
                moved = [p for sub in ("new", "cur") for p in (self.path / sub).glob(f"{key}*")]
                if not moved:
                    return None
                path = str(moved[0])
        return None

    def open(self) -> int:
        with self._uidlist() as data:
            return int(data["uidvalidity"])

    def close(self) -> None:
        return None

    def fetch_new(self, after_uid: int, limit: int) -> list[Fetched]:
        files = self._names()
        with self._uidlist() as data:
            self._number(data, files)
            uids: dict[str, int] = data["uids"]
            wanted = sorted((uid, key) for key, uid in uids.items() if uid > after_uid)[:limit]
        out: list[Fetched] = []
        for uid, key in wanted:
            found = self._read(key, files[key])
            if found is None:
                continue  # deleted by someone else: there is nothing left to lose
            out.append(Fetched(uid=uid, size=found[0], raw=found[1]))
        return out

    def highest_uid(self) -> int:
        files = self._names()
        with self._uidlist() as data:
            self._number(data, files)
            return max((data["uids"][k] for k in files if k in data["uids"]), default=0)

    def mark_processed(self, uids: Sequence[int]) -> None:
        self._mark(uids, self.settings.processed_folder)

    def mark_quarantined(self, uids: Sequence[int]) -> None:
        self._mark(uids, self.settings.quarantine_folder or "Quarantine")

    def _mark(self, uids: Sequence[int], folder: str) -> None:
        """Move the files to cur/ (keeping their flags) or into Maildir++ folder ``.<folder>``."""
        if not uids:
            return
        wanted = set(uids)
        with self._uidlist() as data:
            keys = {key: uid for key, uid in data["uids"].items() if uid in wanted}
        files = self._names()
        target = self.path / f".{folder}" if folder else self.path
        if folder:
            self._box().add_folder(folder)
        for key in keys:
            path = files.get(key)
            if path is None:
                continue
            base = os.path.basename(path)
            name = base if ":" in base else f"{base}:2,"
            with contextlib.suppress(FileNotFoundError):
                os.rename(path, target / "cur" / name)

    def wait(self, timeout: float, stopping: Callable[[], bool]) -> None:
        sleep_until(timeout, stopping)

    def append(self, raw: bytes) -> str:
        key = self._box().add(raw)
        return f"{self.path}/new/{key}"

    def describe(self) -> str:
        return f"maildir:{self.path}"


def _identity(path: Path) -> tuple[int, int, int]:
    """What changes when any process rewrites a file (it is replaced, never edited in place)."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size
