"""Shared by the ingest, latency and memory benchmarks: realistic first mails from many guests,
and the servers of tests/integration/servers.py started and stopped as a pair.

Not a benchmark itself; the scripts next to it import it (``bench/`` is their ``sys.path[0]``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "integration"))

from harness import guest_mail  # noqa: E402
from servers import Dovecot, SmtpServer  # noqa: E402

FIELDS = (
    "logistics",
    "supply chain planning",
    "procurement",
    "data analysis",
    "project management",
    "warehouse operations",
    "customs and trade compliance",
    "fleet management",
)
FIRST = ("Dana", "Ravi", "Mei", "Jonas", "Amara", "Luis", "Sofia", "Tomasz", "Noor", "Kenji")
LAST = ("Ruiz", "Patel", "Chen", "Weber", "Okafor", "Garcia", "Rossi", "Nowak", "Haddad", "Sato")


def sender(i: int, tag: str = "") -> tuple[str, str]:
    """``(display form, address)`` of guest ``i``; ``tag`` keeps runs in one process apart."""
    name = f"{FIRST[i % len(FIRST)]} {LAST[(i // len(FIRST)) % len(LAST)]}"
    address = f"guest{i}{tag}@example.org"
    return f"{name} <{address}>", address


def request(i: int, tag: str = "") -> bytes:
    """Guest ``i``'s first mail: one short, plainly phrased interview request."""
    field = FIELDS[i % len(FIELDS)]
    display, _ = sender(i, tag)
    return guest_mail(
        sender=display,
        subject=f"Informational interview about {field}?",
        body=(
            f"Hello, I'm changing careers into {field} and would love a 20 minute "
            "informational interview with one of your managers.\n\nBest regards\n"
            + display.split(" <")[0]
        ),
        message_id=f"<req-{i}{tag}@mail.example.org>",
    )


def requests(n: int, tag: str = "") -> list[bytes]:
    return [request(i, tag) for i in range(n)]


def addresses(n: int, tag: str = "") -> set[str]:
    return {sender(i, tag)[1] for i in range(n)}


@contextmanager
def mail_servers(
    dovecot: Dovecot | None = None, smtp: SmtpServer | None = None
) -> Iterator[tuple[Dovecot, SmtpServer]]:
    """A private Dovecot and an aiosmtpd sink, running for the block (subclasses may be given)."""
    dovecot = dovecot or Dovecot()
    smtp = smtp or SmtpServer()
    dovecot.start()
    try:
        smtp.start()
        try:
            yield dovecot, smtp
        finally:
            smtp.stop()
    finally:
        dovecot.stop()
