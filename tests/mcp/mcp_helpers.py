"""Helpers for the MCP tests: settings tables for the real test servers in this folder."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, RecordedRequest
from helpers import ai

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


async def tab(core: Tabwise, workdir: Path) -> str:
    """A new tab on local1/m1 without a terminal: its id."""
    info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                     terminal=False)
    return str(info.session_id)


def last_tool_message(fake_llm: FakeLLM) -> str:
    """What the last request to m1 sent as the last tool result."""
    msgs = [m for m in fake_llm.requests_for("m1")[-1].messages if m["role"] == "tool"]
    return str(msgs[-1]["content"])


def tool_names(req: RecordedRequest) -> set[str]:
    """The tools a request offered the model."""
    return {t["function"]["name"] for t in req.body.get("tools", [])}
