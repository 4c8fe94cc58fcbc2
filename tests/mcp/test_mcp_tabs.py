"""MCP servers as per-tab tool sources, through the command layer (issue #14)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tabwise.commands import Tabwise

from conftest import stdio_table, wait_status
from fake_llm import FakeLLM, Reply, ToolCall
from helpers import ai, collect_until, of_type, terminal


def tool_names(req) -> set[str]:  # type: ignore[no-untyped-def]
    return {t["function"]["name"] for t in req.body.get("tools", [])}


async def tab(core: Tabwise, workdir: Path) -> str:
    info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                     terminal=False)
    return str(info["session_id"])


async def test_mcp_call_asks_in_that_tab_only_and_the_result_reaches_the_model(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("t")))
    try:
        a, b = await tab(core, workdir), await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        sub_a, sub_b = core.subscribe(a), core.subscribe(b)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_echo", {"text": "hi"})]))
        turn = asyncio.create_task(core.send_ai_prompt(a, "use the tool"))
        events = await collect_until(sub_a, lambda e: e.type == "tool_approval_request")
        req = events[-1]
        assert req.data["tool_name"] == "t_echo" and req.data["args"] == {"text": "hi"}
        assert sub_b.get_nowait() is None or all(
            e.type != "tool_approval_request" for e in [sub_b.get_nowait()] if e)
        assert await core.get_pending_approvals(b) == []
        await core.respond_to_tool_approval(a, req.data["request_id"], "approve")
        await turn
        tool_msgs = [m for m in fake_llm.requests_for("m1")[-1].messages
                     if m["role"] == "tool"]
        assert "echo:hi" in str(tool_msgs[0]["content"])
        results = of_type(await collect_until(sub_a, terminal), "tool_result")
        assert results[0].data["success"] is True
        assert core.archive is not None
        await core.archive.flush()
        audit = await core.archive.load_audit(a)
        assert [(r.tool_name, r.decision) for r in audit] == [("t_echo", "approve")]
    finally:
        await core.stop()
