"""Managers' replies to a brief, as real mail clients send them, read end to end.

Each row is a whole plain-text body: the manager's words on top, then what the client adds
(signature, "Sent from my iPhone", an attribution line or an Outlook header block) and the brief
quoted below. As in production (``meeting_mail._from_other``), the body is split with
:func:`mailagent.answers.split_reply` in the thread's languages and the new text is read with
:func:`mailagent.manager_replies.read_reply` in the manager's zone.

The brief went out on Tuesday 1 December 2026, 09:30 Berlin time, and the reply is dated the same
minute, so "Thursday" is 3 December, "Tue" is next Tuesday (8 December) and "tomorrow" is
2 December. Expected slots are wall-clock times in the manager's zone, in the order written (the
guest is offered them in that order). Expectations are what a person reading the mail would
understand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from mailagent.core import manager_replies as mr
from mailagent.core.answers import split_reply
from mailagent.core.slot_choice import NONE_FITS, pick_slot

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
EN = ("en",)
DE = ("de", "en")  # what questions.languages_for("de") gives a German thread
SENT = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo(BERLIN))
FIRM = "Example Firm informational interviews <interviews+k7q2m9@firm.example>"
FIRM_DE = "Example Firm Informationsgespräche <interviews+k7q2m9@firm.example>"
MANAGER = "Sam Lee <sam.lee@firm.example>"
SUBJECT = "Informational interview: Dana Ruiz, Data Engineering"
SUBJECT_DE = "Informationsgespräch: Dana Ruiz, Data Engineering"

BRIEF_EN = """\
Hello Sam,

Dana Ruiz (dana.ruiz@example.org) would like a 30-minute informational interview about Data
Engineering. She has five years as a data analyst at a logistics company and would like to hear
how the platform team is organised and what a first year looks like.

Reply to this mail from your own mail client:
- a time, e.g. "Thursday 3pm": we send the calendar invitation
- several times, e.g. "Tue 10:00 or Wed 14:30": Dana picks one
- "decline" with a reason, or "delegate colleague@firm.example"
- "note: ..." for the file, "guest: ..." to send Dana your own words

Thank you,
Example Firm informational interviews"""

BRIEF_DE = """\
Hallo Sam,

Dana Ruiz (dana.ruiz@example.org) bittet um ein 30-minütiges Informationsgespräch zum Thema Data
Engineering. Sie war fünf Jahre Datenanalystin bei einem Logistikunternehmen und möchte wissen,
wie das Plattform-Team arbeitet und wie das erste Jahr aussieht.

Antworten Sie einfach aus Ihrem Mailprogramm:
- eine Zeit, z. B. "Do 15 Uhr": wir senden die Kalendereinladung
- mehrere Zeiten, z. B. "Di 10:00 oder Mi 14:30": Dana wählt eine aus
- "ablehnen" mit Grund oder "weiterleiten an kollegin@firm.example"
- "notiz: ..." für die Akte, "gast: ..." für eine Nachricht an Dana

