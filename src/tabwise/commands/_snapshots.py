"""Keeping each tab's terminal screen across restarts (issue #12, item 6).

The command layer owns this, not a front end: snapshots are made from the PTY's own
output log, so ``tabwise serve`` keeps screens exactly as the TUI does. A snapshot is
saved when a tab closes, when the core stops (quit, SIGTERM), and every
:data:`SNAPSHOT_INTERVAL` seconds for tabs that printed something since their last one,
so a crash (kill -9) loses at most that much of the screen. On restore the saved lines
go into the new shell's output log before the shell prints anything, followed by a dim
``── restored from <time> ──`` line: every front end shows them above the new prompt,
and ``pty_read`` returns them like any other output.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import TabwiseError
from ..pty import render_screen
from ..settings import redact_secrets

if TYPE_CHECKING:
    from ..archive import Archive, TerminalSnapshot
    from ..pty import PtyProcess

__all__ = ["SNAPSHOT_INTERVAL", "ScreenKeeper"]

log = logging.getLogger("tabwise")

SNAPSHOT_INTERVAL = 30.0  # seconds between background saves of changed screens
MAX_EARLIER = 256 * 1024  # raw output rendered at most (what a PTY's log keeps)


class ScreenKeeper:
    """Saves the screens of live tabs to the archive; one per core."""

    def __init__(self, archive: Archive, history: int) -> None:
        self.archive = archive
        self.history = history  # scrollback lines kept above the screen
        self._saved_total: dict[str, int] = {}  # output bytes seen at the last save
        # Output of a tab's earlier shell (restart_terminal): the screen still shows it.
        self._earlier: dict[str, bytes] = {}
        self._pending: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None

    def start(self, live: Callable[[], dict[str, PtyProcess | None]]) -> None:
        """Every :data:`SNAPSHOT_INTERVAL` seconds until :meth:`stop`, save the changed
        screens of the tabs ``live()`` returns (session id -> PTY)."""
        self._loop_task = asyncio.create_task(self._every_interval(live),
                                              name="tabwise-screen-snapshots")

    async def _every_interval(self, live: Callable[[], dict[str, PtyProcess | None]]) -> None:
        while True:
            await asyncio.sleep(SNAPSHOT_INTERVAL)
            await self.save_all(live())

    def restored(self, session_id: str, pty: PtyProcess) -> None:
        """The new shell of a restored tab starts from a saved screen: nothing new yet."""
        self._saved_total[session_id] = pty.output.total
        self._earlier.pop(session_id, None)

    def shell_replaced(self, session_id: str, old: PtyProcess) -> None:
        """A new shell continues the tab's screen below the old one's output (as the
        TUI shows it), so the next snapshot starts with that output."""
        raw = self._earlier.get(session_id, b"") + _capture(old)[0] + b"\r\n"
        self._earlier[session_id] = raw[-MAX_EARLIER:]
        self._saved_total[session_id] = -1  # save again even before the new one prints

    def changed(self, session_id: str, pty: PtyProcess) -> bool:
        return pty.output.total != self._saved_total.get(session_id, 0)

    def save_soon(self, session_id: str, pty: PtyProcess) -> None:
        """Save the tab's screen in the background (a closing tab: its PTY's output is
        copied now, rendered and written off the caller's path)."""
        captured = self._capture(session_id, pty)
        self._earlier.pop(session_id, None)  # the tab is closing
        if not self.changed(session_id, pty):
            return
        task = asyncio.create_task(self._save(session_id, *captured))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def save_all(self, live: dict[str, PtyProcess | None]) -> None:
        """Save the screens of every tab in ``live`` that changed since its last save."""
        # One at a time: rendering holds the GIL, so threads in parallel only contend.
        for sid, pty in live.items():
            if pty is not None and self.changed(sid, pty):
                await self._save(sid, *self._capture(sid, pty))

    async def stop(self, live: dict[str, PtyProcess | None]) -> None:
        """Save every changed screen, finish background saves, stop the timer."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        await self.save_all(live)
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def _save(self, session_id: str, raw: bytes, total: int, rows: int,
                    cols: int) -> None:
        from ..archive import TerminalSnapshot

        try:
            data = await asyncio.to_thread(_render, raw, rows, cols, self.history)
            self.archive.save_terminal_snapshot(TerminalSnapshot(
                session_id, time.time(), rows, cols, data))
        except (TabwiseError, OSError, ValueError) as exc:
            # A screen is a nicety next to the conversation: never fail a close or a quit.
            log.warning("could not save the terminal screen of %s: %s", session_id, exc)
        # Only once saved: a save cut short (the timer cancelled at quit) is done again.
        self._saved_total[session_id] = total

    def _capture(self, session_id: str, pty: PtyProcess) -> tuple[bytes, int, int, int]:
        raw, total, rows, cols = _capture(pty)
        earlier = self._earlier.get(session_id)
        if earlier:
            raw = (earlier + raw)[-MAX_EARLIER:]
        return raw, total, rows, cols

    async def load(self, session_id: str) -> tuple[str, TerminalSnapshot] | None:
        """The saved screen's text and its snapshot row, if there is one."""
        try:
            snap = await self.archive.load_terminal_snapshot(session_id)
            if snap is None:
                return None
            return zlib.decompress(snap.data).decode("utf-8", "replace"), snap
        except (TabwiseError, zlib.error) as exc:
            log.warning("could not read the terminal screen of %s: %s", session_id, exc)
            return None


def _render(raw: bytes, rows: int, cols: int, history: int) -> bytes:
    # The API keys tabwise itself resolved never reach the archive, even when the
    # user printed one. Compressed: screens are repetitive text, ~8x smaller, so the
    # periodic saves write little to the database.
    text = redact_secrets(render_screen(raw, rows, cols, history).text)
    return zlib.compress(text.encode("utf-8"), 1)


def _capture(pty: PtyProcess) -> tuple[bytes, int, int, int]:
    log_ = pty.output
    return log_.read(0, log_.total).data, log_.total, pty.rows, pty.cols
