"""A broken MCP server never breaks a tab (issue #14)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import collect_until, of_type, terminal
from mcp_helpers import GARBAGE, last_tool_message, stdio_table, tab, wait_status


async def test_a_missing_command_fails_with_a_sentence_and_the_tab_works(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    extra = '[mcp.gone]\ncommand = "no-such-mcp-server-xyz"\n'
    core = await Tabwise.start(make_home(extra=extra))
    try:
        started = time.perf_counter()
        a = await tab(core, workdir)
        assert time.perf_counter() - started < 5  # the tab did not wait for the server
        sub = core.subscribe(a)
        row = await wait_status(core, a, "gone", "failed")
        assert "no-such-mcp-server-xyz" in row.error and "PATH" in row.error
        statuses = of_type(await collect_until(
            sub, lambda e: e.type == "mcp_status" and e.payload.status == "failed"),
            "mcp_status")
        assert statuses[-1].payload.server == "gone"
        assert await core.send_ai_prompt(a, "still fine?") == "echo: still fine?"
    finally:
        await core.stop()


async def test_a_server_that_hangs_on_initialize_fails_and_the_tab_works(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    from mcp_helpers import SERVER

    extra = stdio_table("hang", SERVER, "--hang-init", init_timeout_seconds="1")
    core = await Tabwise.start(make_home(extra=extra))
    try:
        a = await tab(core, workdir)
        row = await wait_status(core, a, "hang", "failed")
        assert "start" in row.error or "initializ" in row.error.lower()
        assert await core.send_ai_prompt(a, "ok?") == "echo: ok?"
    finally:
        await core.stop()


async def test_a_crash_mid_call_is_an_error_result_and_the_server_restarts(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("t", approval='"auto"')))
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        sub = core.subscribe(a)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_die", {})]))
        await core.send_ai_prompt(a, "die")
        assert "failed during the call" in last_tool_message(fake_llm)
        events = await collect_until(sub, lambda e: e.type == "mcp_status"
                                     and e.payload.status == "connected", timeout=30)
        assert [e.payload.status for e in of_type(events, "mcp_status")][:1] == ["failed"]
        # The restarted server answers again.
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_echo", {"text": "back"})]))
        await core.send_ai_prompt(a, "again")
        assert "echo:back" in last_tool_message(fake_llm)
    finally:
        await core.stop()


async def test_garbage_from_a_server_is_an_error_result_not_a_broken_tab(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("g", GARBAGE, approval='"auto"')))
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "g", "connected")
        sub = core.subscribe(a)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("g_mangle", {})]))
        answer = await core.send_ai_prompt(a, "mangle")
        assert answer.startswith("tool said: Error:")
        results = of_type(await collect_until(sub, terminal), "tool_result")
        assert results and results[0].payload.success is False
        assert await core.send_ai_prompt(a, "next") == "echo: next"
    finally:
        await core.stop()


async def test_a_hung_call_times_out_and_cancel_ends_a_call(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    extra = stdio_table("t", approval='"auto"', timeout_seconds="2")
    core = await Tabwise.start(make_home(extra=extra))
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_sleep", {"seconds": 30})]))
        started = time.perf_counter()
        await core.send_ai_prompt(a, "sleep")
        assert time.perf_counter() - started < 10
        assert "did not answer within 2 seconds" in last_tool_message(fake_llm)
        # Cancelling the turn ends the call at once.
        sub = core.subscribe(a)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_sleep", {"seconds": 30})]))
        turn = asyncio.create_task(core.send_ai_prompt(a, "sleep again"))
        await collect_until(sub, lambda e: e.type == "tool_auto_approved")
        cancelled_at = time.perf_counter()
        assert await core.cancel_ai_prompt(a)
        await asyncio.gather(turn, return_exceptions=True)
        assert time.perf_counter() - cancelled_at < 1.5
        assert of_type(await collect_until(sub, terminal), "cancelled")
        await wait_status(core, a, "t", "connected")
    finally:
        await core.stop()


async def test_results_are_truncated_like_built_in_ones(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("t", approval='"auto"')))
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_big", {"size": 200_000})]))
        await core.send_ai_prompt(a, "big")
        content = last_tool_message(fake_llm)
        assert len(content) < 32 * 1024 and "cut" in content and "200000 bytes" in content
    finally:
        await core.stop()
