"""PURE: choose the manager for a guest, with the reasons written down.

A manager is a candidate when active, not absent today, under their monthly quota and not
already asked in this thread. Candidates who speak the guest's language come first (if nobody
does, the firm's default language is tried and the event says so). Among them the one whose
expertise tags match the guest's answers best wins; ties go to the one with the fewest
conversations this month, then to the one asked longest ago, so equals take turns.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from mailagent.core.managers import Manager

# Keys whose answers say what the guest wants to talk about; give_back and availability don't.
TOPIC_KEYS = ("learn_goals", "background", "questions_for_us")


@dataclass(frozen=True)
class Routing:
    """``manager`` is None when nobody is available; ``reason`` explains either way."""

    manager: Manager | None
    reason: str
    skipped: tuple[str, ...] = ()


def matched_tags(manager: Manager, text: str) -> list[str]:
    """The manager's expertise tags found in ``text`` (whole words; a plural counts)."""
    low = text.lower()
    return [tag for tag in manager.expertise if re.search(_tag_pattern(tag), low)]


def _tag_pattern(tag: str) -> str:
    """The tag, its plural, and for a plural tag ("logistics") its singular too."""
    forms = [re.escape(tag)]
    if tag.endswith("s") and not tag.endswith("ss"):
        forms.append(re.escape(tag[:-1]))
    return rf"\b(?:{'|'.join(forms)})(?:s|es)?\b"


def route(
    managers: Sequence[Manager],
    answers: Mapping[str, str],
    language: str,
    now: datetime,
    load: Mapping[str, int],
    last_asked: Mapping[str, datetime],
    asked_before: Collection[str] = (),
    default_language: str = "en",
) -> Routing:
    """Pick a manager. ``load``: conversations this month per manager name; ``last_asked``: when
    each was last given one; ``asked_before``: names already asked in this thread."""
    skipped: list[str] = []
    available = []
    for m in managers:
        why_not = _unavailable(m, now, load.get(m.name, 0), asked_before)
        if why_not:
            skipped.append(f"{m.name}: {why_not}")
        else:
            available.append(m)
    if not available:
        return Routing(None, "no manager available", tuple(skipped))
    speakers = [m for m in available if language in m.languages]
    note = ""
    if not speakers and language != default_language:
        speakers = [m for m in available if default_language in m.languages]
        note = f"; nobody available speaks '{language}', so in '{default_language}'"
    if not speakers:
        skipped.extend(f"{m.name}: does not speak '{language}'" for m in available)
        return Routing(None, f"no available manager speaks '{language}'", tuple(skipped))
    topic = "\n".join(answers[k] for k in TOPIC_KEYS if answers.get(k)) or "\n".join(
        answers.values()
    )
    never = datetime.min.replace(tzinfo=now.tzinfo)

    def rank(m: Manager) -> tuple[int, int, datetime, str]:
        return (
            -len(matched_tags(m, topic)),
            load.get(m.name, 0),
            last_asked.get(m.name, never),
            m.name,
        )

    best = min(speakers, key=rank)
    tags = matched_tags(best, topic)
    why = (
        f"expertise {', '.join(repr(t) for t in tags)}"
        if tags
        else "no expertise match; next in turn"
    )
    count = load.get(best.name, 0) + 1
    reason = f"{best.name}: {why}, {count} of {best.monthly_quota} this month{note}"
    return Routing(best, reason, tuple(skipped))


def _unavailable(m: Manager, now: datetime, load: int, asked_before: Collection[str]) -> str:
    if not m.active:
        return "inactive"
    if m.name in asked_before:
        return "already asked in this conversation"
    absence = m.absent_on(now)
    if absence is not None:
        return f"absent until {absence.end:%Y-%m-%d}"
    if load >= m.monthly_quota:
        return f"at quota ({load} of {m.monthly_quota} this month)"
    return ""
