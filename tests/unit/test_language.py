"""Tables for mailagent.language, and the shipped German templates and questionnaire."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from mailagent.compose.context import mail_context
from mailagent.compose.environment import make_environment, render
from mailagent.config.loading import load_config
from mailagent.config.settings import Config
from mailagent.core.language import detect_language, own_text
from mailagent.core.zones import detect_timezone

REPO = Path(__file__).resolve().parents[2]
GERMAN_TEMPLATES = REPO / "templates" / "de"

ENGLISH_MAIL = """\
Hello,

I am a retail manager and I would like to move into logistics. Could we talk about
your work and what it takes to do it well? I am free most afternoons.

Best regards,
Dana
"""

GERMAN_MAIL = """\
Guten Tag,

ich arbeite seit fünf Jahren im Einzelhandel und möchte gerne mehr über die Logistik
erfahren. Hätten Sie Zeit für ein kurzes Gespräch mit mir?

Mit freundlichen Grüßen
Jürgen Weiß
"""

GERMAN_REPLY_OVER_ENGLISH_HISTORY = """\
Guten Tag,

vielen Dank für Ihre schnelle Antwort. Ich bin seit drei Jahren Filialleiterin und
möchte verstehen, wie die Arbeit in der Planung aussieht. Dienstags passt es mir gut.

Viele Grüße
Petra

On Tue, 25 Nov 2025 at 10:00, Example Firm <interviews@firm.example> wrote:
> Dear Petra,
>
> thank you for your interest in an informational interview with Example Firm.
> An informational interview is a 20-30 minute conversation with one of our managers
> about the industry, the work, the expertise it takes and the manager's role. It is
> not a job interview: nobody is assessed, and it is not a way into an application.
> Please reply to this mail and answer the questions below in your own words.
>
> 1. Who are you? Your current field and your experience so far.
> 2. What do you hope to learn?
"""

ENGLISH_REPLY_OVER_GERMAN_HISTORY = """\
Thank you, that sounds good. I would like to ask about the planning side of the work.

Am 25.11.2025 um 10:00 schrieb Example Firm <interviews@firm.example>:
> Guten Tag, vielen Dank für Ihr Interesse an einem Informationsgespräch bei uns.
> Es ist kein Vorstellungsgespräch: Niemand wird beurteilt, und es ist auch kein Weg
> in eine Bewerbung. Bitte antworten Sie auf diese E-Mail.
"""

ENGLISH_WITH_GERMAN_SIGNATURE = """\
Hi, I am a nurse and I would like to learn how your team plans its work.

--
Diese E-Mail enthält vertrauliche Informationen. Wenn Sie nicht der richtige Adressat sind,
informieren Sie bitte sofort den Absender und vernichten Sie diese E-Mail.
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ENGLISH_MAIL, "en"),
        (GERMAN_MAIL, "de"),
        (GERMAN_REPLY_OVER_ENGLISH_HISTORY, "de"),
        (ENGLISH_REPLY_OVER_GERMAN_HISTORY, "en"),
        (ENGLISH_WITH_GERMAN_SIGNATURE, "en"),
        ("Ich bin Data Scientist und würde gerne mit Ihnen über Machine Learning sprechen.", "de"),
        ("I am Jürgen Müller from Köln. Thank you for the answer, it helps.", "en"),
        ("Könnten wir uns nächste Woche für das Gespräch treffen? Das wäre schön.", "de"),
    ],
    ids=[
        "english",
        "german",
        "german-over-quoted-english",
        "english-over-quoted-german",
        "english-with-german-disclaimer",
        "german-with-english-terms",
        "english-with-german-name",
        "german-short-sentences",
    ],
)
def test_detects_the_language_of_the_guests_own_text(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\n",
        "Hi!",
        "Danke!",
        "ok",
        "Termin: Dienstag",
        "Thanks, bis bald",
        "Müller Straße 5",
        "12:00 / 15:00 / 17:30",
        # Half English, half German: no clear winner.
        "Thank you for the mail. Ich freue mich sehr auf das Gespräch with you.",
        # Only quoted text, in German: nothing of the guest's own.
        "> Guten Tag, vielen Dank für Ihr Interesse an einem Gespräch mit uns.\n",
    ],
)
def test_short_or_ambiguous_text_gives_the_default(text: str) -> None:
    assert detect_language(text) == "en"
    assert detect_language(text, default="de") == "de"


def test_only_supported_languages_are_detected() -> None:
    assert detect_language(GERMAN_MAIL, supported=("en",)) == "en"
    assert detect_language(GERMAN_MAIL, supported=("en",), default="xx") == "xx"
    assert detect_language(ENGLISH_MAIL, supported=("de", "en")) == "en"
    assert detect_language(ENGLISH_MAIL, supported=()) == "en"
    # A language without a word list is never detected, only returned as the default.
    assert detect_language(ENGLISH_MAIL, supported=("fr",), default="fr") == "fr"
    assert detect_language(GERMAN_MAIL, supported=("en", "de", "fr")) == "de"


