"""Settings: the TOML file, environment overrides, validation up front.

Every key lives in a section model with ``extra="forbid"``, so a typo is an error that names the
file, the key and what is allowed. Any key can be overridden from the environment as
``MAILAGENT_<SECTION>__<KEY>`` (for example ``MAILAGENT_INBOX__URL``). Secrets never come from the
file: passwords are read from the environment variable that ``password_env`` names, when a
connection is made.

Relative paths (database, Maildir folders, templates, questionnaire) are relative to the working
directory mailagent runs in.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from mailagent.endpoints import Endpoint, parse_endpoint, refuse_clear_text_login
from mailagent.errors import ConfigError
from mailagent.managers import ManagersFile, iana_zone

DEFAULT_CONFIG = Path("config/mailagent.toml")
ENV_PREFIX = "MAILAGENT_"
M = TypeVar("M", bound=BaseModel)
_KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_INSTANCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_KEYWORD_RE = re.compile(r"^\$?[A-Za-z][A-Za-z0-9_-]{0,63}$")


def _plain_address(value: str) -> str:
    local, sep, domain = value.strip().rpartition("@")
    if not sep or not local or "+" in local or not _DOMAIN_RE.match(domain.lower()):
        raise ValueError("must be a plain address such as interviews@firm.example (no +tag)")
    return f"{local}@{domain.lower()}"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FirmSettings(_Section):
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(description="the shared inbox address mailagent answers from")
    display_name: str = ""
    msgid_domain: str = ""
    instance_id: str = "mailagent"
    default_language: str = "en"

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        return _plain_address(value)

    @field_validator("msgid_domain")
    @classmethod
    def _msgid_domain(cls, value: str) -> str:
        if value and not _DOMAIN_RE.match(value.lower()):
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


class _TlsMixin(_Section):
    password_env: str = ""
    starttls: bool = True
    tls_verify: bool = True
    ca_file: str = ""
    # "xoauth2": log in with an OAuth2 access token (Microsoft 365, Google) from a command or
    # a file instead of a password.
    auth: Literal["password", "xoauth2"] = "password"
    oauth2_token_command: str = ""
    oauth2_token_file: str = ""

    @model_validator(mode="after")
    def _oauth2_source(self) -> _TlsMixin:
        sources = [s for s in (self.oauth2_token_command, self.oauth2_token_file) if s]
        if self.auth == "xoauth2" and len(sources) != 1:
            raise ValueError("auth = 'xoauth2' needs oauth2_token_command or oauth2_token_file")
        if self.auth == "password" and sources:
            raise ValueError("oauth2_token_* is used only with auth = 'xoauth2'")
        return self

    @field_validator("password_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if value and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError("must be an environment variable name")
        return value

    def password(self) -> str | None:
        """The secret from the environment, or None when unset or empty."""
        return os.environ.get(self.password_env) or None if self.password_env else None


class InboxSettings(_TlsMixin):
    url: str = "maildir:var/mail/inbox"
    name: str = "inbox"
    # The address this inbox's conversations are answered from; empty: the [firm] address.
    address: str = ""
    password_env: str = "MAILAGENT_IMAP_PASSWORD"  # noqa: S105 - a variable name, not a secret
    skip_existing: bool = False
    processed_keyword: str = "$MailagentProcessed"
    processed_folder: str = ""
    quarantine_keyword: str = "$MailagentQuarantined"
    quarantine_folder: str = "Quarantine"
    poll_seconds: float = Field(default=60, ge=0.2, le=3600)
    idle: bool = True
    idle_renew_seconds: float = Field(default=600, ge=1, le=600)
    session_max_seconds: float = Field(default=1500, ge=10, le=1700)
    connect_timeout: float = Field(default=15, gt=0, le=300)
    read_timeout: float = Field(default=60, gt=0, le=900)
    fetch_batch: int = Field(default=100, ge=1, le=5000)
    max_message_bytes: int = Field(default=10_000_000, ge=10_000)
    max_attempts: int = Field(default=3, ge=1, le=20)
    max_parts: int = Field(default=1000, ge=10, le=100_000)
    max_depth: int = Field(default=20, ge=2, le=200)
    message_seconds: float = Field(default=30, ge=0.5, le=600)
    backoff_max_seconds: float = Field(default=300, ge=1, le=3600)
    authserv_id: str = ""
    spam_header: str = ""
    spam_value: str = "YES"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parse_endpoint(value, {"imap": 143, "imaps": 993})
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _KEY_RE.match(value) or len(value) > 64:
            raise ValueError("lower-case letters, digits and '_', starting with a letter")
        return value

    @field_validator("address")
    @classmethod
    def _own_address(cls, value: str) -> str:
        return _plain_address(value) if value.strip() else ""

    @field_validator("processed_keyword", "quarantine_keyword")
    @classmethod
    def _keyword(cls, value: str) -> str:
        if value and not _KEYWORD_RE.match(value):
            raise ValueError("an IMAP keyword such as $MailagentProcessed (letters, digits, _ -)")
        return value

    @model_validator(mode="after")
    def _clear_text(self) -> InboxSettings:
        refuse_clear_text_login(self.endpoint, self.starttls, "imap")
        return self

    @property
    def endpoint(self) -> Endpoint:
        return parse_endpoint(self.url, {"imap": 143, "imaps": 993})


class OutboxSettings(_TlsMixin):
    url: str = "maildir:var/mail/outbox"
    password_env: str = "MAILAGENT_SMTP_PASSWORD"  # noqa: S105 - a variable name, not a secret
    timeout: float = Field(default=120, gt=0, le=900)
    retry_first_seconds: float = Field(default=60, ge=1)
    retry_max_seconds: float = Field(default=3600, ge=1)
    max_attempts: int = Field(default=12, ge=1, le=1000)
    flush_batch: int = Field(default=200, ge=1, le=10_000)
    sent_folder: str = ""

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parse_endpoint(value, {"smtp": 587, "smtps": 465})
        return value

    @model_validator(mode="after")
    def _retry_order(self) -> OutboxSettings:
        if self.retry_first_seconds > self.retry_max_seconds:
            raise ValueError("retry_first_seconds must not exceed retry_max_seconds")
        return self

    @model_validator(mode="after")
    def _clear_text(self) -> OutboxSettings:
        if self.endpoint.user:
            refuse_clear_text_login(self.endpoint, self.starttls, "smtp")
        return self

    @property
    def endpoint(self) -> Endpoint:
        return parse_endpoint(self.url, {"smtp": 587, "smtps": 465})


class DatabaseSettings(_Section):
    url: str = "sqlite:///var/mailagent.db"

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not (value.startswith("sqlite:///") or value.startswith("postgresql")):
            raise ValueError("must be sqlite:///PATH or postgresql+psycopg://USER@HOST:PORT/NAME")
        return value


class LimitsSettings(_Section):
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


class GuestSettings(_Section):
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


class IntentSettings(_Section):
    file: str = "config/intent.toml"
    applications: str = ""


class IntentCategory(_Section):
    """One kind of first mail and the evidence for it (see config/intent.toml)."""

    name: str
    phrases: dict[str, tuple[str, ...]] = {}
    attachment_words: tuple[str, ...] = ()

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _KEY_RE.match(value):
            raise ValueError("lower-case letters, digits and '_', starting with a letter")
        return value


class IntentFile(_Section):
    categories: tuple[IntentCategory, ...]

    @model_validator(mode="after")
    def _known(self) -> IntentFile:
        names = [c.name for c in self.categories]
        if len(set(names)) != len(names):
            raise ValueError("category names must be unique")
        if not {"request", "application"} <= set(names):
            raise ValueError("needs the categories 'request' and 'application'")
        return self


class ManagerSettings(_Section):
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


class MeetingSettings(_Section):
    """The meeting and what happens around it."""

    minutes: int = Field(default=30, ge=10, le=120)
    reminder_hours: float = Field(default=24, ge=1, le=168)
    held_after_hours: float = Field(default=2, ge=0, le=72)
    feedback_days: float = Field(default=7, ge=1, le=60)
    checkin_months: int = Field(default=0, ge=0, le=36)
    consent_months: int = Field(default=24, ge=1, le=120)


class DigestSettings(_Section):
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


class RetentionSettings(_Section):
    """How long data of ended conversations is kept, in days (open ones keep everything)."""

    raw_mail_days: float = Field(default=180, ge=1, le=3650)
    answers_days: float = Field(default=365, ge=1, le=3650)
    feedback_days: float = Field(default=730, ge=1, le=3650)


class InsightsSettings(_Section):
    """Themes for ``mailagent insights``: words that place a guest's remark under a theme."""

    themes: dict[str, tuple[str, ...]] = {
        "web_page": ("web page", "website", "web site", "careers page", "homepage", "webseite"),
        "social_media": ("social media", "linkedin", "instagram", "facebook", "tiktok", "youtube"),
        "industry": ("industry", "market", "competitor", "branche", "markt"),
        "blind_spots": ("blind spot", "overlook", "missing", "nobody", "unclear", "confusing"),
    }


