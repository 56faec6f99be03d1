"""Answers out of replies, one row per way people answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailagent.config.loading import load_config
from mailagent.core.answer_evidence import hits
from mailagent.core.answers import Asked, extract, signature_name
from mailagent.service.questions import asked_in

REPO = Path(__file__).resolve().parents[2]

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


# --- The shipped questionnaire, as guests really answer it ---------------------------------------

QUESTIONNAIRE = load_config(REPO / "config" / "mailagent.toml").questionnaire
ALL = tuple(QUESTIONNAIRE.keys)


def asked(*keys: str, language: str = "en") -> list[Asked]:
    return asked_in(QUESTIONNAIRE, language, set(keys or ALL))


def quoted_questionnaire(language: str = "en", attribution: bool = True) -> str:
    lines = ["Dear Dana,", ""] + [
        f"{i}. {q.wording(language)}" for i, q in enumerate(QUESTIONNAIRE.questions, 1)
    ]
    head = [QUOTE_HEADER] if attribution else []
    return "\n".join(head + [f"> {line}" for line in lines])


@pytest.mark.parametrize(
    ("text", "keys", "language", "expected"),
    [
        pytest.param(
            "Hi,\n\nPlease find my answers below:\n\n"
            "About me: ten years in retail operations, now moving into logistics.\n"
            "What I hope to learn: what a logistics manager actually does all week.\n"
            "Things I'd like to ask: how do you plan for peak season?\n"
            "In return: your careers page never says what a day looks like.\n"
            "When I'm free: Tuesdays after 2pm CET.\n\nThanks!\nDana\n\n"
            "From: Example Firm <interviews@firm.example>\nSent: Monday, November 30, 2026\n"
            "To: Dana\nSubject: Re: Informational interview\n\n"
            + "\n".join(
                f"{i}. {q.wording('en')}" for i, q in enumerate(QUESTIONNAIRE.questions, 1)
            ),
            ALL,
            "en",
            {
                "background": "ten years in retail operations, now moving into logistics.",
                "learn_goals": "what a logistics manager actually does all week.",
                "questions_for_us": "how do you plan for peak season?",
                "give_back": "your careers page never says what a day looks like.",
                "availability": "Tuesdays after 2pm CET.",
            },
            id="Outlook top-post, labels paraphrasing the questions, preamble and sign-off",
        ),
        pytest.param(
            "Zu meiner Person: Filialleiterin seit acht Jahren.\n"
            "Was ich lernen möchte: wie die Tourenplanung funktioniert.\n"
            "Meine Fragen: Wie planen Sie das Weihnachtsgeschäft?\n"
            "Im Gegenzug: Ihre Website wirkt sehr technisch.\n"
            "Zeitlich: Di und Do ab 14 Uhr MEZ.\n\nViele Grüße\nPetra\n\n"
            + quoted_questionnaire("en"),
            ALL,
            "en",
            {
                "background": "Filialleiterin seit acht Jahren.",
                "learn_goals": "wie die Tourenplanung funktioniert.",
                "questions_for_us": "Wie planen Sie das Weihnachtsgeschäft?",
                "give_back": "Ihre Website wirkt sehr technisch.",
                "availability": "Di und Do ab 14 Uhr MEZ.",
            },
            id="German labels in an English thread, each label on its own answer",
        ),
        pytest.param(
            "1. I taught maths for twelve years.\n2. How a planning team decides.\n\nDana\n\n"
            + quoted_questionnaire("en", attribution=False),
            ALL,
            "en",
            {
                "background": "I taught maths for twelve years.",
                "learn_goals": "How a planning team decides.",
            },
            id="two answers, a bare name, then the questionnaire quoted without 'wrote:'",
        ),
        pytest.param(
            "3. Do you hire career changers into planning?\n"
            "4. Your LinkedIn posts are all about awards.\n"
            "5. Weekday mornings before 10, London time.\n\nBest regards,\nDana Ruiz\n"
            "Senior Analyst | ACME Retail\n+44 20 7946 0000\n",
            ("questions_for_us", "give_back", "availability"),
            "en",
            {
                "questions_for_us": "Do you hire career changers into planning?",
                "give_back": "Your LinkedIn posts are all about awards.",
                "availability": "Weekday mornings before 10, London time.",
            },
            id="a re-ask answered with its original numbers 3-5, over a signature block",
        ),
        pytest.param(
            "Happy to answer!\n\nI worked eight years in hospital nursing.\n\nThanks!\nDana",
            ("background",),
            "en",
            {"background": "I worked eight years in hospital nursing."},
            id="preamble and 'Thanks!' with the name stay out of the answer",
        ),
        pytest.param(
            "> 1. Who are you?\n> 2. What do you hope to learn?\n\n"
            "I run the night shift at a parcel hub, six years now.\n\nDana",
            ("background",),
            "en",
            {"background": "I run the night shift at a parcel hub, six years now."},
            id="bottom-posted under a quote that has no 'wrote:' line",
        ),
        pytest.param(
            "I worked nine years as a nurse.\n\nMahalo,\nDana\n\n"
            + quoted_questionnaire("en", attribution=False),
            ALL,
            "en",
            {"background": "I worked nine years as a nurse."},
            id="a closing in words we do not list, then the name",
        ),
        pytest.param(
            "As requested, my answers:\nBackground: I teach chemistry.\n"
            "Availability: Fridays after 1pm CET.\n",
            ALL,
            "en",
            {"background": "I teach chemistry.", "availability": "Fridays after 1pm CET."},
            id="a preamble on the first line",
        ),
        pytest.param(
            "Questions I'd ask:\n1. How do you plan peak season?\n2. Which tools do you use?\n"
            "Availability: Mondays, CET.\n",
            ALL,
            "en",
            {
                "questions_for_us": "1. How do you plan peak season?\n2. Which tools do you use?",
                "availability": "Mondays, CET.",
            },
            id="a labelled reply: numbers under a label are the guest's own list",
        ),
        pytest.param(
            "1) Ich bin Lehrerin.\n2) Konkrete Fragen: Wie planen Sie Touren?\n",
            ALL,
            "de",
            {"background": "Ich bin Lehrerin.", "questions_for_us": "Wie planen Sie Touren?"},
            id="a label after a number names the question the number does not",
        ),
        pytest.param(
            "1. Do you hire career changers?\n2. Your website hides the team.\n",
            ("questions_for_us", "give_back", "availability"),
            "en",
            {
                "questions_for_us": "Do you hire career changers?",
                "give_back": "Your website hides the team.",
            },
            id="a re-ask of 3-5 answered with the guest's own numbers 1-2",
        ),
        pytest.param(
            "\U0001f449 Availability: Tuesday mornings, CET.\n"
            "\u2705 Background: nurse for nine years.\n",
            ALL,
            "en",
            {"background": "nurse for nine years.", "availability": "Tuesday mornings, CET."},
            id="emoji before the labels",
        ),
        pytest.param(
            "I worked eight years as a nurse.\n\n"
            "I'm travelling this week, I will send you my availability when I'm back.\n",
            ("background", "availability"),
            "en",
            {"background": "I worked eight years as a nurse."},
            id="an answer put off is no answer",
        ),
        pytest.param(
            "I teach chemistry at a secondary school.\n\nThanks,\nDana",
            ALL,
            "en",
            {},
            id="'teach' says who they are, not what they give back: asked again, never misfiled",
        ),
        pytest.param(
            "Hier in Stichpunkten:\n\n- Ich: Lehrerin seit 2015, Mathe und Physik.\n"
            "- Fragen: Wie planen Sie Touren?\n- Mein Beitrag: Ihre Website ist schwer zu lesen.\n"
            "- Termine: Mo-Do ab 17 Uhr.\n",
            ALL,
            "de",
            {
                "background": "Lehrerin seit 2015, Mathe und Physik.",
                "questions_for_us": "Wie planen Sie Touren?",
                "give_back": "Ihre Website ist schwer zu lesen.",
                "availability": "Mo-Do ab 17 Uhr.",
            },
            id="bulleted labels; the next bullet ends an answer",
        ),
        pytest.param(
            "Hi,\n\nSorry for the slow reply, it was a busy week.\n\n"
            "I have worked in hospital nursing for nine years.\n\n"
            "I want to learn how a planning team decides what to ship first.\n\n"
            "I'd love to ask how you plan peak season, and in return I can show you how your "
            "careers page reads to a nurse.\n\nBest for me is Monday or Tuesday, 10:00 to 14:00 "
            "CET.\n\nDana",
            ALL,
            "en",
            {
                "background": "I have worked in hospital nursing for nine years.",
                "learn_goals": "I want to learn how a planning team decides what to ship first.",
                "questions_for_us": "I'd love to ask how you plan peak season",
                "give_back": "in return I can show you how your careers page reads to a nurse.",
                "availability": "Best for me is Monday or Tuesday, 10:00 to 14:00 CET.",
            },
            id="as many paragraphs as questions by chance: each goes by what it says",
        ),
        pytest.param(
            "Hallo,\nAlso zu mir: ich bin Koch, seit 14 Jahren im Beruf.\n"
            "Was ich gern wissen würde ist, wie eine Zentrale plant.\n"
            "Zeitlich geht Montag ab 16:30.\nLG Kevin",
            ALL,
            "de",
            {
                "background": "ich bin Koch, seit 14 Jahren im Beruf.",
                "learn_goals": "Was ich gern wissen würde ist, wie eine Zentrale plant.",
                "availability": "Zeitlich geht Montag ab 16:30.",
            },
            id="a label after a connective, answers line by line without blank lines",
        ),
        pytest.param(
            "Punkt 1: Ich bin Elektromeister mit eigenem Betrieb.\n"
            "Punkt 5: Am liebsten morgens vor 8 Uhr.\n",
            ALL,
            "de",
            {
                "background": "Ich bin Elektromeister mit eigenem Betrieb.",
                "availability": "Am liebsten morgens vor 8 Uhr.",
            },
            id="'Punkt 1:' is a number",
        ),
        pytest.param(
            "1. My questions would be: do you hire career changers?\n"
            "2. I could tell you how your website reads to a teacher.\n"
            "3. Any weekday morning before 12:00 CET.\n",
            ("questions_for_us", "give_back", "availability"),
            "en",
            {
                "questions_for_us": "do you hire career changers?",
                "give_back": "I could tell you how your website reads to a teacher.",
                "availability": "Any weekday morning before 12:00 CET.",
            },
            id="a re-ask numbered from 1 by the guest, the first item also labelled",
        ),
        pytest.param(
            "About myself: I taught maths for twelve years.\n\n"
            "As for timing, I am free on Monday afternoons, CET.\n",
            ALL,
            "en",
            {
                "background": "I taught maths for twelve years.",
                "availability": "As for timing, I am free on Monday afternoons, CET.",
            },
            id="'As for timing, ...' names its question",
        ),
        pytest.param(
            "Hello, thank you for writing back. A little about me: I've been a scheduler in a "
            "chip fab for 15 years, and what I would really like to learn is how a planning team "
            "decides what ships first. I'm free any weekday between 10am and 3pm Pacific.\n\n"
            "Barbara",
            ALL,
            "en",
            {
                "background": "I've been a scheduler in a chip fab for 15 years",
                "learn_goals": "what I would really like to learn is how a planning team decides "
                "what ships first.",
                "availability": "I'm free any weekday between 10am and 3pm Pacific.",
            },
            id="one paragraph, a label mid-way: the labelled answer ends where the next begins",
        ),
        pytest.param(
            "Thank you for your message. I'm a third-year PhD student in operations research.\n\n"
            "I'll send you my dates next week.\n",
            ("background", "availability"),
            "en",
            {"background": "I'm a third-year PhD student in operations research."},
            id="thanks before the answer on its line stay out of it",
        ),
        pytest.param(
            "1. Secondary school teacher, 12 years.\n\n"
            "2. Whether the job is as interesting as the course made it look!\n"
            "Seriously: what people in operations actually do all day and how someone\n"
            "with no industry experience would be seen.\n\n3. Do you hire career changers?\n\n"
            "4. Your careers page never reaches schools.\n\n5. Weekdays after 4pm Irish time.\n",
            ALL,
            "en",
            {
                "background": "Secondary school teacher, 12 years.",
                "learn_goals": "Whether the job is as interesting as the course made it look!\n"
                "Seriously: what people in operations actually do all day and how someone\n"
                "with no industry experience would be seen.",
                "questions_for_us": "Do you hire career changers?",
                "give_back": "Your careers page never reaches schools.",
                "availability": "Weekdays after 4pm Irish time.",
            },
            id="an answer sheet numbered 1-5 keeps its numbers; 'Seriously:' is no label",
        ),
        pytest.param(
            "Bauingenieur, seit 2018 bei einem Planungsbüro in Leipzig. Ich möchte gern "
            "erfahren, wie man in die Planung kommt. Zeitlich passt es mir dienstags vormittags.",
            ALL,
            "de",
            {
                "background": "Bauingenieur, seit 2018 bei einem Planungsbüro in Leipzig.",
                "learn_goals": "Ich möchte gern erfahren, wie man in die Planung kommt.",
                "availability": "Zeitlich passt es mir dienstags vormittags.",
            },
            id="all in one paragraph, opening with who they are in words without a hint",
        ),
        pytest.param(
            "Hope you had a lovely weekend. I would love to learn how planners decide on "
            "routes. As for timing, weekdays after 4pm CET.",
            ALL,
            "en",
            {
                "learn_goals": "I would love to learn how planners decide on routes.",
                "availability": "As for timing, weekdays after 4pm CET.",
            },
            id="small talk is nobody's answer, nor who they are",
        ),
        pytest.param(
            "Hi!! \U0001f64c\n\n1. Social media manager for a sneaker brand, 4 years.\n"
            "2. I want to see what logistics careers look like.\n"
            "5. Tues or Thurs 10am-12pm Pacific",
            ALL,
            "en",
            {
                "background": "Social media manager for a sneaker brand, 4 years.",
                "learn_goals": "I want to see what logistics careers look like.",
                "availability": "Tues or Thurs 10am-12pm Pacific",
            },
            id="a greeting with emoji, a question skipped in the numbering",
        ),
        pytest.param(
            "I run a small bakery with my sister. I would love to learn how much shift work the "
            "job involves. Meine Fragen: Stellen Sie Quereinsteiger ein?",
            ALL,
            "en",
            {
                "background": "I run a small bakery with my sister.",
                "learn_goals": "I would love to learn how much shift work the job involves.",
                "questions_for_us": "Stellen Sie Quereinsteiger ein?",
            },
            id="one stray word of another question ('the job') does not contest a sentence",
        ),
        pytest.param(
            "1. Chartered accountant, 8 years.\n2. How contracts are priced.\n3. See above.\n"
            "4. Zu 4: nothing comes to mind, honestly.\n5. Wednesday afternoons, 2-5pm GMT.",
            ALL,
            "en",
            {
                "background": "Chartered accountant, 8 years.",
                "learn_goals": "How contracts are priced.",
                "availability": "Wednesday afternoons, 2-5pm GMT.",
            },
            id="'See above' and 'nothing comes to mind' answer nothing: asked again",
        ),
        pytest.param(
            "My questions would be: how do you plan vans?\n\nOn times, I'm afraid I can't say "
            "yet - I'll send you some dates as soon as I have the rota.\n",
            ("questions_for_us", "availability"),
            "en",
            {"questions_for_us": "how do you plan vans?"},
            id="'On times, ...' is another answer, and one put off",
        ),
        pytest.param(
            "Ich bin Grundschullehrerin, seit 14 Jahren im Beruf; erfahren möchte ich vor allem, "
            "wie die Ausbildung organisiert ist, und konkret würde mich interessieren, ob Sie "
            "Quereinsteigerinnen einstellen; zeitlich passt es mir zwischen dem 23.12. und dem "
            "6.1., jeweils vormittags.",
            ALL,
            "de",
            {
                "background": "Ich bin Grundschullehrerin, seit 14 Jahren im Beruf",
                "learn_goals": "erfahren möchte ich vor allem, wie die Ausbildung organisiert ist",
                "questions_for_us": "konkret würde mich interessieren, ob Sie "
                "Quereinsteigerinnen einstellen",
                "availability": "zeitlich passt es mir zwischen dem 23.12. und dem 6.1., jeweils "
                "vormittags.",
            },
            id="one sentence, clauses joined by semicolons; dates are no sentence ends",
        ),
        pytest.param(
            QUOTE_HEADER + "\n> Dear Piotr,\n> 1. Who are you?\n>\n> Kind regards,\n"
            "> Example Firm\n\nI have worked for eleven years as a crane operator in Gdansk.\n\n"
            "Best for me are Tuesdays between 15:00 and 17:00 CET.\n\nKind regards\nPiotr",
            ALL,
            "en",
            {
                "background": "I have worked for eleven years as a crane operator in Gdansk.",
                "availability": "Best for me are Tuesdays between 15:00 and 17:00 CET.",
            },
            id="bottom-posted under an attribution line and the whole quote",
        ),
        pytest.param(
            "1. Translator, 7 years.\n2. I would like to know which jobs exist for me.\n"
            "3. Is it realistic to start in customer service?\n\nHave a nice New Year's Eve,\n"
            "Kateryna\n\nP.S. Almost forgot: I can talk any weekday after 18:00 Warsaw time.",
            ALL,
            "en",
            {
                "background": "Translator, 7 years.",
                "learn_goals": "I would like to know which jobs exist for me.",
                "questions_for_us": "Is it realistic to start in customer service?",
            },
            id="a seasonal closing and a P.S. after it stay out of the last answer",
        ),
        pytest.param(
            "Zur ersten Frage: Ich bin Chemiker und leite ein Labor.\n\n"
            "Zur zweiten: Mich interessiert, wie Gefahrguttransporte geplant werden.\n\n"
            "Drittens würde ich gern fragen, wie Sie mit dem ADR umgehen.\n\n"
            "Und zuletzt: Am besten Dienstag zwischen 8 und 9.30 Uhr.",
            ALL,
            "de",
            {
                "background": "Ich bin Chemiker und leite ein Labor.",
                "learn_goals": "Mich interessiert, wie Gefahrguttransporte geplant werden.",
                "questions_for_us": "würde ich gern fragen, wie Sie mit dem ADR umgehen.",
                "availability": "Und zuletzt: Am besten Dienstag zwischen 8 und 9.30 Uhr.",
            },
            id="answers named by their place; the last one read by what it says",
        ),
        pytest.param(
            "1 im a farm logistics supervisor 6 years\n2 i want to learn how air cargo is planned\n"
            "3 how do you pick flights before valentines day\n5 weekdays 11am to 1pm colombia time",
            ALL,
            "en",
            {
                "background": "im a farm logistics supervisor 6 years",
                "learn_goals": "i want to learn how air cargo is planned",
                "questions_for_us": "how do you pick flights before valentines day",
                "availability": "weekdays 11am to 1pm colombia time",
            },
            id="numbers typed without dots, on a phone, one question skipped",
        ),
        pytest.param(
            "3 years in retail, then two in a warehouse.\n\nI would love to learn how planning "
            "works.",
            ("background", "learn_goals"),
            "en",
            {
                "background": "3 years in retail, then two in a warehouse.",
                "learn_goals": "I would love to learn how planning works.",
            },
            id="a lone '3 years' is an answer, not question 3",
        ),
        pytest.param(
            "1.5 years in retail, then a warehouse job.\n\n10:00 on Tuesdays, CET.",
            ("background", "availability"),
            "en",
            {
                "background": "1.5 years in retail, then a warehouse job.",
                "availability": "10:00 on Tuesdays, CET.",
            },
            id="a time or a figure at the start of an answer is no question number",
        ),
    ],
)
def test_answers_as_people_write_them(
    text: str, keys: tuple[str, ...], language: str, expected: dict[str, str]
) -> None:
    assert (
        extract(
            text,
            asked(*keys, language=language),
            ("en", "de"),
            names=("dana", "ruiz", "petra", "kevin", "barbara", "piotr", "kateryna"),
        )
        == expected
    )


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("I am working as a PM in a bank.", 0),
        ("Thursdays after 2 pm.", 2),  # the clock time counts as "pm" and "time"
        ("Any day at 9am works.", 2),
    ],
)
def test_am_and_pm_speak_of_time_only_in_a_clock_time(text: str, when: int) -> None:
    assert hits(text, asked("availability"))["availability"] == when
