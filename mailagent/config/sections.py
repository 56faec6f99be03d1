"""The programme's settings sections: the firm, limits, guests, intent, managers,
meetings, the digest, retention, insights, templates, the questionnaire file and the worker.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from mailagent.config.base import DOMAIN_RE, Section, plain_address
from mailagent.core.managers import iana_zone

_INSTANCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class FirmSettings(Section):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(description="the shared inbox address mailagent answers from")
    display_name: str = ""
    msgid_domain: str = ""
    instance_id: str = "mailagent"
    default_language: str = "en"

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return plain_address(value)

    @field_validator("msgid_domain")
    @classmethod
    def _msgid_domain(cls, value: str) -> str:
        if value and not DOMAIN_RE.match(value.lower()):
            raise ValueError("must be a domain name such as mailagent.firm.example")
        return value.lower()

    @field_validator("instance_id")
    @classmethod
    def _instance(cls, value: str) -> str:
        if not _INSTANCE_RE.match(value):
            raise ValueError("letters, digits, '.', '_' and '-' only, at most 64")
        return value

    @property
    def local_part(self) -> str:
        return self.address.rpartition("@")[0]

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    @property
    def sender_name(self) -> str:
        return self.display_name or f"{self.name} informational interviews"

    @property
    def message_id_domain(self) -> str:
        """Right-hand side of our Message-IDs: one only mailagent uses (mail-rules A8)."""
        return self.msgid_domain or f"mailagent.{self.domain}"


class LimitsSettings(Section):
    """Rate limits (mail-rules c). Tiers are [count, minutes] pairs: at ``count`` mails within
    ``minutes`` the next automatic mail is not written."""

    questionnaire_window_days: float = Field(default=7, ge=1, le=60)
    per_thread_recipient: tuple[tuple[int, int], ...] = (
        (10, 10),
        (15, 30),
        (25, 60),
        (50, 180),
        (100, 600),
    )
    per_recipient: tuple[tuple[int, int], ...] = (
        (30, 10),
        (60, 30),
        (120, 60),
        (240, 180),
        (360, 600),
    )
    inbound_per_sender: tuple[int, int] = (20, 120)
    global_per_minute: int = Field(default=60, ge=1, le=100_000)

    @field_validator("per_thread_recipient", "per_recipient")
    @classmethod
    def _tiers(cls, value: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        if any(count < 1 or minutes < 1 for count, minutes in value):
            raise ValueError("each tier is [count, minutes], both at least 1")
        return value


class GuestSettings(Section):
    max_reasks: int = Field(default=1, ge=0, le=5)
    nudge_days: tuple[float, ...] = (3, 7)
    expire_days: float = Field(default=14, ge=1, le=365)
    quiet_hours: tuple[int, int] = (21, 8)
    timezone: str = "UTC"

    @field_validator("nudge_days")
    @classmethod
    def _nudges(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) > 2 or any(d <= 0 for d in value) or list(value) != sorted(value):
            raise ValueError("at most 2 nudges, given as increasing day counts, e.g. [3, 7]")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not all(0 <= h <= 23 for h in value):
            raise ValueError("[start, end] hours 0-23 in the guest's time zone, e.g. [21, 8]")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return iana_zone(value)


class IntentSettings(Section):
    file: str = "config/intent.toml"
    applications: str = ""
    # A first mail is acted on only when its winning category holds this share of the evidence;
    # otherwise it waits for an admin (needs_human).
    min_confidence: float = Field(default=0.6, gt=0, le=1)


class ManagerSettings(Section):
    """How managers are chosen and chased (the managers themselves: ``file``)."""

    file: str = "config/managers.toml"
    answer_working_days: int = Field(default=3, ge=1, le=30)
    nudge_working_days: int = Field(default=2, ge=1, le=30)
    when_none_available: Literal["decline", "waitlist"] = "decline"
    waitlist_days: float = Field(default=14, ge=1, le=365)
    admins: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _nudge_first(self) -> ManagerSettings:
        if self.nudge_working_days >= self.answer_working_days:
            raise ValueError("nudge_working_days must be less than answer_working_days")
        return self

    @field_validator("admins")
    @classmethod
    def _admins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [a for a in value if "@" not in a or any(c.isspace() for c in a)]
        if bad:
            raise ValueError(f"admin addresses, e.g. ['ops@firm.example']; not: {bad}")
        return tuple(a.lower() for a in value)


class MeetingSettings(Section):
    """The meeting and what happens around it."""

    minutes: int = Field(default=30, ge=10, le=120)
    reminder_hours: float = Field(default=24, ge=1, le=168)
    held_after_hours: float = Field(default=2, ge=0, le=72)
    feedback_days: float = Field(default=7, ge=1, le=60)
    checkin_months: int = Field(default=0, ge=0, le=36)
    consent_months: int = Field(default=24, ge=1, le=120)
    location: str = Field(default="", max_length=300)
    video_url: str = Field(default="", max_length=1000)
    alarm_minutes: int = Field(default=15, ge=0, le=1440)


class CalendarSettings(Section):
    """Reading managers' calendars (each manager's ``calendar`` in managers.toml)."""

    # Seconds a calendar may take to answer; a slower one is read as unreachable this time.
    timeout: float = Field(default=5, gt=0, le=60)
    # Days, from the first day times may be offered, searched for free times.
    days: int = Field(default=14, ge=1, le=60)
    # A feed or answer larger than this is refused (a calendar no person keeps).
    max_bytes: int = Field(default=20_000_000, ge=10_000)
    # While a calendar cannot be read, it is tried again after this many minutes at the
    # earliest (a calendar that times out would otherwise hold up every brief by `timeout`).
    retry_minutes: float = Field(default=10, ge=0, le=1440)


class DigestSettings(Section):
    """The weekly digest to ``[managers] admins``."""

    enabled: bool = True
    weekday: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    hour: int = Field(default=8, ge=0, le=23)
    timezone: str = "UTC"
    stalled_days: float = Field(default=7, ge=1, le=90)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return iana_zone(value)


class RetentionSettings(Section):
    """How long data of ended conversations is kept, in days (open ones keep everything)."""

    raw_mail_days: float = Field(default=180, ge=1, le=3650)
    answers_days: float = Field(default=365, ge=1, le=3650)
    feedback_days: float = Field(default=730, ge=1, le=3650)


DEFAULT_THEMES = {
    "web_page": ("web page", "website", "web site", "careers page", "homepage", "webseite"),
    "social_media": ("social media", "linkedin", "instagram", "facebook", "tiktok", "youtube"),
    "industry": ("industry", "market", "competitor", "branche", "markt"),
    "blind_spots": ("blind spot", "overlook", "missing", "nobody", "unclear", "confusing"),
}


class InsightsSettings(Section):
    """Themes for ``mailagent insights``: words that place a guest's remark under a theme."""

    themes: dict[str, tuple[str, ...]] = Field(default_factory=lambda: dict(DEFAULT_THEMES))


class TemplateSettings(Section):
    dir: str = "templates"
    # Compiled templates and the start-up check's record, so a start does not compile and
    # render every template again when none changed; "" keeps nothing on disk.
    cache_dir: str = "var/cache/templates"


class QuestionnaireSettings(Section):
    file: str = "config/questionnaire.toml"


class WorkerSettings(Section):
    jobs_every_seconds: float = Field(default=30, ge=0.2, le=3600)
    # An inbox's holder renews its lease well within this; a dead holder's inboxes pass to
    # another worker once it runs out.
    lease_seconds: float = Field(default=15, ge=3, le=600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
