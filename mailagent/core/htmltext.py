"""PURE: the visible text of an HTML mail body, with the stdlib's ``html.parser``.

Blockquotes become ``> `` lines (so quoted history stays recognisable), block elements become
line breaks, and script and style vanish. (html2text does the same but is GPL-3.0.)
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_WS_RE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Visible text of an HTML body; blockquotes become ``> `` lines, script and style vanish."""

    _BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.quote = 0
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.skip += 1
        elif tag == "blockquote":
            self.quote += 1
            self._newline()
        elif tag == "br":
            # Always a line break, so "<div><br></div>" (Outlook's blank line) stays a
            # paragraph break instead of vanishing.
            self.lines.append("")
        elif tag in self._BLOCK:
            self._newline()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self._newline()
        elif tag in self._BLOCK:
            self._newline()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        text = _WS_RE.sub(" ", data)
        if not self.lines[-1]:
            text = text.lstrip()
            if text and self.quote:
                text = "> " * self.quote + text
        self.lines[-1] += text

    def _newline(self) -> None:
        if self.lines[-1]:
            self.lines.append("")


def html_to_text(html: str) -> str:
    """Plain text from an HTML mail body (stdlib only; never raises)."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: S110 - a broken document still yields the text read so far
        pass
    return "\n".join(line.rstrip() for line in parser.lines).strip()
