"""PURE: who mailagent is (its address, Message-ID domain, instance and trusted headers).

Apart from the classifier so that building a runtime does not load the mail-reading rules.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Us:
    """Who mailagent is, for rule A8 (ourselves) and A9 (addressed to us)."""

    address: str
    msgid_domain: str
    instance_id: str
    authserv_id: str = ""
    spam_header: str = ""
    spam_value: str = "YES"

    def is_ours(self, addr: str) -> bool:
        """True for the inbox address and its plus-variants (case-insensitive local part)."""
        local, _, domain = addr.lower().rpartition("@")
        our_local, _, our_domain = self.address.lower().rpartition("@")
        return domain == our_domain and local.split("+", 1)[0] == our_local
