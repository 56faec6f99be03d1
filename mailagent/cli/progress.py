"""A progress bar (tqdm) for long CLI work: a backlog injected, quarantine handed back.

Drawn only on a terminal and only for more than one item, so scripts that read the output get
the plain per-item lines instead; tqdm would otherwise draw into a pipe too.
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from tqdm import tqdm


def progress_bar(total: int, label: str, stream: TextIO | None = None) -> tqdm[Any]:
    """A bar over ``total`` items; its ``disable`` is True where nothing is drawn."""
    out = stream or sys.stderr
    return tqdm(total=total, desc=label, file=out, disable=total < 2 or not out.isatty())
