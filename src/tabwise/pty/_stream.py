"""A PTY's output as a stream of chunks with their byte offsets (``subscribe_pty``).

A :class:`PtyStream` starts at the moment it is made: its first chunk begins at
:attr:`PtyStream.offset`, the byte log's total at that moment, so a front end that
subscribes late reads what came before with ``pty_read(session_id, 0..offset)`` and
then applies the stream, with nothing missing and nothing twice. Offsets are those of
the PTY's :class:`~tabwise.pty.OutputLog` (the ones ``pty_read`` uses), contiguous
from chunk to chunk. The stream ends when its shell does (exit, ``close_session``,
``restart_terminal``: a new shell has a new log starting at 0) or when :meth:`close`
is called; its queue is bounded in bytes, and a reader that falls that far behind
gets :class:`PtyStreamOverflow` instead of the stream growing without limit.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ._process import PtyProcess

__all__ = ["MAX_STREAM_BYTES", "PtyChunk", "PtyStream", "PtyStreamOverflow"]

# Unread output a stream holds at most before it gives up on its reader.
MAX_STREAM_BYTES = 8 * 1024 * 1024
_ids = itertools.count(1)


class PtyStreamOverflow(Exception):
    """The reader of a PTY stream fell more than its bound behind and was dropped
    (like :class:`~tabwise.events.SubscriptionOverflow` for events)."""


@dataclass(frozen=True, slots=True)
class PtyChunk:
    """``data`` is the output from byte ``offset`` of the PTY's log."""

    offset: int
    data: bytes

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.data)


class PtyStream:
    """The output of one PTY from now on. Read with :meth:`get` (or ``async for``)."""

    def __init__(self, pty: PtyProcess, *, max_bytes: int = MAX_STREAM_BYTES) -> None:
        self.id = f"pty-{next(_ids)}"
        self.pty = pty
        self.offset = pty.output.total  # where the first chunk will start
        self.exit_code: int | None = None  # the shell's status, once it ended
        self._max_bytes = max_bytes
        self._queue: deque[PtyChunk] = deque()
        self._queued = 0
        self._ended = False
        self._overflowed = False
        self._wakeup = asyncio.Event()
        self._removers: list[Callable[[], None]] = [pty.add_listener(self._on_output)]
        # on_exit calls at once when the shell is already gone: added last.
        self._removers.append(pty.on_exit(self._on_exit))

    @property
    def ended(self) -> bool:
        """No more chunks will be queued (what is queued can still be read)."""
        return self._ended

    def get_nowait(self, max_bytes: int = 0) -> PtyChunk | None:
        """The next chunk, None if none is queued; with ``max_bytes``, the queued chunks
        joined into one of up to that many bytes (or the first alone, if larger).

        Raises :class:`StopAsyncIteration` once the stream ended and everything queued
        was read, :class:`PtyStreamOverflow` if the reader fell behind.
        """
        if self._overflowed:
            raise PtyStreamOverflow
        if not self._queue:
            if self._ended:
                raise StopAsyncIteration
            return None
        chunk = self._queue.popleft()
        if max_bytes and self._queue and len(chunk.data) < max_bytes:
            parts, size = [chunk.data], len(chunk.data)
            while self._queue and size + len(self._queue[0].data) <= max_bytes:
                data = self._queue.popleft().data
                parts.append(data)
                size += len(data)
            chunk = PtyChunk(chunk.offset, b"".join(parts))
        self._queued -= len(chunk.data)
        return chunk

    async def get(self, max_bytes: int = 0) -> PtyChunk:
        """Wait for the next chunk (``max_bytes``: as in :meth:`get_nowait`)."""
        while (chunk := self.get_nowait(max_bytes)) is None:
            self._wakeup.clear()
            await self._wakeup.wait()
        return chunk

    def __aiter__(self) -> PtyStream:
        return self

    async def __anext__(self) -> PtyChunk:
        return await self.get()

    def close(self) -> None:
        """Stop following the PTY; what is queued can still be read, then it ends."""
        self._end()

    def _on_output(self, data: bytes) -> None:
        # OutputLog.append is the PTY's first listener: the total already counts ``data``.
        chunk = PtyChunk(self.pty.output.total - len(data), data)
        self._queue.append(chunk)
        self._queued += len(data)
        if self._queued > self._max_bytes:
            self._overflowed = True
            self._queue.clear()
            self._queued = 0
            self._end()
        self._wakeup.set()

    def _on_exit(self, code: int | None) -> None:
        self.exit_code = code
        self._end()

    def _end(self) -> None:
        if self._ended:
            return
        self._ended = True
        for remove in self._removers:
            remove()
        self._removers.clear()
        self._wakeup.set()
