"""One running MCP server, owned by a supervisor task (issue #14).

The supervisor connects in the background (a tab never waits for it), watches the
connection with pings, and restarts a server that crashed or stopped answering, with
backoff. Its status (``starting`` | ``connected`` | ``failed``) and the reason for a
failure, always a sentence with every resolved secret scrubbed, go to ``on_status``.
The connection is pydantic-ai's ``MCPToolset`` over FastMCP's client (stdio or
streamable HTTP); tab runs only ever call tools on it, never open or close it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..settings import McpServerSettings, McpVarMissing, redact_secrets

if TYPE_CHECKING:
    from pydantic_ai.mcp import MCPToolset

__all__ = ["McpServer"]

log = logging.getLogger("tabwise.mcp")

# How often a connected server is pinged, and how long a ping may take.
PING_INTERVAL_SECONDS = 5.0
PING_TIMEOUT_SECONDS = 10.0
# Restart backoff after a failure: doubles from the first delay up to the last.
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0


def describe_error(exc: BaseException) -> str:
    """A one-line reason from an exception (groups unwrapped), secrets scrubbed."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return redact_secrets(text)[:300]


class McpServer:
    """The connection to one configured server for one working directory."""

    def __init__(self, settings: McpServerSettings, cwd: Path,
                 on_status: Callable[[McpServer], None], log_path: Path | None = None) -> None:
        self.settings = settings
        self.cwd = cwd
        # A stdio server's stderr: never the TUI's terminal, which it would draw over.
        self.log_path = log_path or Path(os.devnull)
        self.status = "starting"
        self.error: str | None = None
        self.tool_names: tuple[str, ...] = ()
        self.toolset: MCPToolset[Any] | None = None
        self.users: set[str] = set()  # session ids of the tabs that use it
        self._on_status = on_status
        self._broken = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._connected_once = False

    @property
    def name(self) -> str:
        return self.settings.name

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._supervise(), name=f"mcp-{self.name}")

    async def stop(self) -> None:
        """Stop the supervisor; the server process (if any) is ended."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.toolset = None

    def report_broken(self) -> None:
        """A call saw the connection fail: check it now rather than at the next ping."""
        self._broken.set()

    def _set(self, status: str, error: str | None = None) -> None:
        if (status, error) == (self.status, self.error):
            return
        self.status, self.error = status, error
        if error:
            log.warning("MCP server %s: %s", self.name, error)
        self._on_status(self)

    def _build(self) -> MCPToolset[Any]:
        from fastmcp.client.transports import StdioTransport
        from pydantic_ai.mcp import MCPToolset

        s = self.settings
        client: Any
        headers = None
        if s.command is not None:
            cwd = Path(s.cwd).expanduser() if s.cwd else self.cwd
            if not cwd.is_absolute():
                cwd = self.cwd / cwd
            client = StdioTransport(s.command, list(s.args), env=s.resolved_env(),
                                    cwd=str(cwd), keep_alive=False, log_file=self.log_path)
        else:
            client = s.url
            headers = s.resolved_headers() or None
        return MCPToolset(client, id=s.name, tool_error_behavior="error", max_retries=0,
                          init_timeout=s.init_timeout_seconds, read_timeout=s.timeout_seconds,
                          headers=headers)

    async def _supervise(self) -> None:
        # FastMCP and the MCP SDK take seconds to import: in a thread, once, and only
        # when a server is used, so neither start-up nor the event loop waits for them.
        await asyncio.to_thread(_load_client_modules)
        delay = BACKOFF_FIRST_SECONDS
        while True:
            if self.status != "failed":
                # Retries of a server that never came up stay "failed" with their reason
                # (no flicker, no repeated notice); a first start or a crash says so.
                self._set("starting", self.error)
            try:
                toolset = self._build()
            except McpVarMissing as exc:
                self._set("failed", str(exc))
                return  # a settings problem: a restart would fail the same way
            self._connected_once = False
            reason = await self._run_once(toolset)
            if self._connected_once:  # it had been working: start the backoff over
                delay = BACKOFF_FIRST_SECONDS
            self._set("failed", reason)
            await asyncio.sleep(delay)
            delay = min(delay * 2, BACKOFF_MAX_SECONDS)

    async def _run_once(self, toolset: MCPToolset[Any]) -> str:
        """Connect, serve until the connection breaks, and say why it ended."""
        s = self.settings
        try:
            async with asyncio.timeout(s.init_timeout_seconds + 5):
                await toolset.__aenter__()
        except TimeoutError:
            return (f"The server did not finish starting within {s.init_timeout_seconds:g} "
                    "seconds.")
        except Exception as exc:
            return self._start_failure(exc)
        try:
            try:
                async with asyncio.timeout(s.init_timeout_seconds):
                    tools = await toolset.list_tools()
            except TimeoutError:
                return "The server did not list its tools in time."
            except Exception as exc:
                return f"The server could not list its tools: {describe_error(exc)}."
            self.tool_names = tuple(t.name for t in tools)
            self.toolset = toolset
            self._broken.clear()
            self._connected_once = True
            self._set("connected", None)
            return await self._watch(toolset)
        finally:
            self.toolset = None
            self.tool_names = ()
            try:
                async with asyncio.timeout(5):
                    await toolset.__aexit__(None, None, None)
            except Exception as exc:  # the process is gone already, or would not close
                log.debug("MCP server %s: closing: %s", self.name, describe_error(exc))

    def _start_failure(self, exc: Exception) -> str:
        s = self.settings
        text = describe_error(exc)
        if s.command is not None and isinstance(_root(exc), FileNotFoundError | PermissionError):
            return (f"Could not run `{s.command}`: {text}. Check `mcp.{self.name}.command` "
                    "(is it installed and on PATH?).")
        where = f"`{s.command}`" if s.command is not None else str(s.url)
        return f"Could not start the MCP server {where}: {text}."

    async def _watch(self, toolset: MCPToolset[Any]) -> str:
        from mcp.shared.exceptions import MCPError
        from mcp_types.jsonrpc import CONNECTION_CLOSED

        while True:
            try:
                async with asyncio.timeout(PING_INTERVAL_SECONDS):
                    await self._broken.wait()
            except TimeoutError:
                pass
            self._broken.clear()
            try:
                async with asyncio.timeout(PING_TIMEOUT_SECONDS):
                    await toolset.client.ping()
            except TimeoutError:
                return (f"The server stopped answering (no reply to a ping within "
                        f"{PING_TIMEOUT_SECONDS:g} seconds); restarting it.")
            except MCPError as exc:
                if exc.code == CONNECTION_CLOSED:
                    return "The server stopped (its connection closed); restarting it."
                # Any other answer (a server without `ping`) still shows it is alive.
            except Exception as exc:
                return f"The server stopped ({describe_error(exc)}); restarting it."


def _load_client_modules() -> None:
    import fastmcp.client.transports  # noqa: F401
    import pydantic_ai.mcp  # noqa: F401


def _root(exc: BaseException) -> BaseException:
    seen = 0
    while seen < 10:
        seen += 1
        if isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        elif exc.__cause__ is not None:
            exc = exc.__cause__
        else:
            break
    return exc