Vielen Dank
Example Firm Informationsgespräche"""


def _quoted(brief: str) -> str:
    """The brief as mail clients quote it: "> " per line, a bare ">" for blank lines."""
    return "\n".join(f"> {line}" if line else ">" for line in brief.splitlines())


def outlook_desktop(own: str, brief: str = BRIEF_EN) -> str:
    """Outlook for Windows (English): reply on top, a header block, the original unquoted."""
    return (
        f"{own}\n\n"
        f"From: {FIRM}\n"
        "Sent: Tuesday, December 1, 2026 9:30 AM\n"
        f"To: {MANAGER}\n"
        f"Subject: {SUBJECT}\n\n"
        f"{brief}\n"
    )


def outlook_desktop_separator(own: str, brief: str = BRIEF_EN) -> str:
    """Outlook for Windows with the rule rendered as underscores (HTML reply sent as text)."""
    return f"{own}\n\n{'_' * 32}\n" + outlook_desktop("", brief).lstrip("\n")


def outlook_original_message(own: str, brief: str = BRIEF_EN) -> str:
    """Older Outlook: "-----Original Message-----" above the header block."""
    return f"{own}\n\n-----Original Message-----\n" + outlook_desktop("", brief).lstrip("\n")


def outlook_web(own: str, brief: str = BRIEF_EN) -> str:
    """Outlook on the web: a line of underscores, then From/Sent/To/Subject."""
    return (
        f"{own}\n\n"
        f"{'_' * 32}\n"
        f"From: {FIRM}\n"
        "Sent: Tuesday, December 1, 2026 09:30\n"
        f"To: {MANAGER}\n"
        f"Subject: {SUBJECT}\n\n"
        f"{brief}\n"
    )


def outlook_de(own: str, brief: str = BRIEF_DE) -> str:
    """German Outlook for Windows: Von/Gesendet/An/Betreff."""
    return (
        f"{own}\n\n"
        f"Von: {FIRM_DE}\n"
        "Gesendet: Dienstag, 1. Dezember 2026 09:30\n"
        f"An: {MANAGER}\n"
        f"Betreff: {SUBJECT_DE if brief == BRIEF_DE else SUBJECT}\n\n"
        f"{brief}\n"
    )


def android_outlook(own: str, brief: str = BRIEF_EN) -> str:
    """Outlook for Android: its signature, a rule, then the header block."""
    return (
        f"{own}\n\n"
        "Sent from Outlook for Android<https://aka.ms/AAb9ysg>\n"
        f"{'_' * 32}\n"
        f"From: {FIRM}\n"
        "Sent: Tuesday, December 1, 2026 9:30:00 AM\n"
        f"To: {MANAGER}\n"
        f"Subject: {SUBJECT}\n\n"
        f"{brief}\n"
    )


def gmail(own: str, brief: str = BRIEF_EN) -> str:
    """Gmail: the attribution line, wrapped where Gmail wraps it, then "> " quotes."""
    return (
        f"{own}\n\n"
        "On Tue, 1 Dec 2026 at 09:30, Example Firm informational interviews <\n"
        "interviews+k7q2m9@firm.example> wrote:\n\n"
        f"{_quoted(brief)}\n"
    )


def gmail_de(own: str, brief: str = BRIEF_DE) -> str:
    """Gmail in German."""
    return (
        f"{own}\n\n"
        "Am Di., 1. Dez. 2026 um 09:30 Uhr schrieb Example Firm Informationsgespräche <\n"
        "interviews+k7q2m9@firm.example>:\n\n"
        f"{_quoted(brief)}\n"
    )


def apple_mail(own: str, brief: str = BRIEF_EN) -> str:
    """Apple Mail (macOS): the attribution line is quoted too."""
    return f"{own}\n\n> On 1 Dec 2026, at 09:30, {FIRM} wrote:\n> \n{_quoted(brief)}\n"


def iphone(own: str, brief: str = BRIEF_EN) -> str:
    """iOS Mail, English."""
    return f"{own}\n\nSent from my iPhone\n\n> On 1 Dec 2026, at 09:30, {FIRM} wrote:\n> \n" + (
        f"{_quoted(brief)}\n"
    )


def iphone_de(own: str, brief: str = BRIEF_DE) -> str:
    """iOS Mail, German."""
    return (
        f"{own}\n\nVon meinem iPhone gesendet\n\n"
        f"> Am 01.12.2026 um 09:30 schrieb {FIRM_DE}:\n> \n"
        f"{_quoted(brief)}\n"
    )


def thunderbird_de(own: str, brief: str = BRIEF_DE) -> str:
    """Thunderbird, German."""
    return f"{own}\n\nAm 01.12.26 um 09:30 schrieb Example Firm:\n{_quoted(brief)}\n"


@dataclass(frozen=True)
class Case:
    body: str
    command: str
    slots: tuple[str, ...] = ()  # "YYYY-MM-DD HH:MM" in the manager's zone, in order
    to: str = ""  # the delegate's address
    says: str = ""  # words the reason, note or relayed text must contain
    zone: str = BERLIN
    languages: tuple[str, ...] = EN


# What a client leaves in the text if the split misses it; none of it may reach a guest or file.
DEBRIS = ("Sent from", "gesendet", "wrote:", "schrieb", "From:", "Von:", "Original Message", "> ")

THU_15 = ("2026-12-03 15:00",)
SIGNATURE = """\
Sam Lee
Head of Data Engineering | Example Firm GmbH
Friedrichstraße 10, 10117 Berlin | +49 30 1234 5678 | sam.lee@firm.example"""
TUE_WED = ("2026-12-08 10:00", "2026-12-02 14:30")
JO = "jo.berger@firm.example"

CASES: list[pytest.ParameterSet] = [
    # --- one time: accept ------------------------------------------------------------------
    pytest.param(
        Case(outlook_desktop(f"Thursday 3pm works.\n\n{SIGNATURE}"), mr.ACCEPT, THU_15),
        id="outlook-thursday-3pm-works",
    ),
    pytest.param(
        Case(gmail("Thu 3 pm is fine"), mr.ACCEPT, THU_15),
        id="gmail-thu-3-pm-is-fine",
    ),
    pytest.param(
        Case(outlook_de("Do 3.12. 15:00\n\nViele Grüße\nSam"), mr.ACCEPT, THU_15, languages=DE),
        id="outlook-de-do-3-12-15-00",
    ),
    pytest.param(
        Case(
            thunderbird_de("Donnerstag um 15 Uhr passt.\n\nGruß\nSam"),
            mr.ACCEPT,
            THU_15,
            languages=DE,
        ),
        id="thunderbird-de-donnerstag-um-15-uhr-passt",
    ),
    pytest.param(
        Case(apple_mail("2026-12-03 15:00 CET"), mr.ACCEPT, THU_15),
        id="apple-iso-date-cet",
    ),
    pytest.param(
        Case(outlook_web("Dec 3 at 3:30pm"), mr.ACCEPT, ("2026-12-03 15:30",)),
        id="outlook-web-dec-3-at-3-30pm",
    ),
    pytest.param(
        Case(iphone("tomorrow at 11:00"), mr.ACCEPT, ("2026-12-02 11:00",)),
        id="iphone-tomorrow-at-11-00",
    ),
    pytest.param(
        Case(android_outlook("3 December, 10:00 works for me"), mr.ACCEPT, ("2026-12-03 10:00",)),
        id="android-outlook-3-december-10-00",
    ),
    pytest.param(
        Case(gmail("Thursday at 15.00 is good for me."), mr.ACCEPT, THU_15),
        id="gmail-thursday-at-15-00",
    ),
    pytest.param(
        Case(outlook_web("No problem - Thursday 3pm works for me."), mr.ACCEPT, THU_15),
        id="outlook-web-no-problem-then-a-time",
    ),
    pytest.param(
        Case(
            outlook_original_message("Wednesday 2 December at 4pm would be good.\n\nSam"),
            mr.ACCEPT,
            ("2026-12-02 16:00",),
        ),
        id="outlook-original-message-weekday-and-date",
    ),
    pytest.param(
        Case(
            gmail(
                "Hi Example Firm team,\n\nhappy to talk to her. Friday at noon is good.\n\n"
                "Cheers,\nSam"
            ),
            mr.ACCEPT,
            ("2026-12-04 12:00",),
        ),
        id="gmail-greeting-friday-at-noon",
    ),
    pytest.param(
        Case(
            gmail_de(
                "Hallo zusammen,\n\nMittwoch, 2. Dezember um 14:30 Uhr passt mir gut.\n\n"
                "Viele Grüße\nSam"
            ),
            mr.ACCEPT,
            ("2026-12-02 14:30",),
            languages=DE,
        ),
        id="gmail-de-mittwoch-2-dezember-um-14-30-uhr",
    ),
    pytest.param(
        Case(iphone_de("Ja, Do 15 Uhr geht."), mr.ACCEPT, THU_15, languages=DE),
        id="iphone-de-ja-do-15-uhr-geht",
    ),
    pytest.param(
        # A Berlin manager with German Outlook answering an English thread.
        Case(outlook_de("Thursday 3pm works.\n\nSam", BRIEF_EN), mr.ACCEPT, THU_15),
        id="outlook-de-client-english-thread",
    ),
    pytest.param(
        Case(thunderbird_de("Thursday 3pm works.", BRIEF_EN), mr.ACCEPT, THU_15),
        id="thunderbird-de-client-english-thread",
    ),
    pytest.param(
        Case(gmail("12/3 10am"), mr.ACCEPT, ("2026-12-03 10:00",), zone=NEW_YORK),
        id="new-york-gmail-12-3-10am",
    ),
    pytest.param(
        Case(
            outlook_web("Thursday 4pm CET works for me"),
            mr.ACCEPT,
            ("2026-12-03 10:00",),
            zone=NEW_YORK,
        ),
        id="new-york-outlook-web-time-in-cet",
    ),
    pytest.param(
        Case(
            apple_mail("How about Wednesday at 9:30am?"),
            mr.ACCEPT,
            ("2026-12-02 09:30",),
            zone=NEW_YORK,
        ),
        id="new-york-apple-how-about-wednesday",
    ),
    pytest.param(
        Case(gmail("Thu, Dec 3, 3:00 PM works"), mr.ACCEPT, THU_15),
        id="gmail-us-style-date-and-time",
    ),
    pytest.param(
        Case(outlook_de("Donnerstag, 03.12.2026, 15:00 Uhr"), mr.ACCEPT, THU_15, languages=DE),
        id="outlook-de-full-date-15-00-uhr",
    ),
    pytest.param(
        Case(iphone("3pm on Thursday works"), mr.ACCEPT, THU_15),
        id="iphone-time-before-day",
    ),
    # A time in a negative clause is no offer; the positive one next to it is.
    pytest.param(
        Case(gmail("I can do Thursday 3pm but not Friday."), mr.ACCEPT, THU_15),
        id="gmail-yes-thursday-but-not-friday",
    ),
    pytest.param(
        Case(
            outlook_web("Unfortunately I can't do Wednesday, but Tue 8 Dec 10:00 would work."),
            mr.ACCEPT,
            ("2026-12-08 10:00",),
        ),
        id="outlook-web-not-wednesday-but-tuesday",
    ),
    pytest.param(
        Case(
            outlook_de("Leider nicht am Mittwoch, aber Donnerstag 15 Uhr geht."),
            mr.ACCEPT,
            THU_15,
            languages=DE,
        ),
        id="outlook-de-nicht-mittwoch-aber-donnerstag",
    ),
    pytest.param(
        Case(
            apple_mail("Thursday 3pm doesn't work for me, how about Friday 10am?"),
            mr.ACCEPT,
            ("2026-12-04 10:00",),
        ),
        id="apple-counter-offer-after-a-comma",
    ),
    # --- several times: the guest picks ----------------------------------------------------
    pytest.param(
        Case(gmail("Tue 10:00 or Wed 14:30"), mr.PROPOSE, TUE_WED),
        id="gmail-tue-10-00-or-wed-14-30",
    ),
    pytest.param(
        Case(
            outlook_desktop(
                "Happy to meet her. Either of these works:\n- Tue 10:00\n- Wed 14:30\n\nSam"
            ),
            mr.PROPOSE,
            TUE_WED,
        ),
        id="outlook-hyphen-bullets",
    ),
    pytest.param(
        Case(outlook_de("Di 10 Uhr oder Mi 14:30"), mr.PROPOSE, TUE_WED, languages=DE),
        id="outlook-de-di-10-uhr-oder-mi-14-30",
    ),
    pytest.param(
        Case(
            apple_mail("Two options:\n• Thursday 3 December, 10:00\n• Friday 4 December, 16:00"),
            mr.PROPOSE,
            ("2026-12-03 10:00", "2026-12-04 16:00"),
        ),
        id="apple-bullet-points-with-dates",
    ),
    pytest.param(
        Case(
            thunderbird_de("Ich kann Mo 7.12. 9:00 oder Di 8.12. 16:30."),
            mr.PROPOSE,
            ("2026-12-07 09:00", "2026-12-08 16:30"),
            languages=DE,
        ),
        id="thunderbird-de-mo-7-12-oder-di-8-12",
    ),
    pytest.param(
        Case(
            gmail("Thursday or Friday at 3pm"), mr.PROPOSE, ("2026-12-03 15:00", "2026-12-04 15:00")
        ),
        id="gmail-two-days-one-time",
    ),
    pytest.param(
        Case(
            gmail("Wed 9am or Thu 2pm work for me"),
            mr.PROPOSE,
            ("2026-12-02 09:00", "2026-12-03 14:00"),
            zone=NEW_YORK,
        ),
        id="new-york-gmail-wed-9am-or-thu-2pm",
    ),
    # --- decline ---------------------------------------------------------------------------
    pytest.param(
        Case(outlook_desktop("decline\n\nSam Lee\nHead of Data Engineering"), mr.DECLINE),
        id="outlook-decline",
    ),
    pytest.param(
        Case(gmail("Decline - travelling"), mr.DECLINE, says="travelling"),
        id="gmail-decline-travelling",
    ),
    pytest.param(
        Case(
            apple_mail("Sorry, I can't make it this month."),
            mr.DECLINE,
            says="can't make it this month",
        ),
        id="apple-sorry-cant-make-it",
    ),
    pytest.param(
        Case(
            outlook_de("Leider keine Zeit.\n\nViele Grüße\nSam"),
            mr.DECLINE,
            says="keine Zeit",
            languages=DE,
        ),
        id="outlook-de-leider-keine-zeit",
    ),
    pytest.param(
        Case(
            thunderbird_de("Ablehnen: bin im Urlaub"),
            mr.DECLINE,
            says="bin im Urlaub",
            languages=DE,
        ),
        id="thunderbird-de-ablehnen-urlaub",
    ),
    pytest.param(
        Case(
            iphone("No, sorry - I'm travelling all of December."),
            mr.DECLINE,
            says="travelling all of December",
        ),
        id="iphone-no-sorry-travelling",
    ),
    pytest.param(
        Case(
            outlook_web(
                "I can't do Thursday 3pm, and the rest of the month is packed. "
                "Please ask someone else."
            ),
            mr.DECLINE,
            says="rest of the month",
        ),
        id="outlook-web-a-time-in-a-negative-sentence",
    ),
    pytest.param(
        Case(
            gmail_de("Muss leider absagen, bin die nächsten Wochen auf Dienstreise."),
            mr.DECLINE,
            says="Dienstreise",
            languages=DE,
        ),
        id="gmail-de-muss-leider-absagen",
    ),
    pytest.param(
        Case(
            gmail("Hi,\n\nDecline - travelling until January.\n\nBest,\nSam"),
            mr.DECLINE,
            says="travelling until January",
        ),
        id="gmail-greeting-then-decline",
    ),
    pytest.param(
        Case(
            outlook_de("Hallo,\n\nnotiz: sehr gut vorbereitet\n\nViele Grüße\nSam"),
            mr.NOTE,
            says="sehr gut vorbereitet",
            languages=DE,
        ),
        id="outlook-de-greeting-then-notiz",
    ),
    # --- delegate --------------------------------------------------------------------------
    pytest.param(
        Case(outlook_web(f"delegate {JO}"), mr.DELEGATE, to=JO),
        id="outlook-web-delegate-address",
    ),
    pytest.param(
        Case(gmail(f"Could you ask {JO}? She knows more about this."), mr.DELEGATE, to=JO),
        id="gmail-could-you-ask",
    ),
    pytest.param(
        Case(
            outlook_de(f"Weiterleiten an {JO} - sie kennt das Team besser."),
            mr.DELEGATE,
            to=JO,
            languages=DE,
        ),
        id="outlook-de-weiterleiten-an",
    ),
    pytest.param(
        # Outlook's plain text keeps the link target after a linked address.
        Case(
            outlook_desktop(
                f"Please forward this to Jo Berger ({JO}<mailto:{JO}>), she runs "
                "that team now.\n\nSam"
            ),
            mr.DELEGATE,
            to=JO,
        ),
        id="outlook-please-forward-mailto",
    ),
    # --- note and guest relay --------------------------------------------------------------
    pytest.param(
        Case(gmail("note: great profile"), mr.NOTE, says="great profile"),
        id="gmail-note",
    ),
    pytest.param(
        Case(
            outlook_de("Notiz: starkes Profil, im Januar nochmal ansprechen.\n\nViele Grüße\nSam"),
            mr.NOTE,
            says="starkes Profil, im Januar nochmal ansprechen.",
            languages=DE,
        ),
        id="outlook-de-notiz",
    ),
    pytest.param(
        Case(
            android_outlook("Note: strong candidate for the Q1 data roles"),
            mr.NOTE,
            says="strong candidate for the Q1 data roles",
        ),
        id="android-outlook-note",
    ),
    pytest.param(
        Case(android_outlook("guest: see you on Thursday!"), mr.RELAY, says="see you on Thursday!"),
        id="android-outlook-guest-relay",
    ),
    pytest.param(
        Case(
            outlook_web("guest: please bring your questions"),
            mr.RELAY,
            says="please bring your questions",
        ),
        id="outlook-web-guest-relay",
    ),
    pytest.param(
        Case(
            gmail(
                "Guest: Looking forward to it! Please bring a few questions about\n"
                "the team's stack.\n\nBest,\nSam"
            ),
            mr.RELAY,
            says="Please bring a few questions about\nthe team's stack.",
        ),
        id="gmail-guest-relay-two-lines",
    ),
    pytest.param(
        Case(
            iphone_de("Gast: Bitte bringen Sie Ihren Lebenslauf mit."),
            mr.RELAY,
            says="Bitte bringen Sie Ihren Lebenslauf mit.",
            languages=DE,
        ),
        id="iphone-de-gast-relay",
    ),
    # --- cancel ----------------------------------------------------------------------------
    pytest.param(
        Case(outlook_desktop_separator("cancel"), mr.CANCEL),
        id="outlook-separator-cancel",
    ),
    pytest.param(
        Case(outlook_de("Absagen, bin krank"), mr.CANCEL, says="bin krank", languages=DE),
        id="outlook-de-absagen-krank",
    ),
    pytest.param(
        Case(
            iphone("Cancel - something came up, sorry. I'll reach out to reschedule."),
            mr.CANCEL,
            says="something came up",
        ),
        id="iphone-cancel-with-reason",
    ),
    # --- unclear: asked once, never guessed ------------------------------------------------
    pytest.param(
        Case(gmail("Let me check my calendar and get back to you"), mr.UNCLEAR),
        id="gmail-let-me-check",
    ),
    pytest.param(
        Case(iphone("Thanks!"), mr.UNCLEAR),
        id="iphone-thanks",
    ),
    pytest.param(
        Case(gmail(""), mr.UNCLEAR),
        id="gmail-empty-reply",
    ),
    pytest.param(
        Case(outlook_desktop(""), mr.UNCLEAR),
        id="outlook-empty-reply",
    ),
    pytest.param(
        Case(apple_mail("Thursday works"), mr.UNCLEAR),
        id="apple-a-day-without-a-time",
    ),
]


def _local(slots: tuple[datetime, ...], zone: str) -> tuple[str, ...]:
    return tuple(s.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") for s in slots)


@pytest.mark.parametrize("case", CASES)
def test_manager_reply(case: Case) -> None:
    own, _ = split_reply(case.body, case.languages)
    reply = mr.read_reply(own, case.zone, SENT)
    assert (reply.command, _local(reply.slots, case.zone)) == (case.command, case.slots)
    assert reply.delegate_to == case.to
    assert case.says in reply.text
    if case.command in (mr.DECLINE, mr.CANCEL, mr.NOTE, mr.RELAY):
        assert not [d for d in DEBRIS if d.lower() in reply.text.lower()], reply.text


# How each client shows in a body: its signature, attribution line or header block.
CLIENT_MARKS = {
    "outlook desktop": "\nSent: Tuesday, December 1, 2026 9:30 AM\n",
    "outlook original message": "-----Original Message-----\nFrom: ",
    "outlook web": "_" * 32 + "\nFrom: ",
    "outlook german": "\nGesendet: Dienstag, 1. Dezember 2026 09:30\n",
    "outlook android": "Sent from Outlook for Android",
    "gmail": "interviews+k7q2m9@firm.example> wrote:\n\n> ",
    "gmail german": "Uhr schrieb Example Firm",
    "apple mail": "\n> On 1 Dec 2026, at 09:30, Example Firm",
    "iphone": "Sent from my iPhone",
    "iphone german": "Von meinem iPhone gesendet",
    "thunderbird german": "Am 01.12.26 um 09:30 schrieb Example Firm:",
}


def test_the_table_covers_every_command_and_client() -> None:
    cases = [c for p in CASES for c in p.values if isinstance(c, Case)]
    assert len(cases) == len(CASES) >= 34
    assert {name for name, mark in CLIENT_MARKS.items() if any(mark in c.body for c in cases)} == (
        set(CLIENT_MARKS)
    )
    assert {c.command for c in cases} == {
        mr.ACCEPT,
        mr.PROPOSE,
        mr.DECLINE,
        mr.DELEGATE,
        mr.CANCEL,
        mr.NOTE,
        mr.RELAY,
        mr.UNCLEAR,
    }
    assert sum(c.zone == NEW_YORK for c in cases) >= 2


# --- the guest picks one of the offered times ------------------------------------------------

OFFERED = (
    datetime(2026, 12, 8, 10, 0, tzinfo=ZoneInfo(BERLIN)),  # 1: Tuesday
    datetime(2026, 12, 2, 14, 30, tzinfo=ZoneInfo(BERLIN)),  # 2: Wednesday
)
GUEST_SENT = datetime(2026, 12, 1, 12, 0, tzinfo=ZoneInfo(BERLIN))
OFFER_EN = """\
Hello Dana,

