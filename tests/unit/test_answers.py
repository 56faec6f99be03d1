"""Answers out of replies, one row per way people answer."""

from __future__ import annotations

import pytest

from mailagent.core.answers import Asked, extract, signature_name

ASKED = (
    Asked(
        "background",
        "Who are you? Your current field and your experience so far.",
        ("background", "work", "worked", "experience", "years", "studied", "degree"),
    ),
    Asked(
        "learn_goals",
        "What do you hope to learn: the nature of the work, the knowledge and "
        "expertise it takes, the manager's role?",
        ("learn", "understand", "curious"),
    ),
    Asked(
        "availability",
        "Which days and times suit you for a 20-30 minute conversation, and in which time zone?",
        (
            "availability",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "morning",
            "afternoon",
            "cet",
            "utc",
        ),
    ),
)
QUOTE_HEADER = "On Tue, 24 Nov 2026 at 10:00, Example Firm <interviews@firm.example> wrote:"
QUOTED_QUESTIONS = "\n".join(
    [QUOTE_HEADER, "> Dear Dana,", ">"] + [f"> {i}. {q.text}\n>" for i, q in enumerate(ASKED, 1)]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Hi,\n\n1. I manage a retail store, 8 years.\n2. How route planning works.\n"
            "3. Tuesday mornings, CET.\n\nBest,\nDana\n\n" + QUOTED_QUESTIONS,
            {
                "background": "I manage a retail store, 8 years.",
                "learn_goals": "How route planning works.",
                "availability": "Tuesday mornings, CET.",
            },
            id="numbered, top-posted",
        ),
        pytest.param(
            "Hello,\nmy answers are inline.\n\n" + QUOTE_HEADER + "\n"
            f"> 1. {ASKED[0].text}\nI manage a retail store.\n"
            f"> 2. {ASKED[1].text[:60]}\n> {ASKED[1].text[60:]}\nRoute planning.\n"
            f"> 3. {ASKED[2].text}\nFriday afternoon, UTC+1.\n",
            {
                "background": "I manage a retail store.",
                "learn_goals": "Route planning.",
                "availability": "Friday afternoon, UTC+1.",
            },
            id="inline, with a question wrapped by the client",
        ),
        pytest.param(
            "Dear team,\n\nI studied geography and worked two years in a warehouse.\n\n"
            "I want to understand how a logistics manager spends the week.\n\n"
            "Any Thursday after 3pm Berlin time.\n\nThanks,\nSam\n\n" + QUOTED_QUESTIONS,
            {
                "background": "I studied geography and worked two years in a warehouse.",
                "learn_goals": "I want to understand how a logistics manager spends the week.",
                "availability": "Any Thursday after 3pm Berlin time.",
            },
            id="one paragraph per question, in order",
        ),
        pytest.param(
            "Background: retail manager for 8 years.\nAvailability: Mondays, CET.\n",
            {"background": "retail manager for 8 years.", "availability": "Mondays, CET."},
            id="labels",
        ),
        pytest.param(
            "I worked eight years in retail. I would love to learn how planning works and "
            "understand the role. Monday morning works for me.\n\n" + QUOTED_QUESTIONS,
            {
                "background": "I worked eight years in retail.",
                "learn_goals": "I would love to learn how planning works and understand the role.",
                "availability": "Monday morning works for me.",
            },
            id="all in one paragraph",
        ),
        pytest.param(
            "1. Who are you? I manage a retail store.\n2. n/a\n" + QUOTED_QUESTIONS,
            {"background": "I manage a retail store."},
            id="question copied before the answer; a placeholder is no answer",
        ),
        pytest.param(
            "Thanks, I will answer tomorrow!\n\n" + QUOTED_QUESTIONS,
            {},
            id="no answers yet",
        ),
        pytest.param("", {}, id="empty"),
    ],
)
def test_extract(text: str, expected: dict[str, str]) -> None:
    assert extract(text, ASKED) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello,\nI would like to talk.\n\nBest,\nDana Ruiz\n", "Dana Ruiz"),
        ("Hi!\n\nKind regards,\n\nSam O'Neill\n+44 20 0000 0000", "Sam O'Neill"),
        ("Hallo,\n\nViele Grüße\nJonas Weber", "Jonas Weber"),
        ("Thanks,\ndana\n", ""),  # not capitalised: could be anything
        ("Best,\nsent from my phone 2026", ""),
        ("No closing at all.\nDana Ruiz", ""),
    ],
)
def test_signature_name(text: str, expected: str) -> None:
    assert signature_name(text) == expected
