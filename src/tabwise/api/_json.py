"""One JSON shape per contract type: a dataclass becomes an object of its fields, in
declaration order; tuples and lists become arrays; enums their value; paths strings."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import PurePath
from typing import Any

__all__ = ["to_json"]


def to_json(value: Any) -> Any:
    """``value`` as plain JSON data (dict, list, str, int, float, bool, None)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, PurePath):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not part of the JSON contract")
