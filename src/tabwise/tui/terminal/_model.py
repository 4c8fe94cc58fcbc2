"""The screen model of one tab's terminal: a PTY, its emulator and the output backlog.

A :class:`TerminalModel` listens to its PTY for as long as it lives, whether or not a
widget shows it, so a background tab's screen stays current and switching tabs is just
attaching a view. Output is queued as it arrives and fed to the emulator by the
:class:`~tabwise.tui.terminal._clock.FrameClock` in bounded slices; the attached view
is told after each frame and pulls what changed with :meth:`TerminalModel.take_update`.
"""

from __future__ import annotations

import time
import weakref
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tabwise.pty import PtyProcess

from ._avt import DEFAULT_HISTORY, AvtEmulator
from ._clock import FRAME_SECONDS, FrameClock
from ._emulator import Emulator
from ._keys import key_label

__all__ = ["ModelUpdate", "TerminalModel"]

# A view is told about changes at most once a frame (a keystroke's echo after a quiet
# spell goes out at once). Past this much unprocessed output it is 10 fps instead:
# nobody reads a flood, and every skipped repaint is more time for feeding.
FLOOD_BYTES = 4 * 1024 * 1024
FLOOD_REFRESH_SECONDS = 0.1
# A flood is also output arriving faster than this per frame, even when reading keeps
# up with it (the backlog stays small). Measured (P6.8): repainting a scrolling pane
# 60 times a second took most of the loop's time during `seq 1 300000`, and reading
# the PTY waits for it; at 10 fps the same flood is shown in about half the time.
FLOOD_FRAME_BYTES = 16 * 1024
# A flood is over once the backlog is fed and nothing arrived for this long: its last
# screen (the prompt after `seq 1 300000`) is shown at once, not up to 0.1 s later.
SETTLED_SECONDS = 0.008
# Past this, the oldest queued output is dropped unseen (a `cat` of a huge file would
# otherwise hold it all in memory); it would have scrolled out of the history anyway.
MAX_BACKLOG_BYTES = 64 * 1024 * 1024
# Stop reading the PTY above this backlog, and read again below the lower mark.
PAUSE_READING_BYTES = 8 * 1024 * 1024
RESUME_READING_BYTES = 1024 * 1024
_MIN_SLICE, _MAX_SLICE, _FIRST_SLICE = 1024, 256 * 1024, 16 * 1024


_models: weakref.WeakKeyDictionary[PtyProcess, TerminalModel] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class ModelUpdate:
    """What changed since the view last looked; ``dirty=None`` means every row."""

    dirty: set[int] | None
    title: str | None = None  # the new title, if it changed
    exited: bool = False  # the process exited (reported once)


