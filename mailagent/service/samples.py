"""Every mail kind as it would go on the wire, built from the templates' sample data: for
checking mail quality (tests, ``bench/spam_scores.py``) without a real thread."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import jinja2

from mailagent.compose.environment import render
from mailagent.compose.message import Envelope, build_message
from mailagent.config.settings import Config
from mailagent.core import invites
from mailagent.service.checks import sample_context

# The kinds that carry the meeting's calendar entry, and its method.
INVITES = {
    "confirmation": invites.REQUEST,
    "confirmation_manager": invites.REQUEST,
    "cancelled": invites.CANCEL,
    "cancelled_manager": invites.CANCEL,
}


def sample_mail(
    config: Config,
    env: jinja2.Environment,
    language: str,
    kind: str,
    now: datetime,
    overrides: Mapping[str, Any] | None = None,
) -> tuple[bytes, str]:
    """(the mail's bytes, the text its template rendered) for ``kind`` in ``language``, as an
    answer in a thread (In-Reply-To and References set). ``overrides`` replace sample values
    (a guest's unbroken URL, say)."""
    firm = config.settings.firm
    context = {**sample_context(config, language), **(overrides or {})}
    rendered = render(env, kind, language, context)
    envelope = Envelope(
        message_id=f"0123456789abcdef0123456789abcdef@{firm.message_id_domain}",
        date=now,
        from_name=firm.sender_name,
        from_addr=firm.address,
        reply_to=f"{firm.local_part}+abcdefghijklmnopqrstuvwxyz@{firm.domain}",
        to_name="Dana Ruiz",
        to_addr="dana.ruiz@example.org",
        subject=rendered.subject,
        auto_submitted="auto-replied",
        loop_id=firm.instance_id,
        in_reply_to="CAF7x9Qm2=abc@mail.gmail.com",
        references=("CAF7x9Qm2=abc@mail.gmail.com",),
    )
    method = INVITES.get(kind, "")
    ics = None
    if method:
        meeting = invites.Meeting(
            uid=f"0123456789abcdef01234567@{firm.message_id_domain}",
            sequence=1,
            start=now + timedelta(days=2),
            minutes=config.settings.meetings.minutes,
            summary=f"Informational interview: Dana Ruiz and Sam Lee ({firm.name})",
            description=f"An informational interview at {firm.name} (not a job interview).",
            organizer_name=firm.sender_name,
            organizer_email=firm.address,
            attendees=(("Dana Ruiz", "dana.ruiz@example.org"), ("Sam Lee", "sam.lee@firm.example")),
        )
        ics = invites.invite(meeting, method, now)
    return build_message(envelope, rendered.text, rendered.html, ics, method), rendered.text
