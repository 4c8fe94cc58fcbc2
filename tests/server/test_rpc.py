"""The JSON-RPC server, in process, over a real WebSocket (DESIGN §6)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tabwise.commands import Tabwise
from tabwise.server import start_server

from fake_llm import FakeLLM, Reply
from helpers import KEY1, KEY2
from rpc_client import RpcClient, RpcError


@pytest.fixture
async def served(core: Tabwise) -> AsyncIterator[tuple[str, str]]:
    server = await start_server(core, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    token = core.paths.token_file.read_text().strip()
    try:
        yield f"ws://127.0.0.1:{port}/rpc", token
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def client(served: tuple[str, str]) -> AsyncIterator[RpcClient]:
    c = await RpcClient.connect(*served)
    try:
        yield c
    finally:
        await c.close()


async def test_token_file_is_private(core: Tabwise, served: tuple[str, str]) -> None:
    assert core.paths.token_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}])
async def test_upgrade_refused_without_the_token(served: tuple[str, str],
                                                 headers: dict[str, str]) -> None:
    with pytest.raises(InvalidStatus) as err:
        await connect(served[0], additional_headers=headers)
    assert err.value.response.status_code == 401


async def test_two_tabs_over_rpc_keep_their_promise(client: RpcClient, fake_llm: FakeLLM,
                                                    workdir: Path) -> None:
    a = await client.call("create_session", working_directory=str(workdir),
                          ai_config={"provider": "local1", "model": "m1"}, terminal=False)
    b = await client.call("create_session", working_directory=str(workdir),
                          ai_config={"provider": "local2", "model": "m2"}, terminal=False)
    sub = await client.call("subscribe_events", session_id=a["session_id"])
    assert sub["subscription"]
    fake_llm.script("m1", Reply(text="from-a " * 10, chunk_size=3, chunk_delay=0.01))
    fake_llm.script("m2", Reply(text="from-b " * 10, chunk_size=3, chunk_delay=0.01))
    ra, rb = await asyncio.gather(
        client.call("send_ai_prompt", session_id=a["session_id"], prompt="hello a"),
        client.call("send_ai_prompt", session_id=b["session_id"], prompt="hello b"))
    assert ra.strip() == ("from-a " * 10).strip() and "from-a" not in rb
    events = []
    while True:
        ev = await client.next_event()
        events.append(ev)
        if ev["type"] == "completed":
            break
    assert {e["session_id"] for e in events} == {a["session_id"]}
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
    assert fake_llm.requests_for("m1")[-1].api_key == KEY1
    assert fake_llm.requests_for("m2")[-1].api_key == KEY2
    # An approval id of A cannot be answered through B.
    with pytest.raises(RpcError) as err:
        await client.call("respond_to_tool_approval", session_id=b["session_id"],
                          request_id="call_x", decision="approve")
    assert err.value.code == "approval_not_found"


async def test_errors_are_jsonrpc_errors_and_the_connection_survives(
        client: RpcClient, served: tuple[str, str]) -> None:
    reply = await client.send_raw("{not json")
    assert reply["error"]["code"] == -32700
    reply = await client.send_raw(json.dumps({"jsonrpc": "2.0", "id": 5}))
    assert reply["error"]["code"] == -32600
    with pytest.raises(RpcError) as err:
        await client.call("no_such_method")
    assert err.value.rpc_code == -32601
    with pytest.raises(RpcError) as err:
        await client.call("create_session", terminal="yes")
    assert err.value.rpc_code == -32602 and err.value.code == "invalid_params"
    with pytest.raises(RpcError) as err:
        await client.call("create_session", bogus=1)
    assert err.value.code == "invalid_params"
    with pytest.raises(RpcError) as err:
        await client.call("send_ai_prompt", session_id="nope", prompt="x")
    assert err.value.code == "session_not_found"
    with pytest.raises(RpcError) as err:
        await client.call("init_ai_session", session_id="nope",
                          config={"provider": "local1"})
    assert err.value.code == "invalid_params"
    # A batch gets a batch of answers.
    batch: Any = await client.send_raw(json.dumps([
        {"jsonrpc": "2.0", "id": 91, "method": "get_default_ai_config"},
        {"jsonrpc": "2.0", "id": 92, "method": "nope"},
    ]))
    assert sorted(r["id"] for r in batch) == [91, 92]
    # Other clients are unaffected, and this one still works.
    other = await RpcClient.connect(*served)
    try:
        assert await other.call("get_default_ai_config") == {"provider": "local1", "model": "m1"}
    finally:
        await other.close()
    assert (await client.call("list_providers"))[0]["name"] == "openai"


async def test_settings_over_rpc_hide_secrets(client: RpcClient) -> None:
    settings = await client.call("get_settings")
    text = json.dumps(settings)
    assert KEY1 not in text and KEY2 not in text
    assert settings["ai"]["providers"]["local1"]["api_key"] == "$TW_TEST_KEY1"


async def test_pty_over_rpc(client: RpcClient, core: Tabwise, workdir: Path) -> None:
    s = await client.call("create_session", working_directory=str(workdir))
    sid = s["session_id"]
    pty = core.sessions[sid].pty
    assert pty is not None
    seen = bytearray()
    pty.add_listener(seen.extend)
    assert await client.call("pty_resize", session_id=sid, rows=30, cols=100)
    assert await client.call("pty_write", session_id=sid, data="echo $((6*7)); pwd\n")
    for _ in range(200):
        if b"42" in seen and str(workdir).encode() in seen:
            break
        await asyncio.sleep(0.02)
    assert b"42" in seen and str(workdir).encode() in seen
    out = await client.call("pty_read", session_id=sid)
    assert "42" in out["data"] and out["offset"] == 0
    assert out["next_offset"] == len(out["data"].encode())
    more = await client.call("pty_read", session_id=sid, offset=out["next_offset"])
    assert more["data"] == "" and more["exited"] is False
    assert await client.call("close_session", session_id=sid)


async def test_approval_over_rpc(client: RpcClient, fake_llm: FakeLLM, workdir: Path) -> None:
    from fake_llm import ToolCall

    s = await client.call("create_session", working_directory=str(workdir), terminal=False)
    sid = s["session_id"]
    await client.call("subscribe_events", session_id=sid)
    fake_llm.script("m1", Reply(tool_calls=[ToolCall("edit_file", {
        "path": "f.txt", "old_text": "old", "new_text": "new"})]))
    (workdir / "f.txt").write_text("the old text\n")
    turn = asyncio.create_task(client.call("send_ai_prompt", session_id=sid, prompt="edit"))
    req = await client.next_event(lambda e: e["type"] == "tool_approval_request")
    assert req["tool_name"] == "edit_file" and req["args"]["old_text"] == "old"
    pending = await client.call("get_pending_approvals", session_id=sid)
    assert pending[0]["request_id"] == req["request_id"]
    assert await client.call("respond_to_tool_approval", session_id=sid,
                             request_id=req["request_id"], decision="approve")
    await turn
    assert (workdir / "f.txt").read_text() == "the new text\n"
    result = await client.next_event(lambda e: e["type"] == "tool_result")
    assert result["success"] is True
