"""The single writer thread: every change to the archive goes through its queue.

Callers enqueue and return at once, so the event loop never waits on SQLite. The thread
takes everything queued so far, applies it in order in one transaction and commits,
then resolves the flush waiters of that batch on their loops. One writer means one
order: messages of a session are stored in the order they were enqueued, whatever other
sessions do meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from typing import Any

from ..errors import ArchiveError
from ._extra import DELETE_SESSION as _DELETE_EXTRA
from ._extra import ExtraOp
from ._ops import (
    AddAudit,
    AppendMessages,
    CreateSession,
    DeleteSession,
    Flush,
    Op,
    PurgeClosed,
    ReplaceContext,
    SaveSnapshot,
    SetAppState,
    Stop,
    UpdateSession,
    WriteOp,
    describe,
)
from ._rows import sql_value
from ._unfinished import DELETE as _DELETE_UNFINISHED

__all__ = ["Writer", "resolve"]

log = logging.getLogger("tabwise.archive")

# Enough to amortise a commit over a burst, small enough that one transaction never
# holds the write lock for long (other tabwise processes may want it).
MAX_BATCH = 2000

# How often a batch is retried whole when another process holds the write lock for
# longer than busy_timeout (5 s each).
BUSY_RETRIES = 2

_DELETE_SESSION = (
    *_DELETE_EXTRA,
    _DELETE_UNFINISHED,
    "DELETE FROM messages WHERE session_id = ?",
    "DELETE FROM context_messages WHERE session_id = ?",
    "DELETE FROM approvals WHERE session_id = ?",
    "DELETE FROM terminal_snapshots WHERE session_id = ?",
    "DELETE FROM sessions WHERE session_id = ?",
)


def _is_busy(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and (
        getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")))


def resolve(loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], result: Any = None,
            error: BaseException | None = None) -> None:
    """Complete ``future`` on its own loop, from any thread."""

    def complete() -> None:
        if future.done():  # the waiter was cancelled
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    try:
        loop.call_soon_threadsafe(complete)
    except RuntimeError:  # the loop is closed: nobody is waiting any more
        pass


class Writer:
    """Owns the write connection and the thread that uses it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.enqueued = 0  # write ops put (caller's thread only)
        self.processed = 0  # write ops committed or failed (writer thread only)
        self._queue: queue.SimpleQueue[Op] = queue.SimpleQueue()
        # The next transcript seq of each session we have touched (writer thread only).
        self._next_seq: dict[str, int] = {}
        # Failures not yet reported to a flush() caller (writer thread only).
        self._unreported: list[str] = []
        # Daemon: a program that forgets close() must still be able to exit; SQLite
        # discards a transaction cut short, so the file stays consistent.
        self._thread = threading.Thread(target=self._run, name="tabwise-archive-writer",
                                        daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def idle(self) -> bool:
        """Nothing queued is waiting to be committed and no failure is unreported."""
        return self.processed >= self.enqueued and not self._unreported

    def put(self, op: Op) -> None:
        if not isinstance(op, Flush | Stop):
            self.enqueued += 1
        self._queue.put(op)

    def join(self) -> None:
        self._thread.join()

    # -- writer thread --------------------------------------------------------------

    def _run(self) -> None:
        get, get_nowait = self._queue.get, self._queue.get_nowait
        stopping = False
        while not stopping:
            batch = [get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(get_nowait())
                except queue.Empty:
                    break
            stopping = any(isinstance(op, Stop) for op in batch)
            self._apply(batch)
        try:
            self.conn.execute("PRAGMA optimize")
        except sqlite3.Error as exc:
            log.warning("archive: PRAGMA optimize failed on close: %s", exc)
        self.conn.close()

    def _apply(self, batch: list[Op]) -> None:
        writes = [op for op in batch if isinstance(op, WriteOp)]
        if writes:
            self._commit(writes)
            self.processed += len(writes)
        for op in batch:
            if isinstance(op, Flush):
                errors: tuple[str, ...] = ()
                if op.report:
                    errors, self._unreported = tuple(self._unreported), []
                resolve(op.loop, op.future, errors)

    def _commit(self, writes: list[WriteOp]) -> None:
        for attempt in range(BUSY_RETRIES + 1):
            after: list[Callable[[], None]] = []
            try:
                self.conn.execute("BEGIN IMMEDIATE")
                for op in writes:
                    self._exec(op, after)
                self.conn.execute("COMMIT")
            except Exception as exc:  # SQLite, or a bug in one op
                self._rollback()
                if _is_busy(exc) and attempt < BUSY_RETRIES:
                    # Another process held the lock past busy_timeout: the batch itself
                    # is fine, so try it whole again rather than op by op.
                    log.warning("archive: the database is locked by another process; "
                                "retrying %d writes", len(writes))
                    continue
                if len(writes) == 1:
                    self._fail(writes[0], exc)
                    return
                # Save everything that can be saved: retry each op in its own transaction.
                log.warning("archive: a batch of %d writes failed (%s); retrying one by one",
                            len(writes), exc)
                for op in writes:
                    self._commit([op])
                return
            for callback in after:
                callback()
            return

    def _rollback(self) -> None:
        # The seq cache may have run ahead of what is now rolled back.
        self._next_seq.clear()
        if self.conn.in_transaction:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error as exc:
                log.error("archive: rollback failed: %s", exc)

    def _fail(self, op: WriteOp, exc: Exception) -> None:
        what = describe(op)
        log.error("archive: %s was not saved: %s", what, exc, exc_info=exc)
        self._unreported.append(f"{what}: {exc}")
        if isinstance(op, PurgeClosed):
            resolve(op.loop, op.future, error=ArchiveError(
                f"Purging old closed sessions failed ({exc}); nothing was deleted."))

    def _seq(self, session_id: str) -> int | None:
        seq = self._next_seq.get(session_id)
        if seq is None:
            row = self.conn.execute("SELECT message_count FROM sessions WHERE session_id = ?",
                                    (session_id,)).fetchone()
            if row is None:
                return None
            seq = self._next_seq[session_id] = row[0]
        return seq

    def _exec(self, op: WriteOp, after: list[Callable[[], None]]) -> None:
        conn = self.conn
        match op:
            case CreateSession(row=r):
                conn.execute(
                    """INSERT INTO sessions (session_id, name, working_directory, created_at,
                           updated_at, closed_at, position, provider, model, always_allow)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (session_id) DO UPDATE SET name = excluded.name,
                           working_directory = excluded.working_directory,
                           updated_at = excluded.updated_at, closed_at = excluded.closed_at,
                           position = excluded.position, provider = excluded.provider,
                           model = excluded.model, always_allow = excluded.always_allow""",
                    (r.session_id, r.name, r.working_directory, r.created_at, r.updated_at,
                     r.closed_at, r.position, r.provider, r.model,
                     sql_value("always_allow", r.always_allow)))
            case UpdateSession(session_id=sid, fields=fields):
                # Field names were checked against UPDATABLE_FIELDS by the caller.
                assignments = ", ".join(f"{name} = ?" for name, _ in fields)
                conn.execute(f"UPDATE sessions SET {assignments} WHERE session_id = ?",
                             (*(sql_value(n, v) for n, v in fields), sid))
            case AppendMessages(session_id=sid, bodies=bodies, first_prompt=prompt):
                if (seq := self._seq(sid)) is None:
                    self._orphan(op)
                    return
                conn.executemany(
                    "INSERT INTO messages (session_id, seq, body) VALUES (?, ?, ?)",
                    [(sid, seq + i, body) for i, body in enumerate(bodies)])
                self._next_seq[sid] = seq + len(bodies)
                conn.execute("UPDATE sessions SET message_count = ?, "
                             "first_prompt = coalesce(first_prompt, ?) WHERE session_id = ?",
                             (seq + len(bodies), prompt, sid))
            case ReplaceContext(session_id=sid, bodies=bodies):
                if (seq := self._seq(sid)) is None:
                    self._orphan(op)
                    return
                conn.execute("DELETE FROM context_messages WHERE session_id = ?", (sid,))
                # Turns that ended unanswered show only until the context is replaced.
                conn.execute(_DELETE_UNFINISHED, (sid,))
                conn.executemany(
                    "INSERT INTO context_messages (session_id, seq, body) VALUES (?, ?, ?)",
                    [(sid, i, body) for i, body in enumerate(bodies)])
                # The live context continues with transcript messages appended from now on.
                conn.execute("UPDATE sessions SET context_from = ? WHERE session_id = ?",
                             (seq, sid))
            case AddAudit():
                if self._seq(op.session_id) is None:
                    self._orphan(op)
                    return
                conn.execute(
                    "INSERT INTO approvals (session_id, request_id, tool_name, args, decision,"
                    " reason, ts) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (op.session_id, op.request_id, op.tool_name, op.args_json, op.decision,
                     op.reason, op.ts))
            case ExtraOp():
                if self._seq(op.session_id) is None:
                    self._orphan(op)
                    return
                op.apply(conn)
            case DeleteSession(session_id=sid):
                for statement in _DELETE_SESSION:
                    conn.execute(statement, (sid,))
                self._next_seq.pop(sid, None)
            case PurgeClosed(cutoff=cutoff, loop=loop, future=future):
                ids = [(sid,) for (sid,) in conn.execute(
                    "SELECT session_id FROM sessions "
                    "WHERE closed_at IS NOT NULL AND closed_at < ?", (cutoff,))]
                for statement in _DELETE_SESSION:
                    conn.executemany(statement, ids)
                for (sid,) in ids:
                    self._next_seq.pop(sid, None)
                after.append(lambda: resolve(loop, future, len(ids)))
            case SaveSnapshot(session_id=sid):
                if self._seq(sid) is None:
                    self._orphan(op)
                    return
                conn.execute(
                    "INSERT INTO terminal_snapshots (session_id, saved_at, rows, cols, data) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (session_id) DO UPDATE SET "
                    "saved_at = excluded.saved_at, rows = excluded.rows, "
                    "cols = excluded.cols, data = excluded.data",
                    (sid, op.saved_at, op.rows, op.cols, op.data))
            case SetAppState(key=key, value=None):
                conn.execute("DELETE FROM app_state WHERE key = ?", (key,))
            case SetAppState(key=key, value=value):
                conn.execute("INSERT INTO app_state (key, value) VALUES (?, ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             (key, value))

    def _orphan(self, op: WriteOp) -> None:
        # A benign race (a turn finishing just after its tab was deleted), not a failure.
        log.warning("archive: dropped %s: the session is not in the archive", describe(op))
