"""Write, as a person's mail client would, a reply to the newest mail mailagent sent to ADDRESS
(found in the Maildir outbox), and print it: to mailagent's Reply-To, citing its Message-ID,
with the quoted original below and the Return-Path a delivering server adds.

    python3 examples/reply.py ADDRESS "TEXT" > reply.eml && .venv/bin/mailagent inject reply.eml

TEXT may hold several lines. Only the standard library is used.
"""

from __future__ import annotations

import email
import email.policy
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from pathlib import Path

OUTBOX = Path("var/mail/outbox")


def newest_to(address: str) -> EmailMessage:
    found = []
    for path in [*OUTBOX.glob("new/*"), *OUTBOX.glob("cur/*")]:
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if mail["To"] and mail["To"].addresses[0].addr_spec.lower() == address.lower():
            found.append((parsedate_to_datetime(mail["Date"]), path.name, mail))
    if not found:
        raise SystemExit(f"no mail to {address} in {OUTBOX}")
    return max(found, key=lambda f: (f[0], f[1]))[2]


def reply(ours: EmailMessage, text: str) -> bytes:
    answer = EmailMessage()
    sender = ours["To"].addresses[0]
    answer["Return-Path"] = f"<{sender.addr_spec}>"
    answer["From"] = str(ours["To"])
    answer["To"] = str(ours["Reply-To"])
    answer["Subject"] = f"Re: {ours['Subject']}"
    answer["Date"] = format_datetime(datetime.now(UTC))
    answer["Message-ID"] = make_msgid(domain=sender.domain)
    answer["In-Reply-To"] = str(ours["Message-ID"])
    answer["References"] = f"{ours['References'] or ''} {ours['Message-ID']}".strip()
    body = ours.get_body(("plain",))
    original = str(body.get_content()) if body is not None else ""
    quoted = "\n".join(f"> {line}" for line in original.splitlines())
    answer.set_content(f"{text}\n\nOn {ours['Date']}, {ours['From']} wrote:\n{quoted}\n")
    return answer.as_bytes(policy=email.policy.SMTP)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.stdout.buffer.write(reply(newest_to(sys.argv[1]), sys.argv[2]))