Sam Lee can meet you at one of these times:

1. Tuesday, 8 December 2026, 10:00–10:30 (CET, Europe/Berlin)
2. Wednesday, 2 December 2026, 14:30–15:00 (CET, Europe/Berlin)

Reply with the number of the time that suits you, or tell us if none does.

Example Firm informational interviews"""
OFFER_DE = """\
Hallo Dana,

Sam Lee hat zu einer dieser Zeiten Zeit für Sie:

1. Dienstag, 8. Dezember 2026, 10:00–10:30 (CET, Europe/Berlin)
2. Mittwoch, 2. Dezember 2026, 14:30–15:00 (CET, Europe/Berlin)

Antworten Sie mit der Nummer der passenden Zeit, oder schreiben Sie uns, wenn keine passt.

Example Firm Informationsgespräche"""


@pytest.mark.parametrize(
    ("body", "languages", "expected"),
    [
        pytest.param(gmail("2", OFFER_EN), EN, 1, id="gmail-2"),
        pytest.param(iphone("Option 2 please", OFFER_EN), EN, 1, id="iphone-option-2-please"),
        pytest.param(gmail("The Wednesday one, please.", OFFER_EN), EN, 1, id="the-wednesday-one"),
        pytest.param(iphone_de("Mittwoch passt", OFFER_DE), DE, 1, id="iphone-de-mittwoch-passt"),
        pytest.param(apple_mail("The first, thanks!", OFFER_EN), EN, 0, id="apple-the-first"),
        pytest.param(gmail("Wed 14:30 is great", OFFER_EN), EN, 1, id="wed-14-30-is-great"),
        pytest.param(
            gmail("Tuesday 10:00 works for me, thanks!", OFFER_EN), EN, 0, id="tuesday-10-00"
        ),
        pytest.param(gmail_de("Den Dienstag bitte.", OFFER_DE), DE, 0, id="gmail-de-dienstag"),
        pytest.param(
            apple_mail("The second one, please.", OFFER_EN), EN, 1, id="apple-the-second-one"
        ),
        pytest.param(
            gmail("None of these work for me", OFFER_EN), EN, NONE_FITS, id="none-of-these"
        ),
        pytest.param(
            gmail_de("Keiner der Termine passt", OFFER_DE), DE, NONE_FITS, id="keiner-der-termine"
        ),
        pytest.param(
            iphone("Neither works, sorry - could we do next week?", OFFER_EN),
            EN,
            NONE_FITS,
            id="iphone-neither-works",
        ),
        pytest.param(iphone("hmm not sure", OFFER_EN), EN, None, id="iphone-hmm-not-sure"),
        # An empty reply above the quote: nothing was picked.
        pytest.param(gmail("", OFFER_EN), EN, None, id="gmail-empty-reply"),
        pytest.param(
            gmail("Thanks so much! Number 2 works for me.", OFFER_EN),
            EN,
            1,
            id="thanks-then-number-2",
        ),
        pytest.param(
            gmail_de("Mittwoch passt mir leider nicht, Dienstag geht.", OFFER_DE),
            DE,
            0,
            id="gmail-de-nicht-mittwoch-aber-dienstag",
        ),
    ],
)
def test_pick_slot(body: str, languages: tuple[str, ...], expected: int | None) -> None:
    own, _ = split_reply(body, languages)
    assert pick_slot(own, OFFERED, BERLIN, GUEST_SENT) == expected


# --- the manager's debrief and the guest's consent to be kept in touch -----------------------


@pytest.mark.parametrize(
    ("text", "keep"),
    [
        ("Yes - keep in touch. Strong analyst, would fit the platform team.", True),
        ("Great conversation, let's keep in touch with her.", True),
        ("Ja, gerne. Sehr motiviert, solide SQL-Kenntnisse.", True),
        ("No need to keep in touch; not a fit right now.", False),
        ("Not really, she wants to move into sales.", False),
        ("Nein. Zu früh für eine Bewerbung.", False),
        ("Bitte nicht in Kontakt bleiben, sie sucht etwas anderes.", False),
        ("She asked good questions about on-call.", None),
        ("", None),
    ],
)
def test_read_debrief(text: str, keep: bool | None) -> None:
    assert mr.read_debrief(text) == (keep, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Yes, please keep in touch!", True),
        ("Thank you for arranging this. Happy to stay in touch.", True),
        ("Vielen Dank! Gerne in Kontakt bleiben.", True),
        ("No need to keep in touch, thanks.", False),
        ("I'd rather not stay in touch, but thank you.", False),
        ("Bitte nicht in Kontakt bleiben.", False),
        ("Thank you, it was very helpful.", False),
    ],
)
def test_wants_contact(text: str, expected: bool) -> None:
    assert mr.wants_contact(text) is expected
