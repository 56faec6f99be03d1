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
        # A former guest thanking for a conversation that already happened.
        (
            "Thank you!",
            "Thank you for arranging my call with Alex on Tuesday, I came away with a book list.",
            (),
            "other",
        ),
        ("Danke", "Ich wollte mich für das tolle Gespräch mit Frau Berger bedanken!", (), "other"),
        (
            "Danke!",
            "Ich wollte mich für das Informationsgespräch gestern bedanken, es hat mir geholfen.",
            (),
            "unclear",  # thanks against the programme's name: an admin looks
        ),
        (
            "Thank you - and a second conversation?",
            "Thanks again for arranging my talk with Sam. Could I have a second informational "
            "interview, half an hour with someone from procurement to learn about their work?",
            (),
            "request",  # thanks for the last one do not outweigh a new request
        ),
        # Sellers asking for "a short exchange" or an "Informationsgespräch".
        (
            "Kurzes Informationsgespräch?",
            "Gern würde ich Ihnen in 30 Minuten unsere Plattform vorstellen: Ihre Wartezeiten "
            "sinken nachweislich um bis zu 30 %.",
            (),
            "unclear",
        ),
        (
            "Kurzer Austausch?",
            "Ich bin Personalberaterin. Unser Honorar ist erfolgsbasiert, Ihnen entstehen keine "
            "Kosten.",
            (),
            "unclear",
        ),
        (
            "Kennenlerngespräch?",
            "Für Unternehmen Ihrer Größe biete ich ein Coaching zum Festpreis an. Hätten Sie "
            "30 Minuten für ein kostenfreies Kennenlerngespräch?",
            (),
            "sales",  # a Kennenlerngespräch is no request evidence
        ),
        # The organisation's voice: doubt against a questionnaire, never against silence.
        (
            "Quick question",
            "We help warehouse teams onboard faster and our clients love it. Could I learn more "
            "about your team?",
            (),
            "unclear",
        ),
        (
            "Your informational interviews",
            "Our students love your informational interviews. Could we list them on our portal?",
            (),
            "unclear",  # a careers service writing about the programme, not asking for itself
        ),
        (
            "Partnership",
            "We help companies like yours. Our clients save. Book a demo!",
            (),
            "sales",
        ),
        (
            "Informational interview?",
            "I'm a nurse switching careers. Could we talk for 20 minutes?",
            (),
            "request",  # "could we" includes the reader: no organisation speaking
        ),
        # The press, and applicants asking for a "coffee chat".
        (
            "20 minutes with one of your managers?",
            "I'm a reporter at the Post writing a piece on career changers. My deadline is Friday.",
            (),
            "unclear",
        ),
        (
            "Anfrage",
            "Ich bin Volontärin und schreibe einen Zeitungsbeitrag; Redaktionsschluss ist Montag. "
            "Hätte jemand eine halbe Stunde?",
            (),
            "press",
        ),
        (
            "Coffee chat?",
            "I'm looking for my first full-time role, happy to relocate and can start in January. "
            "I've attached my CV.",
            (CV,),
            "unclear",
        ),
        # Negations of applying are request evidence.
        (
            "Leaving teaching",
            "I'm not asking for a job, just 30 minutes to understand the work.",
            (),
            "request",
        ),
        (
            "Healthcare logistics?",
            "Could I ask what the job is like? Not after a job (yet!)",
            (),
            "request",
        ),
        (
            "Frage",
            "Es geht mir nicht um eine Stelle, ich möchte eine halbe Stunde mit Ihnen sprechen.",
            (),
            "request",
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


def test_a_reply_subject_is_not_the_senders_purpose() -> None:
    own = judge("Informational interview", "", (), CATEGORIES)
    for subject in ("Re: Informational interview", "AW: Informational interview"):
        echoed = judge(subject, "", (), CATEGORIES)
        assert echoed.scores["request"] == own.scores["request"] - 1  # no subject point
        assert "(subject)" not in echoed.explain()


def test_the_organisation_voice_is_doubt_and_logged() -> None:
    intent = judge(
        "Hello", "We help teams. Our clients love us. Learn about your work?", (), CATEGORIES
    )
    assert (intent.category, intent.best, intent.doubt) == ("unclear", "request", 2.0)
    line = intent.explain()
    assert "doubt 2" in line and "speaks for an organisation (we/our 3, I/my 0)" in line
