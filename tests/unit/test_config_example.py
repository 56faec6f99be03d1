"""config/mailagent.example.toml documents every key, with its default value."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from mailagent.config.settings import Settings
from mailagent.config.transport import InboxSettings

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = tomllib.loads((REPO / "config" / "mailagent.example.toml").read_text())


def sections() -> list[tuple[str, type[BaseModel]]]:
    found = []
    for name, field in Settings.model_fields.items():
        annotation = field.annotation
        if name == "inboxes":
            continue  # a table of [inbox]-shaped entries, shown by a commented example
        assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
        found.append((name, annotation))
    return found


def test_more_inboxes_are_shown_by_an_example_of_inbox_keys() -> None:
    assert EXAMPLE["inboxes"] == {}
    text = (REPO / "config" / "mailagent.example.toml").read_text()
    example = text.split("[inboxes.careers]", 1)[1].split("\n[inboxes]", 1)[0]
    keys = {line.strip("# ").split(" = ")[0] for line in example.splitlines() if " = " in line}
    assert keys and keys <= set(InboxSettings.model_fields)


@pytest.mark.parametrize(("section", "model"), sections(), ids=[s for s, _ in sections()])
def test_every_key_is_documented_with_its_default(section: str, model: type[BaseModel]) -> None:
    documented = EXAMPLE[section]
    assert set(documented) == set(model.model_fields)
    for key, field in model.model_fields.items():
        if field.is_required():
            continue
        default = field.get_default(call_default_factory=True)
        value = documented[key]
        if isinstance(default, tuple):
            value = tuple(tuple(v) if isinstance(v, list) else v for v in value)
        if isinstance(default, dict):
            value = {k: tuple(v) if isinstance(v, list) else v for k, v in value.items()}
        assert value == default, f"[{section}] {key}"