class TerminalModel:
    """A PTY's output rendered by an emulator, fed in frame-sized slices."""

    def __init__(self, pty: PtyProcess, emulator: Emulator | None = None, *,
                 history: int = DEFAULT_HISTORY) -> None:
        self.pty = pty
        self.emulator: Emulator = emulator or AvtEmulator(pty.rows, pty.cols, history=history)
        self.exit_code: int | None = None
        self.exited = False
        self.fed_bytes = 0  # output processed so far (for throughput figures)
        self._notified_at_bytes = 0  # fed_bytes when the view was last told
        self._clock_cache: FrameClock | None = None
        self._backlog: deque[bytes] = deque()
        self._backlog_bytes = 0
        self._slice = _FIRST_SLICE
        self._dirty: set[int] | None = set()
        self._title = self.emulator.title
        self._title_changed = False
        self._exit_pending = False
        self._exit_unreported = False
        self._touched = False  # fed since the last update: the cursor may have moved
        self._closed = False
        self._listener: Callable[[], None] | None = None
        self._last_notify = 0.0
        self._last_output = 0.0  # time.perf_counter() when output last arrived
        self._remove_exit: Callable[[], None] = lambda: None
        # The key the exit banner offers for closing the tab ("" names none); the
        # view sets it from ``[keys]`` (KeyRouting.close_tab).
        self.close_key = "alt+w"
        self._follow(pty, replay=True)
        _models[pty] = self

    @classmethod
    def for_pty(cls, pty: PtyProcess, *, history: int = DEFAULT_HISTORY) -> TerminalModel:
        """The model already following ``pty``, or a new one keeping ``history`` lines
        of scrollback (one per PTY, so a view switching between PTYs finds each screen
        as it was)."""
        model = _models.get(pty)
        return model if model is not None and not model._closed else cls(pty, history=history)

    @property
    def _clock(self) -> FrameClock:
        # Resolved on first use, from inside the loop (the PTY's reader runs there).
        if self._clock_cache is None:
            self._clock_cache = FrameClock.current()
        return self._clock_cache

    @property
    def backlog(self) -> int:
        """Bytes of output received but not yet fed to the emulator."""
        return self._backlog_bytes

    def set_listener(self, listener: Callable[[], None] | None) -> None:
        """Call ``listener()`` after frames that changed something (one view at a time)."""
        self._listener = listener
        self._dirty = None  # a new view draws everything

    def take_update(self) -> ModelUpdate:
        """Collect and reset what changed since the previous call."""
        update = ModelUpdate(
            dirty=self._dirty,
            title=self._title if self._title_changed else None,
            exited=self._exit_unreported,
        )
        self._dirty = set()
        self._title_changed = self._exit_unreported = self._touched = False
        return update

    def write(self, data: bytes | str) -> None:
        """Send input to the program."""
        self.pty.write(data)

    def resize(self, rows: int, cols: int) -> None:
        """Resize the emulator, then the PTY (which signals the program)."""
        self.emulator.resize(rows, cols)
        self._merge_dirty(self.emulator.take_dirty())
        if (self.pty.rows, self.pty.cols) != (self.emulator.rows, self.emulator.cols):
            self.pty.resize(self.emulator.rows, self.emulator.cols)

    def drain(self, budget: float = 0.02) -> None:
        """Feed pending output now, for up to ``budget`` seconds (before reading text)."""
        self.pump(time.perf_counter() + budget)

    def screen_text(self, last_n_lines: int = 50) -> str:
        """Plain text of the last ``last_n_lines`` lines (scrollback + screen), up to
        the cursor or the last non-blank row, whichever is lower."""
        self.drain()
        emu = self.emulator
        bottom = emu.cursor.row
        for row in range(emu.rows - 1, bottom, -1):
            if emu.text(row):
                bottom = row
                break
        first = max(-emu.history_size, bottom + 1 - max(0, last_n_lines))
        return "\n".join(emu.text(row) for row in range(first, bottom + 1))

    def rebind(self, pty: PtyProcess) -> None:
        """Continue on a new PTY (a restarted shell) below the old screen's contents."""
        self._remove_listener()
        self._backlog.clear()
        self._backlog_bytes = 0
        _models.pop(self.pty, None)
        _models[pty] = self
        self.pty = pty
        self.exit_code, self.exited = None, False
        self._exit_pending = self._exit_unreported = False
        self.emulator.feed(b"\r\n")
        self._merge_dirty(self.emulator.take_dirty())
        if (pty.rows, pty.cols) != (self.emulator.rows, self.emulator.cols):
            pty.resize(self.emulator.rows, self.emulator.cols)
        self._follow(pty, replay=True)

    def _follow(self, pty: PtyProcess, *, replay: bool) -> None:
        """Listen to ``pty``; with ``replay``, first queue what it printed before us
        (the shell's first prompt usually comes before any view exists)."""
        if replay and pty.output.total:
            self._on_output(pty.output.read(0, pty.output.total).data)
        self._remove_listener = pty.add_listener(self._on_output)
        self._remove_exit()
        self._remove_exit = pty.on_exit(
            lambda code: self._on_exit(code) if self.pty is pty else None)

    def close(self) -> None:
        """Stop listening to the PTY (it stays open; its owner closes it)."""
        self._closed = True
        _models.pop(self.pty, None)
        self._remove_listener()
        self._remove_exit()
        self.pty.resume_reading()
        if self._clock_cache is not None:
            self._clock_cache.forget(self)
        self._listener = None

    # -- driven by the frame clock ---------------------------------------------------

    def pump(self, deadline: float) -> None:
        """Feed queued output, one adaptive slice at a time, until ``deadline``."""
        fed = False
        while self._backlog and (not fed or time.perf_counter() < deadline):
            chunk = self._take(self._slice)
            started = time.perf_counter()
            self.emulator.feed(chunk)
            self.fed_bytes += len(chunk)
            self._adapt_slice(len(chunk), time.perf_counter() - started)
            fed = True
        if fed:
            self._touched = True
            self._merge_dirty(self.emulator.take_dirty())
            if replies := self.emulator.take_replies():
                self.pty.write(replies)
            if self.emulator.title != self._title:
                self._title, self._title_changed = self.emulator.title, True
        if self.pty.reading_paused and self._backlog_bytes < RESUME_READING_BYTES:
            self.pty.resume_reading()
        if self._exit_pending and not self._backlog:
            self._exit_pending = False
            self._announce_exit()

    def flush(self) -> bool:
        """Notify the view of changes, at most once a frame (10 fps during a flood).

        Returns False when it was too soon, so the clock tries again shortly.
        """
        if self._listener is None or not self._has_news():
            return True
        now = time.perf_counter()
        settled = not self._backlog_bytes and now - self._last_output >= SETTLED_SECONDS
        flooded = not settled and (self._backlog_bytes > FLOOD_BYTES
                                   or self.fed_bytes - self._notified_at_bytes > FLOOD_FRAME_BYTES)
        interval = FLOOD_REFRESH_SECONDS if flooded else FRAME_SECONDS
        if now - self._last_notify < interval:
            return False
        self._last_notify = now
        self._notified_at_bytes = self.fed_bytes
        self._listener()
        return True

    # -- internals -------------------------------------------------------------------

    def _on_output(self, data: bytes) -> None:
        self._last_output = time.perf_counter()
        self._backlog.append(data)
        self._backlog_bytes += len(data)
        if self._backlog_bytes > PAUSE_READING_BYTES:
            # Backpressure, as in a real terminal: the producer blocks on a full PTY
            # until the screen catches up, instead of the queue growing without bound.
            self.pty.pause_reading()
        while self._backlog_bytes > MAX_BACKLOG_BYTES and len(self._backlog) > 1:
            dropped = self._backlog.popleft()
            self._backlog_bytes -= len(dropped)
        self._clock.wake(self)

    def _on_exit(self, code: int | None) -> None:
        if self._closed:
            return
        self.exit_code = code
        self._exit_pending = True
        self._clock.wake(self)

    def _announce_exit(self) -> None:
        self.exited = self._exit_unreported = True
        status = "" if self.exit_code is None else f" with code {self.exit_code}"
        newline = "\r\n" if self.emulator.cursor.col else ""
        close = f" or {key_label(self.close_key)} to close" if self.close_key else ""
        banner = (
            f"{newline}\x1b[0;2m[process exited{status} — "
            f"press Enter to restart{close}]\x1b[0m"
        )
        self.emulator.feed(banner.encode())
        self._merge_dirty(self.emulator.take_dirty())

    def _take(self, size: int) -> bytes:
        chunk = self._backlog.popleft()
        if len(chunk) > size:
            self._backlog.appendleft(chunk[size:])
            chunk = chunk[:size]
        self._backlog_bytes -= len(chunk)
        return chunk

    def _adapt_slice(self, size: int, seconds: float) -> None:
        # Aim for ~1-2 ms per slice whatever the engine's speed, so the budget check
        # between slices is fine-grained for pyte and cheap for avt.
        if size >= self._slice and seconds < 0.001:
            self._slice = min(_MAX_SLICE, self._slice * 2)
        elif seconds > 0.003:
            self._slice = max(_MIN_SLICE, self._slice // 2)

    def _merge_dirty(self, dirty: set[int] | None) -> None:
        if self._dirty is None:
            return
        if dirty is None:
            self._dirty = None
        else:
            self._dirty |= dirty

    def _has_news(self) -> bool:
        return (
            self._touched
            or self._dirty is None
            or bool(self._dirty)
            or self._title_changed
            or self._exit_unreported
        )
