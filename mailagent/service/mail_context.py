"""What a template sees, per reader: times in the reader's own zone and language, the manager,
the meeting, the offered times and any relayed words (documented in templates/README.md).

Every value is a plain, capped string: guest and manager text is data, never template source.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailagent.compose.context import mail_context
from mailagent.core import invites
from mailagent.core.dates import describe
from mailagent.core.decision import MailSpec
from mailagent.core.headers import sanitize_header_text
from mailagent.core.managers import Manager
from mailagent.core.parse import Inbound
from mailagent.service import meeting_place
from mailagent.service.runtime import Runtime
from mailagent.store.tables import Thread

WORDS_CAP = 5000
ANSWER_CAP = 1500


@dataclass(frozen=True)
class Reader:
    role: str  # "guest", "manager" or "admin"
    name: str
    language: str
    timezone: str

    @classmethod
    def of(cls, rt: Runtime, thread: Thread, spec: MailSpec, to_addr: str = "") -> Reader:
        settings = rt.config.settings
        if spec.to_guest:
            zone = thread.timezone or settings.guest.timezone
            return cls("guest", thread.guest_name, thread.language, zone)
        if spec.to_admins:
            return cls("admin", "", settings.firm.default_language, settings.guest.timezone)
        manager = rt.config.managers.by_address(to_addr or thread.manager_email)
        if manager is None:
            return cls("manager", thread.manager_name, thread.language, settings.guest.timezone)
        language = thread.language if thread.language in manager.languages else manager.languages[0]
        return cls("manager", manager.name, language, manager.timezone)


def build(
    rt: Runtime, thread: Thread, spec: MailSpec, parent: Inbound | None, reader: Reader
) -> dict[str, Any]:
    """The whole context for one mail to ``reader``."""
    questions = rt.config.questionnaire.questions
    wanted = set(thread.missing)
    answered = [q for q in questions if q.key in thread.answers]
    base = mail_context(
        rt.config.settings.firm,
        guest_name=thread.guest_name,
        guest_email=thread.guest_email,
        questions=[q for q in questions if q.key in wanted],
        language=reader.language,
        request_subject=parent.subject if parent else "",
        understood=[(q.wording(thread.language), thread.answers[q.key]) for q in answered],
        applications=rt.config.settings.intent.applications,
        numbers={q.key: i for i, q in enumerate(questions, 1)},
    )
    give_back = next((q for q in questions if q.key == "give_back"), None)
    manager = rt.config.managers.by_address(thread.manager_email)
    return {
        **base,
        **meeting_context(
            thread_id=thread.id or 0,
            reader=reader,
            manager_name=thread.manager_name,
            manager_email=thread.manager_email,
            start=thread.meeting_start,
            minutes=rt.config.settings.meetings.minutes,
            rescheduled=thread.meeting_sequence > 0 and spec.invite == invites.REQUEST,
            proposals=[datetime.fromisoformat(p) for p in thread.proposals],
            words=spec.words,
            answers=[(q.key, q.wording(reader.language), thread.answers[q.key]) for q in answered],
            give_back_question=(
                give_back.wording(reader.language)
                if give_back is not None and "give_back" not in thread.answers
                else ""
            ),
            suggestions=offered_times(thread, manager),
            suggested_from=thread.offered_from or "office_hours",
            place=meeting_place.place(rt, thread),
            action=spec.action,
        ),
    }


def offered_times(thread: Thread, manager: Manager | None) -> list[datetime]:
    """The times offered to the manager: those stored when the mail offering them was written
    (so that "the second one" in the reply means what the mail showed)."""
    if thread.offered:
        return [datetime.fromisoformat(t) for t in thread.offered]
    return list(manager.suggested_times(thread.updated_at)) if manager else []


def meeting_context(
    *,
    thread_id: int,
    reader: Reader,
    manager_name: str,
    manager_email: str,
    start: datetime | None,
    minutes: int,
    rescheduled: bool,
    proposals: list[datetime],
    words: str,
    answers: list[tuple[str, str, str]],
    give_back_question: str,
    suggestions: list[datetime],
    suggested_from: str = "office_hours",
    place: tuple[str, str] = ("", ""),
    action: str = "",
) -> dict[str, Any]:
    """The manager-side variables (also used with sample values by ``templates lint``)."""

    def when(at: datetime) -> str:
        return describe(at, minutes, reader.timezone, reader.language)

    return {
        "thread_id": thread_id,
        "reader": {"role": reader.role, "name": sanitize_header_text(reader.name, 100)},
        "manager": {"name": sanitize_header_text(manager_name, 100), "email": manager_email},
        "meeting": {
            "when": when(start) if start else "",
            "minutes": minutes,
            "rescheduled": rescheduled,
            "timezone": reader.timezone,
            "location": place[0],
            "video_url": place[1],
        },
        "slots": [{"number": i, "when": when(p)} for i, p in enumerate(proposals, 1)],
        "words": words.strip()[:WORDS_CAP],
        "answers": [
            {"key": key, "question": question, "answer": answer[:ANSWER_CAP]}
            for key, question, answer in answers
        ],
        "give_back_question": give_back_question,
        "suggested_times": [
            describe(s, minutes, reader.timezone, reader.language) for s in suggestions
        ],
        # "calendar": free in the manager's calendar; "office_hours": no calendar configured;
        # "unreachable": the calendar could not be read, so only the office hours were used.
        "suggested_from": suggested_from,
        # A confirmation mail's held request: forget, withdraw, decline, delegate or cancel.
        "held_action": action,
    }


def invite_bytes(rt: Runtime, thread: Thread, spec: MailSpec, now: datetime) -> bytes | None:
    """The meeting's ``.ics`` for ``spec`` (REQUEST or CANCEL), or None without a meeting."""
    if thread.meeting_start is None or not thread.meeting_uid:
        return None
    firm = rt.config.settings.firm
    room, link = meeting_place.place(rt, thread)
    guest = sanitize_header_text(thread.guest_name, 100) or thread.guest_email
    manager = sanitize_header_text(thread.manager_name, 100)
    meeting = invites.Meeting(
        uid=thread.meeting_uid,
        sequence=thread.meeting_sequence,
        start=thread.meeting_start,
        minutes=rt.config.settings.meetings.minutes,
        summary=f"Informational interview: {guest} and {manager} ({firm.name})",
        description=meeting_place.description(rt, thread, link),
        organizer_name=firm.sender_name,
        organizer_email=firm.address,
        attendees=((guest, thread.guest_email), (manager, thread.manager_email)),
        location=room,
        url=link,
        alarm_minutes=rt.config.settings.meetings.alarm_minutes,
    )
    return invites.invite(meeting, spec.invite, now)
