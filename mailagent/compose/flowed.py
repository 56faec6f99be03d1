"""The one place plain text is wrapped: ``format=flowed`` (RFC 3676).

Templates write a paragraph as one line; here every line longer than ``WIDTH`` is broken at
spaces into lines that end in a space (soft breaks). A client that knows format=flowed (Apple
Mail, Thunderbird, most phone apps) joins them again and wraps to its own screen; any other
shows lines of at most 78 characters, never a break in mid-sentence that the template made.
Short lines stay hard line breaks, as written (salutations, lists, sign-offs).
"""

from __future__ import annotations

import textwrap

WIDTH = 72
# RFC 3676 §4.3: the signature separator keeps its trailing space and is never a soft break.
SIGNATURE_SEPARATOR = "-- "


def to_flowed(text: str, width: int = WIDTH) -> str:
    """``text`` (lines separated by ``\\n``) as format=flowed, delsp=no, lines joined by
    ``\\n``."""
    out: list[str] = []
    for line in text.split("\n"):
        if line == SIGNATURE_SEPARATOR:
            out.append(line)
            continue
        # A trailing space would read as a soft break: a hard line has none.
        line = line.rstrip(" \t")
        pieces = _pieces(line, width) if len(line) > width else [line]
        out.extend(_stuffed(p) + (" " if i < len(pieces) - 1 else "") for i, p in enumerate(pieces))
    return "\n".join(out)


def from_flowed(text: str) -> str:
    """What a flowed-aware reader shows (soft breaks joined, space-stuffing removed): for tests
    and for reading our own mail back."""
    lines: list[str] = []
    joining = False
    for line in text.replace("\r\n", "\n").split("\n"):
        line = line[1:] if line.startswith(" ") else line
        if joining:
            lines[-1] += line
        else:
            lines.append(line)
        joining = line.endswith(" ") and line != SIGNATURE_SEPARATOR
    return "\n".join(lines)


def _pieces(line: str, width: int) -> list[str]:
    """``line`` broken at spaces into pieces of at most ``width`` characters where it can be
    (a word longer than that, a URL say, stays whole). Every piece but the last keeps the
    space it was broken at, so joining them gives ``line`` back."""
    indent = len(line) - len(line.lstrip(" "))
    wrapped = textwrap.wrap(
        line[indent:],
        width=max(width - indent - 1, 20),
        break_long_words=False,
        break_on_hyphens=False,
        drop_whitespace=True,
    )
    if not wrapped:
        return [line]
    wrapped[0] = line[:indent] + wrapped[0]
    return wrapped


def _stuffed(line: str) -> str:
    """RFC 3676 §4.4: a line starting with a space, ">" or "From " gets one more space first."""
    return f" {line}" if line.startswith((" ", ">", "From ")) else line
