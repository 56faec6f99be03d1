"""The questionnaire as the core sees it: which questions a guest was asked, in which
languages to read replies, and the rules for answers and nudges from the settings."""

from __future__ import annotations

from sqlmodel import Session

from mailagent.config.files import Questionnaire
from mailagent.core import answers
from mailagent.core.decision import GuestRules
from mailagent.core.parse import parse_message
from mailagent.service.runtime import Runtime
from mailagent.store.tables import Thread
from mailagent.store.threads import last_mail_raw


def asked(rt: Runtime, thread: Thread) -> list[answers.Asked]:
    """The questions the guest was last asked, under their numbers in the questionnaire (the
    numbers that mail showed)."""
    return asked_in(rt.config.questionnaire, thread.language, set(thread.missing))


def first_asked(rt: Runtime) -> list[answers.Asked]:
    """Every question, for labelled answers in a first mail (in any shipped language)."""
    return asked_in(rt.config.questionnaire, "en", set(rt.config.questionnaire.keys))


def asked_in(questionnaire: Questionnaire, language: str, keys: set[str]) -> list[answers.Asked]:
    """The questions of ``keys`` as a guest reading ``language`` saw them."""
    return [
        answers.Asked(
            q.key,
            q.wording(language),
            q.hint_words(language),
            number=number,
            labels=q.all_labels(),
            texts=q.all_texts(),
        )
        for number, q in enumerate(questionnaire.questions, 1)
        if q.key in keys
    ]


def last_mail_text(session: Session, thread: Thread) -> str:
    """The text of our last mail to the thread's guest (what their reply quotes), or ""."""
    if thread.id is None:
        return ""
    raw = last_mail_raw(session, thread.id, thread.guest_email)
    return parse_message(raw).text if raw else ""


def languages_for(language: str) -> tuple[str, ...]:
    """The languages a reply's quote headers may be in: the thread's, then English and German
    (a manager's German Outlook on an English thread still writes "Von: ... Gesendet: ...")."""
    return tuple(dict.fromkeys((language, "en", "de")))


def guest_rules(rt: Runtime) -> GuestRules:
    required = frozenset(q.key for q in rt.config.questionnaire.questions if q.required)
    guest = rt.config.settings.guest
    return GuestRules(
        required=required,
        max_reasks=guest.max_reasks,
        nudge_days=guest.nudge_days,
        expire_days=guest.expire_days,
        quiet_hours=guest.quiet_hours,
        timezone=guest.timezone,
    )
