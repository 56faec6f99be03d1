"""``check-config``: templates render, and each configured server answers."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2

from mailagent.compose import context
from mailagent.compose.environment import make_environment, render
from mailagent.config.settings import Config
from mailagent.config.transport import InboxSettings
from mailagent.errors import MailagentError
from mailagent.service import mail_context
from mailagent.store.database import make_engine
from mailagent.store.migrate import current_revision, head_revision

SAMPLE_GUEST = ("Dana Ruiz", "dana@example.org")


def template_files(env: jinja2.Environment) -> list[tuple[str, str]]:
    """(language, kind) for every ``<lang>/<kind>.txt.j2`` template."""
    found = []
    for name in env.list_templates(extensions=["j2"]):
        lang, _, file = name.partition("/")
        if file.endswith(".txt.j2") and "/" not in file and not file.startswith("_"):
            found.append((lang, file.removesuffix(".txt.j2")))
    return sorted(found)


def sample_context(config: Config, language: str) -> dict[str, Any]:
    """The variables of a typical mail, for rendering templates without a real thread."""
    start = datetime(2026, 12, 3, 14, 0, tzinfo=UTC)
    reader = mail_context.Reader("guest", SAMPLE_GUEST[0], language, "Europe/Berlin")
    meeting = mail_context.meeting_context(
        thread_id=7,
        reader=reader,
        manager_name="Sam Lee",
        manager_email="sam.lee@firm.example",
        start=start,
        minutes=config.settings.meetings.minutes,
        rescheduled=False,
        proposals=[start, start + timedelta(days=1, hours=2)],
        words="Looking forward to it. Could we talk about warehouse automation too?",
        answers=[
            (q.key, q.wording(language), "A few sentences in the guest's own words.")
            for q in config.questionnaire.questions
        ],
        give_back_question=next(
            (q.wording(language) for q in config.questionnaire.questions if q.key == "give_back"),
            "",
        ),
        suggestions=[start, start + timedelta(days=1)],
        suggested_from="calendar",
        place=("Room 4.12, Hafenstraße 3", "https://meet.firm.example/interview-8f3k2"),
        action="forget",
    )
    digest = {
        "week": {"since": "2026-11-16", "until": "2026-11-23"},
        "funnel": [{"step": "requests", "count": 12}, {"step": "scheduled", "count": 4}],
        "median_days": [{"step": "requests -> answered", "days": "1.5"}],
        "managers": [
            {"name": "Sam Lee", "asked": 3, "accepted": 2, "declined": 1, "timed_out": 0, "held": 1}
        ],
        "stalled": [{"id": 7, "state": "awaiting_manager", "since": "2026-11-10", "manager": ""}],
        "waiting": [{"id": 9, "since": "2026-11-20", "why": "unclear"}],
        "bounces": [{"address": "gone@example.org", "status": "5.1.1", "reason": "no such user"}],
        "quarantined": [{"id": 40, "message_id": "x@example.org", "reason": "failed 3 times"}],
        "calendars": [
            {
                "manager": "Sam Lee",
                "since": "2026-11-20 08:00 UTC",
                "failures": 3,
                "error": "caldav calendar refused the login (401/403)",
            }
        ],
        "held": {
            "this_week": 2,
            "waiting": [
                {
                    "id": 3,
                    "thread": 7,
                    "party": "manager",
                    "action": "accept",
                    "reason": "it came to the firm's plain address",
                }
            ],
        },
        "insights": [{"theme": "web_page", "remarks": ["The careers page is hard to find."]}],
    }
    return (
        digest
        | meeting
        | context.mail_context(
            config.settings.firm,
            guest_name=SAMPLE_GUEST[0],
            guest_email=SAMPLE_GUEST[1],
            questions=config.questionnaire.questions,
            language=language,
            request_subject="Informational interview about logistics?",
            understood=[("Who are you?", "A retail manager moving into logistics.")],
            applications=config.settings.intent.applications,
        )
    )


def check_templates(env: jinja2.Environment, config: Config) -> list[str]:
    """Render every template with sample data; raises ConfigError naming the file and line."""
    rendered = []
    found = template_files(env)
    for lang, kind in found:
        render(env, kind, lang, sample_context(config, lang))
        rendered.append(f"{lang}/{kind}")
    if ("en", "questionnaire") not in found:
        raise MailagentError(
            f"{config.settings.templates.dir}/en/questionnaire.txt.j2: missing (it is required)"
        )
    return rendered


def run_checks(config: Config) -> list[tuple[str, bool, str]]:
    """Try templates, database, inbox and outbox; one (name, ok, detail) per check."""
    results: list[tuple[str, bool, str]] = []
    settings = config.settings
    try:
        env = make_environment(settings.templates.dir)
        names = check_templates(env, config)
        results.append(("templates", True, f"{len(names)} render: {', '.join(names)}"))
    except MailagentError as exc:
        results.append(("templates", False, str(exc)))
    results.append(("plan", True, plan(config, datetime.now(UTC))))
    results.append(_check_managers(config, datetime.now(UTC)))
    results.append(_check_database(settings.database.url))
    results.extend(_check_inbox(config, i) for i in config.settings.all_inboxes())
    results.extend(_check_identity(i) for i in config.settings.all_inboxes())
    results.append(_check_outbox(config))
    results.extend(_check_calendars(config, datetime.now(UTC)))
    return results


def _check_calendars(config: Config, now: datetime) -> list[tuple[str, bool, str]]:
    """Read each configured calendar once: a warning (never a failure) when one cannot be
    read, since the briefs then offer office-hours times and nothing else stops."""
    from mailagent.core.free_time import lookup_window
    from mailagent.transports.calendars import CalendarError, read_busy

    settings = config.settings.calendars
    results = []
    for manager in config.managers.managers:
        if manager.calendar is None or not manager.active:
            continue
        name = f"calendar ({manager.name})"
        lookup = lookup_window(manager, now, settings.days)
        try:
            busy = read_busy(
                manager, lookup, timeout=settings.timeout, max_bytes=settings.max_bytes
            )
        except CalendarError as exc:
            results.append(
                (name, True, f"{WARNING}{exc}; briefs offer office-hours times until it answers")
            )
            continue
        results.append(
            (
                name,
                True,
                f"{manager.calendar.kind}: {len(busy)} busy periods in the {settings.days} days "
                f"from {lookup.start:%Y-%m-%d}",
            )
        )
    return results


WARNING = "WARNING: "


def _check_identity(inbox: InboxSettings) -> tuple[str, bool, str]:
    """How a manager's or guest's From is vouched for (mailagent.core.identity): a warning,
    not a failure, for an IMAP inbox without our border's Authentication-Results."""
    name = f"sender identity ({inbox.name})"
    if inbox.authserv_id:
        return (name, True, f"Authentication-Results of {inbox.authserv_id} decide (DMARC)")
    fallback = (
        "only the reply token and an envelope sender aligned with the From vouch for a "
        "sender; a forger who sets a matching envelope sender and knows a token can act"
    )
    if inbox.endpoint.is_maildir:
        return (name, True, f"no [inbox] authserv_id: {fallback}")
    return (
        name,
        True,
        f"{WARNING}[inbox] authserv_id is not set for {inbox.endpoint.display()}: {fallback}. "
        "Set it to the authserv-id your border MTA writes into Authentication-Results.",
    )


