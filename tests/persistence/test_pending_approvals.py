"""A tool approval pending when the app quits or crashes is kept (issue #15 item 6,
DESIGN §7): after a restart it is asked again and answering it continues the turn."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tabwise.api import to_json
from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import collect_until, fields, of_type, terminal
from rpc_client import RpcClient


def write_call(path: str = "out.txt", content: str = "hello", id: str = "") -> Reply:
    return Reply(tool_calls=[ToolCall("write_file", {"path": path, "content": content},
                                      id=id)])


async def wait_request(core: Tabwise, sid: str) -> dict[str, Any]:
    sub = core.subscribe(sid)
    try:
        ev = (await collect_until(sub, lambda e: e.type == "tool_approval_request"))[-1]
    finally:
        sub.close()
    return fields(ev)


def tool_messages(fake: FakeLLM, model: str = "m1") -> list[dict[str, Any]]:
    return [m for m in fake.requests_for(model)[-1].messages if m["role"] == "tool"]


async def test_quit_with_an_approval_pending_then_approve_after_restart(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    info0 = await core.create_session(str(workdir), terminal=False)
    sid = info0.session_id
    await core.send_ai_prompt(sid, "an earlier turn")
    fake_llm.script("m1", write_call())
    waiting = asyncio.create_task(core.send_ai_prompt(sid, "write out.txt"))
    req = await wait_request(core, sid)
    await core.stop()  # quitting is not a shutdown of the tab: the request is kept
    await asyncio.gather(waiting, return_exceptions=True)
    assert not (workdir / "out.txt").exists()

    core = await Tabwise.start(home)
    try:
        pending = to_json(await core.get_pending_approvals(sid))
        assert [(p["request_id"], p["tool_name"], p["args"]) for p in pending] == [
            (req["request_id"], "write_file", {"path": "out.txt", "content": "hello"})]
        assert pending[0]["created_at"] < core.started_at  # asked before the restart
        assert pending[0]["working_directory"] == info0.working_directory
        info = next(i for i in await core.list_sessions() if i.session_id == sid)
        assert info.ai_status == "awaiting_approval"
        sub = core.subscribe(sid)
        await core.respond_to_tool_approval(sid, req["request_id"], "approve")
        events = await collect_until(sub, terminal)
        assert [e.type for e in events if e.type in ("started", "completed")] == [
            "started", "completed"]
        assert (workdir / "out.txt").read_text() == "hello"
        assert of_type(events, "tool_result")[0].payload.success is True
        # The model got the tool's result with the whole conversation.
        request = fake_llm.requests_for("m1")[-1]
        assert request.user_texts() == ["an earlier turn", "write out.txt"]
        assert "out.txt" in str(tool_messages(fake_llm)[0]["content"])
        assert await core.get_pending_approvals(sid) == []
        # The turn is in the archive as one whole turn, and the next one follows it.
        assert await core.get_ai_conversation_length(sid) == 6
        await core.send_ai_prompt(sid, "next")
        assert fake_llm.requests_for("m1")[-1].user_texts() == [
            "an earlier turn", "write out.txt", "next"]
        assert core.archive is not None
        audit = await core.archive.load_audit(sid)
        assert [(r.tool_name, r.decision) for r in audit] == [("write_file", "approve")]
    finally:
        await core.stop()

    core = await Tabwise.start(home)
    try:
        assert await core.get_pending_approvals(sid) == []
        assert await core.get_ai_conversation_length(sid) == 8
    finally:
        await core.stop()


async def test_deny_after_restart_tells_the_model_and_continues(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    (workdir / "a.txt").write_text("AAA")
    # One response, two calls: a read that runs at once and a write that must wait.
    fake_llm.script("m1", Reply(tool_calls=[
        ToolCall("read_file", {"path": "a.txt"}, id="call_read"),
        ToolCall("write_file", {"path": "b.txt", "content": "B"}, id="call_write")]))
    waiting = asyncio.create_task(core.send_ai_prompt(sid, "read and write"))
    req = await wait_request(core, sid)
    assert req["request_id"] == "call_write"
    await core.stop()
    await asyncio.gather(waiting, return_exceptions=True)
    reads_before = len(fake_llm.requests_for("m1"))

    core = await Tabwise.start(home)
    try:
        sub = core.subscribe(sid)
        await core.respond_to_tool_approval(sid, "call_write", "deny", "not now")
        events = await collect_until(sub, terminal)
        assert events[-1].type == "completed"
        assert not (workdir / "b.txt").exists()
        assert "not now" in of_type(events, "tool_denied")[0].payload.reason
        # The read ran once, before the restart: its result is sent, it is not re-run.
        assert not [e for e in of_type(events, "tool_result")
                    if e.payload.request_id == "call_read"]
        assert len(fake_llm.requests_for("m1")) == reads_before + 1
        tools = {m["tool_call_id"]: str(m["content"]) for m in tool_messages(fake_llm)}
        assert "AAA" in tools["call_read"]
        assert "denied" in tools["call_write"] and "not now" in tools["call_write"]
    finally:
        await core.stop()


async def test_cancel_drops_the_saved_request(make_home: Callable[..., Path],
                                              fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    fake_llm.script("m1", write_call())
    waiting = asyncio.create_task(core.send_ai_prompt(sid, "write"))
    await wait_request(core, sid)
    assert await core.cancel_ai_prompt(sid)
    await asyncio.gather(waiting, return_exceptions=True)
    await core.stop()
    core = await Tabwise.start(home)
    try:
        assert await core.get_pending_approvals(sid) == []
        assert await core.send_ai_prompt(sid, "free again") == "echo: free again"
    finally:
        await core.stop()


async def serve(home: Path) -> tuple[asyncio.subprocess.Process, RpcClient]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tabwise.cli", "--home", str(home), "serve", "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ})
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
    token = (home / "server.token").read_text().strip()
    return proc, await RpcClient.connect(line.removeprefix("listening on "), token)


async def test_kill_9_with_an_approval_pending_then_approve_over_rpc(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    proc, client = await serve(home)
    try:
        sid = (await client.call("create_session", working_directory=str(workdir),
                                 terminal=False))["session_id"]
        await client.call("subscribe_events", session_id=sid)
        fake_llm.script("m1", write_call(content="written after a crash"))
        turn = asyncio.create_task(client.call("send_ai_prompt", session_id=sid,
                                               prompt="write it"))
        req = await client.next_event(lambda e: e["type"] == "tool_approval_request")
    finally:
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
    turn.cancel()
    await asyncio.gather(turn, client.close(), return_exceptions=True)
    assert not (workdir / "out.txt").exists()

    proc, client = await serve(home)
    try:
        pending = await client.call("get_pending_approvals", session_id=sid)
        assert [p["request_id"] for p in pending] == [req["request_id"]]
        assert pending[0]["args"] == {"path": "out.txt", "content": "written after a crash"}
        await client.call("subscribe_events", session_id=sid)
        assert await client.call("respond_to_tool_approval", session_id=sid,
                                 request_id=req["request_id"], decision="approve") is True
        await client.next_event(lambda e: e["type"] == "started")
        done = await client.next_event(lambda e: e["type"] in ("completed", "error"))
        assert done["type"] == "completed", done
        assert (workdir / "out.txt").read_text() == "written after a crash"
        assert await client.call("get_pending_approvals", session_id=sid) == []
    finally:
        await client.close()
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 20)


async def test_cancel_a_restored_request_and_answer_one_of_two(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    fake_llm.script("m1", Reply(tool_calls=[
        ToolCall("write_file", {"path": "one.txt", "content": "1"}, id="call_one"),
        ToolCall("write_file", {"path": "two.txt", "content": "2"}, id="call_two")]))
    waiting = asyncio.create_task(core.send_ai_prompt(sid, "two writes"))
    sub = core.subscribe(sid)
    await collect_until(sub, lambda e: e.type == "tool_approval_request")
    await collect_until(sub, lambda e: e.type == "tool_approval_request")
    # One answer before the quit is kept; only the other one is asked again.
    await core.respond_to_tool_approval(sid, "call_one", "approve")
    await core.stop()
    await asyncio.gather(waiting, return_exceptions=True)

    core = await Tabwise.start(home)
    try:
        assert [p.request_id for p in await core.get_pending_approvals(sid)] == [
            "call_two"]
        sub = core.subscribe(sid)
        await core.respond_to_tool_approval(sid, "call_two", "approve")
        events = await collect_until(sub, terminal)
        assert events[-1].type == "completed"
        assert (workdir / "one.txt").read_text() == "1"
        assert (workdir / "two.txt").read_text() == "2"
    finally:
        await core.stop()

    fake_llm.script("m1", write_call("three.txt"))
    core = await Tabwise.start(home)
    try:
        waiting = asyncio.create_task(core.send_ai_prompt(sid, "third"))
        await wait_request(core, sid)
    finally:
        await core.stop()
    await asyncio.gather(waiting, return_exceptions=True)
    core = await Tabwise.start(home)
    try:
        sub = core.subscribe(sid)
        assert await core.cancel_ai_prompt(sid)
        ev = await collect_until(sub, terminal)
        assert ev[-1].type == "cancelled"
        assert await core.get_pending_approvals(sid) == []
        assert await core.send_ai_prompt(sid, "free") == "echo: free"
    finally:
        await core.stop()
    core = await Tabwise.start(home)
    try:
        assert await core.get_pending_approvals(sid) == []
        assert not (workdir / "three.txt").exists()
    finally:
        await core.stop()


async def test_a_continued_turn_that_asks_again_survives_a_second_restart(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    fake_llm.script("m1", write_call("a.txt", "A", id="call_a"),
                    write_call("b.txt", "B", id="call_b"), Reply(text="both written"))
    waiting = asyncio.create_task(core.send_ai_prompt(sid, "write a then b"))
    await wait_request(core, sid)
    await core.stop()
    await asyncio.gather(waiting, return_exceptions=True)

    core = await Tabwise.start(home)
    try:
        sub = core.subscribe(sid)
        await core.respond_to_tool_approval(sid, "call_a", "approve")
        await collect_until(sub, lambda e: e.type == "tool_approval_request"
                            and e.payload.request_id == "call_b")
    finally:
        await core.stop()
    assert (workdir / "a.txt").read_text() == "A"

    core = await Tabwise.start(home)
    try:
        assert [p.request_id for p in await core.get_pending_approvals(sid)] == ["call_b"]
        sub = core.subscribe(sid)
        await core.respond_to_tool_approval(sid, "call_b", "approve")
        events = await collect_until(sub, terminal)
        assert events[-1].type == "completed"
        assert events[-1].payload.response == "both written"
        assert (workdir / "b.txt").read_text() == "B"
        # One turn: prompt, call a, result a, call b, result b, answer.
        assert await core.get_ai_conversation_length(sid) == 6
        tools = [m for m in fake_llm.requests_for("m1")[-1].messages if m["role"] == "tool"]
        assert [m["tool_call_id"] for m in tools] == ["call_a", "call_b"]
    finally:
        await core.stop()
    core = await Tabwise.start(home)
    try:
        assert await core.get_ai_conversation_length(sid) == 6
        assert core.archive is not None
        assert len(await core.archive.load_transcript(sid)) == 6
    finally:
        await core.stop()
