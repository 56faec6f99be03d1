"""The German versions of the follow-up mails: withdrawn, forgotten, nudge_guest, expired and
not_request render from ``templates/de`` (not the English fallback) and keep mail limits."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from mailagent.compose.context import mail_context
from mailagent.compose.environment import make_environment, render, template_name
from mailagent.config.loading import load_config
from mailagent.config.settings import Config
from mailagent.service.checks import sample_context

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
KINDS = ["withdrawn", "forgotten", "nudge_guest", "expired", "not_request"]


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.chdir(REPO)
    return load_config(Path("config/mailagent.toml"))


def _context(
    config: Config,
    *,
    guest_name: str = "Jonas Weber",
    request_subject: str = "Informationsgespräch",
    applications: str = "jobs@firm.example",
) -> dict[str, object]:
    context = mail_context(
        config.settings.firm,
        guest_name=guest_name,
        guest_email="jonas@example.org",
        questions=config.questionnaire.questions,
        language="de",
        request_subject=request_subject,
        understood=[],
    )
    context["applications"] = applications
    return context


@pytest.mark.parametrize("kind", KINDS)
def test_german_template_is_used(kind: str) -> None:
    env = make_environment(TEMPLATES)
    assert template_name(env, kind, "de", ".txt.j2") == f"de/{kind}.txt.j2"
    assert template_name(env, kind, "de", ".html.j2") == f"de/{kind}.html.j2"


@pytest.mark.parametrize("kind", KINDS)
def test_subject_first_and_no_unescaped_html(kind: str) -> None:
    # Paragraphs are one line each: the wire's lines are wrapped in one place
    # (mailagent.compose.flowed, checked by test_mail_quality.py), not in the templates.
    path = TEMPLATES / "de" / f"{kind}.txt.j2"
    assert path.read_text(encoding="utf-8").startswith("Subject: ")
    assert "|safe" not in (TEMPLATES / "de" / f"{kind}.html.j2").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", KINDS)
def test_renders_in_german(config: Config, kind: str) -> None:
    env = make_environment(TEMPLATES)
    rendered = render(env, kind, "de", _context(config))

    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    assert 0 < len(rendered.subject) < 78
    body = rendered.text
    greeting = "Guten Tag," if kind == "forgotten" else "Guten Tag Jonas Weber,"
    assert body.startswith(f"{greeting}\n\n")
    assert "Mit freundlichen Grüßen" in body
    assert "Kind regards" not in body
    assert config.settings.firm.sender_name in body
    assert rendered.html is not None
    assert '<html lang="de">' in rendered.html
    assert "Mit freundlichen Grüßen" in rendered.html


@pytest.mark.parametrize("kind", ["withdrawn", "not_request"])
def test_reply_subject_and_new_subject(config: Config, kind: str) -> None:
    env = make_environment(TEMPLATES)
    reply = render(env, kind, "de", _context(config))
    assert reply.subject == "Re: Informationsgespräch"
    new = render(env, kind, "de", _context(config, request_subject=""))
    assert not new.subject.startswith("Re:")
    assert "\n" not in new.subject and 0 < len(new.subject) < 78


@pytest.mark.parametrize("kind", KINDS)
def test_anonymous_greeting(config: Config, kind: str) -> None:
    env = make_environment(TEMPLATES)
    rendered = render(env, kind, "de", _context(config, guest_name=""))
    assert rendered.text.startswith("Guten Tag,\n\n")


def test_nudge_lists_the_german_questions(config: Config) -> None:
    env = make_environment(TEMPLATES)
    rendered = render(env, "nudge_guest", "de", _context(config))
    assert rendered.html is not None
    for number, question in enumerate(config.questionnaire.questions, 1):
        wording = question.wording("de")
        assert f"\n{number}. {wording}\n" in rendered.text
        assert f'<li value="{number}">{html.escape(wording)}</li>' in rendered.html
    assert "„bitte absagen“" in rendered.text


def test_not_request_applications_branch(config: Config) -> None:
    env = make_environment(TEMPLATES)
    with_address = render(env, "not_request", "de", _context(config))
    assert "wenden Sie sich bitte an jobs@firm.example.\n\nFalls Sie" in with_address.text
    assert with_address.html is not None and "jobs@firm.example" in with_address.html
    without = render(env, "not_request", "de", _context(config, applications=""))
    assert "Karrierebereich unserer Website.\n\nFalls Sie" in without.text
    assert "jobs@" not in without.text
    assert without.html is not None and "Karrierebereich" in without.html


def test_html_is_escaped(config: Config) -> None:
    env = make_environment(TEMPLATES)
    context = _context(config, applications="<b>jobs</b>@firm.example")
    rendered = render(env, "not_request", "de", context)
    assert rendered.html is not None
    assert "<b>" not in rendered.html and "&lt;b&gt;" in rendered.html


def test_the_german_digest_names_its_steps_in_german(config: Config) -> None:
    rendered = render(make_environment(TEMPLATES), "digest", "de", sample_context(config, "de"))
    steps = re.compile(r"(?m)^\s+(?:requests|answered|routed|scheduled|held|closed)\b")
    assert "  Anfragen: 12" in rendered.text and "Anfragen -> beantwortet" in rendered.text
    assert not steps.search(rendered.text)
    assert rendered.html is not None and "<td>vereinbart</td>" in rendered.html