def plan(config: Config, now: datetime) -> str:
    """What mailagent will do, in one line an admin can check against their intent."""
    settings = config.settings
    languages = sorted({lang for q in config.questionnaire.questions for lang in q.text})
    guest, managers, meetings = settings.guest, settings.managers, settings.meetings
    nudges = ", ".join(f"{d:g}" for d in guest.nudge_days) or "none"
    return (
        f"questionnaire in {', '.join(languages)} ({len(config.questionnaire.questions)} "
        f"questions); guest nudges at {nudges} days, expiry after {guest.expire_days:g}; "
        f"managers nudged after {managers.nudge_working_days} and re-routed after "
        f"{managers.answer_working_days} working days; {meetings.minutes}-minute meetings, "
        f"reminders {meetings.reminder_hours:g} h before; when nobody is free: "
        f"{managers.when_none_available}"
    )


def _check_managers(config: Config, now: datetime) -> tuple[str, bool, str]:
    managers = config.managers.managers
    active = [m for m in managers if m.active]
    week = [now + timedelta(days=d) for d in range(7)]
    away = [m.name for m in active if any(m.absent_on(day) for day in week)]
    if not active:
        return ("managers", False, f"{len(managers)} configured, none active: nobody to route to")
    speaks = sorted({lang for m in active for lang in m.languages})
    detail = (
        f"{len(managers)} managers, {len(active)} active, {len(away)} absent this week"
        + (f" ({', '.join(away)})" if away else "")
        + f"; languages {', '.join(speaks)}; "
        + f"{sum(m.monthly_quota for m in active)} conversations a month at most"
    )
    return ("managers", True, detail)


