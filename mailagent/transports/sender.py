"""The interface every outbound adapter offers (SMTP, Maildir pickup).

An adapter sends one prepared mail and reports how it went by raising one of three errors:
:class:`TransportError` (nothing was accepted: retry later), :class:`PermanentSendError` (5xx) or
:class:`UncertainSendError` (the link failed after the body went out: it may have been delivered,
so it must not be resent blindly; mail-rules E.4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Outgoing:
    """One mail as it goes on the wire: CRLF bytes, envelope sender and its one recipient."""

    message_id: str
    envelope_from: str
    recipient: str
    data: bytes
    notify_never: bool = False


def nothing_yet() -> None:
    return None


class Sender(Protocol):
    """A connection to the outgoing transport, used for one flush."""

    def __enter__(self) -> Sender: ...

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    def send(
        self,
        mail: Outgoing,
        before_body: Callable[[], None] = nothing_yet,
        while_waiting: Callable[[], None] = nothing_yet,
    ) -> None:
        """Deliver ``mail``; ``before_body`` runs just before the body goes out (after that a
        failure is uncertain). ``while_waiting`` runs at most once, before ``before_body``,
        while the transport first waits for the server (the caller commits the previous
        mail's outcome there); an adapter with nothing to wait for need not run it, and the
        caller then commits what it owes in ``before_body``."""

    def alive(self) -> bool:
        """False once the connection is gone (the rest of the flush waits for the next try)."""

    def already_sent(self, message_id: str) -> bool | None:
        """True/False when the transport can tell whether ``message_id`` went out; None if not."""


@runtime_checkable
class Staging(Protocol):
    """A sender that delivers in two steps and waits for no server (the Maildir pickup folder):
    ``stage`` puts the mail durably where no reader looks, ``deliver`` hands it over. A mail
    staged but not delivered never went out, and ``already_sent`` says False for it. The flush
    then stages a whole batch, marks it "about to send" in one commit, delivers it and records
    it in one more (:mod:`mailagent.service.staged`). Both raise TransportError when the
    transport fails."""

    def stage(self, mail: Outgoing) -> None: ...

    def deliver(self, mail: Outgoing) -> None: ...
