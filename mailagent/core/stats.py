"""PURE: the programme's funnel for a period: how many requests got how far, how long
each step took, and how each manager fared. Arithmetic over plain values;
:func:`mailagent.service.reports.collect_stories` reads them.

A thread belongs to the period it was *created* in (a cohort), and counts for every step it
reached, whenever that was. Median days are between the first time a thread reached one step
and the first time it reached the next.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from statistics import median
from typing import Any

# (funnel step, the event that marks it)
STEPS = (
    ("requests", "request"),
    ("answered", "answers_complete"),
    ("routed", "routed"),
    ("scheduled", "scheduled"),
    ("held", "held"),
    ("closed", "closed"),
)


ENDINGS = ("declined", "expired", "withdrawn", "cancelled")
# The events a story is told by: when each step and ending was first reached.
TRACKED = tuple(what for _, what in STEPS) + ENDINGS


@dataclass(frozen=True)
class Story:
    """One thread: when it was created and when it first reached each tracked event."""

    thread_id: int
    created_at: datetime
    state: str
    first: Mapping[str, datetime]
    manager: str = ""


@dataclass
class Funnel:
    since: datetime | None
    until: datetime | None
    counts: dict[str, int] = field(default_factory=dict)
    median_days: dict[str, float | None] = field(default_factory=dict)
    managers: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "counts": self.counts,
            "median_days": self.median_days,
            "managers": self.managers,
        }

    def as_text(self) -> str:
        period = f"{_day(self.since)} to {_day(self.until)}"
        lines = [f"funnel for threads created {period}"]
        for name, _ in STEPS:
            lines.append(f"  {name:<10} {self.counts.get(name, 0):>5}")
        for name in ENDINGS:
            lines.append(f"  {name:<10} {self.counts.get(name, 0):>5}")
        lines.append("median days per step")
        for step, days in self.median_days.items():
            lines.append(f"  {step:<24} {'-' if days is None else f'{days:.1f}'}")
        if self.managers:
            lines.append("per manager (asked / accepted / declined / timed out / held)")
            for name, c in sorted(self.managers.items()):
                lines.append(
                    f"  {name:<20} {c.get('asked', 0):>3} {c.get('accepted', 0):>3} "
                    f"{c.get('declined', 0):>3} {c.get('timed_out', 0):>3} {c.get('held', 0):>3}"
                )
        return "\n".join(lines)


def _day(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d}" if value else "any time"


def funnel(
    stories: Sequence[Story],
    assignments: Sequence[tuple[str, str]],
    since: datetime | None,
    until: datetime | None,
) -> Funnel:
    """The funnel of ``stories``; ``assignments`` are (manager, status) of those threads."""
    result = Funnel(since, until)
    for name, what in STEPS:
        result.counts[name] = sum(1 for s in stories if what in s.first)
    for what in ENDINGS:
        result.counts[what] = sum(1 for s in stories if what in s.first)
    for (a_name, a), (b_name, b) in pairwise(STEPS):
        spans = [
            (s.first[b] - s.first[a]).total_seconds() / 86400
            for s in stories
            if a in s.first and b in s.first
        ]
        result.median_days[f"{a_name} -> {b_name}"] = round(median(spans), 2) if spans else None
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for manager, status in assignments:
        per[manager]["asked"] += 1  # every assignment was a request to the manager
        if status != "asked":
            per[manager][status] += 1
    for s in stories:
        if s.manager and "held" in s.first:
            per[s.manager]["held"] += 1
    result.managers = {
        name: {k: c[k] for k in ("asked", "accepted", "declined", "timed_out", "held")}
        for name, c in per.items()
    }
    return result
