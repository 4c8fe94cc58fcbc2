"""Fixtures for the MCP tests: settings tables for the real test servers in this folder."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import pytest

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
            if row["name"] == server:
                last = row
                if row["status"] == status:
                    return row
        await asyncio.sleep(0.05)
    raise AssertionError(f"{server} never reached {status}: {last}")


@pytest.fixture(autouse=True)
def _fast_supervision(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pings and restarts on test time scales (the numbers, not the code paths, change)."""
    monkeypatch.setattr("tabwise.mcp._server.PING_INTERVAL_SECONDS", 0.3)
    monkeypatch.setattr("tabwise.mcp._server.PING_TIMEOUT_SECONDS", 3.0)
    monkeypatch.setattr("tabwise.mcp._server.BACKOFF_FIRST_SECONDS", 0.2)
