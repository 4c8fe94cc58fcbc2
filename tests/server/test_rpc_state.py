"""``state_changed`` over JSON-RPC: the one source of a tab's state (DESIGN §5)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply, ToolCall
from rpc_client import RpcClient, RpcError, connected

# What the state is told relative to: the turn's milestones.
MILESTONES = ("started", "tool_approval_request", "tool_result", "completed", "error",
              "cancelled")


@pytest.fixture
async def client(core: Tabwise) -> AsyncIterator[RpcClient]:
    async with connected(core) as c:
        yield c


async def events_until(client: RpcClient, type_: str) -> list[dict[str, Any]]:
    out = []
    while True:
        ev = await client.next_event()
        out.append(ev)
        if ev["type"] == type_ and (type_ != "state_changed" or ev["state"] != "streaming"):
            return out


def story(events: list[dict[str, Any]]) -> list[str]:
    return [f"state:{e['state']}" if e["type"] == "state_changed" else e["type"]
            for e in events if e["type"] in (*MILESTONES, "state_changed")]


async def new_tab(client: RpcClient, workdir: Path) -> str:
    s = await client.call("create_session", working_directory=str(workdir), terminal=False,
                          ai_config={"provider": "local1", "model": "m1"})
    assert s["ai_status"] == "idle"
    await client.call("subscribe_events", session_id=s["session_id"])
    return str(s["session_id"])


async def test_a_turn_with_an_approval_tells_every_state_change(
        client: RpcClient, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await new_tab(client, workdir)
    fake_llm.script("m1", Reply(tool_calls=[ToolCall("write_file", {
        "path": "out.txt", "content": "hi"})]), Reply(text="written"))
    prompt = asyncio.create_task(client.call("send_ai_prompt", session_id=sid,
                                             prompt="write it"))

    asked = await events_until(client, "state_changed")  # awaiting_approval
    assert story(asked) == ["started", "state:streaming", "tool_approval_request",
                            "state:awaiting_approval"]
    request = next(e for e in asked if e["type"] == "tool_approval_request")
    info = await client.call("list_sessions")
    assert [i["ai_status"] for i in info if i["session_id"] == sid] == ["awaiting_approval"]

    await client.call("respond_to_tool_approval", session_id=sid,
                      request_id=request["request_id"], decision="approve")
    rest = await events_until(client, "state_changed")  # idle
    assert await prompt == "written"
    assert story(rest) == ["state:streaming", "tool_result", "completed", "state:idle"]
    states = [e for e in asked + rest if e["type"] == "state_changed"]
    assert all(e["session_id"] == sid for e in states)
    assert [e["seq"] for e in asked + rest] == sorted(e["seq"] for e in asked + rest)
    assert (workdir / "out.txt").read_text() == "hi"


async def test_a_failed_turn_leaves_error_until_the_next_one(
        client: RpcClient, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await new_tab(client, workdir)
    fake_llm.script("m1", Reply(status=500, error_message="down"), Reply(text="back"))
    with pytest.raises(RpcError):
        await client.call("send_ai_prompt", session_id=sid, prompt="one")
    assert story(await events_until(client, "state_changed")) == [
        "started", "state:streaming", "error", "state:error"]
    info = await client.call("list_sessions")
    assert [i["ai_status"] for i in info if i["session_id"] == sid] == ["error"]
    assert await client.call("send_ai_prompt", session_id=sid, prompt="two") == "back"
    # Already here when the reply is (DESIGN §5): the tab is idle again.
    arrived = []
    while not client.events.empty():
        arrived.append(client.events.get_nowait())
    assert story(arrived) == ["started", "state:streaming", "completed", "state:idle"]
