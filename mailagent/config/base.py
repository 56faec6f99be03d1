"""What every settings section shares: no unknown keys (a typo is an error naming the key),
frozen values, and the checks several sections use.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")


DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def plain_address(value: str) -> str:
    local, sep, domain = value.strip().rpartition("@")
    if not sep or not local or "+" in local or not DOMAIN_RE.match(domain.lower()):
        raise ValueError("must be a plain address such as interviews@firm.example (no +tag)")
    return f"{local}@{domain.lower()}"


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
