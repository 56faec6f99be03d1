"""Log lines for people (plain, one line each) or for log collectors (one JSON object a line).

Every line about a message already names its Message-ID (``Message-ID <...>``) or thread
(``thread 7``, ``[thread 7]``); the JSON form lifts those into fields of their own, so a
collector can follow one message or one conversation without parsing text.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

_MESSAGE_ID = re.compile(r"Message-ID <([^<>\s]*)>")
_THREAD = re.compile(r"\bthreads? (\d+)\b")
PLAIN = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """``{"at", "level", "logger", "message", "message_id"?, "thread"?, "error"?}`` per line."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict[str, object] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        found = _MESSAGE_ID.search(message)
        if found:
            entry["message_id"] = found.group(1)
        thread = _THREAD.search(message)
        if thread:
            entry["thread"] = int(thread.group(1))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup(level: str, form: str = "plain") -> None:
    """Log to stderr in ``form`` ("plain" or "json") at ``level``.

    Like ``logging.basicConfig``, handlers someone else installed (a test runner's) are left
    alone; a handler installed here before is replaced.
    """
    root = logging.getLogger()
    foreign = [h for h in root.handlers if not getattr(h, "_mailagent", False)]
    for ours in [h for h in root.handlers if getattr(h, "_mailagent", False)]:
        root.removeHandler(ours)
    if not foreign:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter() if form == "json" else logging.Formatter(PLAIN))
        handler._mailagent = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    # Alembic narrates every start-up at INFO; only its problems matter to an operator.
    logging.getLogger("alembic").setLevel(logging.WARNING)
