"""The read side: one query-only connection, used from worker threads under a lock.

WAL lets these reads run while the writer commits; every method sees one consistent
snapshot (the multi-query ones run inside a read transaction).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from ..agent import AuditRecord
from ._rows import SESSION_COLUMNS, SessionRow, TerminalSnapshot, session_from_sql
from ._schema import connect

__all__ = ["Reader"]

T = TypeVar("T")

_OPEN = (f"SELECT {SESSION_COLUMNS} FROM sessions WHERE closed_at IS NULL "
         "ORDER BY position, created_at LIMIT ?")
_ALL = f"SELECT {SESSION_COLUMNS} FROM sessions ORDER BY updated_at DESC LIMIT ?"
_ONE = f"SELECT {SESSION_COLUMNS} FROM sessions WHERE session_id = ?"


class Reader:
    """Blocking reads; the :class:`~tabwise.archive.Archive` runs them in threads."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(path, read_only=True)
        # asyncio.to_thread may run two reads at once on different threads; a
        # connection must only be used by one at a time.
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(connection, *args)`` in one snapshot (reads of other modules)."""
        with self._snapshot() as conn:
            return fn(conn, *args)

    def sessions(self, include_closed: bool, limit: int | None) -> list[SessionRow]:
        with self._lock:
            rows = self._conn.execute(_ALL if include_closed else _OPEN,
                                      (-1 if limit is None else limit,)).fetchall()
        return [session_from_sql(r) for r in rows]

    def session(self, session_id: str) -> SessionRow | None:
        with self._lock:
            row = self._conn.execute(_ONE, (session_id,)).fetchone()
        return None if row is None else session_from_sql(row)

    def context_bodies(self, session_id: str) -> list[bytes]:
        """The live context: the replaced head, then the transcript from context_from."""
        with self._snapshot() as conn:
            row = conn.execute("SELECT context_from FROM sessions WHERE session_id = ?",
                               (session_id,)).fetchone()
            if row is None:
                return []
            bodies = [b for (b,) in conn.execute(
                "SELECT body FROM context_messages WHERE session_id = ? ORDER BY seq",
                (session_id,))]
            bodies += [b for (b,) in conn.execute(
                "SELECT body FROM messages WHERE session_id = ? AND seq >= ? ORDER BY seq",
                (session_id, row[0]))]
        return bodies

    def transcript_bodies(self, session_id: str) -> list[bytes]:
        with self._lock:
            return [b for (b,) in self._conn.execute(
                "SELECT body FROM messages WHERE session_id = ? ORDER BY seq", (session_id,))]

    def audit(self, session_id: str) -> list[AuditRecord]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT session_id, request_id, tool_name, args, decision, reason, ts "
                "FROM approvals WHERE session_id = ? ORDER BY id", (session_id,)).fetchall()
        return [AuditRecord(sid, rid, tool, json.loads(args), decision, reason, ts)
                for sid, rid, tool, args, decision, reason, ts in rows]

    def snapshot(self, session_id: str) -> TerminalSnapshot | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT session_id, saved_at, rows, cols, data FROM terminal_snapshots "
                "WHERE session_id = ?", (session_id,)).fetchone()
        return None if row is None else TerminalSnapshot(*row)

    def app_state(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM app_state WHERE key = ?",
                                     (key,)).fetchone()
        return None if row is None else str(row[0])

    def ids_with_prefix(self, prefix: str) -> list[str]:
        with self._lock:
            return [sid for (sid,) in self._conn.execute(
                "SELECT session_id FROM sessions WHERE substr(session_id, 1, ?) = ? "
                "ORDER BY session_id", (len(prefix), prefix))]
