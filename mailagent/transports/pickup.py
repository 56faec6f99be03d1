"""The Maildir pickup outbox: each sent mail written as a file, for the embedded default
and for MTAs that collect mail from a folder.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from mailagent.errors import (
    TransportError,
)
from mailagent.transports.sender import Outgoing, nothing_yet


class MaildirSender:
    """Writes each mail into ``<path>/new`` under a name derived from its Message-ID.

    The name is deterministic, so writing the same row twice leaves one file: the folder itself
    tells whether a row was sent.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> MaildirSender:
        with self._transport_errors():
            for sub in ("tmp", "new", "cur"):
                (self.path / sub).mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    @staticmethod
    def file_name(message_id: str) -> str:
        return hashlib.sha256(message_id.encode()).hexdigest()[:32] + ".mailagent.eml"

    def send(
        self,
        mail: Outgoing,
        before_body: Callable[[], None] = nothing_yet,
        while_waiting: Callable[[], None] = nothing_yet,
    ) -> None:
        # Nothing to wait for: ``while_waiting`` is not run, so the caller commits what it owes
        # in ``before_body``. The flush uses stage and deliver instead (Staging).
        self.stage(mail)
        before_body()
        self.deliver(mail)

    def stage(self, mail: Outgoing) -> None:
        """Write ``mail`` in tmp/ and fsync it: no reader looks there, so it is not sent yet."""
        # Maildir readers expect local line endings.
        with self._transport_errors(), open(self._staged(mail), "wb") as fh:
            fh.write(mail.data.replace(b"\r\n", b"\n"))
            fh.flush()
            os.fsync(fh.fileno())

    def deliver(self, mail: Outgoing) -> None:
        """Rename the staged ``mail`` into new/, which is what delivers it. "About to send" is
        committed before, so a crash leaves it uncertain only in the instant of the rename: a
        file still in tmp/ afterwards shows it never went out (already_sent)."""
        with self._transport_errors():
            os.replace(self._staged(mail), self.path / "new" / self.file_name(mail.message_id))

    def _staged(self, mail: Outgoing) -> Path:
        return self.path / "tmp" / self.file_name(mail.message_id)

    @contextmanager
    def _transport_errors(self) -> Iterator[None]:
        """The folder failing, as the transport's error (``before_body`` stays outside it)."""
        try:
            yield
        except OSError as exc:
            raise TransportError(f"maildir:{self.path}: {exc.strerror or exc}") from exc

    def alive(self) -> bool:
        return True

    def already_sent(self, message_id: str) -> bool | None:
        """True when the file is there (under any flags); False when it is still in tmp/ only
        (the rename that delivers it never happened); None when absent, because the program
        collecting the mail may have taken it away."""
        stem = self.file_name(message_id)
        if any(any((self.path / sub).glob(f"{stem}*")) for sub in ("new", "cur")):
            return True
        if (self.path / "tmp" / stem).exists():
            return False
        return None