def test_own_text_drops_quotes_attribution_and_signature() -> None:
    own = own_text(GERMAN_REPLY_OVER_ENGLISH_HISTORY)
    assert "Filialleiterin" in own
    assert "wrote:" not in own and "informational" not in own
    assert "vertrauliche" not in own_text(ENGLISH_WITH_GERMAN_SIGNATURE)
    forwarded = "Siehe unten.\n\n-----Original Message-----\nFrom: someone\nthe text"
    assert own_text(forwarded).strip() == "Siehe unten."
    # A line ending in ':' that does not introduce a quote is the guest's own.
    assert own_text("My answers:\n1. Retail") == "My answers:\n1. Retail"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tuesday 3pm CET works for me.", "Europe/Berlin"),
        ("Tuesday 3pm cet", "Europe/Berlin"),
        ("Mittwoch 10:00 MESZ", "Europe/Berlin"),
        ("ab 15:00CET", "Europe/Berlin"),
        ("I am in Europe/Lisbon.", "Europe/Lisbon"),
        ("I live in america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
        ("my timezone is Europe/Berlin-based", "Europe/Berlin"),
        ("Etc/GMT-3 please", "Etc/GMT-3"),
        ("my interest is in logistics", None),
        ("The best time is Tuesday; I'm interested in the rest.", None),
        ("Dienstag ist gut, Mittwoch auch.", None),
        ("c'est parfait, il est midi", None),
        ("UTC", "UTC"),
        ("Any time after 14:00 UTC.", "UTC"),
        ("UTC+2", "Etc/GMT-2"),
        ("GMT -5", "Etc/GMT+5"),
        ("UTC−03:00", "Etc/GMT+3"),
        ("UTC+0", "UTC"),
        ("UTC+05:30", "Asia/Kolkata"),
        ("UTC+25", None),
        ("GMT", "Europe/London"),
        ("9am BST", "Europe/London"),
        ("10am EST", "America/New_York"),
        ("10am EDT", "America/New_York"),
        ("11am CST", "America/Chicago"),
        ("8am PST", "America/Los_Angeles"),
        ("7pm IST", "Asia/Kolkata"),
        ("9pm JST", "Asia/Tokyo"),
        ("8am AEST", "Australia/Sydney"),
        ("New York time", "America/New_York"),
        ("3pm Berlin time", "Europe/Berlin"),
        ("London time is fine", "Europe/London"),
        ("nach deutscher Zeit", "Europe/Berlin"),
        ("Eastern Time", "America/New_York"),
        ("Central European Time", "Europe/Berlin"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("I live in London", None),
        ("whenever suits you", None),
        ("", None),
        ("and/or Monday", None),
        # The first zone stated wins.
        ("10:00 CEST (that is 13:30 IST)", "Europe/Berlin"),
        # Quoted history is not the guest's statement.
        ("Tuesday works.\n> Our office is on CET.\n", None),
    ],
)
def test_detects_a_stated_time_zone(text: str, expected: str | None) -> None:
    assert detect_timezone(text) == expected


# --- the shipped German templates and questionnaire ---------------------------------------------

# The asking mails; the others (withdrawn, nudges...) are checked in test_templates_de.py.
GERMAN_KINDS = ["questionnaire", "reask"]


@pytest.fixture
def config(monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.chdir(REPO)
    return load_config(Path("config/mailagent.toml"))


def test_every_english_mail_has_a_german_version() -> None:
    # Files starting with "_" are partials a language's mails import, not mails.
    english = {p.name for p in (GERMAN_TEMPLATES.parent / "en").glob("[!_]*.j2")}
    german = {p.name for p in GERMAN_TEMPLATES.glob("[!_]*.j2")}
    assert english == german


def test_every_question_has_german_wording_and_hints(config: Config) -> None:
    for question in config.questionnaire.questions:
        assert question.text.get("de"), question.key
        hints = question.hints.get("de", ())
        assert hints, question.key
        assert all(h == h.lower() and h.strip() == h for h in hints), question.key


@pytest.mark.parametrize("kind", GERMAN_KINDS)
@pytest.mark.parametrize(
    ("guest_name", "request_subject"),
    [
        ("Dana Ruiz", "Anfrage: Informationsgespräch über Ihre Arbeit in der Logistikbranche"),
        ("", ""),
    ],
    ids=["named-reply", "anonymous-new"],
)
def test_german_templates_render(
    config: Config, kind: str, guest_name: str, request_subject: str
) -> None:
    questions = config.questionnaire.questions
    context = mail_context(
        config.settings.firm,
        guest_name=guest_name,
        guest_email="dana@example.org",
        questions=questions,
        language="de",
        request_subject=request_subject,
        understood=[("Wer sind Sie?", "Filialleiterin im Einzelhandel.")],
    )
    rendered = render(make_environment(REPO / "templates"), kind, "de", context)

    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    assert 0 < len(rendered.subject) < 78
    if request_subject:
        assert rendered.subject.startswith("Re: Anfrage")
    body = rendered.text
    assert body.startswith(f"Guten Tag{' ' + guest_name if guest_name else ''},\n\n")
    assert "Mit freundlichen Grüßen" in body
    assert config.settings.firm.sender_name in body
    if kind == "questionnaire":
        assert "kein Vorstellungsgespräch" in body
    else:
        assert "Filialleiterin im Einzelhandel." in body
    for number, question in enumerate(questions, 1):
        wording = question.wording("de")
        assert wording != question.wording("en")
        assert f"\n{number}. {wording}\n" in body
        assert rendered.html is not None
        assert f'<li value="{number}">{html.escape(wording)}</li>' in rendered.html
    assert rendered.html is not None
    assert '<html lang="de">' in rendered.html
