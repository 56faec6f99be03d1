"""PURE: what guests told the firm about itself, grouped by the ``give_back`` themes.

The themes and the words that place a remark under one live in ``[insights] themes``; a remark
may fall under several themes, and one that matches none is listed under ``other``.
:func:`mailagent.service.reports.collect_remarks` reads the remarks of a period.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

OTHER = "other"


@dataclass(frozen=True)
class Remark:
    thread_id: int
    at: datetime
    source: str  # "give_back" (the questionnaire answer) or "feedback" (after the meeting)
    text: str


def group(
    remarks: Sequence[Remark], themes: Mapping[str, Sequence[str]]
) -> dict[str, list[Remark]]:
    """Remarks per theme (in the configured order, then ``other``), oldest first."""
    grouped: dict[str, list[Remark]] = {name: [] for name in themes}
    grouped[OTHER] = []
    for remark in sorted(remarks, key=lambda r: (r.at, r.thread_id)):
        low = remark.text.lower()
        hits = [
            name
            for name, words in themes.items()
            if any(re.search(rf"\b{re.escape(w.lower())}", low) for w in words)
        ]
        for name in hits or [OTHER]:
            grouped[name].append(remark)
    return {name: items for name, items in grouped.items() if items}


def as_json(grouped: Mapping[str, Sequence[Remark]]) -> dict[str, list[dict[str, object]]]:
    return {
        name: [
            {"thread": r.thread_id, "at": r.at.isoformat(), "source": r.source, "text": r.text}
            for r in items
        ]
        for name, items in grouped.items()
    }


def as_text(grouped: Mapping[str, Sequence[Remark]], width: int = 300) -> str:
    if not grouped:
        return "no remarks from guests in this period"
    out = []
    for name, items in grouped.items():
        out.append(f"{name} ({len(items)})")
        for r in items:
            text = " ".join(r.text.split())
            clipped = text if len(text) <= width else text[: width - 1] + "…"
            out.append(f"  thread {r.thread_id} {r.at:%Y-%m-%d} [{r.source}] {clipped}")
    return "\n".join(out)
