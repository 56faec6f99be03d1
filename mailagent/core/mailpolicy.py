"""The email policy mailagent reads mail with.

It is the stdlib's own, with two changes to its header registry, which built a new class with
``type()`` for every header it parsed and parsed a header again each time it was asked for
(the modern API reads Content-Type three or four times a part). Here each header class is built
once, and the last few hundred short (name, value) pairs keep the header object they parsed to:
those objects are immutable, so a value seen again (the same Content-Type, MIME-Version, or the
firm's address in To) is not parsed again. The class cache holds one entry per kind of header
(about fifteen), whatever names hostile mail invents; the value cache is bounded in entries and
skips long values, so hostile mail cannot grow it.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from functools import lru_cache

#: Values longer than this (a folded Received or References line) are parsed every time.
MEMO_VALUE_CAP = 998
MEMO_ENTRIES = 512


class ReusingHeaderRegistry(HeaderRegistry):
    """A HeaderRegistry that builds each header class once and remembers recent headers."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[type, type[BaseHeader]] = {}
        self._parsed = lru_cache(maxsize=MEMO_ENTRIES)(self._parse)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        kind = self.registry.get(name.lower(), self.default_class)
        built = self._built.get(kind)
        if built is None:
            built = self._built[kind] = super().__getitem__(name)
        return built

    def __call__(self, name: str, value: str) -> BaseHeader:
        if len(value) > MEMO_VALUE_CAP or type(value) is not str:
            return self._parse(name, value)
        return self._parsed(name, value)

    def _parse(self, name: str, value: str) -> BaseHeader:
        return self[name](name, value)


# Parsing inbound mail (``policy.default`` otherwise). Outgoing mail is built with compat32
# (mailagent.compose.message), whose headers are strings encoded once.
DEFAULT = policy.default.clone(header_factory=ReusingHeaderRegistry())
