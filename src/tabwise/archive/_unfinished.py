"""Turns that ended without an answer, in the archive (table ``unfinished_turns``;
schema step 5).

A turn that fails (a provider error, a broken stream, a context overflow) or is
cancelled sends nothing new to the model: its messages never join the transcript. The
user still saw it, so it is kept here for ``get_conversation``: the turn's messages so
far (its prompt, maybe tool calls and a partial answer), why it ended, and where it
sits (``seq``: the transcript length when it ended, so it shows after the messages
that came before it).

Only turns since the last context replacement are shown, like the messages: clearing or
compacting the conversation (``ReplaceContext``) deletes the session's rows, so a
cleared tab does not bring old failures back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from pydantic_ai.messages import ModelMessagesTypeAdapter

from ..agent import UnfinishedTurn
from ._extra import ExtraOp, messages_blob

__all__ = ["DELETE", "RecordUnfinished", "add_unfinished_turns", "read_unfinished"]


def add_unfinished_turns(conn: sqlite3.Connection) -> None:
    """Schema step 5: turns that ended in an error or were cancelled (a new table)."""
    conn.execute(
        """CREATE TABLE unfinished_turns (
            id         INTEGER PRIMARY KEY,
            session_id TEXT NOT NULL,
            seq        INTEGER NOT NULL,
            turn_id    TEXT NOT NULL,
            error_type TEXT NOT NULL,
            message    TEXT NOT NULL,
            messages   BLOB NOT NULL,
            ts         REAL NOT NULL
        )""")
    conn.execute("CREATE INDEX unfinished_by_session ON unfinished_turns (session_id, id)")


DELETE = "DELETE FROM unfinished_turns WHERE session_id = ?"


@dataclass(frozen=True, slots=True)
class RecordUnfinished(ExtraOp):
    """Keep one unfinished turn, after the transcript as it is now."""

    turn_id: str
    error_type: str
    message: str
    messages: bytes
    ts: float

    @classmethod
    def of(cls, session_id: str, turn: UnfinishedTurn) -> RecordUnfinished:
        return cls(session_id, turn.turn_id, turn.error_type, turn.message,
                   messages_blob(list(turn.messages)), turn.ts)

    def apply(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO unfinished_turns (session_id, seq, turn_id, error_type, message, "
            "messages, ts) SELECT ?, message_count, ?, ?, ?, ?, ? FROM sessions "
            "WHERE session_id = ?",
            (self.session_id, self.turn_id, self.error_type, self.message, self.messages,
             self.ts, self.session_id))


def read_unfinished(conn: sqlite3.Connection, session_id: str) -> list[UnfinishedTurn]:
    """The session's unfinished turns, oldest first, each placed in the live context
    (``at``: the number of live-context messages before it)."""
    row = conn.execute("SELECT context_from FROM sessions WHERE session_id = ?",
                       (session_id,)).fetchone()
    if row is None:
        return []
    head: int = conn.execute("SELECT count(*) FROM context_messages WHERE session_id = ?",
                             (session_id,)).fetchone()[0]
    out: list[UnfinishedTurn] = []
    for seq, turn_id, error_type, message, blob, ts in conn.execute(
            "SELECT seq, turn_id, error_type, message, messages, ts FROM unfinished_turns "
            "WHERE session_id = ? ORDER BY id", (session_id,)):
        at = head + max(0, seq - row[0])
        out.append(UnfinishedTurn(turn_id, message, error_type,
                                  tuple(ModelMessagesTypeAdapter.validate_json(blob)), at, ts))
    return out
