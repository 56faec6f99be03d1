"""What a first mail wants, scored transparently with the shipped config/intent.toml."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mailagent.core.intent import category_from, judge
from mailagent.core.mime import Attachment

REPO = Path(__file__).resolve().parents[2]
CATEGORIES = tuple(
    category_from(c)
    for c in tomllib.loads((REPO / "config" / "intent.toml").read_text())["categories"]
)
CV = Attachment("Dana_Ruiz_CV.pdf", "application/pdf", 120_000)


@pytest.mark.parametrize(
    ("subject", "text", "attachments", "expected"),
    [
        ("Informational interview?", "I am changing careers and would love advice.", (), "request"),
        ("Hello", "Could I talk to someone about the work for half an hour?", (), "request"),
        ("Question", "Hi, how are you?", (), "unclear"),  # no evidence: an admin looks
        ("Hello", "Do you have parking?", (), "unclear"),  # one weak sign is not enough
        ("Application", "I am applying for the position of analyst.", (CV,), "application"),
        ("Hello", "Please see attached.", (CV,), "unclear"),  # a file and no words: an admin looks
        ("Bewerbung als Logistiker", "Anbei mein Lebenslauf.", (), "application"),
        ("Partnership", "We help companies like yours. Book a demo today!", (), "sales"),
        ("Candidates", "Our recruitment agency has candidates for your team.", (), "sales"),
        ("Press inquiry", "I am a journalist writing for our magazine.", (), "press"),
        ("Invoice 4711", "Please find the invoice for your order.", (), "other"),
        (
            "Informational interview",
            "I want an informational interview; my CV is attached for context.",
            (),
            "request",  # the CV is context: no application evidence beyond 'my cv'
        ),
        (
            "Informational interview",
            "I want an informational interview; my CV is attached for context.",
            (CV,),
            "unclear",  # as much application evidence as request evidence: an admin decides
        ),
        (
            "Career question",
            "I'm not looking for a job, I would like to learn about the industry.",
            (),
            "request",  # "looking for a job" inside the negation is not application evidence
        ),
        ("Quick call to cut your fleet costs by 20%?", "We help companies save.", (), "sales"),
        ("Thank you!", "Thank you for taking the time last week.", (), "unclear"),
        (
            "Thanks",
            "Thank you for taking the time last week, it was great talking to you.",
            (),
            "other",
        ),
    ],
)
def test_judge(subject: str, text: str, attachments: tuple[Attachment, ...], expected: str) -> None:
    assert judge(subject, text, attachments, CATEGORIES).category == expected


def test_the_log_line_says_why() -> None:
    intent = judge("Application", "I am applying for the job.", (CV,), CATEGORIES)
    line = intent.explain()
    assert line.startswith("application, confidence 0.73") and "application 4)" in line
    assert "attachment 'Dana_Ruiz_CV.pdf'" in line and "'applying for'" in line


def test_an_abstention_names_the_best_guess_and_its_confidence() -> None:
    intent = judge("Hello", "Could we talk sometime next week?", (), CATEGORIES)
    assert (intent.category, intent.best) == ("unclear", "request")
    assert intent.explain().startswith("unclear (best: request), confidence 0.00")


def test_whole_words_only() -> None:
    found = judge("Democracy", "A demonstration of democracy.", (), CATEGORIES)
    assert (found.category, found.confidence) == ("unclear", 0.0)  # "demo" is not in it
