"""``tabwise mcp list``: the configured MCP servers, started once to show their tools."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from .api import McpServerInfo, to_json

__all__ = ["mcp_command"]


async def _probe(settings: Any, cwd: Path) -> list[McpServerInfo]:
    from .mcp import McpServer

    done: dict[str, asyncio.Event] = {}

    def changed(server: McpServer) -> None:
        if server.status in ("connected", "failed"):
            done[server.name].set()

    servers = []
    for name, cfg in settings.mcp.items():
        done[name] = asyncio.Event()
        server = McpServer(cfg, cwd, changed)
        servers.append(server)
        server.start()
    try:
        await asyncio.gather(*(asyncio.wait_for(done[s.name].wait(),
                                                s.settings.init_timeout_seconds + 10)
                               for s in servers), return_exceptions=True)
        return [McpServerInfo(s.name, s.settings.transport, s.settings.enabled, s.status,
                              s.error, tuple(f"{s.name}_{t}" for t in s.tool_names))
                for s in servers]
    finally:
        await asyncio.gather(*(s.stop() for s in servers), return_exceptions=True)


def mcp_command(args: argparse.Namespace) -> int:
    """Print every ``[mcp.NAME]`` server: transport, status (after starting it in the
    current directory, unless ``--no-connect``), error and tools."""
    from .settings import load_settings, resolve_paths

    settings = load_settings(resolve_paths(args.home).settings_file)
    for w in settings.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.no_connect:
        rows = [McpServerInfo(n, c.transport, c.enabled, "off", None, ())
                for n, c in settings.mcp.items()]
    else:
        rows = asyncio.run(_probe(settings, Path(os.getcwd())))
    ok = 0 if all(r.status != "failed" for r in rows) else 1
    if args.json:
        print(json.dumps(to_json(rows), indent=2))
        return ok
    if not rows:
        print("no MCP servers configured (add an [mcp.NAME] table to settings.toml)")
    for r in rows:
        on = "enabled" if r.enabled else "off for new tabs"
        print(f"{r.name} [{r.transport}, {on}] — {r.status}"
              + (f": {r.error}" if r.error else ""))
        for t in r.tools:
            print(f"    {t}")
    return ok
