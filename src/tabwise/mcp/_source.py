"""A tab's view of one MCP server as a pydantic-ai toolset (issue #14).

:class:`McpSource` lists the server's tools as ``<server>_<tool>`` while it is connected
(none while it starts or has failed, so the tab goes on with its other tools) and calls
them with the server's timeout. Every failure becomes a :class:`ToolCallFailed` sentence
for the model; a failure of the connection itself tells the server's supervisor, which
checks it and restarts it. The policy wrapper goes around this toolset.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic_ai import RunContext
from pydantic_ai.toolsets import AbstractToolset
from pydantic_ai.toolsets.abstract import ToolsetTool

from ..agent import TOOL_NAMES
from ..agent._policy_toolset import ToolCallFailed
from ..events import SessionWarning
from ._server import McpServer, describe_error

if TYPE_CHECKING:
    from ..agent._tools import TurnDeps

__all__ = ["McpSource"]

_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


@dataclass
class McpSource(AbstractToolset["TurnDeps"]):
    """The tools of ``server``, prefixed with its name."""

    server: McpServer

    @property
    def id(self) -> str | None:
        return f"mcp-{self.server.name}"

    @property
    def label(self) -> str:
        return f"MCP server {self.server.name!r}"

    async def __aenter__(self) -> McpSource:
        return self

    async def __aexit__(self, *args: Any) -> bool | None:
        return None

    async def get_tools(self, ctx: RunContext[TurnDeps]) -> dict[str, ToolsetTool[TurnDeps]]:
        toolset = self.server.toolset
        if toolset is None:
            return {}
        prefix = self.server.name + "_"
        try:
            # Cached by MCPToolset until the server sends notifications/tools/list_changed.
            async with asyncio.timeout(self.server.settings.init_timeout_seconds):
                tools = await toolset.get_tools(ctx)
        except Exception as exc:
            self.server.report_broken()
            ctx.deps.bridge.publish(SessionWarning(
                f"MCP server {self.server.name!r} could not list its tools "
                f"({describe_error(exc)}); this request goes without them."))
            return {}
        self.server.tool_names = tuple(tools)
        out: dict[str, ToolsetTool[TurnDeps]] = {}
        for name, tool in tools.items():
            full = prefix + name
            # Never shadow a built-in tool; providers refuse names outside [A-Za-z0-9_-]{1,64}.
            if full in TOOL_NAMES or not _TOOL_NAME.fullmatch(full):
                continue
            out[full] = replace(tool, toolset=self, tool_def=replace(tool.tool_def, name=full))
        return out

    async def call_tool(self, name: str, tool_args: dict[str, Any], ctx: RunContext[TurnDeps],
                        tool: ToolsetTool[TurnDeps]) -> Any:
        server = self.server
        toolset = server.toolset
        if toolset is None:
            raise ToolCallFailed(f"The MCP server {server.name!r} is not connected "
                                 f"({server.error or server.status}); try again later.")
        original = name.removeprefix(server.name + "_")
        timeout = server.settings.timeout_seconds
        try:
            async with asyncio.timeout(timeout):
                return await toolset.direct_call_tool(original, tool_args)
        except TimeoutError:
            raise ToolCallFailed(f"`{name}` did not answer within {timeout:g} seconds; the "
                                 "call was cancelled.") from None
        except Exception as exc:
            if _is_tool_error(exc):
                raise ToolCallFailed(describe_error(exc)) from exc
            server.report_broken()
            raise ToolCallFailed(f"The MCP server {server.name!r} failed during the call "
                                 f"({describe_error(exc)}).") from exc


def _is_tool_error(exc: BaseException) -> bool:
    """The server answered with an error (the connection itself is fine)."""
    from fastmcp.exceptions import ToolError
    from mcp.shared.exceptions import MCPError
    from mcp_types.jsonrpc import CONNECTION_CLOSED

    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, MCPError):
        return exc.code != CONNECTION_CLOSED
    return isinstance(exc, ToolError)
