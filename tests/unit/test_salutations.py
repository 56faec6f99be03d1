"""After the salutation, an English mail's first sentence starts with a capital letter ("Dear
Dana Ruiz,\\n\\nThank you ..."), unlike German after "Guten Tag Dana Ruiz," ("vielen Dank
..."): every English mail kind, its text and its HTML part, rendered from the shipped
templates."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from mailagent.compose.environment import make_environment, render
from mailagent.config.loading import load_config
from mailagent.service.checks import sample_context, template_files

REPO = Path(__file__).resolve().parents[2]
ENV = make_environment(REPO / "templates")
# The weekly digest is a report to the admins, with no salutation.
KINDS = [kind for lang, kind in template_files(ENV) if lang == "en" and kind != "digest"]
SALUTATION = re.compile(r"^(?:Dear .+|Hello),$")


def first_sentence(text: str) -> str:
    """The first line after the salutation (the text part, or the HTML's paragraphs)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert SALUTATION.match(lines[0]), lines[0]
    return lines[1]


def html_lines(page: str) -> str:
    paragraphs = re.findall(r"<p>(.*?)</p>", page, flags=re.DOTALL)
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", "", p)).strip() for p in paragraphs)


@pytest.fixture(scope="module")
def context() -> dict[str, object]:
    return sample_context(load_config(REPO / "config" / "mailagent.toml"), "en")


@pytest.mark.parametrize("kind", KINDS)
def test_the_sentence_after_an_english_salutation_starts_with_a_capital(
    kind: str, context: dict[str, object]
) -> None:
    rendered = render(ENV, kind, "en", context)
    parts = [rendered.text] + ([html_lines(rendered.html)] if rendered.html else [])
    for part in parts:
        first = first_sentence(part)
        assert first[:1].isupper(), first
