"""Helpers for the MCP tests: settings tables for the real test servers in this folder."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from tabwise.commands import Tabwise

HERE = Path(__file__).parent
SERVER = HERE / "mcp_server.py"
GARBAGE = HERE / "garbage_server.py"


def stdio_table(name: str, script: Path = SERVER, *args: str, **keys: Any) -> str:
    """An [mcp.NAME] table that runs ``script`` with this Python."""
    argv = ", ".join(f'"{a}"' for a in (str(script), *args))
    lines = [f"[mcp.{name}]", f'command = "{sys.executable}"', f"args = [{argv}]"]
    for key, value in keys.items():
        lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


async def wait_status(core: Tabwise, sid: str, server: str, status: str,
                      timeout: float = 30.0) -> dict[str, Any]:
    """Poll list_mcp_servers until ``server`` has ``status`` in tab ``sid``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: dict[str, Any] = {}
    while loop.time() < deadline:
        for row in await core.list_mcp_servers(sid):
            if row.name == server:
                last = row
                if row.status == status:
                    return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"{server} never reached {status}: {last}")