class TemplateSettings(_Section):
    dir: str = "templates"


class QuestionnaireSettings(_Section):
    file: str = "config/questionnaire.toml"


class WorkerSettings(_Section):
    jobs_every_seconds: float = Field(default=30, ge=0.2, le=3600)
    # An inbox's holder renews its lease well within this; a dead holder's inboxes pass to
    # another worker once it runs out.
    lease_seconds: float = Field(default=15, ge=3, le=600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class Question(_Section):
    """One questionnaire item: a stable key and its wording per language."""

    key: str
    required: bool = True
    text: dict[str, str]
    hints: dict[str, tuple[str, ...]] = {}

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY_RE.match(value):
            raise ValueError("lower-case letters, digits and '_', starting with a letter")
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: dict[str, str]) -> dict[str, str]:
        if "en" not in value:
            raise ValueError("needs at least the English wording (en = ...)")
        return value

    def wording(self, language: str) -> str:
        return self.text.get(language) or self.text["en"]

    def hint_words(self, language: str) -> tuple[str, ...]:
        """Words that suggest a sentence answers this question (for answers in one paragraph)."""
        return tuple(dict.fromkeys((*self.hints.get(language, ()), *self.hints.get("en", ()))))


class Questionnaire(_Section):
    questions: tuple[Question, ...]

    @model_validator(mode="after")
    def _unique(self) -> Questionnaire:
        keys = [q.key for q in self.questions]
        if not keys:
            raise ValueError("needs at least one [[questions]] entry")
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        if dupes:
            raise ValueError(f"question keys must be unique; repeated: {', '.join(dupes)}")
        return self

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(q.key for q in self.questions)


