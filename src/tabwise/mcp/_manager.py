"""Which tab uses which MCP servers, and the servers they share (issue #14).

Each tab has its own selection (by server name). A server process or connection is keyed
by its settings and working directory, so tabs that would start the very same server
share one; what belongs to a tab — its pending calls, approvals, "always" answers —
lives in the tab's bridge and the per-run policy wrapper, never in the server. A server
no tab uses any more is stopped. Status changes go to every tab that uses the server as
``mcp_status{server, status, error}`` events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic_ai.toolsets import AbstractToolset

from ..agent._policy import ToolSource
from ..agent._policy_toolset import PolicyToolset
from ..api import McpServerInfo
from ..errors import InvalidParams
from ..events import EventBus, McpStatus
from ..settings import McpServerSettings, Settings
from ._server import McpServer
from ._source import McpSource

if TYPE_CHECKING:
    from ..agent._tools import TurnDeps

__all__ = ["McpManager"]

_Key = tuple[str, tuple[Any, ...], str]


def _info(cfg: McpServerSettings, server: McpServer | None,
          selected: bool | None = None) -> McpServerInfo:
    """``list_mcp_servers``' row of one configured server (``off`` when it runs not)."""
    if server is None:
        return McpServerInfo(cfg.name, cfg.transport, cfg.enabled, "off", None, (), selected)
    return McpServerInfo(cfg.name, cfg.transport, cfg.enabled, server.status, server.error,
                         tuple(f"{cfg.name}_{t}" for t in server.tool_names), selected)


