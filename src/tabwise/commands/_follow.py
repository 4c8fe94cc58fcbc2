"""The tab follows its shell's directory (DESIGN §4: ``cwd_changed``).

Each shell gets a :class:`~tabwise.pty.CwdTracker` on its output. A reported path is
checked to be a directory off the event loop, then becomes the tab's
``working_directory`` everywhere at once: the session, its agent (tools resolve
relative paths and run commands there), the archive row and a ``cwd_changed`` event.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..events import CwdChanged
from ..pty import CwdTracker, PtyProcess

if TYPE_CHECKING:
    from ..agent import AiState
    from ..archive import Archive
    from ..events import EventBus
    from ..sessions import Session

__all__ = ["DirectoryFollower", "default_name"]


def default_name(directory: Path) -> str:
    """The name a new tab in ``directory`` gets (and keeps following while unchanged)."""
    return directory.name or str(directory)


class DirectoryFollower:
    """Attaches trackers to shells and applies the directories they report."""

    def __init__(self, bus: EventBus, ai: AiState,
                 archive: Callable[[], Archive | None],
                 live: Callable[[str], Session | None]) -> None:
        self._bus = bus
        self._ai = ai
        self._archive = archive
        self._live = live
        self._wanted: dict[str, str] = {}  # the newest path reported, per session
        self._tasks: set[asyncio.Task[None]] = set()

    def attach(self, s: Session, pty: PtyProcess) -> CwdTracker:
        """Follow ``pty``'s shell for tab ``s`` until the shell exits."""
        tracker = CwdTracker(pty.fd, str(s.working_directory),
                             lambda path: self._reported(s.session_id, pty, path))
        pty.add_listener(tracker.feed)
        pty.on_exit(lambda _code: tracker.close())
        return tracker

    def _reported(self, session_id: str, pty: PtyProcess, path: str) -> None:
        self._wanted[session_id] = path
        task = asyncio.get_running_loop().create_task(self._apply(session_id, pty, path))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _apply(self, session_id: str, pty: PtyProcess, path: str) -> None:
        # A stat may hang on a network mount: never on the loop.
        if not await asyncio.to_thread(os.path.isdir, path):
            return
        s = self._live(session_id)
        # Only the newest report of the session's current shell counts: checks finish
        # in any order, and a replaced shell's last words do not.
        if s is None or s.pty is not pty or self._wanted.get(session_id) != path:
            return
        self.move(s, Path(path))

    def move(self, s: Session, directory: Path) -> None:
        """Make ``directory`` the tab's working directory and tell everyone."""
        if directory == s.working_directory:
            return
        fields: dict[str, str] = {"working_directory": str(directory)}
        renamed: str | None = None
        if s.name == default_name(s.working_directory):
            # An unnamed tab is named after its directory, and keeps following it.
            s.name = renamed = default_name(directory)
            fields["name"] = s.name
        s.working_directory = directory
        bridge = self._ai.bridges.get(s.session_id)
        if bridge is not None:
            bridge.working_directory = directory
            bridge.rules.refresh_soon(directory, bridge.agent_settings.instructions,
                                      bridge.publish)
        archive = self._archive()
        if archive is not None:
            archive.update_session(s.session_id, **fields)
        self._bus.publish(s.session_id, CwdChanged(str(directory), renamed))

    def forget(self, session_id: str) -> None:
        self._wanted.pop(session_id, None)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
