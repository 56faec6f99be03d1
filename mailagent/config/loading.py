"""Loading the configuration: which file (``--config``, ``MAILAGENT_CONFIG``, the embedded
default), TOML read and validated, and the files it names loaded with it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mailagent.config.files import IntentFile, Questionnaire
from mailagent.config.messages import describe_error
from mailagent.config.settings import Config, Settings
from mailagent.core.managers import ManagersFile
from mailagent.errors import ConfigError

DEFAULT_CONFIG = Path("config/mailagent.toml")


M = TypeVar("M", bound=BaseModel)


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
        lines = [describe_error(model, err, path) for err in exc.errors()]
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
