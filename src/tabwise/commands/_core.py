"""The command layer (DESIGN §4): one async API for the TUI and the JSON-RPC server.

``Tabwise`` owns the event bus, the provider registry, the per-session agents, the live
tabs and the archive, and their lifecycle (:meth:`Tabwise.start`, :meth:`Tabwise.stop`).
The commands live in one mixin per concern; a command is a method marked with
:func:`~tabwise.commands._command.command`, and its name is the API:

- ``_sessions``: create, close, list, restore, rename, reorder, delete, export tabs
- ``_terminal``: ``pty_*`` and ``restart_terminal``
- ``_ai``: the agent (init, shutdown, prompt, approvals, context, usage)
- ``_settings``: settings, the default model and the providers
- ``_mcp``: MCP servers
- ``_fork``: fork and compare

Their shared state and helpers are in :class:`~tabwise.commands._base.CoreBase`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import TYPE_CHECKING

from ..agent import AiState, BridgeHooks
from ..errors import TabwiseError
from ..events import EventBus, Subscription
from ..mcp import McpManager
from ..providers import ProviderRegistry
from ..pty import ShellIntegration
from ..settings import (
    Paths,
    Settings,
    ensure_settings_file,
    load_settings,
    resolve_paths,
)
from ._ai import AiCommands
from ._follow import DirectoryFollower
from ._fork import ForkCommands
from ._hooks import ArchiveHooks
from ._mcp import McpCommands
from ._sessions import SessionCommands
from ._settings import SettingsCommands
from ._snapshots import ScreenKeeper
from ._terminal import TerminalCommands

if TYPE_CHECKING:
    from ..archive import Archive

__all__ = ["Tabwise"]

log = logging.getLogger("tabwise")


class Tabwise(SessionCommands, TerminalCommands, AiCommands, SettingsCommands, McpCommands,
              ForkCommands):
    """The application core. Build with :meth:`start`, stop with :meth:`stop`."""

    def __init__(self, paths: Paths, settings: Settings, archive: Archive | None) -> None:
        self.paths = paths
        self.settings = settings
        self.archive = archive
        self.bus = EventBus()
        self.providers = ProviderRegistry(settings)
        hooks: BridgeHooks | None = ArchiveHooks(archive) if archive is not None else None
        protected = (paths.settings_file.parent, paths.db_file.parent, paths.token_file.parent,
                     paths.logs_dir)
        self.ai = AiState(self.bus, self.providers, hooks, protected)
        self.mcp = McpManager(self.bus, settings, paths.logs_dir)
        self.ai.toolsets_for = self.mcp.toolsets
        self.sessions = {}
        self.shell_integration = ShellIntegration(paths.db_file.parent / "shell")
        self.follower = DirectoryFollower(self.bus, self.ai, lambda: self.archive,
                                          self.sessions.get)
        # Each tab's terminal screen, kept across restarts (issue #12).
        self.screens = (ScreenKeeper(archive, settings.terminal.scrollback)
                        if archive is not None else None)
        self._next_position = 0
        self.started_at = time.time()

    @classmethod
    async def start(cls, home: str | os.PathLike[str] | None = None, *,
                    restore: bool | None = None) -> Tabwise:
        """Resolve paths, write the first-run settings template, load settings, open the
        archive, purge old closed sessions and (by default) restore the open tabs.

        Invalid settings do not stop the start: each invalid value has its default and
        ``settings.errors`` lists the problems for the front end to show."""
        paths = resolve_paths(home)
        paths.ensure_dirs()
        ensure_settings_file(paths.settings_file)
        settings = load_settings(paths.settings_file, strict=False)
        for problem in settings.errors:
            log.error("settings: %s (using the default instead)", problem)
        archive = None
        if settings.sessions.persist:
            from ..archive import Archive

            archive = await Archive.open(paths.db_file)
            if settings.sessions.retention_days:
                await archive.purge_closed(settings.sessions.retention_days)
        core = cls(paths, settings, archive)
        try:
            await asyncio.to_thread(core.shell_integration.install)
        except OSError as exc:  # shells then start plain; /proc still tells the cwd
            log.warning("could not write the shell integration files: %s", exc)
        do_restore = settings.sessions.restore_on_start if restore is None else restore
        core.providers.statuses()  # starts discovering local servers' models, in the background
        if archive is not None:
            rows = await archive.list_sessions()
            core._next_position = max((r.position for r in rows), default=-1) + 1
            if do_restore:
                for row in rows:
                    try:
                        await core.restore_session(row.session_id)
                    except TabwiseError as exc:
                        log.warning("could not restore session %s: %s", row.session_id, exc)
        if core.screens is not None:
            core.screens.start(core._ptys)
        return core

    async def stop(self) -> None:
        """Stop every agent and shell; open sessions stay open in the archive, with
        their terminal screens."""
        if self.screens is not None:
            await self.screens.stop(self._ptys())
        # Not a shutdown of the tabs: approvals they wait for stay for the next start.
        await asyncio.gather(*(self.ai.shutdown(sid, keep_pending=True)
                               for sid in list(self.ai.bridges)), return_exceptions=True)
        await self.mcp.stop()
        await asyncio.gather(*(s.pty.close() for s in self.sessions.values() if s.pty),
                             return_exceptions=True)
        self.sessions.clear()
        await self.follower.aclose()
        if self.archive is not None:
            await self.archive.close()
        await self.providers.aclose()

    # -- events (not commands) -----------------------------------------------------

    def subscribe(self, session_id: str | None = None) -> Subscription:
        """A bounded queue of events for one session (or all)."""
        if session_id is not None:
            self._session(session_id)
        return self.bus.subscribe(session_id)

    def session_ids(self) -> list[str]:
        return [s.session_id for s in sorted(self.sessions.values(), key=lambda s: s.position)]
