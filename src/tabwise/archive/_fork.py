"""Forks in the archive: a new session whose transcript is a copy of another's live
context (column ``sessions.forked_from``; schema step 3).

The copy is one ``INSERT … SELECT`` on the writer thread: message bodies go from row to
row inside SQLite, never through Python, so forking a long tab costs about as much as
the disk writes. What is copied is the source's *live context* (what its model is sent:
a compaction summary, then the turns after it), cut after ``count`` messages; the fork's
transcript starts there. Approvals, "always allow" answers, usage and a waiting turn
are the source's own and are not copied.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ._extra import ExtraOp

__all__ = ["ForkSession", "add_forked_from", "read_forked_from", "read_forks"]


def add_forked_from(conn: sqlite3.Connection) -> None:
    """Schema step 3: which session a session was forked from (NULL: none)."""
    conn.execute("ALTER TABLE sessions ADD COLUMN forked_from TEXT")


@dataclass(frozen=True, slots=True)
class ForkSession(ExtraOp):
    """Create session ``fork_id`` from the first ``count`` live-context messages of
    ``session_id`` (the source, which must be in the archive)."""

    fork_id: str
    name: str
    working_directory: str
    created_at: float
    position: int
    provider: str
    model: str
    count: int
    first_prompt: str | None

    def apply(self, conn: sqlite3.Connection) -> None:
        src = self.session_id
        conn.execute(
            """INSERT INTO sessions (session_id, name, working_directory, created_at,
                   updated_at, position, provider, model, first_prompt, forked_from)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (self.fork_id, self.name, self.working_directory, self.created_at,
             self.created_at, self.position, self.provider, self.model, self.first_prompt,
             src))
        # The live context = the replaced head (context_messages), then the transcript
        # from context_from on; the fork gets its first `count` rows, renumbered from 0.
        cur = conn.execute(
            """INSERT INTO messages (session_id, seq, body)
               SELECT ?, row_number() OVER (ORDER BY part, seq) - 1, body FROM (
                   SELECT 0 AS part, seq, body FROM context_messages WHERE session_id = ?
                   UNION ALL
                   SELECT 1 AS part, m.seq, m.body FROM messages m, sessions s
                   WHERE m.session_id = ? AND s.session_id = ? AND m.seq >= s.context_from
               ) ORDER BY part, seq LIMIT ?""",
            (self.fork_id, src, src, src, self.count))
        conn.execute("UPDATE sessions SET message_count = ? WHERE session_id = ?",
                     (cur.rowcount, self.fork_id))

    def describe(self) -> str:
        return f"fork_session({self.session_id!r} -> {self.fork_id!r}, {self.count} messages)"


def read_forks(conn: sqlite3.Connection) -> dict[str, str]:
    """``{fork id: source id}`` for every session that is a fork."""
    return dict(conn.execute(
        "SELECT session_id, forked_from FROM sessions WHERE forked_from IS NOT NULL"))


def read_forked_from(conn: sqlite3.Connection, session_id: str) -> str | None:
    row = conn.execute("SELECT forked_from FROM sessions WHERE session_id = ?",
                       (session_id,)).fetchone()
    return None if row is None else row[0]
