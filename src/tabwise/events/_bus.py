"""The event bus: per-session sequence numbers and one bounded queue per subscriber.

Publishing never blocks and never awaits: a subscriber that falls behind first has its
queued text deltas merged (one event carrying the joined text, so nothing is lost), and
only a subscriber that still cannot keep up past a hard limit is dropped and told so.
Agents therefore stream at full speed whatever their subscribers do.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator

from ._event import Event
from ._payloads import Delta, Payload

__all__ = ["EventBus", "Subscription", "SubscriptionOverflow"]


class SubscriptionOverflow(Exception):
    """The subscriber fell too far behind and was dropped."""


class Subscription:
    """A subscriber's queue. Iterate it (``async for ev in sub``) or call ``get()``."""

    def __init__(self, bus: EventBus, session_id: str | None, soft_limit: int,
                 hard_limit: int) -> None:
        self.id = f"sub-{next(_ids)}"
        self.session_id = session_id
        self._bus = bus
        self._queue: deque[Event] = deque()
        self._soft = soft_limit
        self._hard = hard_limit
        self._ready = asyncio.Event()
        self.closed = False
        self.overflowed = False

    def wants(self, event: Event) -> bool:
        return self.session_id is None or self.session_id == event.session_id

    def _push(self, event: Event) -> None:
        q = self._queue
        if len(q) >= self._soft and isinstance(event.payload, Delta):
            # Behind: merge into the last queued delta of the same kind and session.
            last = q[-1]
            if type(last.payload) is type(event.payload) and \
                    last.session_id == event.session_id:
                q[-1] = last.merged_with(event)
                return
        if len(q) >= self._hard:
            self.overflowed = True
            self.close()
            return
        q.append(event)
        self._ready.set()

    def pending(self) -> int:
        return len(self._queue)

    def get_nowait(self) -> Event | None:
        if self._queue:
            ev = self._queue.popleft()
            if not self._queue:
                self._ready.clear()
            return ev
        return None

    async def get(self) -> Event:
        """The next event. Raises ``SubscriptionOverflow`` or ``StopAsyncIteration`` at end."""
        while True:
            ev = self.get_nowait()
            if ev is not None:
                return ev
            if self.closed:
                if self.overflowed:
                    raise SubscriptionOverflow(self.id)
                raise StopAsyncIteration
            await self._ready.wait()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self

    async def __anext__(self) -> Event:
        return await self.get()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus._remove(self)
            self._ready.set()


_ids = itertools.count(1)


class EventBus:
    """Assigns ``seq`` per session and fans events out to subscribers."""

    def __init__(self, soft_limit: int = 1000, hard_limit: int = 100_000) -> None:
        # Subscribers to every session, and to one session each: publishing costs the
        # same with one tab or a thousand.
        self._all: list[Subscription] = []
        self._by_session: dict[str, list[Subscription]] = {}
        self._seq: dict[str, int] = {}
        self._soft = soft_limit
        self._hard = hard_limit

    def subscribe(self, session_id: str | None = None) -> Subscription:
        """Events of ``session_id`` only, or of every session when None."""
        sub = Subscription(self, session_id, self._soft, self._hard)
        if session_id is None:
            self._all.append(sub)
        else:
            self._by_session.setdefault(session_id, []).append(sub)
        return sub

    def _remove(self, sub: Subscription) -> None:
        subs = self._all if sub.session_id is None else self._by_session.get(sub.session_id)
        if subs and sub in subs:
            subs.remove(sub)
            if not subs and sub.session_id is not None:
                del self._by_session[sub.session_id]

    def last_seq(self, session_id: str) -> int:
        return self._seq.get(session_id, 0)

    def set_seq(self, session_id: str, seq: int) -> None:
        """Continue a restored session's numbering after ``seq``."""
        self._seq[session_id] = max(seq, self._seq.get(session_id, 0))

    def publish(self, session_id: str, payload: Payload) -> Event:
        """Number ``payload`` as the session's next event and hand it to its subscribers."""
        seq = self._seq.get(session_id, 0) + 1
        self._seq[session_id] = seq
        event = Event(session_id, seq, time.time(), payload)
        for sub in tuple(self._by_session.get(session_id, ())):
            sub._push(event)
        for sub in tuple(self._all):
            sub._push(event)
        return event

    def forget(self, session_id: str) -> None:
        """Drop a deleted session's counter."""
        self._seq.pop(session_id, None)
