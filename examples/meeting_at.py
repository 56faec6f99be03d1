"""Print the instant HOURS after (or, negative, before) the start of a thread's meeting, read
from ``mailagent threads show ID --json`` on standard input: for stepping time with
``mailagent run --once --now``.

    .venv/bin/mailagent threads show 1 --json | python3 examples/meeting_at.py -2
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta

if __name__ == "__main__":
    start = json.load(sys.stdin)["meeting"]["start"]
    if not start:
        raise SystemExit("the thread has no meeting yet")
    hours = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
    print((datetime.fromisoformat(start) + timedelta(hours=hours)).isoformat())
