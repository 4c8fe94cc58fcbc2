"""Tool approvals per tab through the command layer (issue #3)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tabwise.commands import Tabwise
from tabwise.errors import ApprovalNotFound, InvalidParams, TurnCancelled
from tabwise.events import Event

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import ai, collect_until, fields, of_type, terminal


def write_call(path: str = "out.txt", content: str = "hello") -> Reply:
    return Reply(tool_calls=[ToolCall("write_file", {"path": path, "content": content})])


async def wait_request(sub, timeout: float = 10) -> Event:  # type: ignore[no-untyped-def]
    events = await collect_until(sub, lambda e: e.type == "tool_approval_request", timeout)
    return events[-1]


async def tab(core: Tabwise, workdir: Path, model: str = "m1") -> str:
    provider = "local1" if model.startswith("m1") else "local2"
    info = await core.create_session(str(workdir), ai_config=ai(provider, model),
                                     terminal=False)
    return str(info.session_id)


async def test_approve_runs_the_tool_and_the_model_sees_the_result(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await tab(core, workdir)
    sub = core.subscribe(sid)
    fake_llm.script("m1", write_call())
    turn = asyncio.create_task(core.send_ai_prompt(sid, "write it"))
    req = await wait_request(sub)
    assert req.payload.tool_name == "write_file"
    assert req.payload.args == {"path": "out.txt", "content": "hello"}
    assert req.payload.risk == "medium"
    pending = await core.get_pending_approvals(sid)
    assert [p.request_id for p in pending] == [req.payload.request_id]
    await core.respond_to_tool_approval(sid, req.payload.request_id, "approve")
    answer = await turn
    assert (workdir / "out.txt").read_text() == "hello"
    assert answer.startswith("tool said:")
    events = await collect_until(sub, terminal)
    results = of_type(events, "tool_result")
    assert results and results[0].payload.success is True
    # The tool's output went back to the model.
    tool_msgs = [m for m in fake_llm.requests_for("m1")[-1].messages if m["role"] == "tool"]
    assert tool_msgs and "out.txt" in str(tool_msgs[0]["content"])
    # The decision is in the approvals audit.
    assert core.archive is not None
    await core.archive.flush()
    audit = await core.archive.load_audit(sid)
    assert [(r.tool_name, r.decision) for r in audit] == [("write_file", "approve")]


async def test_deny_with_reason_reaches_the_model(core: Tabwise, fake_llm: FakeLLM,
                                                  workdir: Path) -> None:
    sid = await tab(core, workdir)
    sub = core.subscribe(sid)
    fake_llm.script("m1", write_call())
    turn = asyncio.create_task(core.send_ai_prompt(sid, "write it"))
    req = await wait_request(sub)
    await core.respond_to_tool_approval(sid, req.payload.request_id, "deny",
                                        "not in this folder")
    await turn
    assert not (workdir / "out.txt").exists()
    events = await collect_until(sub, terminal)
    denied = of_type(events, "tool_denied")
    assert denied and "not in this folder" in denied[0].payload.reason
    tool_msgs = [m for m in fake_llm.requests_for("m1")[-1].messages if m["role"] == "tool"]
    assert "denied" in str(tool_msgs[0]["content"]) and "not in this folder" in str(
        tool_msgs[0]["content"])
    with pytest.raises(ApprovalNotFound):  # already answered
        await core.respond_to_tool_approval(sid, req.payload.request_id, "approve")


async def test_always_allow_is_scoped_to_one_tab(core: Tabwise, fake_llm: FakeLLM,
                                                 workdir: Path) -> None:
    a = await tab(core, workdir)
    b = await tab(core, workdir, "m2")
    sa, sb = core.subscribe(a), core.subscribe(b)
    fake_llm.script("m1", write_call("a1.txt"), Reply(text="ok"), write_call("a2.txt"))
    turn = asyncio.create_task(core.send_ai_prompt(a, "write"))
    req = await wait_request(sa)
    await core.respond_to_tool_approval(a, req.payload.request_id, "always_allow")
    await turn
    await core.send_ai_prompt(a, "write again")  # no question this time
    assert (workdir / "a2.txt").exists()
    evs = await collect_until(sa, lambda e: e.type == "completed" and
                              "a2.txt" in str(fields(e).get("response")))
    assert of_type(evs, "tool_auto_approved")
    # Tab B still asks.
    fake_llm.script("m2", write_call("b.txt"))
    turn_b = asyncio.create_task(core.send_ai_prompt(b, "write"))
    req_b = await wait_request(sb)
    # A's id space is not B's.
    with pytest.raises(ApprovalNotFound):
        await core.respond_to_tool_approval(a, req_b.payload.request_id, "approve")
    await core.respond_to_tool_approval(b, req_b.payload.request_id, "deny")
    await turn_b
    assert not (workdir / "b.txt").exists()


async def test_timeout_denies_and_tells_the_model(make_home: Callable[..., Path],
                                                  fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home(extra="")
    text = (home / "settings.toml").read_text().replace("approval_timeout_seconds = 30",
                                                         "approval_timeout_seconds = 0.3")
    (home / "settings.toml").write_text(text)
    core = await Tabwise.start(home)
    try:
        sid = await tab(core, workdir)
        sub = core.subscribe(sid)
        fake_llm.script("m1", write_call())
        await core.send_ai_prompt(sid, "write it")
        events = await collect_until(sub, terminal)
        denied = of_type(events, "tool_denied")
        assert denied and "0.3 seconds" in denied[0].payload.reason
        assert not (workdir / "out.txt").exists()
        tool_msgs = [m for m in fake_llm.requests_for("m1")[-1].messages
                     if m["role"] == "tool"]
        assert "denied" in str(tool_msgs[0]["content"])
    finally:
        await core.stop()


@pytest.mark.parametrize("how", ["cancel", "shutdown", "close"])
async def test_cancel_shutdown_or_close_while_pending_never_runs_the_tool(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path, how: str) -> None:
    sid = await tab(core, workdir)
    sub = core.subscribe(sid)
    fake_llm.script("m1", write_call())
    turn = asyncio.create_task(core.send_ai_prompt(sid, "write it"))
    await wait_request(sub)
    if how == "cancel":
        assert await core.cancel_ai_prompt(sid)
    elif how == "shutdown":
        await core.shutdown_ai_session(sid)
    else:
        await core.close_session(sid)
    with pytest.raises((TurnCancelled, asyncio.CancelledError)):
        await turn
    events = await collect_until(sub, terminal)
    assert events[-1].type == "cancelled"
    assert not (workdir / "out.txt").exists()
    if how == "cancel":
        assert await core.get_pending_approvals(sid) == []


async def test_never_allow_and_secret_paths(make_home: Callable[..., Path], fake_llm: FakeLLM,
                                            workdir: Path) -> None:
    home = make_home(extra="")
    text = (home / "settings.toml").read_text().replace(
        "[agent]\n", '[agent]\napproval = "auto"\nnever_allow = ["run_command"]\n')
    (home / "settings.toml").write_text(text)
    core = await Tabwise.start(home)
    try:
        sid = await tab(core, workdir)
        sub = core.subscribe(sid)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("run_command",
                                                         {"command": "touch ran"})]))
        await core.send_ai_prompt(sid, "run")
        events = await collect_until(sub, terminal)
        assert of_type(events, "tool_denied")
        assert not of_type(events, "tool_approval_request")
        assert not (workdir / "ran").exists()
        # approval = auto writes without asking ...
        fake_llm.script("m1", write_call("plain.txt"))
        await core.send_ai_prompt(sid, "write")
        assert (workdir / "plain.txt").exists()
        # ... but a secret-looking file always asks.
        fake_llm.script("m1", write_call(".env", "TOKEN=1"))
        turn = asyncio.create_task(core.send_ai_prompt(sid, "write env"))
        req = await wait_request(sub)
        assert req.payload.risk == "high"
        await core.respond_to_tool_approval(sid, req.payload.request_id, "deny")
        await turn
        assert not (workdir / ".env").exists()
    finally:
        await core.stop()


async def test_bad_decision_is_invalid_params(core: Tabwise, workdir: Path) -> None:
    sid = await tab(core, workdir)
    with pytest.raises(InvalidParams):
        await core.respond_to_tool_approval(sid, "x", "maybe")


async def test_two_tabs_waiting_never_block_a_third_that_streams(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    a, b = await tab(core, workdir), await tab(core, workdir, "m2")
    c = await tab(core, workdir, "m1b")
    sa, sb = core.subscribe(a), core.subscribe(b)
    fake_llm.script("m1", write_call("a.txt"))
    fake_llm.script("m2", write_call("b.txt"))
    ta = asyncio.create_task(core.send_ai_prompt(a, "write a"))
    tb = asyncio.create_task(core.send_ai_prompt(b, "write b"))
    ra, rb = await wait_request(sa), await wait_request(sb)
    # Both wait; a third tab streams a whole turn meanwhile.
    assert await asyncio.wait_for(core.send_ai_prompt(c, "free"), 5) == "echo: free"
    assert not ta.done() and not tb.done()
    await core.respond_to_tool_approval(b, rb.payload.request_id, "approve")
    await tb
    assert not ta.done()
    await core.respond_to_tool_approval(a, ra.payload.request_id, "approve")
    await ta
    assert (workdir / "a.txt").exists() and (workdir / "b.txt").exists()
