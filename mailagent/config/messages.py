"""Validation errors as people read them: the file, the key as written in TOML
(``[section] key``), what is allowed, and whether an environment override set it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from mailagent.config.settings import ENV_PREFIX


def describe_error(model: type[BaseModel], err: Any, path: Path) -> str:
    loc = [str(p) for p in err["loc"]]
    key = _key_name(loc)
    env_name = ENV_PREFIX + "__".join(p.upper() for p in loc)
    origin = f" (from the environment, {env_name})" if env_name in os.environ else ""
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        return f"{path}: {key}: unknown key; allowed here: {', '.join(allowed)}"
    if err["type"] == "missing":
        return f"{path}: {key}: required key is missing"
    message = err["msg"].removeprefix("Value error, ")
    return f"{path}: {key}: {message}{origin}"


def _key_name(loc: list[str]) -> str:
    if not loc:
        return "(top level)"
    if len(loc) == 1:
        return loc[0]
    section = ".".join(loc[:-1])
    return f"[{section}] {loc[-1]}"


def _allowed_keys(model: type[BaseModel], loc: list[str]) -> list[str]:
    current: Any = model
    for part in loc:
        if part.isdigit():
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return sorted(getattr(current, "model_fields", {}))


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None