class McpManager:
    """The MCP servers of every tab in this process."""

    def __init__(self, bus: EventBus, settings: Settings, logs_dir: Path | None = None) -> None:
        self.bus = bus
        self.settings = settings
        self.logs_dir = logs_dir
        self._servers: dict[_Key, McpServer] = {}
        self._tabs: dict[str, dict[str, McpServer]] = {}  # session id -> name -> server
        self._selection: dict[str, tuple[str, ...]] = {}
        self._stopping: set[asyncio.Task[None]] = set()

    @property
    def configured(self) -> dict[str, McpServerSettings]:
        return dict(self.settings.mcp)

    def default_selection(self) -> tuple[str, ...]:
        """What a new tab uses: the servers with ``enabled = true``."""
        return tuple(n for n, s in self.settings.mcp.items() if s.enabled)

    def selection(self, session_id: str) -> tuple[str, ...]:
        return self._selection.get(session_id, ())

    def set_tab(self, session_id: str, names: Iterable[str], cwd: Path, *,
                strict: bool = True) -> tuple[str, ...]:
        """Make the tab use exactly ``names``. Unknown names are ``invalid_params`` (with
        ``strict``) or skipped (a restored tab whose settings lost a server)."""
        wanted = tuple(dict.fromkeys(names))
        unknown = [n for n in wanted if n not in self.settings.mcp]
        if unknown and strict:
            known = ", ".join(self.settings.mcp) or "none are configured"
            raise InvalidParams(f"Unknown MCP server {unknown[0]!r}; known servers: {known}.")
        self._selection[session_id] = wanted
        self._apply(session_id, cwd)
        return wanted

    def drop_tab(self, session_id: str) -> None:
        """The tab closed: release its servers (stopped when no tab uses them)."""
        self._selection.pop(session_id, None)
        for server in self._tabs.pop(session_id, {}).values():
            self._release(session_id, server)

    def _apply(self, session_id: str, cwd: Path) -> None:
        current = self._tabs.setdefault(session_id, {})
        wanted = {n: self.settings.mcp[n] for n in self._selection.get(session_id, ())
                  if n in self.settings.mcp}
        for name, server in list(current.items()):
            if name not in wanted or server.settings != wanted[name]:
                del current[name]
                self._release(session_id, server)
        for name, cfg in wanted.items():
            if name in current:
                continue
            server = self._acquire(cfg, cwd)
            server.users.add(session_id)
            current[name] = server
            self._publish_one(session_id, server)

    def _acquire(self, cfg: McpServerSettings, cwd: Path) -> McpServer:
        # An HTTP server does not depend on the tab's directory; a stdio one with its own
        # `cwd` neither.
        where = str(cwd) if cfg.command is not None and not cfg.cwd else ""
        key: _Key = (cfg.name, cfg.fingerprint(), where)
        server = self._servers.get(key)
        if server is None:
            server = McpServer(cfg, cwd, self._on_status, log_path=self._log_path(cfg))
            self._servers[key] = server
            server.start()
        return server

    def _log_path(self, cfg: McpServerSettings) -> Path | None:
        return self.logs_dir / f"mcp-{cfg.name}.log" if self.logs_dir else None

    def _release(self, session_id: str, server: McpServer) -> None:
        server.users.discard(session_id)
        if server.users:
            return
        for key, s in list(self._servers.items()):
            if s is server:
                del self._servers[key]
        task = asyncio.get_running_loop().create_task(server.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def _on_status(self, server: McpServer) -> None:
        for sid in list(server.users):
            self._publish_one(sid, server)

    def _publish_one(self, session_id: str, server: McpServer) -> None:
        self.bus.publish(session_id, McpStatus(server.name, server.status, server.error))

    def toolsets(self, session_id: str) -> list[AbstractToolset[TurnDeps]]:
        """The tab's MCP toolsets for its next run, each under the policy wrapper."""
        return [PolicyToolset(McpSource(server),
                              source=ToolSource(name, server.settings.approval))
                for name, server in self._tabs.get(session_id, {}).items()]

    async def wait_ready(self, session_id: str, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) until none of the tab's servers is still
        starting: before continuing a turn whose pending calls name MCP tools."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while any(s.status == "starting" for s in self._tabs.get(session_id, {}).values()):
            if loop.time() >= deadline:
                return
            await asyncio.sleep(0.05)

    def connected(self, session_id: str) -> list[str]:
        """Names of the tab's servers that are connected now."""
        return [n for n, s in self._tabs.get(session_id, {}).items() if s.status == "connected"]

    def describe(self, session_id: str | None = None) -> list[McpServerInfo]:
        """``list_mcp_servers``: every configured server, for one tab (with whether it
        uses it) or for any."""
        out = []
        for name, cfg in self.settings.mcp.items():
            server: McpServer | None
            if session_id is not None:
                server = self._tabs.get(session_id, {}).get(name)
                out.append(_info(cfg, server, name in self.selection(session_id)))
            else:
                server = next((s for s in self._servers.values() if s.name == name), None)
                out.append(_info(cfg, server))
        return out

    async def probe(self, cwd: Path) -> list[McpServerInfo]:
        """Start every configured server once in ``cwd``, apart from the tabs' servers,
        wait until each is connected or failed (each within its ``init_timeout_seconds``
        and 10 s more) and stop them again: what they would give a tab, now."""
        done = {name: asyncio.Event() for name in self.settings.mcp}

        def changed(server: McpServer) -> None:
            if server.status in ("connected", "failed"):
                done[server.name].set()

        servers = [McpServer(cfg, cwd, changed, log_path=self._log_path(cfg))
                   for cfg in self.settings.mcp.values()]
        for server in servers:
            server.start()
        try:
            await asyncio.gather(*(asyncio.wait_for(done[s.name].wait(),
                                                    s.settings.init_timeout_seconds + 10)
                                   for s in servers), return_exceptions=True)
            return [_info(s.settings, s) for s in servers]
        finally:
            await asyncio.gather(*(s.stop() for s in servers), return_exceptions=True)

    def update_settings(self, settings: Settings, cwds: dict[str, Path]) -> None:
        """New settings: servers whose table changed restart; removed ones stop."""
        self.settings = settings
        for sid in list(self._tabs):
            cwd = cwds.get(sid)
            if cwd is not None:
                self._apply(sid, cwd)

    async def stop(self) -> None:
        """Stop every server (at quit)."""
        servers = list(self._servers.values())
        self._servers.clear()
        self._tabs.clear()
        await asyncio.gather(*(s.stop() for s in servers), *list(self._stopping),
                             return_exceptions=True)
