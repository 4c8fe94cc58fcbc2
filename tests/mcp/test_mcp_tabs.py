"""MCP servers as per-tab tool sources, through the command layer (issue #14)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import ai, collect_until, of_type, terminal
from mcp_helpers import stdio_table, tab, tool_names, wait_status


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
        assert req.payload.tool_name == "t_echo" and req.payload.args == {"text": "hi"}
        assert sub_b.get_nowait() is None or all(
            e.type != "tool_approval_request" for e in [sub_b.get_nowait()] if e)
        assert await core.get_pending_approvals(b) == []
        await core.respond_to_tool_approval(a, req.payload.request_id, "approve")
        await turn
        tool_msgs = [m for m in fake_llm.requests_for("m1")[-1].messages
                     if m["role"] == "tool"]
        assert "echo:hi" in str(tool_msgs[0]["content"])
        results = of_type(await collect_until(sub_a, terminal), "tool_result")
        assert results[0].payload.success is True
        assert core.archive is not None
        await core.archive.flush()
        audit = await core.archive.load_audit(a)
        assert [(r.tool_name, r.decision) for r in audit] == [("t_echo", "approve")]
    finally:
        await core.stop()


async def test_two_tabs_one_with_the_server_see_different_tool_lists(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("t")))
    try:
        a, b = await tab(core, workdir), await tab(core, workdir)
        await core.mcp.wait_ready(a, 30)
        assert core.mcp.connected(a) == ["t"]
        info = await core.set_session_mcp_servers(b, [])
        assert list(info.mcp_servers) == []
        assert list((await core.list_sessions())[0].mcp_servers) in (["t"], [])
        await wait_status(core, a, "t", "connected")
        await core.send_ai_prompt(a, "hello from a")
        await core.send_ai_prompt(b, "hello from b")
        req_a, req_b = fake_llm.requests_for("m1")[-2:]
        assert "hello from a" in req_a.all_text() and "hello from b" in req_b.all_text()
        assert {"t_echo", "t_sleep", "t_die", "read_file"} <= tool_names(req_a)
        assert "read_file" in tool_names(req_b)
        assert not any(n.startswith("t_") for n in tool_names(req_b))
        rows = {r.name: r for r in await core.list_mcp_servers(b)}
        assert rows["t"].status == "off" and rows["t"].selected is False
        rows = {r.name: r for r in await core.list_mcp_servers(a)}
        assert rows["t"].status == "connected" and "t_echo" in rows["t"].tools
    finally:
        await core.stop()


async def test_always_allow_of_an_mcp_tool_is_scoped_to_the_tab(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("t")))
    try:
        a, b = await tab(core, workdir), await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        sub_a, sub_b = core.subscribe(a), core.subscribe(b)
        call = Reply(tool_calls=[ToolCall("t_echo", {"text": "1"})])
        fake_llm.script("m1", call)
        turn = asyncio.create_task(core.send_ai_prompt(a, "first"))
        req = (await collect_until(sub_a, lambda e: e.type == "tool_approval_request"))[-1]
        await core.respond_to_tool_approval(a, req.payload.request_id, "always_allow")
        await turn
        await collect_until(sub_a, terminal)
        # Tab A does not ask again ...
        fake_llm.script("m1", call)
        await core.send_ai_prompt(a, "second")
        events = await collect_until(sub_a, lambda e: e.type == "completed")
        assert of_type(events, "tool_auto_approved")
        assert not of_type(events, "tool_approval_request")
        # ... tab B still does.
        fake_llm.script("m1", call)
        turn_b = asyncio.create_task(core.send_ai_prompt(b, "in b"))
        req_b = (await collect_until(sub_b, lambda e: e.type == "tool_approval_request"))[-1]
        assert req_b.payload.tool_name == "t_echo"
        await core.respond_to_tool_approval(b, req_b.payload.request_id, "deny")
        await turn_b
    finally:
        await core.stop()


async def test_never_allow_refuses_an_mcp_tool_by_name_or_server_pattern(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    extra = stdio_table("t", approval='"auto"')
    home = make_home(extra=extra)
    text = (home / "settings.toml").read_text().replace(
        "[agent]\n", '[agent]\nnever_allow = ["t_die", "u_*"]\n')
    (home / "settings.toml").write_text(text)
    core = await Tabwise.start(home)
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        sub = core.subscribe(a)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_die", {})]))
        await core.send_ai_prompt(a, "die")
        events = await collect_until(sub, lambda e: e.type == "completed")
        denied = of_type(events, "tool_denied")
        assert denied and "never allow" in denied[0].payload.reason
        # The server was never called: it is still up with the same process.
        assert (await wait_status(core, a, "t", "connected")).error is None
        tool_msgs = [m for m in fake_llm.requests_for("m1")[-1].messages
                     if m["role"] == "tool"]
        assert "Denied" in str(tool_msgs[0]["content"])
        # approval = "auto" lets its other tools run without asking.
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_echo", {"text": "x"})]))
        await core.send_ai_prompt(a, "echo")
        events = await collect_until(sub, lambda e: e.type == "completed")
        assert of_type(events, "tool_auto_approved")
        assert core.archive is not None
        await core.archive.flush()
        audit = await core.archive.load_audit(a)
        assert [(r.tool_name, r.decision) for r in audit] == [("t_die", "policy"),
                                                              ("t_echo", "auto")]
    finally:
        await core.stop()


async def test_secret_rules_apply_to_mcp_tools_even_with_approval_auto(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("t", approval='"auto"')))
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        sub = core.subscribe(a)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_echo", {"text": "~/.ssh/id_rsa"})]))
        turn = asyncio.create_task(core.send_ai_prompt(a, "read a key"))
        req = (await collect_until(sub, lambda e: e.type == "tool_approval_request"))[-1]
        assert req.payload.risk == "high" and "secret" in req.payload.reasons[0]
        await core.respond_to_tool_approval(a, req.payload.request_id, "deny")
        await turn
    finally:
        await core.stop()


async def test_restart_restores_each_tabs_servers_and_a_model_switch_keeps_them(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home(extra=stdio_table("t") + stdio_table("u", enabled="false"))
    core = await Tabwise.start(home)
    try:
        a, b = await tab(core, workdir), await tab(core, workdir)
        assert list((await core.restore_session(a)).mcp_servers) == ["t"]
        await core.set_session_mcp_servers(b, ["u"])
        await core.init_ai_session(b, ai("local2", "m2"))
        assert list((await core.restore_session(b)).mcp_servers) == ["u"]
    finally:
        await core.stop()
    core = await Tabwise.start(home)
    try:
        infos = {i.session_id: i for i in await core.list_sessions()}
        assert list(infos[a].mcp_servers) == ["t"] and list(infos[b].mcp_servers) == ["u"]
        await wait_status(core, b, "u", "connected")
        await core.send_ai_prompt(b, "which tools")
        names = tool_names(fake_llm.requests_for("m2")[-1])
        assert "u_echo" in names and "t_echo" not in names
    finally:
        await core.stop()


async def test_a_changed_tool_list_is_picked_up(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("t", approval='"auto"')))
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_grow", {})]))
        await core.send_ai_prompt(a, "grow")
        # The request after the call (the model reading the result) already has the tool.
        assert "t_extra" in tool_names(fake_llm.requests_for("m1")[-1])
        assert "t_extra" not in tool_names(fake_llm.requests_for("m1")[0])
    finally:
        await core.stop()


async def test_a_slow_mcp_call_in_one_tab_never_delays_another(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("t", approval='"auto"')))
    try:
        a, b = await tab(core, workdir), await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_sleep", {"seconds": 3})]))
        sub = core.subscribe(a)
        slow = asyncio.create_task(core.send_ai_prompt(a, "sleep"))
        await collect_until(sub, lambda e: e.type == "tool_auto_approved")
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await core.send_ai_prompt(b, "quick") == "echo: quick"
        assert loop.time() - started < 2.0 and not slow.done()
        assert "slept" in await slow
    finally:
        await core.stop()


async def test_reload_settings_restarts_a_changed_server_and_stops_a_removed_one(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home(extra=stdio_table("t") + stdio_table("u"))
    core = await Tabwise.start(home)
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        await wait_status(core, a, "u", "connected")
        old_t, old_u = core.mcp._tabs[a]["t"], core.mcp._tabs[a]["u"]
        text = (home / "settings.toml").read_text()
        text = text.replace(stdio_table("u"), "").replace(
            stdio_table("t"), stdio_table("t", timeout_seconds="7"))
        (home / "settings.toml").write_text(text)
        await core.reload_settings()
        assert [r.name for r in await core.list_mcp_servers(a)] == ["t"]
        await wait_status(core, a, "t", "connected")
        assert core.mcp._tabs[a]["t"] is not old_t
        assert core.mcp._tabs[a]["t"].settings.timeout_seconds == 7
        await asyncio.sleep(0.5)
        assert old_u.toolset is None and old_t.toolset is None  # both stopped
        # The tab still lists u as chosen: if u comes back to settings, it is used again.
        assert list((await core.restore_session(a)).mcp_servers) == ["t", "u"]
    finally:
        await core.stop()


async def test_an_mcp_approval_pending_at_quit_runs_once_its_server_is_back(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    # Approved the moment the app is back, before the server has finished starting:
    # the continued turn waits for the server instead of missing the tool.
    home = make_home(extra=stdio_table("t"))
    core = await Tabwise.start(home)
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        sub = core.subscribe(a)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_echo", {"text": "kept"},
                                                         id="call_mcp")]))
        turn = asyncio.create_task(core.send_ai_prompt(a, "use the tool"))
        await collect_until(sub, lambda e: e.type == "tool_approval_request")
    finally:
        await core.stop()
    turn.cancel()
    core = await Tabwise.start(home)
    try:
        sub = core.subscribe(a)
        (pending,) = await core.get_pending_approvals(a)
        assert pending.request_id == "call_mcp"
        await core.respond_to_tool_approval(a, "call_mcp", "approve")
        events = await collect_until(sub, terminal, timeout=30)
        assert events[-1].type == "completed", [e.type for e in events]
        tool_msgs = [m for m in fake_llm.requests_for("m1")[-1].messages
                     if m["role"] == "tool"]
        assert "echo:kept" in str(tool_msgs[-1]["content"])
    finally:
        await core.stop()
