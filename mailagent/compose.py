"""Templates to mail: the Jinja2 environment and the headers of every message we send.

Templates are trusted files written by admins; guest text only ever enters as *values* in the
context (never as template source). The environment is sandboxed, undefined variables fail, and HTML
templates are autoescaped. A template's first line is its subject: ``Subject: ...``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from mailagent import mailpolicy
from mailagent.config import FirmSettings, Question
from mailagent.errors import ConfigError
from mailagent.parse import LOOP_HEADER, sanitize_header_text

MAX_REFERENCES = 20
DISPLAY_NAME_MAX = 60
ECHO_CAP = 500
_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')
SUBJECT_MAX = 200


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


@dataclass(frozen=True)
class Envelope:
    """Everything that goes into the header of one outgoing mail."""

    message_id: str
    date: datetime
    from_name: str
    from_addr: str
    reply_to: str
    to_name: str
    to_addr: str
    subject: str
    auto_submitted: str
    loop_id: str
    in_reply_to: str = ""
    references: tuple[str, ...] = ()


def make_environment(template_dir: str | Path) -> SandboxedEnvironment:
    """The one template environment, passed to whoever renders."""
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html", "htm", "xml")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def mail_context(
    firm: FirmSettings,
    *,
    guest_name: str,
    guest_email: str,
    questions: Sequence[Question],
    language: str,
    request_subject: str,
    understood: Sequence[tuple[str, str]] = (),
    applications: str = "",
) -> dict[str, Any]:
    """The variables every template sees (documented in templates/README.md)."""
    return {
        "firm": {"name": firm.name, "address": firm.address, "sender_name": firm.sender_name},
        "guest": {"name": sanitize_header_text(guest_name, 100), "email": guest_email},
        "questions": [
            {"key": q.key, "text": q.wording(language), "required": q.required} for q in questions
        ],
        "request_subject": reply_subject(request_subject),
        # What the guest told us so far, echoed so they can correct it (capped: it is their text).
        "understood": [
            {"question": question, "answer": _encodable(answer)[:ECHO_CAP]}
            for question, answer in understood
        ],
        "language": language,
        "applications": applications,
    }


def languages_with(env: jinja2.Environment, kind: str) -> tuple[str, ...]:
    """The languages that have a ``<lang>/<kind>.txt.j2`` template, English first."""
    found = {
        name.split("/", 1)[0]
        for name in env.list_templates(filter_func=lambda n: n.endswith(f"/{kind}.txt.j2"))
    }
    return tuple(sorted(found, key=lambda lang: (lang != "en", lang))) or ("en",)


def template_name(env: jinja2.Environment, kind: str, language: str, suffix: str) -> str | None:
    """``<language>/<kind><suffix>``, falling back to English; None when neither exists.

    Raises ConfigError (naming file and line) when the template exists but does not compile.
    """
    for lang in dict.fromkeys((language, "en")):
        name = f"{lang}/{kind}{suffix}"
        try:
            env.get_template(name)
        except jinja2.TemplateNotFound:
            continue
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"templates/{exc.name or name}:{exc.lineno}: {exc.message}") from None
        return name
    return None


def render(
    env: jinja2.Environment, kind: str, language: str, context: Mapping[str, Any]
) -> Rendered:
    """Render ``kind`` in ``language`` (or English). Raises ConfigError naming the template."""
    text_name = template_name(env, kind, language, ".txt.j2")
    if text_name is None:
        raise ConfigError(f"no template {language}/{kind}.txt.j2 or en/{kind}.txt.j2")
    html_name = template_name(env, kind, language, ".html.j2")
    text = _render_one(env, text_name, context)
    html = _render_one(env, html_name, context) if html_name else None
    subject, body = split_subject(text, text_name)
    return Rendered(subject=subject, text=body, html=html)


def _render_one(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> str:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateError as exc:
        line = _template_line(exc, name)
        raise ConfigError(f"templates/{name}{f':{line}' if line else ''}: {exc}") from None


def _template_line(exc: BaseException, name: str) -> int | None:
    """The template line an error happened on: Jinja2 maps its frames back to template lines."""
    lineno = getattr(exc, "lineno", None)
    if lineno:
        return int(lineno)
    tb = exc.__traceback__
    found = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(name):
            found = tb.tb_lineno
        tb = tb.tb_next
    return found


def split_subject(text: str, name: str) -> tuple[str, str]:
    """Take the ``Subject:`` first line off a rendered text template."""
    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ConfigError(f"templates/{name}: the first line must be 'Subject: ...'")
    subject = sanitize_header_text(first.removeprefix("Subject:"), SUBJECT_MAX)
    if not subject:
        raise ConfigError(f"templates/{name}: the subject is empty")
    return subject, rest.lstrip("\n")


def reply_subject(original: str, cap: int = 70) -> str:
    """``Re: <original>`` with stacked prefixes removed, sanitised and capped for a header."""
    clean = sanitize_header_text(original, 400)
    clean = re.sub(r"^(\s*(re|aw|sv|antw|fwd?|wg)\s*:\s*)+", "", clean, flags=re.IGNORECASE)
    return clean[:cap].rstrip()


def thread_headers(
    parent_id: str, parent_references: Sequence[str], parent_in_reply_to: Sequence[str]
) -> tuple[str, tuple[str, ...]]:
    """(In-Reply-To, References) for a reply to ``parent_id`` per RFC 5322 3.6.4 / mail-rules B.3.

    References = parent's References + parent's id; if the parent has no References but a single
    In-Reply-To, that id + parent's id. Trimmed to the first and the last ids, always ending with
    the parent.
    """
    if not parent_id:
        return "", ()
    if parent_references:
        earlier = list(parent_references)
    elif len(parent_in_reply_to) == 1:
        earlier = [parent_in_reply_to[0]]
    else:
        earlier = []
    # Repeats are dropped but the parent always comes last.
    chain = [*dict.fromkeys(mid for mid in earlier if mid != parent_id), parent_id]
    if len(chain) > MAX_REFERENCES:
        chain = [chain[0], *chain[-(MAX_REFERENCES - 1) :]]
    return parent_id, tuple(chain)


def build_message(
    envelope: Envelope, text: str, html: str | None, ics: bytes | None = None, method: str = ""
) -> EmailMessage:
    """The complete outgoing mail: text part, optional HTML alternative, our headers.

    With ``ics`` (a calendar invite for ``method``) the mail is multipart/mixed: the
    alternatives text, HTML and ``text/calendar; method=...`` (which calendar clients act on),
    plus the same invite as an ``invite.ics`` attachment for clients that only offer files.
    """
    msg = EmailMessage(policy=mailpolicy.DEFAULT)
    msg["Message-ID"] = f"<{envelope.message_id}>"
    msg["Date"] = format_datetime(envelope.date)
    msg["From"] = _address(envelope.from_name, envelope.from_addr)
    msg["To"] = _address(envelope.to_name, envelope.to_addr)
    msg["Reply-To"] = _address(envelope.from_name, envelope.reply_to)
    msg["Subject"] = sanitize_header_text(envelope.subject, SUBJECT_MAX)
    if envelope.in_reply_to:
        msg["In-Reply-To"] = f"<{envelope.in_reply_to}>"
        msg["References"] = " ".join(f"<{mid}>" for mid in envelope.references)
    if envelope.auto_submitted:
        msg["Auto-Submitted"] = envelope.auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"
    msg[LOOP_HEADER] = envelope.loop_id
    # Quoted-printable keeps the body 7-bit, so no relay has to support 8BITMIME.
    msg.set_content(_encodable(text), subtype="plain", charset="utf-8", cte="quoted-printable")
    if html is not None:
        msg.add_alternative(
            _encodable(html), subtype="html", charset="utf-8", cte="quoted-printable"
        )
    if ics is not None:
        if html is None:
            msg.make_alternative()
        calendar = EmailMessage(policy=mailpolicy.DEFAULT)
        calendar.set_content(ics, maintype="text", subtype="calendar", cte="base64")
        calendar.set_param("charset", "utf-8")
        calendar.set_param("method", method)
        del calendar["MIME-Version"]  # only the top level carries it
        msg.attach(calendar)
        msg.add_attachment(
            ics, maintype="application", subtype="ics", filename="invite.ics", cte="base64"
        )
    return msg


def to_bytes(msg: EmailMessage) -> bytes:
    """The message as it goes on the wire (CRLF)."""
    return msg.as_bytes(policy=mailpolicy.WIRE)


def _encodable(text: str) -> str:
    """``text`` without lone surrogates, which UTF-8 cannot encode."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _address(name: str, addr: str) -> Address:
    local, _, domain = addr.rpartition("@")
    return Address(display_name=display_name(name), username=local, domain=domain)


def display_name(name: str) -> str:
    """A guest's name as it may stand in our address headers: sanitised, without the specials
    that force quoting, and short. Python 3.11 can lose the quotes of a long quoted name when it
    folds the line (CPython gh-80222), turning text after a comma into a second address."""
    plain = _SPECIALS.sub(" ", sanitize_header_text(name, 200))
    return " ".join(plain.split())[:DISPLAY_NAME_MAX].strip()
