"""The start-up check (every template rendered with sample data), done once per change.

A start refuses to run with a template that does not render. Rendering all of them costs about
half a second, so the check records what it passed: a digest of every template file, the loaded
configuration (its files included) and mailagent's own code. A later start with the same digest
skips the check; any edit to a template, the config or the code makes it run again.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import mailagent
from mailagent.config.settings import Config

if TYPE_CHECKING:
    import jinja2

log = logging.getLogger("mailagent")

RECORD = "checked"


def check_templates_once(
    env: Callable[[], jinja2.Environment], config: Config, cache_dir: str
) -> bool:
    """Check every template unless the record in ``cache_dir`` shows this exact state passed;
    returns whether the check ran. ``env`` builds the environment, called only for a check.
    Raises ConfigError (naming file and line) as the check does; a failed check records
    nothing."""
    if not cache_dir:
        _check(env, config)
        return True
    record = Path(cache_dir) / RECORD
    digest = fingerprint(Path(config.settings.templates.dir), config)
    try:
        if record.read_text(encoding="ascii") == digest:
            return False
    except (OSError, UnicodeDecodeError):
        pass  # no record yet, or unreadable: check
    _check(env, config)
    try:
        record.parent.mkdir(parents=True, exist_ok=True)
        partial = record.with_suffix(".partial")
        partial.write_text(digest, encoding="ascii")
        os.replace(partial, record)  # a crash never leaves half a record
    except OSError as exc:
        log.warning("template check passed but was not recorded in %s: %s", record, exc)
    return True


def _check(env: Callable[[], jinja2.Environment], config: Config) -> None:
    # Imported only when a check runs: rendering needs the whole mail-writing stack, which a
    # start with an unchanged record (every idle ``run --once``) never loads.
    from mailagent.service.checks import check_templates

    check_templates(env(), config)


def fingerprint(template_dir: Path, config: Config) -> str:
    """A digest of every file under ``template_dir`` (name and bytes), the loaded ``config``
    and the size and modification time of each of mailagent's source files."""
    h = hashlib.sha256()
    for path in sorted(p for p in template_dir.rglob("*") if p.is_file()):
        h.update(str(path.relative_to(template_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(repr(config).encode())
    package = Path(mailagent.__file__).parent
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        h.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}\0".encode())
    return h.hexdigest()
