"""P14.mcp: what an MCP tool call costs on top of the server's own time (issue #14).

A local stdio server (the tests' FastMCP server, ``tests/mcp/mcp_server.py``) with
``approval = "auto"``. The measured interval is a turn's ``tool_call`` event to its
``tool_result`` event: pydantic-ai's tool execution, the policy wrapper (decision, audit,
events), the call over the connection and the result clipping. The baseline, measured in
the same run on the very same server connection, is FastMCP's client calling the same
tool directly. The turns are interleaved with the direct calls so load drifts both alike.

Row 2: a tab's ``create_session`` with a (slow-to-start) MCP server configured against
one without: servers start in the background, so it must not grow (P6.7 unchanged).

``python -m benchmarks --only P14`` runs it.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tabwise.events import ToolCall as ToolCallEvent
from tabwise.events import ToolResult

from ._fake import ROOT, FakeServer, Reply, ToolCall, bench_home
from ._rows import Row, quantile, row

if TYPE_CHECKING:
    from tabwise.commands import Tabwise

IDS = ("P14.mcp",)
now = time.perf_counter
SERVER = ROOT / "tests" / "mcp" / "mcp_server.py"


def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def table(name: str, *args: str) -> str:
    argv = ", ".join(f'"{a}"' for a in (str(SERVER), *args))
    return (f'[mcp.{name}]\ncommand = "{sys.executable}"\nargs = [{argv}]\n'
            'approval = "auto"\n')


async def wait_connected(core: Tabwise, sid: str, name: str) -> None:
    for _ in range(1200):
        rows = {r.name: r for r in await core.list_mcp_servers(sid)}
        if rows[name].status == "connected":
            return
        if rows[name].status == "failed":
            raise RuntimeError(f"MCP server failed: {rows[name].error}")
        await asyncio.sleep(0.05)
    raise RuntimeError("MCP server did not connect")


async def one_turn(core: Tabwise, fake: FakeServer, sid: str, call: ToolCall) -> float:
    """Seconds from the turn's tool_call event to its tool_result event."""
    sub = core.subscribe(sid)
    try:
        fake.script("m1", Reply(tool_calls=[call]), Reply(text="done"))
        await core.clear_ai_conversation(sid)
        await core.send_ai_prompt(sid, "go")
        start = end = None
        while (ev := sub.get_nowait()) is not None:
            if isinstance(ev.payload, ToolCallEvent):
                start = ev.ts
            elif isinstance(ev.payload, ToolResult):
                end = ev.ts
        assert start is not None and end is not None
        return end - start
    finally:
        sub.close()


async def _main(quick: bool) -> list[Row]:
    from tabwise.commands import Tabwise

    n = 15 if quick else 60
    rows: list[Row] = []
    with FakeServer() as fake, bench_home(fake.base_url, extra=table("t")) as home:
        core = await Tabwise.start(home)
        try:
            work = home.parent / "work"
            sid = (await core.create_session(str(work), terminal=False)).session_id
            await wait_connected(core, sid, "t")
            server = core.mcp._tabs[sid]["t"]
            assert server.toolset is not None
            client = server.toolset.client
            ours, direct, builtin = [], [], []
            call = ToolCall("t_echo", {"text": "hello"})
            for i in range(n + 3):
                t0 = now()
                await client.call_tool("echo", {"text": "hello"})
                d = now() - t0
                o = await one_turn(core, fake, sid, call)
                b = await one_turn(core, fake, sid, ToolCall("list_directory", {}))
                if i >= 3:  # warm-up
                    direct.append(d)
                    ours.append(o)
                    builtin.append(b)
            med_o, med_d = quantile(ours, 0.5), quantile(direct, 0.5)
            rows.append(row("P14.mcp.1", "MCP tool call through a tab (tool_call → tool_result,"
                            " p50) minus FastMCP's client calling the same server directly",
                            ms(med_o - med_d), "ms", "≤ 5 ms", med_o - med_d <= 0.005,
                            baseline=ms(med_d)))
            rows.append(row("P14.mcp.1b", "the same through a tab, p50 (p95 in the next row)",
                            ms(med_o), "ms", "", None))
            rows.append(row("P14.mcp.1c", "… p95", ms(quantile(ours, 0.95)), "ms", "", None,
                            baseline=ms(quantile(direct, 0.95))))
            rows.append(row("P14.mcp.1d", "built-in list_directory, tool_call → tool_result "
                            "(p50), for scale", ms(quantile(builtin, 0.5)), "ms", "", None))
        finally:
            await core.stop()

    # Row 2: creating a tab with an MCP server configured (one that takes long to start).
    with FakeServer() as fake, bench_home(fake.base_url, extra=table("slow", "--hang-init")) \
            as home_mcp, bench_home(fake.base_url) as home_plain:
        times: dict[str, list[float]] = {"mcp": [], "plain": []}
        cores = {"mcp": await Tabwise.start(home_mcp), "plain": await Tabwise.start(home_plain)}
        try:
            for _ in range(n):
                for key, core in cores.items():
                    work = Path(core.paths.settings_file).parent.parent / "work"
                    t0 = now()
                    info = await core.create_session(str(work), terminal=False)
                    times[key].append(now() - t0)
                    await core.close_session(info.session_id)
        finally:
            for core in cores.values():
                await core.stop()
        with_mcp, plain = quantile(times["mcp"], 0.5), quantile(times["plain"], 0.5)
        rows.append(row("P14.mcp.2", "create_session (no shell) with an MCP server that never "
                        "finishes starting, p50 (baseline: none configured)", ms(with_mcp),
                        "ms", "≤ baseline + 5 ms", with_mcp - plain <= 0.005,
                        baseline=ms(plain)))
    return rows


def run(quick: bool, only: set[str] | None = None) -> list[Row]:
    return asyncio.run(_main(quick))


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
