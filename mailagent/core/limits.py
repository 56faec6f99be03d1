"""PURE: rate limits on automatic mail (mail-rules c). The outbox is the ledger.

The caller collects, for one intended mail, the times of earlier mails from the database
(:class:`History`) and asks :func:`refusal` whether the mail may be written. A limit that bites
means the mail is not written and the thread's log names the limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol


class LimitRules(Protocol):
    """The limits in force (``[limits]`` in the config satisfies this)."""

    @property
    def questionnaire_window_days(self) -> float: ...
    @property
    def per_thread_recipient(self) -> Sequence[tuple[int, int]]: ...
    @property
    def per_recipient(self) -> Sequence[tuple[int, int]]: ...
    @property
    def inbound_per_sender(self) -> tuple[int, int]: ...


@dataclass(frozen=True)
class History:
    """Earlier traffic relevant to one intended mail (times of outbox rows and inbound mail)."""

    to_recipient: Sequence[datetime]
    to_recipient_in_thread: Sequence[datetime]
    questionnaires_to_recipient: Sequence[datetime]
    inbound_from_recipient: Sequence[datetime]
    suppressed: str | None = None
    explanations_to_recipient: Sequence[datetime] = ()


def lookback(limits: LimitRules) -> timedelta:
    """How far back :class:`History` must reach for ``limits``."""
    minutes = max(m for _, m in (*limits.per_recipient, *limits.per_thread_recipient))
    minutes = max(minutes, limits.inbound_per_sender[1])
    return max(timedelta(minutes=minutes), timedelta(days=limits.questionnaire_window_days))


def refusal(kind: str, history: History, limits: LimitRules, now: datetime) -> str | None:
    """Why this mail must not be written, or None when no limit bites."""
    if history.suppressed:
        return f"address suppressed: {history.suppressed}"
    count, minutes = limits.inbound_per_sender
    recent_in = _within(history.inbound_from_recipient, now, minutes)
    if recent_in > count:
        return f"{recent_in} mails from this address within {minutes} min (limit {count})"
    if kind == "not_request" and any(
        now - t < timedelta(days=1) for t in history.explanations_to_recipient
    ):
        return "an explanation already went to this address today"
    if kind == "questionnaire":
        window = timedelta(days=limits.questionnaire_window_days)
        earlier = [t for t in history.questionnaires_to_recipient if now - t < window]
        if earlier:
            return f"a questionnaire went to this address on {max(earlier):%Y-%m-%d %H:%M} UTC"
    for name, times, tiers in (
        ("this thread", history.to_recipient_in_thread, limits.per_thread_recipient),
        ("all threads", history.to_recipient, limits.per_recipient),
    ):
        hit = tier_reached(times, tiers, now)
        if hit is not None:
            return f"{hit[0]} mails to this address within {hit[1]} min in {name}"
    return None


def tier_reached(
    times: Sequence[datetime], tiers: Sequence[tuple[int, int]], now: datetime
) -> tuple[int, int] | None:
    """The first (count, minutes) tier whose count is already reached, if any."""
    for count, minutes in tiers:
        if _within(times, now, minutes) >= count:
            return count, minutes
    return None


def _within(times: Sequence[datetime], now: datetime, minutes: int) -> int:
    start = now - timedelta(minutes=minutes)
    return sum(1 for t in times if start <= t <= now)
