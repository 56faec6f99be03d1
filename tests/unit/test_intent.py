"""What a first mail wants, scored transparently with the shipped config/intent.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mailagent.core.intent import Category, judge
from mailagent.core.mime import Attachment

REPO = Path(__file__).resolve().parents[2]
CATEGORIES = tuple(
    Category(c["name"], c.get("phrases", {}), tuple(c.get("attachment_words", ())))
    for c in tomllib.loads((REPO / "config" / "intent.toml").read_text())["categories"]
)
CV = Attachment("Dana_Ruiz_CV.pdf", "application/pdf", 120_000)


@pytest.mark.parametrize(
    ("subject", "text", "attachments", "expected"),
    [
        ("Informational interview?", "I am changing careers and would love advice.", (), "request"),
        ("Hello", "Could I talk to someone about the work for half an hour?", (), "request"),
        ("Question", "Hi, how are you?", (), "request"),  # no evidence: a request
        ("Application", "I am applying for the position of analyst.", (CV,), "application"),
        ("Hello", "Please see attached.", (CV,), "application"),
        ("Bewerbung als Logistiker", "Anbei mein Lebenslauf.", (), "application"),
        ("Partnership", "We help companies like yours. Book a demo today!", (), "sales"),
        ("Candidates", "Our recruitment agency has candidates for your team.", (), "sales"),
        ("Press inquiry", "I am a journalist writing for our magazine.", (), "press"),
        ("Invoice 4711", "Please find the invoice for your order.", (), "other"),
        (
            "Informational interview",
            "I want an informational interview; my CV is attached for context.",
            (),
            "request",  # a tie goes to the request
        ),
    ],
)
def test_judge(subject: str, text: str, attachments: tuple[Attachment, ...], expected: str) -> None:
    assert judge(subject, text, attachments, CATEGORIES).category == expected


def test_the_log_line_says_why() -> None:
    intent = judge("Application", "I am applying for the job.", (CV,), CATEGORIES)
    line = intent.explain()
    assert line.startswith("application (request 0, application ")
    assert "attachment 'Dana_Ruiz_CV.pdf'" in line and "'applying for'" in line


def test_whole_words_only() -> None:
    assert judge("Democracy", "A demonstration of democracy.", (), CATEGORIES).category == "request"
