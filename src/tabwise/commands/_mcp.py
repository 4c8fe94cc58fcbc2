"""MCP commands (DESIGN §4 "MCP", issue #14): the configured servers and which of them
a tab uses."""

from __future__ import annotations

import asyncio
import os

from ..api import McpServerInfo, SessionInfo
from ..mcp import pack_allowed
from ._base import CoreBase
from ._command import command
from ._sessions import _resolve_dir

__all__ = ["McpCommands"]


class McpCommands(CoreBase):
    """The MCP commands, mixed into :class:`~tabwise.commands.Tabwise`."""

    @command
    async def list_mcp_servers(self, session_id: str | None = None) -> list[McpServerInfo]:
        """Every configured MCP server: transport, status, error and tools (with a
        session id: as that tab uses them, with ``selected``)."""
        if session_id is not None:
            self._session(session_id)
        return self.mcp.describe(session_id)

    @command
    async def check_mcp_servers(self,
                                working_directory: str | None = None) -> list[McpServerInfo]:
        """Start every configured MCP server once in ``working_directory`` (default: this
        process's), report its status, error and tools, and stop it again (``tabwise mcp
        list``; a settings screen's "test"). The tabs' servers are not touched."""
        cwd = await asyncio.to_thread(_resolve_dir, working_directory or os.getcwd())
        return await self.mcp.probe(cwd)

    def connected_mcp_servers(self, session_id: str) -> list[str]:
        """The tab's MCP servers that are connected now (for a status bar; not a command)."""
        return self.mcp.connected(session_id)

    @command
    async def set_session_mcp_servers(self, session_id: str,
                                      names: list[str]) -> SessionInfo:
        """Which MCP servers this tab uses (this tab only; kept in the archive)."""
        s = self._session(session_id)
        servers = self.mcp.set_tab(session_id, names, s.working_directory)
        if self.archive is not None:
            bridge = self.ai.bridges.get(session_id)
            allowed = bridge.approvals.tab_allowed if bridge is not None else ()
            self.archive.update_session(session_id, always_allow=pack_allowed(allowed, servers))
            await self.archive.flush()
        return self._info(s)
