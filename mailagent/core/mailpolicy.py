"""The email policy mailagent reads mail with.

It is the stdlib's own, with one change: CPython's ``HeaderRegistry`` builds a new class with
``type()`` for every header it parses or sets, which cost more than a tenth of the time spent on
each mail. Here each header class is built once and reused; the cache holds one entry per kind
of header (about fifteen), whatever names hostile mail invents.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry


class ReusingHeaderRegistry(HeaderRegistry):
    """A HeaderRegistry that builds each header class once."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[type, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        kind = self.registry.get(name.lower(), self.default_class)
        built = self._built.get(kind)
        if built is None:
            built = self._built[kind] = super().__getitem__(name)
        return built


# Parsing inbound mail (``policy.default`` otherwise). Outgoing mail is built with compat32
# (mailagent.compose.message), whose headers are strings encoded once.
DEFAULT = policy.default.clone(header_factory=ReusingHeaderRegistry())
