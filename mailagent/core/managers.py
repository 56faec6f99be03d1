"""The managers who hold the conversations (``config/managers.toml``), validated like the rest.

A manager is known by name; any of their ``addresses`` may answer for them (the first is where
mail goes). The pure helpers here answer the questions routing and identity checks ask.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mailagent.core.dates import add_working_days

_ADDRESS_RE = re.compile(r"^[^@\s]+@[a-z0-9.-]+\.[a-z]{2,63}$")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def iana_zone(value: str) -> str:
    """``value`` if it names an IANA time zone; else ValueError with an example."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone such as Europe/Berlin") from None
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Absence(_Model):
    """Away from ``start`` to ``end``, both days included, in the manager's zone."""

    start: date
    end: date
    note: str = ""

    @model_validator(mode="after")
    def _order(self) -> Absence:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class OfficeHours(_Model):
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: time = time(9, 0)
    end: time = time(17, 0)

    @field_validator("days")
    @classmethod
    def _days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [d for d in value if d.lower() not in _DAYS]
        if bad or not value:
            raise ValueError(f"day names from {', '.join(_DAYS)}")
        return tuple(d.lower() for d in value)

    @model_validator(mode="after")
    def _order(self) -> OfficeHours:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self

    def contains(self, local: datetime, minutes: int) -> bool:
        """Whether a meeting of ``minutes`` starting at ``local`` fits inside these hours."""
        end_minutes = local.hour * 60 + local.minute + minutes
        return (
            _DAYS[local.weekday()] in self.days
            and local.time() >= self.start
            and end_minutes <= self.end.hour * 60 + self.end.minute
        )


class CalendarSource(_Model):
    """Where a manager's busy times are read (``calendar = {...}`` in managers.toml).

    kind "caldav": ``url`` is the calendar collection (``user`` and the password in the
    environment variable ``password_env`` log in); "ics": ``url`` is a feed (http, https or a
    file path); "graph": Microsoft 365, ``user`` is the mailbox (default: the manager's first
    address), ``url`` the Graph endpoint (default v1.0), the token from ``oauth2_token_command``
    or ``oauth2_token_file`` as for the inbox's XOAUTH2.
    """

    kind: Literal["caldav", "ics", "graph"]
    url: str = ""
    user: str = ""
    password_env: str = ""
    oauth2_token_command: str = ""
    oauth2_token_file: str = ""
    tls_verify: bool = True

    @model_validator(mode="after")
    def _complete(self) -> CalendarSource:
        if self.kind in ("caldav", "ics") and not self.url:
            raise ValueError(f"a {self.kind} calendar needs a url")
        if self.kind == "caldav" and not self.url.startswith(("http://", "https://")):
            raise ValueError("a caldav url starts with http:// or https://")
        tokens = [t for t in (self.oauth2_token_command, self.oauth2_token_file) if t]
        if self.kind == "graph" and len(tokens) != 1:
            raise ValueError("a graph calendar needs oauth2_token_command or oauth2_token_file")
        if self.kind != "graph" and tokens:
            raise ValueError("oauth2_token_* is used only with kind = 'graph'")
        if self.password_env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.password_env):
            raise ValueError("password_env must be an environment variable name")
        return self


class Manager(_Model):
    name: str = Field(min_length=1, max_length=200)
    addresses: tuple[str, ...] = Field(min_length=1)
    expertise: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("en",)
    timezone: str = "UTC"
    monthly_quota: int = Field(default=2, ge=0, le=100)
    absences: tuple[Absence, ...] = ()
    office_hours: OfficeHours = OfficeHours()
    active: bool = True
    # Optional: the times offered in the brief are then free in this calendar.
    calendar: CalendarSource | None = None
    # The meeting's place and video link for this manager; empty: the [meetings] ones.
    location: str = Field(default="", max_length=300)
    video_url: str = Field(default="", max_length=1000)

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        cleaned = tuple(a.strip().lower() for a in value)
        bad = [a for a in cleaned if not _ADDRESS_RE.match(a)]
        if bad:
            raise ValueError(f"not an address: {', '.join(bad)}")
        return cleaned

    @field_validator("expertise", "languages")
    @classmethod
    def _lower(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(v.strip().lower() for v in value if v.strip())

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return iana_zone(value)

    @property
    def email(self) -> str:
        """Where mail to this manager goes."""
        return self.addresses[0]

    def absent_on(self, now: datetime) -> Absence | None:
        today = now.astimezone(ZoneInfo(self.timezone)).date()
        return next((a for a in self.absences if a.start <= today <= a.end), None)

    def owns(self, address: str) -> bool:
        return address.strip().lower() in self.addresses

    def suggested_times(self, after: datetime, count: int = 3) -> tuple[datetime, ...]:
        """A few times inside the office hours, one a day from two working days after
        ``after`` on, one hour into the day (aware, in the manager's zone)."""
        zone = ZoneInfo(self.timezone)
        hours = self.office_hours
        day = add_working_days(after, 2, self.timezone).astimezone(zone).date()
        found: list[datetime] = []
        for offset in range(14):
            start = datetime.combine(day + timedelta(days=offset), hours.start, tzinfo=zone)
            start += timedelta(hours=1)
            if hours.contains(start, 30):
                found.append(start)
            if len(found) == count:
                break
        return tuple(found)


class ManagersFile(_Model):
    managers: tuple[Manager, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> ManagersFile:
        names = [m.name.lower() for m in self.managers]
        if len(set(names)) != len(names):
            raise ValueError("manager names must be unique")
        addresses = [a for m in self.managers for a in m.addresses]
        repeated = sorted({a for a in addresses if addresses.count(a) > 1})
        if repeated:
            raise ValueError(f"an address belongs to one manager only: {', '.join(repeated)}")
        return self

    def by_name(self, name: str) -> Manager | None:
        wanted = name.strip().lower()
        return next((m for m in self.managers if m.name.lower() == wanted), None)

    def by_address(self, address: str) -> Manager | None:
        return next((m for m in self.managers if m.owns(address)), None)

    def find(self, name_or_address: str) -> Manager | None:
        return self.by_name(name_or_address) or self.by_address(name_or_address)