def _check_database(url: str) -> tuple[str, bool, str]:
    shown = url.split("@")[-1] if "@" in url else url
    try:
        engine = make_engine(url)
        try:
            current = current_revision(engine)
        finally:
            engine.dispose()
        head = head_revision()
    except Exception as exc:  # any driver error is a failed check, with its name
        return ("database", False, f"{shown}: {exc.__class__.__name__}: {exc}".splitlines()[0])
    state = "up to date" if current == head else f"at {current or 'empty'}, will migrate to {head}"
    return ("database", True, f"{shown}: connected, schema {state}")


def _check_inbox(config: Config, inbox_settings: InboxSettings) -> tuple[str, bool, str]:
    from mailagent.transports.opening import open_inbox

    # The first inbox keeps its plain name in the report; others are named after themselves.
    name = "inbox" if inbox_settings is config.settings.inbox else f"inbox {inbox_settings.name}"
    endpoint = inbox_settings.endpoint
    if (
        not endpoint.is_maildir
        and inbox_settings.auth == "password"
        and not inbox_settings.password()
    ):
        return (name, False, f"{endpoint.display()}: set {inbox_settings.password_env}")
    inbox = open_inbox(inbox_settings)
    try:
        uidvalidity = inbox.open()
    except MailagentError as exc:
        return (name, False, str(exc))
    except OSError as exc:
        return (name, False, f"{inbox.describe()}: {exc}")
    finally:
        inbox.close()
    return (name, True, f"{inbox.describe()}: opened (UIDVALIDITY {uidvalidity})")


def _check_outbox(config: Config) -> tuple[str, bool, str]:
    from mailagent.transports.opening import open_sender

    out = config.settings.outbox
    endpoint = out.endpoint
    if endpoint.is_maildir:
        path = Path(endpoint.path)
        probe = path if path.exists() else path.parent
        while not probe.exists():
            probe = probe.parent
        if not os.access(probe, os.W_OK):
            return ("outbox", False, f"maildir:{path}: not writable")
        return ("outbox", True, f"maildir:{path}: writable")
    if endpoint.user and out.auth == "password" and not out.password():
        return ("outbox", False, f"{endpoint.display()}: set {out.password_env}")
    try:
        with open_sender(out):
            pass
    except MailagentError as exc:
        return ("outbox", False, str(exc))
    tls = "TLS" if endpoint.scheme == "smtps" else ("STARTTLS" if out.starttls else "no TLS")
    login = (
        ("logged in" + (" (XOAUTH2)" if out.auth == "xoauth2" else ""))
        if endpoint.user
        else "no login"
    )
    return ("outbox", True, f"{endpoint.display()}: connected ({tls}, {login})")
