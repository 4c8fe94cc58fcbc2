"""The one bridge from the core's event bus to Textual messages.

:class:`EventPump` runs a worker that iterates ``core.subscribe()`` (every session) and
posts each event to its target as an :class:`AiEvent` message. Nothing else in the TUI
reads the bus, so the UI sees events in bus order, on the UI's own message queue.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.message import Message

from ..events import Delta, Event, Subscription, SubscriptionOverflow

if TYPE_CHECKING:
    from textual.worker import Worker

    from ..commands import Tabwise

__all__ = ["AiEvent", "EventPump"]

log = logging.getLogger("tabwise.tui")

DELTA_BATCH = 0.01  # s a delta waits for more deltas to merge with


class AiEvent(Message):
    """A core event (DESIGN §5) of one session, delivered on the UI's queue."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    @property
    def session_id(self) -> str:
        return self.event.session_id


class EventPump:
    """Subscribes to every session's events and posts them to ``target``."""

    def __init__(self, core: Tabwise, target: DOMNode) -> None:
        self.core = core
        self.target = target
        self._worker: Worker[None] | None = None

    def start(self) -> None:
        """Subscribe now (so no later event is missed) and pump in a worker."""
        sub = self.core.subscribe()
        self._worker = self.target.run_worker(self._pump(sub), name="event-pump",
                                              group="event-pump", exit_on_error=False)

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    async def _pump(self, sub: Subscription) -> None:
        try:
            while True:
                try:
                    await self._pump_batches(sub)
                    return
                except SubscriptionOverflow:
                    # The UI fell hopelessly behind (it never should): start over rather
                    # than stop showing events at all.
                    log.warning("the TUI's event subscription overflowed; resubscribing")
                    sub = self.core.subscribe()
        finally:
            sub.close()

    async def _pump_batches(self, sub: Subscription) -> None:
        """Post every event in bus order; text and reasoning deltas that arrive within
        :data:`DELTA_BATCH` seconds of each other go as one merged event (same session,
        same kind), so a fast stream costs the UI tens of messages a second, not
        thousands. The answer shows at most every 50 ms anyway."""
        post = self.target.post_message
        while True:
            try:
                event = await sub.get()
            except StopAsyncIteration:
                return
            if not isinstance(event.payload, Delta):
                post(AiEvent(event))
                continue
            await asyncio.sleep(DELTA_BATCH)
            held: Event | None = event
            while (nxt := sub.get_nowait()) is not None:
                assert held is not None
                if type(nxt.payload) is type(held.payload) and \
                        nxt.session_id == held.session_id:
                    held = held.merged_with(nxt)
                    continue
                post(AiEvent(held))
                if isinstance(nxt.payload, Delta):
                    held = nxt
                else:
                    post(AiEvent(nxt))
                    held = None
                    break
            if held is not None:
                post(AiEvent(held))
