"""A pass's upkeep: the daily retention run and the weekly digest, each when it is due.

Whether either is due is read from its control row here; the modules doing the work (retention
rewrites stored mail, the digest is a mail to write) are imported only when it is, so a pass
with nothing due does not load them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import Session

from mailagent.config.settings import Config
from mailagent.errors import MailagentError
from mailagent.service.runtime import Runtime
from mailagent.store.control import get_control, set_control
from mailagent.store.database import transaction
from mailagent.store.tables import Control

log = logging.getLogger("mailagent.worker")

RETENTION_KEY = "retention_last_run"
DIGEST_KEY = "digest_last_sent"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def run_due(rt: Runtime, now: datetime) -> None:
    """Retention, then the digest, when due; a failure is logged and tried again next pass.

    Looked at first in a read-only transaction: a pass with nothing due takes no write lock,
    and what is due is imported before the write lock is taken, not while it is held."""
    try:
        with transaction(rt.engine, readonly=True) as session:
            retention = retention_due(session, now)
            digest_soon = _digest_may_be_due(rt.config, session, now)
        if not (retention or digest_soon):
            return
        from mailagent.service import digest, privacy

        with transaction(rt.engine) as session:
            if retention_due(session, now):
                privacy.enforce_retention(rt, session, now)
            at = digest_due(rt.config, session, now)
            if at is not None:
                digest.send(rt, session, now, at)
    except (sa.exc.SQLAlchemyError, MailagentError):
        log.exception("housekeeping (retention, digest): failed; tried again next pass")


def _digest_may_be_due(config: Config, session: Session, now: datetime) -> bool:
    """Whether :func:`digest_due` has anything to do (it decides, under its lock)."""
    at = _this_weeks_digest(config, now)
    return at is not None and _not_sent(get_control(session, DIGEST_KEY), at)


def retention_due(session: Session, now: datetime) -> bool:
    """Whether the daily retention run is due (none in the last 24 hours)."""
    last = get_control(session, RETENTION_KEY)
    if last is None or not last.value:
        return True
    return datetime.fromisoformat(last.value) <= now - timedelta(days=1)


def digest_slot(now: datetime, weekday: str, hour: int, timezone: str) -> datetime:
    """The latest digest time at or before ``now``: this week's (or last week's) weekday/hour."""
    local = now.astimezone(ZoneInfo(timezone))
    day = local.date() - timedelta(days=(local.weekday() - WEEKDAYS.index(weekday)) % 7)
    at = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(timezone))
    if at > local:
        at -= timedelta(days=7)
    return at.astimezone(now.tzinfo)


def digest_due(config: Config, session: Session, now: datetime) -> datetime | None:
    """This week's digest time when its digest has not gone out yet, else None."""
    at = _this_weeks_digest(config, now)
    if at is None:
        return None
    # Locked: a second worker waits here and then finds this week's digest already queued.
    last = session.get(Control, DIGEST_KEY, with_for_update=True)
    if last is None or not last.value:
        # The first week starts now: a digest needs a week to report on.
        set_control(session, DIGEST_KEY, at.isoformat(), "mailagent", now)
        return None
    return at if _not_sent(last, at) else None


def _this_weeks_digest(config: Config, now: datetime) -> datetime | None:
    """When this week's digest is due, or None when no digest is to be sent."""
    settings = config.settings.digest
    if not settings.enabled or not config.settings.managers.admins:
        return None
    return digest_slot(now, settings.weekday, settings.hour, settings.timezone)


def _not_sent(last: Control | None, at: datetime) -> bool:
    """Whether the digest due at ``at`` has not gone out (no record is a first week to start)."""
    return last is None or not last.value or datetime.fromisoformat(last.value) < at
