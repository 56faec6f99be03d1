"""PURE: what a delivery status notification (RFC 3464) says about mail we sent.

A DSN names, per recipient, an ``Action`` (failed, delayed, delivered, relayed, expanded) and a
``Status`` (``5.1.1``: permanent, ``4.x.x``: temporary). It reaches us at the per-row bounce
address we used as envelope sender (``interviews+b-<hex>@firm.example``, VERP), and usually quotes
the headers of our mail, so the returned Message-ID ties it to an outbox row as well.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import Message

from mailagent.core.headers import normalize_msgid

_VERP_RE = re.compile(r"^(?P<local>[^+@]+)\+b-(?P<tag>[0-9a-f]{16})@(?P<domain>.+)$")


@dataclass(frozen=True)
class RecipientStatus:
    address: str
    action: str
    status: str
    diagnostic: str

    @property
    def permanent(self) -> bool:
        return self.action == "failed" and not self.status.startswith("4")


@dataclass(frozen=True)
class Report:
    """The recipients a DSN reports on and the Message-ID of the mail it returns (if quoted)."""

    recipients: tuple[RecipientStatus, ...]
    original_message_id: str


def bounce_tag(address: str, our_address: str) -> str | None:
    """The VERP tag of ``address`` if it is one of our bounce addresses, else None."""
    found = _VERP_RE.match(address.lower())
    if found is None:
        return None
    local, _, domain = our_address.lower().rpartition("@")
    if found["local"] != local or found["domain"] != domain:
        return None
    return found["tag"]


def read_report(raw: bytes) -> Report | None:
    """The delivery report in ``raw``, or None when it holds none (never raises)."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
        recipients: list[RecipientStatus] = []
        original = ""
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype == "message/delivery-status":
                recipients.extend(_recipient_blocks(part))
            elif ctype in ("message/rfc822", "text/rfc822-headers") and not original:
                original = _quoted_message_id(part)
    except Exception:  # a report we cannot read is handled as plain machine mail
        return None
    if not recipients:
        return None
    return Report(tuple(recipients), original)


def _recipient_blocks(part: Message) -> list[RecipientStatus]:
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    found = []
    for block in blocks[1:]:  # the first block describes the whole message, not a recipient
        if not isinstance(block, Message):
            continue
        recipient = _address_field(block.get("Final-Recipient") or block.get("Original-Recipient"))
        if not recipient:
            continue
        found.append(
            RecipientStatus(
                address=recipient,
                action=str(block.get("Action", "")).strip().lower(),
                status=str(block.get("Status", "")).strip().split(" ")[0],
                diagnostic=" ".join(str(block.get("Diagnostic-Code", "")).split())[:500],
            )
        )
    return found


def _address_field(value: object) -> str:
    """``rfc822; user@example.org`` -> ``user@example.org``."""
    if not value:
        return ""
    text = str(value)
    address = text.split(";", 1)[1] if ";" in text else text
    return address.strip().strip("<>").lower()


def _quoted_message_id(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        inner = payload[0]
    else:
        text = payload if isinstance(payload, str) else ""
        inner = email.message_from_string(text, policy=email.policy.compat32)
    value = inner.get("Message-ID")
    return normalize_msgid(str(value)) if value else ""
