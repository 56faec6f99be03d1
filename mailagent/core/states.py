"""PURE: the conversation states (design section 4). These names are a contract: they
appear in the CLI, its JSON and the database.
"""

from __future__ import annotations

AWAITING_GUEST = "awaiting_guest"


MATCHING = "matching"


AWAITING_MANAGER = "awaiting_manager"


AWAITING_SLOT = "awaiting_slot"


SCHEDULED = "scheduled"


HELD = "held"


CLOSED = "closed"


DECLINED = "declined"


CANCELLED = "cancelled"


WITHDRAWN = "withdrawn"


EXPIRED = "expired"


NOT_REQUEST = "not_request"


NEEDS_HUMAN = "needs_human"


STATES = (
    AWAITING_GUEST,
    MATCHING,
    AWAITING_MANAGER,
    AWAITING_SLOT,
    SCHEDULED,
    HELD,
    CLOSED,
    DECLINED,
    CANCELLED,
    WITHDRAWN,
    EXPIRED,
    NOT_REQUEST,
    NEEDS_HUMAN,
)


OPEN_STATES = (AWAITING_GUEST, MATCHING, AWAITING_MANAGER, AWAITING_SLOT, SCHEDULED, HELD)
