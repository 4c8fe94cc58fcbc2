"""``tabwise mcp list``: the configured MCP servers, started once to show their tools."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from .api import McpServerInfo, to_json

__all__ = ["mcp_command"]


async def _rows(args: argparse.Namespace) -> list[McpServerInfo] | None:
    from .commands import Tabwise

    core = await Tabwise.start(args.home, restore=False)
    try:
        app = await core.get_app_info()
        for w in app.settings_warnings:
            print(f"warning: {w}", file=sys.stderr)
        for e in app.settings_errors:
            print(f"error: {e}", file=sys.stderr)
        if app.settings_errors:
            return None
        if args.no_connect:
            return await core.list_mcp_servers()  # no tab runs one here: all "off"
        return await core.check_mcp_servers()  # in the current directory
    finally:
        await core.stop()


def mcp_command(args: argparse.Namespace) -> int:
    """Print every ``[mcp.NAME]`` server: transport, status (after starting it in the
    current directory, unless ``--no-connect``), error and tools."""
    rows = asyncio.run(_rows(args))
    if rows is None:  # the settings are invalid: each problem is on stderr
        return 1
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
