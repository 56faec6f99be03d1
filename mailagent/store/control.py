"""Shared switches and markers in the ``control`` table: sending paused, the last digest,
the last retention run; shared by every worker.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from mailagent.store.tables import (
    Control,
)


def get_control(session: Session, key: str) -> Control | None:
    return session.get(Control, key)


def set_control(session: Session, key: str, value: str, actor: str, now: datetime) -> None:
    row = session.get(Control, key) or Control(key=key)
    row.value, row.actor, row.updated_at = value, actor, now
    session.add(row)
