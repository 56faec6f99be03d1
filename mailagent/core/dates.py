"""PURE: calendar arithmetic and times written for a reader: working days, a slot
described in the reader's zone and language (Babel), and who writes the month first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

_US_ZONES = frozenset(
    {
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Los_Angeles",
        "America/Phoenix",
        "America/Anchorage",
        "America/Detroit",
        "America/Boise",
        "America/Juneau",
        "America/Puerto_Rico",
        "Pacific/Honolulu",
    }
)


def month_first(timezone: str) -> bool:
    """Whether people in ``timezone`` write 12/3 for December 3 (the United States); most of
    the Americas, like Europe, write the day first."""
    return timezone in _US_ZONES or timezone.startswith(
        ("US/", "America/Indiana/", "America/Kentucky/", "America/North_Dakota/")
    )


def add_working_days(start: datetime, days: int, timezone: str) -> datetime:
    """``start`` plus ``days`` working days (Monday to Friday) in ``timezone``, same clock time."""
    local = start.astimezone(ZoneInfo(timezone))
    added = 0
    while added < days:
        local += timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    return local.astimezone(start.tzinfo)


def describe(start: datetime, minutes: int, timezone: str, language: str) -> str:
    """ "Thursday, 3 December 2026, 15:00–15:30 (CET, Europe/Berlin)" in the reader's language."""
    from babel.dates import format_datetime, format_time

    zone = ZoneInfo(timezone)
    local = start.astimezone(zone)
    end = local + timedelta(minutes=minutes)
    locale = language if language in ("en", "de") else "en"
    day = format_datetime(
        local, "EEEE, d. MMMM y" if locale == "de" else "EEEE, d MMMM y", locale=locale
    )
    begin = format_time(local, "HH:mm", locale=locale)
    until = format_time(end, "HH:mm", locale=locale)
    # The IANA name is clearer to readers abroad than Babel's long names.
    short = local.tzname() or timezone
    name = timezone if short == timezone or timezone == "UTC" else f"{short}, {timezone}"
    return f"{day}, {begin}–{until} ({name})"
