"""One frame clock per event loop that feeds every terminal its pending output.

PTY output is only queued when it arrives; the emulators are fed here in short work
units (at most ~2 ms each, yielding to the loop in between so key presses and
repaints interleave) and, for terminals with a lot pending, within a budget of 8 ms
per 60 fps frame shared by all of them. So a flood in one tab (``seq 1 2000000``,
``cat bigfile``) can take about half the loop's time and no more.

Terminals with little pending (a keystroke's echo, a prompt) are fed at once, even
between frames and even when the flood has spent the frame's budget, and are told
to repaint right away; flooding terminals repaint once per frame.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Protocol

__all__ = ["FRAME_SECONDS", "FrameClock"]

FRAME_SECONDS = 1 / 60
FEED_BUDGET_SECONDS = 0.008
UNIT_SECONDS = 0.002
SMALL_BACKLOG = 64 * 1024  # about one work unit of output for the avt engine
# Output fed at once per frame and terminal, before it counts as a flood and waits for
# frame ticks (batched: a flood arrives in 4 KB reads, too small to handle one by one).
BURST_BYTES = 32 * 1024


class Pumped(Protocol):
    """What the clock drives (a :class:`~tabwise.tui.terminal.TerminalModel`)."""

    @property
    def backlog(self) -> int: ...

    @property
    def fed_bytes(self) -> int: ...

    def pump(self, deadline: float) -> None:
        """Feed pending output until empty or ``time.perf_counter() >= deadline``."""

    def flush(self) -> bool:
        """Tell the attached view what changed; False if it is too soon (retry later)."""


_clocks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, FrameClock] = (
    weakref.WeakKeyDictionary()
)


class FrameClock:
    """Schedules feed work for the terminals of one event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._waiting: dict[Pumped, None] = {}  # insertion-ordered set
        self._unflushed: dict[Pumped, None] = {}  # fed this frame, not yet repainted
        self._handle: asyncio.Handle | asyncio.TimerHandle | None = None
        self._handle_waits = False  # the pending run is a timer, not call_soon
        self._frame_start = float("-inf")
        self._spent = 0.0
        self._frame_fed: dict[Pumped, int] = {}  # bytes fed this frame, per terminal

    @classmethod
    def current(cls) -> FrameClock:
        """The clock of the running loop, created on first use."""
        loop = asyncio.get_running_loop()
        clock = _clocks.get(loop)
        if clock is None:
            clock = _clocks[loop] = cls(loop)
        return clock

    def wake(self, model: Pumped) -> None:
        """``model`` has output to process: make sure work is coming."""
        self._waiting[model] = None
        interactive = self._interactive(model)
        if self._handle is not None:
            if not (interactive and self._handle_waits):
                return
            self._handle.cancel()  # an echo is fed now, not at the next frame
        self._schedule(None if interactive else self._until_next_frame())

    def forget(self, model: Pumped) -> None:
        """Stop feeding ``model`` (its PTY was detached or closed)."""
        self._waiting.pop(model, None)
        self._unflushed.pop(model, None)
        self._frame_fed.pop(model, None)

    def _interactive(self, model: Pumped) -> bool:
        """Little to do and little done this frame: an echo or a prompt, not a flood."""
        if model.backlog > SMALL_BACKLOG:
            return False
        frame_over = self._loop.time() >= self._frame_start + FRAME_SECONDS
        return frame_over or self._frame_fed.get(model, 0) < BURST_BYTES

    def _schedule(self, delay: float | None) -> None:
        """Run :meth:`_work` now (``None``) or after ``delay`` seconds."""
        self._handle_waits = delay is not None
        if delay is None:
            self._handle = self._loop.call_soon(self._work)
        else:
            self._handle = self._loop.call_later(delay, self._work)

    def _until_next_frame(self) -> float:
        return max(0.0, self._frame_start + FRAME_SECONDS - self._loop.time())

    def _work(self) -> None:
        self._handle = None
        now = self._loop.time()
        if now >= self._frame_start + FRAME_SECONDS:
            self._frame_start, self._spent = now, 0.0
            self._frame_fed.clear()
        started = time.perf_counter()
        unit_end = started + UNIT_SECONDS
        budget_end = started + max(0.0, FEED_BUDGET_SECONDS - self._spent)
        flood_continues = False
        for model in sorted(self._waiting, key=lambda m: m.backlog):
            interactive = self._interactive(model)
            if not interactive and time.perf_counter() >= budget_end:
                continue
            before = model.fed_bytes
            model.pump(unit_end if interactive else min(unit_end, budget_end))
            self._frame_fed[model] = self._frame_fed.get(model, 0) + model.fed_bytes - before
            self._unflushed[model] = None
            if model.backlog == 0:
                del self._waiting[model]
            elif not interactive:
                flood_continues = True
        self._spent += time.perf_counter() - started
        # Models limit themselves to one repaint per frame; retry the ones that waited.
        for model in tuple(self._unflushed):
            if model.flush():
                del self._unflushed[model]
        if any(self._interactive(m) for m in self._waiting) or (
            flood_continues and self._spent < FEED_BUDGET_SECONDS
        ):
            self._schedule(None)
        elif self._waiting:
            # A flood waits for the next frame, gathering the reads that arrive
            # meanwhile: fed in one batch rather than 4 KB at a time.
            self._schedule(self._until_next_frame())
        elif self._unflushed:
            self._schedule(FRAME_SECONDS / 4)
