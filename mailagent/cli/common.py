"""Helpers the command groups share: instants on the command line, an admin's session, and
one admin change with its one-line confirmation."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailagent.config.settings import Config

from datetime import UTC, datetime


def instant(text: str) -> datetime:
    """An aware ISO 8601 instant from the command line (argparse type), as UTC."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 instant: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"give a time zone, e.g. {text}+00:00 or {text}Z")
    return value.astimezone(UTC)


def admin_session(config: Config, readonly: bool = False) -> Any:
    """(an ExitStack to close, a session in one transaction) on the configured database."""
    from contextlib import ExitStack

    from mailagent.service.runtime import opened
    from mailagent.store.database import transaction

    stack = ExitStack()
    rt = stack.enter_context(opened(config))
    session = stack.enter_context(transaction(rt.engine, readonly=readonly))
    return stack, session


def admin_change(config: Config, change: Any, what: str, args: argparse.Namespace) -> int:
    """Apply ``change(session, args.id, now)`` in one transaction and say what was done."""
    from mailagent.service.runtime import utcnow

    stack, session = admin_session(config)
    with stack:
        change(session, args.id, utcnow())
    print(f"{what} {args.id}")
    return 0
