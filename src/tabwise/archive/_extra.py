"""Usage sums and waiting approvals in the archive (tables ``usage``, ``pending_turns``,
``pending_approvals``; schema step 2).

Writes are :class:`ExtraOp` values that apply themselves on the writer thread, so the
writer needs one case for all of them; reads are plain functions of a connection that
the :class:`~tabwise.archive._reader.Reader` runs in a snapshot.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter

from ..agent import ModelUsage, PendingCall, PendingTurn, RequestCost
from ._codec import dump_messages

__all__ = [
    "AddUsage",
    "AnswerPending",
    "DropPending",
    "ExtraOp",
    "SavePending",
    "read_pending",
    "read_usage",
    "read_usage_all",
]

DELETE_SESSION: tuple[str, ...] = (
    "DELETE FROM usage WHERE session_id = ?",
    "DELETE FROM pending_turns WHERE session_id = ?",
    "DELETE FROM pending_approvals WHERE session_id = ?",
)


def messages_blob(messages: list[ModelMessage]) -> bytes:
    """A JSON array of messages (the stored form of a saved context)."""
    return b"[" + b",".join(dump_messages(messages)) + b"]"


def _messages(blob: bytes) -> list[ModelMessage]:
    return ModelMessagesTypeAdapter.validate_json(blob)


@dataclass(frozen=True, slots=True)
class ExtraOp:
    """A write of this module; ``session_id`` must be in the archive."""

    session_id: str

    def apply(self, conn: sqlite3.Connection) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        return f"{type(self).__name__}({self.session_id!r})"


@dataclass(frozen=True, slots=True)
class AddUsage(ExtraOp):
    cost: RequestCost

    def apply(self, conn: sqlite3.Connection) -> None:
        c = self.cost
        conn.execute(
            """INSERT INTO usage (session_id, provider, model, input_tokens, output_tokens,
                   requests, cost_usd, unpriced_requests) VALUES (?, ?, ?, ?, ?, 1, ?, ?)
               ON CONFLICT (session_id, provider, model) DO UPDATE SET
                   input_tokens = input_tokens + excluded.input_tokens,
                   output_tokens = output_tokens + excluded.output_tokens,
                   requests = requests + 1,
                   cost_usd = CASE WHEN excluded.cost_usd IS NULL THEN cost_usd
                                   ELSE coalesce(cost_usd, 0) + excluded.cost_usd END,
                   unpriced_requests = unpriced_requests + excluded.unpriced_requests""",
            (self.session_id, c.provider, c.model, c.input_tokens, c.output_tokens,
             c.cost_usd, int(c.cost_usd is None)))


@dataclass(frozen=True, slots=True)
class SavePending(ExtraOp):
    """Replace the session's waiting turn (one at most: one turn at a time)."""

    context: bytes
    unsaved: bytes
    created_at: float
    compacted: bool
    calls: tuple[tuple[str, int, str, str, str, float], ...]

    @classmethod
    def of(cls, turn: PendingTurn) -> SavePending:
        calls = tuple((c.request_id, i, c.tool_name,
                       json.dumps(c.args, ensure_ascii=False, default=str), c.risk,
                       c.created_at) for i, c in enumerate(turn.calls))
        return cls(turn.session_id, messages_blob(turn.context), messages_blob(turn.unsaved),
                   turn.created_at, turn.compacted, calls)

    def apply(self, conn: sqlite3.Connection) -> None:
        sid = self.session_id
        conn.execute("DELETE FROM pending_approvals WHERE session_id = ?", (sid,))
        conn.execute(
            "INSERT OR REPLACE INTO pending_turns (session_id, context, unsaved, created_at,"
            " compacted) VALUES (?, ?, ?, ?, ?)",
            (sid, self.context, self.unsaved, self.created_at, int(self.compacted)))
        conn.executemany(
            "INSERT INTO pending_approvals (session_id, request_id, position, tool_name, "
            "args, risk, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(sid, *call) for call in self.calls])


@dataclass(frozen=True, slots=True)
class AnswerPending(ExtraOp):
    request_id: str
    decision: str
    reason: str | None

    def apply(self, conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE pending_approvals SET decision = ?, reason = ? "
                     "WHERE session_id = ? AND request_id = ?",
                     (self.decision, self.reason, self.session_id, self.request_id))


@dataclass(frozen=True, slots=True)
class DropPending(ExtraOp):
    def apply(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM pending_turns WHERE session_id = ?", (self.session_id,))
        conn.execute("DELETE FROM pending_approvals WHERE session_id = ?", (self.session_id,))


# -- reads (run by the Reader inside a snapshot) -------------------------------------

_USAGE = ("SELECT provider, model, input_tokens, output_tokens, requests, cost_usd, "
          "unpriced_requests FROM usage")


def read_usage(conn: sqlite3.Connection, session_id: str) -> list[ModelUsage]:
    return [ModelUsage(*row) for row in conn.execute(
        _USAGE + " WHERE session_id = ? ORDER BY provider, model", (session_id,))]


def read_usage_all(conn: sqlite3.Connection) -> dict[str, list[ModelUsage]]:
    """Every session's usage (for lists of sessions)."""
    out: dict[str, list[ModelUsage]] = {}
    for sid, *row in conn.execute(
            "SELECT session_id, " + _USAGE.removeprefix("SELECT ")):
        out.setdefault(sid, []).append(ModelUsage(*row))
    return out


def read_pending(conn: sqlite3.Connection, session_id: str) -> PendingTurn | None:
    turn = conn.execute("SELECT context, unsaved, created_at, compacted FROM pending_turns "
                        "WHERE session_id = ?", (session_id,)).fetchone()
    if turn is None:
        return None
    calls: list[Any] = [
        PendingCall(rid, tool, json.loads(args), risk, created, decision, reason)
        for rid, tool, args, risk, created, decision, reason in conn.execute(
            "SELECT request_id, tool_name, args, risk, created_at, decision, reason "
            "FROM pending_approvals WHERE session_id = ? ORDER BY position", (session_id,))]
    context, unsaved, created_at, compacted = turn
    return PendingTurn(session_id, _messages(context), _messages(unsaved), tuple(calls),
                       created_at, bool(compacted))
