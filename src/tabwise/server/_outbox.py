"""One connection's outgoing frames: one ordered writer, bounded in bytes (DESIGN §6).

Replies and events leave in the order they were put, so a command's reply is queued
after the events it caused and arrives after them. What is queued but not yet written
to the socket counts against ``max_bytes``: a client that stops reading is dropped with
close code 1008 instead of growing the server without limit, and a send that makes no
progress for ``stall_seconds`` drops it too (websockets' keepalive ping waits on the
same full buffer, so it would never notice). Other connections never wait on this one.

Text deltas are paced: while a delta frame is the only thing queued and the previous
delta frame left less than :data:`DELTA_FRAME_SECONDS` ago, later deltas of the same
stream merge into it, so a fast stream costs one frame per ~16 ms, not one per token.
The first delta of a burst and anything queued behind a delta go out at once.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode

from ..events import DELTA_TYPES, Delta, Event
from ._wire import event_params

__all__ = ["DELTA_FRAME_SECONDS", "MAX_UNSENT_BYTES", "STALL_SECONDS", "Outbox", "encode"]

log = logging.getLogger("tabwise.server")

MAX_UNSENT_BYTES = 8 * 1024 * 1024
STALL_SECONDS = 30.0
DELTA_FRAME_SECONDS = 0.016
# How long a dropped client gets to read the close frame before the socket is cut.
CLOSE_GRACE_SECONDS = 2.0
# A delta frame's JSON around its text (ids, seq, ts): an estimate until it is encoded.
_EVENT_OVERHEAD = 200


def encode(payload: Any) -> str:
    """JSON text of ``payload``; anything JSON cannot hold is sent as its ``str()``."""
    return json.dumps(payload, default=str)


def _event_frame(ev: Event, subscription: str) -> str:
    params = event_params(ev)
    params["subscription"] = subscription
    return encode({"jsonrpc": "2.0", "method": "ai_event", "params": params})


@dataclass(slots=True)
class _Frame:
    # Mutable on purpose: a queued delta frame absorbs later deltas until it is sent.
    text: str | None
    size: int
    event: Event | None = None
    subscription: str = ""

    def mergeable(self, ev: Event, subscription: str) -> bool:
        e = self.event
        return (e is not None and ev.type in DELTA_TYPES and e.type == ev.type
                and e.session_id == ev.session_id and self.subscription == subscription)


class Outbox:
    """The ordered, bounded writer of one WebSocket connection. Run :meth:`run` in a task."""

    def __init__(self, ws: ServerConnection, *, max_bytes: int = MAX_UNSENT_BYTES,
                 stall_seconds: float = STALL_SECONDS) -> None:
        self.ws = ws
        self.max_bytes = max_bytes
        self.stall_seconds = stall_seconds
        self.unsent = 0  # bytes queued plus the frame being written
        self.dropped: str | None = None  # why the client was dropped, once it was
        self._frames: deque[_Frame] = deque()
        self._ready = asyncio.Event()
        self._stopping = False
        self._last_delta = 0.0
        self._closer: asyncio.Task[None] | None = None

    # -- putting (never blocks, never awaits) ----------------------------------------

    def put_text(self, text: str) -> None:
        """Queue one encoded frame (a reply or a notification)."""
        self._append(_Frame(text, len(text)))

    def put_event(self, ev: Event, subscription: str) -> None:
        """Queue an event notification; a delta may merge into the last queued frame."""
        if self.dropped is not None:
            return
        if isinstance(delta := ev.payload, Delta):
            tail = self._frames[-1] if self._frames else None
            if tail is not None and tail.mergeable(ev, subscription):
                assert tail.event is not None
                tail.event = tail.event.merged_with(ev)
                grown = len(delta.delta)
                tail.size += grown
                self._grow(grown)
                return
            size = _EVENT_OVERHEAD + len(delta.delta)
            self._append(_Frame(None, size, ev, subscription))
            return
        self._append(_Frame(_event_frame(ev, subscription), 0, ev, subscription))

    def _append(self, frame: _Frame) -> None:
        if self.dropped is not None:
            return
        if frame.text is not None:
            frame.size = len(frame.text)
        self._frames.append(frame)
        self._grow(frame.size)
        self._ready.set()

    def _grow(self, size: int) -> None:
        self.unsent += size
        # One frame alone may exceed the bound (a large export must still be deliverable);
        # what queues up behind it may not.
        if self.unsent > self.max_bytes and self.unsent > size:
            self.drop(f"the client is not reading: more than {self.max_bytes // 1024} KB "
                      "of replies and events are unsent")

    def drop(self, reason: str) -> None:
        """Disconnect the client (close code 1008), discarding what it has not read."""
        if self.dropped is not None:
            return
        self.dropped = reason
        log.warning("dropping a client: %s", reason)
        self._frames.clear()
        self.unsent = 0
        self._ready.set()
        self._closer = asyncio.create_task(self._close(reason))

    async def _close(self, reason: str) -> None:
        try:
            async with asyncio.timeout(CLOSE_GRACE_SECONDS):
                await self.ws.close(CloseCode.POLICY_VIOLATION, reason[:120])
        except TimeoutError:
            # The close frame is stuck behind data the client never reads.
            self.ws.transport.abort()

    # -- writing ---------------------------------------------------------------------

    def stop(self) -> None:
        """End :meth:`run` (the connection is gone)."""
        self._stopping = True
        self._ready.set()

    async def run(self) -> None:
        """Write queued frames in order until :meth:`stop` or the connection ends."""
        loop = asyncio.get_running_loop()
        frames = self._frames
        try:
            while not self._stopping and self.dropped is None:
                if not frames:
                    self._ready.clear()
                    await self._ready.wait()
                    continue
                head = frames[0]
                if head.text is None and len(frames) == 1:
                    wait = self._last_delta + DELTA_FRAME_SECONDS - loop.time()
                    if wait > 0:
                        # Let this stream's next deltas merge into the frame; anything
                        # else queued behind it ends the wait.
                        self._ready.clear()
                        try:
                            async with asyncio.timeout(wait):
                                await self._ready.wait()
                        except TimeoutError:
                            pass
                        continue
                frame = frames.popleft()
                text = frame.text
                if text is None:
                    assert frame.event is not None
                    text = _event_frame(frame.event, frame.subscription)
                    self._last_delta = loop.time()
                    self.unsent += len(text) - frame.size
                    frame.size = len(text)
                try:
                    async with asyncio.timeout(self.stall_seconds):
                        await self.ws.send(text)
                except TimeoutError:
                    self.drop(f"the client read nothing for {self.stall_seconds:g} s")
                    return
                self.unsent -= frame.size
        except ConnectionClosed:
            return
        finally:
            if self._closer is not None:
                await asyncio.shield(self._closer)
