"""What callers put on the writer's queue: one frozen value per change.

Messages are serialised *before* they are queued, so a value on the queue is a snapshot:
a caller mutating its message list afterwards cannot change what gets stored.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ._extra import ExtraOp
from ._rows import SessionRow

__all__ = [
    "AddAudit",
    "AppendMessages",
    "CreateSession",
    "DeleteSession",
    "Flush",
    "Op",
    "PurgeClosed",
    "ReplaceContext",
    "SaveSnapshot",
    "SetAppState",
    "Stop",
    "UpdateSession",
    "WriteOp",
    "describe",
]


@dataclass(frozen=True, slots=True)
class CreateSession:
    row: SessionRow


@dataclass(frozen=True, slots=True)
class UpdateSession:
    session_id: str
    fields: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class AppendMessages:
    session_id: str
    bodies: tuple[bytes, ...]
    first_prompt: str | None


@dataclass(frozen=True, slots=True)
class ReplaceContext:
    session_id: str
    bodies: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class AddAudit:
    session_id: str
    request_id: str
    tool_name: str
    args_json: str
    decision: str
    reason: str | None
    ts: float


@dataclass(frozen=True, slots=True)
class SaveSnapshot:
    """Replace a session's terminal snapshot."""

    session_id: str
    saved_at: float
    rows: int
    cols: int
    data: bytes


@dataclass(frozen=True, slots=True)
class SetAppState:
    key: str
    value: str | None  # None deletes the key


@dataclass(frozen=True, slots=True)
class DeleteSession:
    session_id: str


@dataclass(frozen=True, slots=True)
class PurgeClosed:
    """Delete sessions closed before ``cutoff``; the count goes to ``future``."""

    cutoff: float
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[int]


@dataclass(frozen=True, slots=True)
class Flush:
    """Resolve ``future`` once everything queued before it is committed.

    With ``report`` the future gets the failures since the last reporting flush (and
    they count as reported); reads use ``report=False`` so they never swallow them.
    """

    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[tuple[str, ...]]
    report: bool


@dataclass(frozen=True, slots=True)
class Stop:
    """Finish the batch, close the connection and end the thread."""


WriteOp = (CreateSession | UpdateSession | AppendMessages | ReplaceContext | AddAudit
           | DeleteSession | PurgeClosed | ExtraOp | SaveSnapshot | SetAppState)
Op = WriteOp | Flush | Stop


def describe(op: WriteOp) -> str:
    """A short description of ``op`` for logs and error messages (never message text)."""
    match op:
        case CreateSession(row=row):
            return f"create_session({row.session_id!r})"
        case UpdateSession(session_id=sid, fields=fields):
            return f"update_session({sid!r}, {', '.join(n for n, _ in fields)})"
        case AppendMessages(session_id=sid, bodies=bodies):
            return f"append_messages({sid!r}, {len(bodies)} messages)"
        case ReplaceContext(session_id=sid, bodies=bodies):
            return f"replace_context({sid!r}, {len(bodies)} messages)"
        case AddAudit(session_id=sid, request_id=rid):
            return f"add_audit({sid!r}, {rid!r})"
        case DeleteSession(session_id=sid):
            return f"delete_session({sid!r})"
        case PurgeClosed():
            return "purge_closed"
        case ExtraOp():
            return op.describe()
        case SaveSnapshot(session_id=sid, data=data):
            return f"save_terminal_snapshot({sid!r}, {len(data)} bytes)"
        case SetAppState(key=key):
            return f"set_app_state({key!r})"