class Settings(BaseSettings):
    """The whole configuration. Build it with :func:`load_settings`, not directly."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    firm: FirmSettings
    inbox: InboxSettings = InboxSettings()
    # More inboxes, by name; each takes every [inbox] key it does not set itself.
    inboxes: dict[str, InboxSettings] = {}
    outbox: OutboxSettings = OutboxSettings()
    database: DatabaseSettings = DatabaseSettings()
    templates: TemplateSettings = TemplateSettings()
    questionnaire: QuestionnaireSettings = QuestionnaireSettings()
    worker: WorkerSettings = WorkerSettings()
    limits: LimitsSettings = LimitsSettings()
    guest: GuestSettings = GuestSettings()
    intent: IntentSettings = IntentSettings()
    managers: ManagerSettings = ManagerSettings()
    meetings: MeetingSettings = MeetingSettings()
    insights: InsightsSettings = InsightsSettings()
    retention: RetentionSettings = RetentionSettings()
    digest: DigestSettings = DigestSettings()

    @field_validator("inboxes")
    @classmethod
    def _inbox_keys(cls, value: dict[str, InboxSettings]) -> dict[str, InboxSettings]:
        for key in value:
            if not _KEY_RE.match(key) or len(key) > 64:
                raise ValueError(
                    f"[inboxes.{key}]: a name of lower-case letters, digits and '_', "
                    "starting with a letter"
                )
        return value

    @model_validator(mode="after")
    def _inbox_names(self) -> Settings:
        for key, own in self.inboxes.items():
            if "url" not in own.model_fields_set:
                raise ValueError(f"[inboxes.{key}] needs its own url")
        names = [i.name for i in self.all_inboxes()]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"inbox names must be unique; repeated: {', '.join(dupes)}")
        return self

    def all_inboxes(self) -> tuple[InboxSettings, ...]:
        """[inbox] first, then each [inboxes.NAME] filled up with the [inbox] keys it leaves
        out (its name defaults to NAME; address and url are its own)."""
        inherited = self.inbox.model_dump(exclude={"name", "url", "address"})
        extra = (
            InboxSettings.model_validate(
                {**inherited, "name": key, **own.model_dump(exclude_unset=True)}
            )
            for key, own in self.inboxes.items()
        )
        return (self.inbox, *extra)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the file; no dotenv or secret files.
        return (env_settings, init_settings)


@dataclass(frozen=True)
class Config:
    """Validated settings plus the questionnaire and where they came from."""

    settings: Settings
    questionnaire: Questionnaire
    path: Path
    intent: IntentFile | None = None
    managers: ManagersFile = field(default_factory=ManagersFile)


def config_path(explicit: str | None) -> Path:
    """The config file: ``--config``, else ``MAILAGENT_CONFIG``, else config/mailagent.toml."""
    return Path(explicit or os.environ.get("MAILAGENT_CONFIG") or DEFAULT_CONFIG)


def load_config(path: Path) -> Config:
    """Load and validate the settings file and the questionnaire it names.

    Raises ConfigError whose message names the file, the key and what is allowed.
    """
    data = _read_toml(path)
    settings = _validate(Settings, data, path)
    qpath = Path(settings.questionnaire.file)
    questionnaire = _validate(Questionnaire, _read_toml(qpath), qpath)
    ipath = Path(settings.intent.file)
    intent = _validate(IntentFile, _read_toml(ipath), ipath)
    mpath = Path(settings.managers.file)
    managers = _validate(ManagersFile, _read_toml(mpath), mpath)
    return Config(
        settings=settings,
        questionnaire=questionnaire,
        path=path,
        intent=intent,
        managers=managers,
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _validate(model: type[M], data: dict[str, Any], path: Path) -> M:
    _reject_secrets(data, path)
    try:
        return model(**data)
    except ValidationError as exc:
        lines = [_describe(model, err, path) for err in exc.errors()]
        raise ConfigError("\n".join(lines)) from None


def _reject_secrets(data: dict[str, Any], path: Path) -> None:
    for section, values in data.items():
        if isinstance(values, dict) and "password" in values:
            env = {"inbox": "MAILAGENT_IMAP_PASSWORD", "outbox": "MAILAGENT_SMTP_PASSWORD"}
            hint = env.get(section, "the variable named by password_env")
            raise ConfigError(
                f"{path}: [{section}] password: secrets are not read from files; "
                f"set the environment variable {hint} instead"
            )


def _describe(model: type[BaseModel], err: Any, path: Path) -> str:
    loc = [str(p) for p in err["loc"]]
    key = _key_name(loc)
    env_name = ENV_PREFIX + "__".join(p.upper() for p in loc)
    origin = f" (from the environment, {env_name})" if env_name in os.environ else ""
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        return f"{path}: {key}: unknown key; allowed here: {', '.join(allowed)}"
    if err["type"] == "missing":
        return f"{path}: {key}: required key is missing"
    message = err["msg"].removeprefix("Value error, ")
    return f"{path}: {key}: {message}{origin}"


def _key_name(loc: list[str]) -> str:
    if not loc:
        return "(top level)"
    if len(loc) == 1:
        return loc[0]
    section = ".".join(loc[:-1])
    return f"[{section}] {loc[-1]}"


def _allowed_keys(model: type[BaseModel], loc: list[str]) -> list[str]:
    current: Any = model
    for part in loc:
        if part.isdigit():
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return sorted(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
