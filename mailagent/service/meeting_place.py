"""Where a meeting takes place and what its invitation says: the room and video link (the
manager's own, else ``[meetings]``), and the description with both sides' stated goals.

The video link is an admin's template (``{{ uid }}``, ``{{ thread_id }}``, ``{{ manager }}``)
rendered in the sandbox with values mailagent made itself; no guest text reaches it.
"""

from __future__ import annotations

import logging
import re

import jinja2

from mailagent.core.headers import sanitize_header_text
from mailagent.service.runtime import Runtime
from mailagent.store.tables import Thread

log = logging.getLogger(__name__)

GOAL_CAP = 600
_URL_RE = re.compile(r"^https://[^\s<>\"]+$")


def place(rt: Runtime, thread: Thread) -> tuple[str, str]:
    """(room, video link) for ``thread``'s meeting; either may be ``""``."""
    meetings = rt.config.settings.meetings
    manager = rt.config.managers.by_address(thread.manager_email)
    room = (manager.location if manager else "") or meetings.location
    link_template = (manager.video_url if manager else "") or meetings.video_url
    return sanitize_header_text(room, 300), _link(rt, thread, link_template)


def _link(rt: Runtime, thread: Thread, template: str) -> str:
    if not template or not thread.meeting_uid:
        return ""
    slug = re.sub(r"[^a-z0-9]+", "-", thread.manager_name.lower()).strip("-")
    try:
        link = rt.templates.from_string(template).render(
            uid=thread.meeting_uid.split("@")[0], thread_id=thread.id, manager=slug
        )
    except jinja2.TemplateError as exc:
        log.warning("thread %s: [meetings] video_url cannot be rendered: %s", thread.id, exc)
        return ""
    link = link.strip()
    if not _URL_RE.match(link):
        log.warning("thread %s: video link %r is not an https URL; left out", thread.id, link)
        return ""
    return link


def description(rt: Runtime, thread: Thread, link: str) -> str:
    """The invitation's DESCRIPTION: what the meeting is, what the guest wants to learn and
    what the firm hopes to learn from them, and the video link."""
    firm = rt.config.settings.firm.name
    parts = [f"An informational interview at {firm} (not a job interview)."]
    goals = _answer(thread, "learn_goals")
    if goals:
        parts.append(f"What the guest wants to learn: {goals}")
    give_back = _answer(thread, "give_back")
    if give_back:
        parts.append(f"What {firm} hopes to learn from the guest: {give_back}")
    if link:
        parts.append(f"Video link: {link}")
    parts.append("Questions: reply to the mail this invitation came with.")
    return "\n\n".join(parts)


def _answer(thread: Thread, key: str) -> str:
    text = " ".join(thread.answers.get(key, "").split())
    # Control characters out; iCalendar escapes the rest (commas, semicolons, newlines).
    text = "".join(c for c in text if c.isprintable())
    return text if len(text) <= GOAL_CAP else text[: GOAL_CAP - 1].rstrip() + "…"
