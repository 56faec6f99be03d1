"""Every mail kind in every language, rendered from the sample data and built as it goes on the
wire, has the properties a careful sender's mail has: headers, alternatives in order, text that
phones can reflow (format=flowed, no line over 78), nothing lost by the wrapping, and a calendar
invite every client can read. (Salutation capitals: test_salutations.py.)"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import cast

import pytest
from icalendar import Calendar

from mailagent.compose.environment import make_environment
from mailagent.compose.flowed import from_flowed, to_flowed
from mailagent.config.loading import load_config
from mailagent.config.settings import Config
from mailagent.service.checks import template_files
from mailagent.service.samples import INVITES, sample_mail

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def config() -> Config:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(REPO)
        return load_config(Path("config/mailagent.toml"))


def kinds() -> list[tuple[str, str]]:
    return sorted(template_files(make_environment(REPO / "templates")))


def built(config: Config, language: str, kind: str) -> tuple[EmailMessage, str]:
    """The mail on the wire, parsed back, and the text the template rendered."""
    raw, text = sample_mail(config, make_environment(REPO / "templates"), language, kind, NOW)
    return cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default)), text


@pytest.mark.parametrize(("language", "kind"), kinds())
def test_every_mail_kind_is_mail_people_trust(config: Config, language: str, kind: str) -> None:
    mail, rendered = built(config, language, kind)

    for name in ("Date", "Message-ID", "From", "To", "Subject", "In-Reply-To", "References"):
        assert mail[name], f"{name} missing"
    assert mail["List-Unsubscribe"] is None  # one-to-one mail, not a list
    alternative = next(p for p in mail.walk() if p.get_content_type() == "multipart/alternative")
    parts = [p.get_content_type() for p in alternative.iter_parts()]
    assert parts[:2] == ["text/plain", "text/html"]

    [plain] = [p for p in mail.walk() if p.get_content_type() == "text/plain"]
    assert plain.get_param("format") == "flowed"
    text = str(plain.get_content())
    too_long = [line for line in text.splitlines() if len(line) > 78]
    assert too_long == []
    # A flowed reader shows exactly what the template wrote (trailing blanks aside).
    written = "\n".join(line.rstrip() for line in rendered.split("\n"))
    assert from_flowed(text).rstrip("\n") == written.rstrip("\n")


@pytest.mark.parametrize(("language", "kind"), [k for k in kinds() if k[1] in INVITES])
def test_every_invite_reads_back_with_what_calendars_need(
    config: Config, language: str, kind: str
) -> None:
    mail, _ = built(config, language, kind)

    found = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert found and found[0].get_param("method") == INVITES[kind]
    calendar = Calendar.from_ical(found[0].get_payload(decode=True))
    assert calendar["METHOD"] == INVITES[kind]
    [event] = calendar.walk("VEVENT")
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "ORGANIZER", "ATTENDEE", "SEQUENCE"):
        assert name in event, name
    for name in ("DTSTART", "DTEND"):
        value = event.decoded(name)
        assert value.tzinfo is not None, f"{name} floating (neither UTC nor TZID)"


@pytest.mark.parametrize(
    ("line", "flowed", "shown"),
    [
        ("Short line.", "Short line.", "Short line."),
        ("trailing blanks   ", "trailing blanks", "trailing blanks"),  # else a soft break
        (">not a quote", " >not a quote", ">not a quote"),  # space-stuffed (RFC 3676 4.4)
        ("From here on", " From here on", "From here on"),
        ("-- ", "-- ", "-- "),  # the signature separator keeps its space
    ],
)
def test_flowed_lines(line: str, flowed: str, shown: str) -> None:
    assert to_flowed(line) == flowed
    assert from_flowed(flowed) == shown


def test_a_long_paragraph_is_wrapped_with_soft_breaks_and_a_long_word_stays_whole() -> None:
    url = "https://www.example.org/" + "x" * 90
    paragraph = "Please read " + url + " before we talk, and bring the questions you care about."
    out = to_flowed(paragraph).split("\n")
    assert f"{url} " in out  # never broken inside, even past the width
    assert all(line.endswith(" ") for line in out[:-1]) and not out[-1].endswith(" ")
    assert all(len(line) <= 73 for line in out if url not in line)
    assert from_flowed("\n".join(out)) == paragraph
