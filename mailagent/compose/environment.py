"""Templates to text: the Jinja2 environment, and rendering one mail kind in a language.

Templates are trusted files written by admins; guest text only ever enters as *values* in the
context (never as template source). The environment is sandboxed, undefined variables fail, and
HTML templates are autoescaped. A template's first line is its subject: ``Subject: ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from mailagent.errors import ConfigError


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def make_environment(template_dir: str | Path, cache_dir: str | Path = "") -> SandboxedEnvironment:
    """The one template environment, passed to whoever renders. With ``cache_dir``, compiled
    templates are kept there (Jinja's bytecode cache, keyed by each template's source), so a
    process does not compile again what an earlier one compiled."""
    return SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        bytecode_cache=_bytecode_cache(cache_dir),
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "html", "htm", "xml")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _bytecode_cache(cache_dir: str | Path) -> jinja2.BytecodeCache | None:
    if not cache_dir:
        return None
    folder = Path(cache_dir) / "bytecode"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # an unwritable cache is no reason not to start: compile every time
    return jinja2.FileSystemBytecodeCache(str(folder))


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
    # Imported here: the header rules pull in email-validator, which a start that renders
    # nothing (an idle pass) need not load.
    from mailagent.compose.message import SUBJECT_MAX
    from mailagent.core.headers import sanitize_header_text

    first, _, rest = text.partition("\n")
    if not first.startswith("Subject:"):
        raise ConfigError(f"templates/{name}: the first line must be 'Subject: ...'")
    subject = sanitize_header_text(first.removeprefix("Subject:"), SUBJECT_MAX)
    if not subject:
        raise ConfigError(f"templates/{name}: the subject is empty")
    return subject, rest.lstrip("\n")
