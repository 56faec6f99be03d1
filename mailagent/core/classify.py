"""PURE: is this mail from a machine, from ourselves, or from a person we may answer?

Implements mail-rules section (a): the hard signals A1-A10 in the documented order, then the
soft signals (auto-reply subjects) and ``X-Auto-Response-Suppress``. Every instance of a repeated
header is checked. The result names the rule that fired so the thread's log can say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailagent.core.headers import guest_address
from mailagent.core.ourselves import Us
from mailagent.core.parse import LOOP_HEADER, Inbound

HUMAN = "human"
AUTO = "auto"
BOUNCE = "bounce"
LIST = "list"
SYSTEM = "system"
LOOP = "loop"
NOT_TO_US = "not_to_us"
MALFORMED = "malformed"
SOFT_AUTO = "soft_auto"
BAD_SENDER = "bad_sender"
SPAM = "spam"
CALENDAR = "calendar"
_DMARC_FAIL = re.compile(r"\bdmarc\s*=\s*fail\b", re.IGNORECASE)

LIST_HEADERS = (
    "list-id",
    "list-unsubscribe",
    "list-subscribe",
    "list-post",
    "list-help",
    "list-owner",
    "list-archive",
    "archived-at",
    "mailing-list",
    "x-mailing-list",
    "x-ml-name",
)
_PRESENCE_MARKS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-amazon-auto-reply",
    "x-no-ack",
)
_VALUE_MARKS = (
    ("x-ack", ("no",)),
    ("x-loop", ("yes", "true")),
    ("x-fc-machinegenerated", ("true",)),
    ("thread-topic", ("autoresponse",)),
    ("delivered-to", ("autoresponder",)),
)
_AUTO_NAME_RE = re.compile(
    r"auto[-_]?(response|submitted|replied|reply|generated|respond)|holidayreply|machinegenerated",
    re.IGNORECASE,
)
_OWN_RULE_HEADERS = frozenset({"auto-submitted", "x-auto-response-suppress"})
_SYSTEM_LOCALS = frozenset(
    {
        "mailer-daemon",
        "postmaster",
        "listserv",
        "majordomo",
        "noreply",
        "no-reply",
        "abuse",
        "root",
        "uucp",
        "mailer",
    }
)
# Senders that say in their name that nobody reads replies: "noreply+x@", "do-not-reply@",
# "notifications@", "calendar-notification@" (local parts, after SRS unwrapping).
_NOBODY_LOCAL_RE = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|donotreply|notifications?|notify|alerts?|"
    r"calendar[-_.]?notifications?|automated|mailer|bounces?)(?:$|[-+_.=])"
)
_CALENDAR_TYPES = ("text/calendar", "application/ics")

_SOFT_SUBJECTS = (
    "auto:",
    "automatic reply",
    "autosvar",
    "abwesenheitsnotiz",
    "out of office",
    "réponse automatique",
)
_SUPPRESS_VALUES = frozenset({"all", "oof", "autoreply"})


@dataclass(frozen=True)
class Classification:
    """``category`` is HUMAN for mail a person wrote to us; ``rule`` says which signal decided."""

    category: str
    rule: str
    suppress_auto_reply: bool = False
    hold: str = ""

    @property
    def is_human(self) -> bool:
        return self.category == HUMAN


def classify(msg: Inbound, us: Us) -> Classification:
    """Classify ``msg`` per mail-rules (a). Pure; never raises."""
    for check in (_ourselves, _null_sender, _report, _auto_submitted, _list, _precedence):
        found = check(msg, us)
        if found:
            return found
    for check in (
        _vendor_marks,
        _system_sender,
        _calendar,
        _spam,
        _not_to_us,
        _malformed,
        _sender,
    ):
        found = check(msg, us)
        if found:
            return found
    subject = msg.subject.lower()
    for prefix in _SOFT_SUBJECTS:
        if subject.startswith(prefix):
            return Classification(SOFT_AUTO, f"A.2 auto-reply subject '{msg.subject[:60]}'")
    return Classification(
        HUMAN, "", suppress_auto_reply=_suppressed(msg), hold=_dmarc_failure(msg, us)
    )


def _keyword(value: str) -> str:
    """First token of a structured header value, lower-cased, comments and parameters dropped."""
    value = re.sub(r"\([^)]*\)", " ", value).split(";", 1)[0]
    parts = value.strip().lower().split()
    return parts[0] if parts else ""


def _local_part(addr: str) -> str:
    local = addr.strip().strip("<>").rpartition("@")[0].lower()
    if local.startswith(("srs0=", "srs1=")):
        # SRS0=hash=tt=domain=local: the original sender's local part is the last field.
        local = local.rsplit("=", 1)[-1]
    return local


def _ourselves(msg: Inbound, us: Us) -> Classification | None:
    if msg.message_id.lower().endswith("@" + us.msgid_domain.lower()):
        return Classification(LOOP, "A8 Message-ID is one of ours")
    for value in msg.loop_ids:
        if value.strip() == us.instance_id:
            return Classification(LOOP, f"A8 {LOOP_HEADER} names this instance")
    senders = [msg.from_email, *msg.header_values("sender"), *msg.header_values("return-path")]
    for sender in senders:
        addr = sender.strip().strip("<>")
        if "@" in addr and us.is_ours(addr):
            return Classification(LOOP, "A8 sent from our own address")
    return None


def _null_sender(msg: Inbound, _us: Us) -> Classification | None:
    paths = msg.header_values("return-path")
    if not paths:
        return Classification(BOUNCE, "A1 no Return-Path")
    for value in paths:
        if value.strip() in ("<>", "<<>>", ""):
            return Classification(BOUNCE, "A1 null Return-Path")
    return None


def _report(msg: Inbound, _us: Us) -> Classification | None:
    for ctype in msg.content_types:
        if ctype in ("multipart/report", "message/delivery-status"):
            return Classification(BOUNCE, f"A3 {ctype}")
    return None


def _auto_submitted(msg: Inbound, _us: Us) -> Classification | None:
    for value in msg.header_values("auto-submitted"):
        keyword = _keyword(value)
        if keyword != "no":
            return Classification(AUTO, f"A2 Auto-Submitted: {keyword or '(empty)'}")
    return None


def _list(msg: Inbound, _us: Us) -> Classification | None:
    for name in LIST_HEADERS:
        if msg.has_header(name):
            return Classification(LIST, f"A4 {name} header")
    return None


def _precedence(msg: Inbound, _us: Us) -> Classification | None:
    for name in ("precedence", "x-precedence"):
        for value in msg.header_values(name):
            if value.strip().lower() in ("bulk", "junk", "list", "auto_reply"):
                return Classification(AUTO, f"A5 {name}: {value.strip().lower()}")
    return None


def _vendor_marks(msg: Inbound, _us: Us) -> Classification | None:
    for name in _PRESENCE_MARKS:
        if msg.has_header(name):
            return Classification(AUTO, f"A6 {name} header")
    for name, values in _VALUE_MARKS:
        for value in msg.header_values(name):
            if value.strip().lower() in values:
                return Classification(AUTO, f"A6 {name}: {value.strip().lower()}")
    for name, _ in msg.headers:
        # Auto-Submitted (A2) and X-Auto-Response-Suppress (a request, not a mark) have their
        # own rules; the name pattern would misread "Auto-Submitted: no" as machine mail.
        if name not in _OWN_RULE_HEADERS and _AUTO_NAME_RE.search(name):
            return Classification(AUTO, f"A6 {name} header")
    return None


def _system_sender(msg: Inbound, _us: Us) -> Classification | None:
    for addr in (msg.from_email, *msg.header_values("return-path")):
        local = _local_part(addr)
        if not local:
            continue
        if (
            local in _SYSTEM_LOCALS
            or _NOBODY_LOCAL_RE.match(local)
            or local.startswith("owner-")
            or "-request" in local
            or local.endswith("-relay")
        ):
            return Classification(SYSTEM, f"A7 system sender {local}")
    return None


def _calendar(msg: Inbound, _us: Us) -> Classification | None:
    # Invitations and Accept/Decline answers are written by calendar software, even when a
    # person pressed the button: answering them with a questionnaire would be a loop.
    for ctype in msg.content_types:
        if ctype in _CALENDAR_TYPES:
            return Classification(CALENDAR, f"A.2 calendar part {ctype}")
    return None


def _not_to_us(msg: Inbound, us: Us) -> Classification | None:
    if not any(us.is_ours(addr) for addr in msg.recipients):
        return Classification(NOT_TO_US, "A9 none of our addresses among the recipients")
    return None


def _malformed(msg: Inbound, _us: Us) -> Classification | None:
    # A missing Content-Type is text/plain; charset=us-ascii (RFC 2045 section 5.2, mail-rules
    # A10): the parser already reads such a body as plain text.
    top = msg.content_types[0] if msg.content_types else ""
    if not top.startswith(("text/", "multipart/")):
        return Classification(MALFORMED, f"A10 top-level type {top or 'unknown'}")
    if msg.problems:
        return Classification(MALFORMED, f"A10 {msg.problems[0]}")
    if not msg.text.strip():
        return Classification(MALFORMED, "A10 no readable text")
    return None


def _sender(msg: Inbound, _us: Us) -> Classification | None:
    if msg.from_count != 1 or not msg.from_email:
        return Classification(BAD_SENDER, f"A.2 From holds {msg.from_count} mailboxes")
    if guest_address(msg.from_email) is None:
        return Classification(BAD_SENDER, "A.2 From address refused by email-validator")
    return None


def _spam(msg: Inbound, us: Us) -> Classification | None:
    if not us.spam_header:
        return None
    for value in msg.header_values(us.spam_header):
        if value.strip().upper() == us.spam_value.upper():
            return Classification(SPAM, f"A11 {us.spam_header}: {value.strip()}")
    return None


def _dmarc_failure(msg: Inbound, us: Us) -> str:
    """A DMARC failure reported by *our* border (``authserv_id``); results other servers wrote
    into the mail (anyone can forge them) are ignored."""
    if not us.authserv_id:
        return ""
    for value in msg.header_values("authentication-results"):
        server = value.split(";", 1)[0].split()
        if server and server[0].lower() == us.authserv_id.lower() and _DMARC_FAIL.search(value):
            return f"DMARC fail reported by {us.authserv_id}"
    return ""


def _suppressed(msg: Inbound) -> bool:
    for value in msg.header_values("x-auto-response-suppress"):
        tokens = {token.strip().lower() for token in value.split(",")}
        if tokens & _SUPPRESS_VALUES:
            return True
    return False
