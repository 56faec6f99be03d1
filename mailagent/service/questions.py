"""The questionnaire as the core sees it: which questions a guest was asked, in which
languages to read replies, and the rules for answers and nudges from the settings."""

from __future__ import annotations

from mailagent.core import answers
from mailagent.core.decision import GuestRules
from mailagent.service.runtime import Runtime
from mailagent.store.tables import Thread


def asked(rt: Runtime, thread: Thread) -> list[answers.Asked]:
    """The questions the guest was last asked, numbered as in that mail."""
    wanted = set(thread.missing)
    lang = thread.language
    return [
        answers.Asked(q.key, q.wording(lang), q.hint_words(lang))
        for q in rt.config.questionnaire.questions
        if q.key in wanted
    ]


def first_asked(rt: Runtime) -> list[answers.Asked]:
    """Every question, for labelled answers in a first mail (in any shipped language)."""
    return [
        answers.Asked(q.key, q.wording("en"), tuple(h for lang in q.hints for h in q.hints[lang]))
        for q in rt.config.questionnaire.questions
    ]


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
