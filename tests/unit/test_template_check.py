"""The start-up template check runs once per change: a second start with the same templates,
config and code skips it; an edited template is checked again, and a broken one is refused
whatever the record says."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import jinja2
import pytest

from mailagent.compose.environment import make_environment
from mailagent.config.loading import load_config
from mailagent.config.settings import Config
from mailagent.errors import ConfigError
from mailagent.service.template_check import check_templates_once

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Config]:
    templates = tmp_path / "templates"
    shutil.copytree(REPO / "templates", templates)
    config = load_config(REPO / "config" / "mailagent.toml")
    settings = config.settings.model_copy(
        update={"templates": config.settings.templates.model_copy(update={"dir": str(templates)})}
    )
    return templates, dataclasses.replace(config, settings=settings)


def test_a_second_start_skips_the_check_until_a_template_changes(
    setup: tuple[Path, Config], tmp_path: Path
) -> None:
    templates, config = setup
    cache = str(tmp_path / "cache")

    built: list[str] = []

    def environment() -> jinja2.Environment:
        built.append("built")
        return make_environment(templates, cache)

    def start() -> bool:
        return check_templates_once(environment, config, cache)

    assert start() is True
    assert start() is False
    declined = templates / "en" / "declined.txt.j2"
    declined.write_text(declined.read_text(encoding="utf-8") + "\nSee you.\n", encoding="utf-8")
    assert start() is True
    assert start() is False
    # A skipped check does not even build the template environment.
    assert built == ["built", "built"]


def test_a_broken_template_is_refused_after_a_passed_check(
    setup: tuple[Path, Config], tmp_path: Path
) -> None:
    templates, config = setup
    cache = str(tmp_path / "cache")

    def environment() -> jinja2.Environment:
        return make_environment(templates, cache)

    assert check_templates_once(environment, config, cache)
    (templates / "en" / "declined.txt.j2").write_text("Subject: x\n{{ no_such_name }}\n")
    with pytest.raises(ConfigError, match="declined"):
        check_templates_once(environment, config, cache)
    with pytest.raises(ConfigError, match="declined"):  # nothing was recorded for it
        check_templates_once(environment, config, cache)
