"""The whole configuration: :class:`Settings` (the main file, every section, with
environment overrides as ``MAILAGENT_<SECTION>__<KEY>``) and :class:`Config` (the settings with
the questionnaire, intent and managers files they name).

Secrets never come from the file: passwords are read from the environment variable that
``password_env`` names, when a connection is made. Relative paths (database, Maildir folders,
templates, questionnaire) are relative to the working directory mailagent runs in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from mailagent.config.base import KEY_RE
from mailagent.config.files import IntentFile, Questionnaire
from mailagent.config.sections import (
    CalendarSettings,
    DigestSettings,
    FirmSettings,
    GuestSettings,
    InsightsSettings,
    IntentSettings,
    LimitsSettings,
    ManagerSettings,
    MeetingSettings,
    QuestionnaireSettings,
    RetentionSettings,
    TemplateSettings,
    WorkerSettings,
)
from mailagent.config.transport import DatabaseSettings, InboxSettings, OutboxSettings
from mailagent.core.managers import ManagersFile

ENV_PREFIX = "MAILAGENT_"


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
    calendars: CalendarSettings = CalendarSettings()
    insights: InsightsSettings = InsightsSettings()
    retention: RetentionSettings = RetentionSettings()
    digest: DigestSettings = DigestSettings()

    @field_validator("inboxes")
    @classmethod
    def _inbox_keys(cls, value: dict[str, InboxSettings]) -> dict[str, InboxSettings]:
        for key in value:
            if not KEY_RE.match(key) or len(key) > 64:
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
