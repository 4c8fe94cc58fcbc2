"""Rows the archive hands out: frozen, slotted values, never live database objects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["UPDATABLE_FIELDS", "SessionRow", "TerminalSnapshot"]

# What update_session accepts. Counters (message_count, first_prompt) belong to the
# archive: they follow from append_messages and are never set by hand.
UPDATABLE_FIELDS: frozenset[str] = frozenset(
    {"name", "position", "provider", "model", "updated_at", "closed_at", "always_allow",
     "working_directory"}
)

# Column order shared by the SELECTs in _reader and session_from_sql below.
SESSION_COLUMNS = (
    "session_id, name, working_directory, created_at, updated_at, closed_at, position, "
    "provider, model, always_allow, message_count, first_prompt"
)


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One archived session (tab): its metadata, not its messages.

    ``message_count`` is the length of the full transcript and ``first_prompt`` the text
    of the first user prompt (shortened); both are kept up to date by the archive.
    """

    session_id: str
    name: str
    working_directory: str
    created_at: float
    updated_at: float
    closed_at: float | None
    position: int
    provider: str | None
    model: str | None
    always_allow: tuple[str, ...]
    message_count: int = 0
    first_prompt: str | None = None


@dataclass(frozen=True, slots=True)
class TerminalSnapshot:
    """A tab's last terminal screen and scrollback, rendered from a terminal of
    ``rows`` x ``cols``. ``data`` is opaque to the archive; the command layer stores
    zlib-compressed UTF-8 text with SGR styling only (no cursor movement, no modes),
    lines ended by CR LF."""

    session_id: str
    saved_at: float
    rows: int
    cols: int
    data: bytes


def session_from_sql(row: tuple[Any, ...]) -> SessionRow:
    """Build a :class:`SessionRow` from a tuple selected with ``SESSION_COLUMNS``."""
    (sid, name, cwd, created, updated, closed, position, provider, model, allow, count,
     first) = row
    return SessionRow(sid, name, cwd, created, updated, closed, position, provider, model,
                      tuple(json.loads(allow)) if allow != "[]" else (), count, first)


def sql_value(field: str, value: Any) -> Any:
    """The column value for an update_session field (``always_allow`` is a JSON list)."""
    if field == "always_allow":
        if isinstance(value, str):
            raise TypeError("always_allow must be a sequence of tool names, not a string")
        return json.dumps([str(v) for v in value])
    return value
