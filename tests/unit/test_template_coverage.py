"""Every mail the state machines can write has a template in every shipped language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORE = REPO / "mailagent" / "core"  # the state machines decide every mail we write


def kinds_sent() -> set[str]:
    found: set[str] = set()
    for path in sorted(CORE.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'(?:MailSpec|to_guest|to_manager)\(\s*"([a-z_]+)"', text))
    return found


def test_the_kinds_are_found() -> None:
    assert {"questionnaire", "brief_manager", "confirmation", "thank_you"} <= kinds_sent()


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_kind_has_text_and_html(language: str) -> None:
    folder = REPO / "templates" / language
    missing = [
        f"{language}/{kind}.{ext}.j2"
        for kind in sorted(kinds_sent())
        for ext in ("txt", "html")
        if not (folder / f"{kind}.{ext}.j2").exists()
    ]
    assert missing == []
