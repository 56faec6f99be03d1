"""The email policy mailagent reads mail with.

It is the stdlib's own, with two changes to its header registry, which built a new class with
``type()`` for every header it parsed and parsed a header again each time it was asked for
(the modern API reads Content-Type three or four times a part). Here each header class is built
once, and recent short (name, value) pairs keep the header object they parsed to: those objects
are immutable, so a value seen again (the same Content-Type, MIME-Version, or the firm's address
in To) is not parsed again. The class cache holds one entry per kind of header (about fifteen),
whatever names hostile mail invents; the value cache skips long values and is bounded by the
characters it holds, so hostile mail cannot make it large.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry

#: Only values up to this long are remembered (a folded Received or References line is not).
MEMO_VALUE_CAP = 256
#: The remembered values hold at most this many characters together: a parsed structured
#: header takes up to about 0.8 KB per character of its value, so about 13 MB at most.
MEMO_CHARS = 16_384


class ReusingHeaderRegistry(HeaderRegistry):
    """A HeaderRegistry that builds each header class once and remembers recent headers."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[type, type[BaseHeader]] = {}
        # Oldest first (dicts keep insertion order). No lock: each step is one dict operation,
        # so parsing in two threads at once can at worst forget an entry early.
        self._memo: dict[tuple[str, str], BaseHeader] = {}
        self._memo_chars = 0

    def __getitem__(self, name: str) -> type[BaseHeader]:
        kind = self.registry.get(name.lower(), self.default_class)
        built = self._built.get(kind)
        if built is None:
            built = self._built[kind] = super().__getitem__(name)
        return built

    def __call__(self, name: str, value: str) -> BaseHeader:
        if type(value) is not str or len(value) > MEMO_VALUE_CAP:
            return self[name](name, value)
        key = (name, value)
        found = self._memo.get(key)
        if found is not None:
            return found
        header = self[name](name, value)  # a header that does not parse raises, unremembered
        self._memo[key] = header
        self._memo_chars += len(value)
        while self._memo_chars > MEMO_CHARS and self._memo:
            oldest = next(iter(self._memo))
            if self._memo.pop(oldest, None) is not None:
                self._memo_chars -= len(oldest[1])
        return header

    def remembered(self) -> tuple[int, int]:
        """(headers, characters of their values) remembered now."""
        return len(self._memo), self._memo_chars


# Parsing inbound mail (``policy.default`` otherwise). Outgoing mail is built with compat32
# (mailagent.compose.message), whose headers are strings encoded once.
DEFAULT = policy.default.clone(header_factory=ReusingHeaderRegistry())
