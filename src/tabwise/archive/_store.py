"""The :class:`Archive`: sessions, their messages and approvals, kept in SQLite."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pydantic
from pydantic_ai.messages import ModelMessage

from ..agent import AuditRecord, ModelUsage, PendingTurn, RequestCost, UnfinishedTurn
from ..errors import ArchiveError
from ._codec import dump_messages, first_prompt, load_messages, warm_up
from ._errors import one_with_prefix
from ._extra import (
    AddUsage,
    AnswerPending,
    DropPending,
    SavePending,
    read_pending,
    read_usage,
    read_usage_all,
)
from ._fork import ForkSession, read_forked_from, read_forks
from ._ops import (
    AddAudit,
    AppendMessages,
    CreateSession,
    DeleteSession,
    Flush,
    PurgeClosed,
    ReplaceContext,
    SaveSnapshot,
    SetAppState,
    Stop,
    UpdateSession,
    WriteOp,
)
from ._reader import Reader
from ._rows import UPDATABLE_FIELDS, SessionRow, TerminalSnapshot
from ._schema import connect, prepare_database
from ._unfinished import RecordUnfinished, read_unfinished
from ._writer import Writer

__all__ = ["Archive"]

T = TypeVar("T")


def _open_blocking(path: Path) -> tuple[sqlite3.Connection, Reader]:
    prepare_database(path)
    warm_up()
    try:
        conn = connect(path)
    except sqlite3.Error as exc:
        raise ArchiveError(f"tabwise cannot open its session archive {path}: {exc}.") from exc
    try:
        return conn, Reader(path)
    except sqlite3.Error as exc:
        conn.close()
        raise ArchiveError(f"tabwise cannot open its session archive {path}: {exc}.") from exc


class Archive:
    """The session archive (DESIGN §7): one SQLite file in WAL mode.

    Writes (``create_session``, ``append_messages``, ...) return at once: they are queued
    for one writer thread that commits them in order, in batches. ``flush()`` waits until
    everything queued so far is committed. Reads run in worker threads on their own
    connection and always see every write queued before them. Call the write methods
    from the event loop's thread.

    Open with :meth:`open`, finish with :meth:`close`.
    """

    def __init__(self, path: Path, writer: Writer, reader: Reader) -> None:
        """Use :meth:`Archive.open`."""
        self.path = path
        self._writer = writer
        self._reader = reader
        self._closed = False

    @classmethod
    async def open(cls, path: Path) -> Archive:
        """Open the archive at ``path``, creating or upgrading it.

        Raises :class:`~tabwise.archive.ArchiveUnreadable` if the file is damaged (it is
        never replaced) and :class:`~tabwise.archive.ArchiveTooNew` for a newer schema.
        """
        path = Path(path)
        conn, reader = await asyncio.to_thread(_open_blocking, path)
        writer = Writer(conn)
        writer.start()
        return cls(path, writer, reader)

    async def close(self) -> None:
        """Commit everything queued, stop the writer thread and close the connections."""
        if self._closed:
            return
        self._closed = True
        self._writer.put(Stop())
        await asyncio.to_thread(self._writer.join)
        await asyncio.to_thread(self._reader.close)

    # -- writes: queued, never blocking -------------------------------------------------

    def _put(self, op: WriteOp) -> None:
        if self._closed:
            raise ArchiveError("The session archive is closed; nothing more can be saved.")
        self._writer.put(op)

    def create_session(self, row: SessionRow) -> None:
        """Add a session (or overwrite the metadata of one with the same id)."""
        if isinstance(row.always_allow, str):
            raise TypeError("always_allow must be a sequence of tool names, not a string")
        self._put(CreateSession(row))

    def update_session(self, session_id: str, **fields: Any) -> None:
        """Change any of name, position, provider, model, updated_at, closed_at,
        always_allow, working_directory. An unknown field name raises ``TypeError`` at once."""
        unknown = set(fields) - UPDATABLE_FIELDS
        if unknown:
            raise TypeError(f"update_session() got unknown fields: {', '.join(sorted(unknown))}")
        if isinstance(fields.get("always_allow"), str):
            raise TypeError("always_allow must be a sequence of tool names, not a string")
        if fields:
            self._put(UpdateSession(session_id, tuple(fields.items())))

    def append_messages(self, session_id: str, messages: list[ModelMessage]) -> None:
        """Append one turn's new messages to the transcript and to the live context."""
        if messages:
            self._put(AppendMessages(session_id, dump_messages(messages),
                                     first_prompt(messages)))

    def replace_context(self, session_id: str, messages: list[ModelMessage]) -> None:
        """Make ``messages`` the live context (after a clear or a compaction); later
        appends continue it. The full transcript is kept for export."""
        self._put(ReplaceContext(session_id, dump_messages(messages)))

    def add_audit(self, record: AuditRecord) -> None:
        """Record one approval decision."""
        args = json.dumps(record.args, ensure_ascii=False, default=str)
        self._put(AddAudit(record.session_id, record.request_id, record.tool_name, args,
                           record.decision, record.reason, record.ts))

    def save_terminal_snapshot(self, snapshot: TerminalSnapshot) -> None:
        """Keep ``snapshot`` as the session's last terminal screen (replacing the last)."""
        self._put(SaveSnapshot(snapshot.session_id, snapshot.saved_at, snapshot.rows,
                               snapshot.cols, bytes(snapshot.data)))

    def set_app_state(self, key: str, value: str | None) -> None:
        """Remember a small app-wide value (None forgets it)."""
        self._put(SetAppState(key, value))

    def delete_session(self, session_id: str) -> None:
        """Remove a session with its messages, audit and terminal snapshot."""
        self._put(DeleteSession(session_id))

    def add_usage(self, session_id: str, cost: RequestCost) -> None:
        """Add one model request to the session's usage sums."""
        self._put(AddUsage(session_id, cost))

    async def save_pending(self, turn: PendingTurn) -> None:
        """Keep a turn waiting for approvals (replaces the session's earlier one);
        returns once it is committed.

        The conversation is serialised in a worker thread (it can be long); the turn
        waits meanwhile, so nothing changes it.
        """
        op = await asyncio.to_thread(SavePending.of, turn)
        self._put(op)
        await self.flush()

    def answer_pending(self, session_id: str, request_id: str, decision: str,
                       reason: str | None) -> None:
        """Record the answer to one waiting call."""
        self._put(AnswerPending(session_id, request_id, decision, reason))

    def drop_pending(self, session_id: str) -> None:
        """Forget the session's waiting turn (answered or cancelled)."""
        self._put(DropPending(session_id))

    def record_unfinished(self, session_id: str, turn: UnfinishedTurn) -> None:
        """Keep a turn that failed or was cancelled (shown by ``get_conversation`` after
        the messages archived so far, until the context is next replaced)."""
        self._put(RecordUnfinished.of(session_id, turn))

    async def fork_session(self, op: ForkSession) -> None:
        """Copy a session's live context into a new session (one ``INSERT … SELECT``);
        returns once it is committed. Raises :class:`~tabwise.errors.ArchiveError`."""
        self._put(op)
        await self.flush()

    async def flush(self) -> None:
        """Wait until everything queued so far is committed.

        Raises :class:`~tabwise.errors.ArchiveError` if writes failed since the last
        ``flush()`` (they are also logged when they happen).
        """
        errors = await self._written(report=True)
        if errors:
            raise ArchiveError(
                f"{len(errors)} change(s) to the session archive {self.path} could not be "
                f"saved; the first: {errors[0]}. See the log for details."
            )

    async def durable(self) -> None:
        """Like :meth:`flush`, but returns at once when nothing is waiting to be
        committed: what a command reports is on disk before its reply (DESIGN §4)."""
        if not self._writer.idle:
            await self.flush()

    async def _written(self, *, report: bool) -> tuple[str, ...]:
        if self._closed:
            raise ArchiveError("The session archive is closed.")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[tuple[str, ...]] = loop.create_future()
        self._writer.put(Flush(loop, future, report))
        return await future

    async def purge_closed(self, older_than_days: int) -> int:
        """Delete sessions closed more than ``older_than_days`` days ago (0 keeps all).
        Returns how many were deleted."""
        if older_than_days <= 0:
            return 0
        if self._closed:
            raise ArchiveError("The session archive is closed.")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[int] = loop.create_future()
        self._put(PurgeClosed(time.time() - older_than_days * 86400.0, loop, future))
        return await future

    # -- reads: worker threads, a snapshot that includes every queued write -------------

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        if self._closed:
            raise ArchiveError("The session archive is closed.")
        # Read your writes: wait for the writer only if it is behind this caller.
        if self._writer.processed < self._writer.enqueued:
            await self._written(report=False)
        try:
            return await asyncio.to_thread(fn, *args)
        except sqlite3.Error as exc:
            raise ArchiveError(
                f"Reading the session archive {self.path} failed ({exc}). If this keeps "
                "happening the file may be damaged: move it aside and restart tabwise."
            ) from exc

    async def list_sessions(self, include_closed: bool = False,
                            limit: int | None = None) -> list[SessionRow]:
        """Open sessions by tab position; with ``include_closed``, every session, most
        recently updated first."""
        return await self._read(self._reader.sessions, include_closed, limit)

    async def get_session(self, session_id: str) -> SessionRow | None:
        """One session's metadata, or None."""
        return await self._read(self._reader.session, session_id)

    async def load_context(self, session_id: str) -> list[ModelMessage]:
        """The live context to restore a tab from (the compacted state, if any)."""
        return await self._read(self._messages, self._reader.context_bodies, session_id)

    async def load_transcript(self, session_id: str) -> list[ModelMessage]:
        """Every message the session ever had, in order (for export)."""
        return await self._read(self._messages, self._reader.transcript_bodies, session_id)

    def _messages(self, bodies_of: Callable[[str], list[bytes]],
                  session_id: str) -> list[ModelMessage]:
        try:
            return load_messages(bodies_of(session_id))
        except pydantic.ValidationError as exc:
            raise ArchiveError(
                f"The archived messages of session {session_id!r} are not valid pydantic-ai "
                f"messages ({exc.error_count()} errors); export or delete the session."
            ) from exc

    async def load_usage(self, session_id: str) -> list[ModelUsage]:
        """The session's usage sums per provider/model."""
        return await self._read(self._reader.run, read_usage, session_id)

    async def load_usage_all(self) -> dict[str, list[ModelUsage]]:
        """Every session's usage sums, by session id."""
        return await self._read(self._reader.run, read_usage_all)

    async def load_pending(self, session_id: str) -> PendingTurn | None:
        """The session's turn waiting for approvals, if it has one."""
        try:
            return await self._read(self._reader.run, read_pending, session_id)
        except pydantic.ValidationError as exc:
            raise ArchiveError(
                f"The saved approval request of session {session_id!r} is not valid "
                f"({exc.error_count()} errors); it cannot be continued."
            ) from exc

    async def load_unfinished(self, session_id: str) -> list[UnfinishedTurn]:
        """The turns since the last context replacement that failed or were cancelled,
        oldest first, each placed in the live context (``at``)."""
        try:
            return await self._read(self._reader.run, read_unfinished, session_id)
        except pydantic.ValidationError as exc:
            raise ArchiveError(
                f"The unfinished turns of session {session_id!r} are not valid pydantic-ai "
                f"messages ({exc.error_count()} errors); export or delete the session."
            ) from exc

    async def load_terminal_snapshot(self, session_id: str) -> TerminalSnapshot | None:
        """The session's last saved terminal screen, or None."""
        return await self._read(self._reader.snapshot, session_id)

    async def get_app_state(self, key: str) -> str | None:
        """A value kept with :meth:`set_app_state`, or None."""
        return await self._read(self._reader.app_state, key)

    async def load_forks(self) -> dict[str, str]:
        """``{fork id: source id}`` for every fork in the archive."""
        return await self._read(self._reader.run, read_forks)

    async def load_forked_from(self, session_id: str) -> str | None:
        """The session a session was forked from, or None."""
        return await self._read(self._reader.run, read_forked_from, session_id)

    async def load_audit(self, session_id: str) -> list[AuditRecord]:
        """The approval decisions of a session, oldest first."""
        return await self._read(self._reader.audit, session_id)

    async def resolve_prefix(self, prefix: str) -> str:
        """The full id of the one session whose id starts with ``prefix``.

        Raises :class:`~tabwise.archive.UnknownSessionPrefix` or
        :class:`~tabwise.archive.AmbiguousSessionPrefix`.
        """
        prefix = prefix.strip()
        matches = await self._read(self._reader.ids_with_prefix, prefix) if prefix else []
        return one_with_prefix(prefix, matches)
