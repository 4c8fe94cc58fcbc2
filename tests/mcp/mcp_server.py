"""A real MCP server for the tests, written with FastMCP (stdio by default).

``python mcp_server.py [stdio|http PORT] [--hang-init]``. Tools: ``echo``, ``big``
(a long result), ``sleep``, ``die`` (the process exits mid-call), ``grow`` (adds a tool
and sends notifications/tools/list_changed), ``env`` (reads an environment variable),
``cwd``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

import mcp.types as mcp_types
from fastmcp import Context, FastMCP

if "--hang-init" in sys.argv:
    time.sleep(3600)  # never answers initialize

mcp = FastMCP("tabwise-test")


@mcp.tool
def echo(text: str) -> str:
    """Return the text, marked."""
    return f"echo:{text}"


@mcp.tool
def big(size: int = 100_000) -> str:
    """Return size characters."""
    return "x" * size


@mcp.tool
async def sleep(seconds: float) -> str:
    """Sleep, then say so."""
    await asyncio.sleep(seconds)
    return "slept"


@mcp.tool
def die() -> str:
    """Exit the server process in the middle of the call."""
    os._exit(3)


@mcp.tool
def env(name: str) -> str:
    """The value of an environment variable, or <unset>."""
    return os.environ.get(name, "<unset>")


@mcp.tool
def header(name: str) -> str:
    """An HTTP request header the client sent (streamable HTTP only), or <none>."""
    from fastmcp.server.dependencies import get_http_headers

    return get_http_headers(include_all=True).get(name.lower(), "<none>")


@mcp.tool
def cwd() -> str:
    """The server's working directory."""
    return os.getcwd()


@mcp.tool
async def grow(ctx: Context) -> str:
    """Add a tool named extra; clients are told the list changed."""

    def extra() -> str:
        """A tool that appeared later."""
        return "extra!"

    mcp.add_tool(extra)
    await ctx.send_notification(mcp_types.ToolListChangedNotification())
    return "grown"


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "http":
        mcp.run(transport="http", host="127.0.0.1", port=int(sys.argv[2]), show_banner=False)
    else:
        mcp.run(show_banner=False)
