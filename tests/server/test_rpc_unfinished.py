"""Over JSON-RPC, a failed turn is in ``get_conversation`` as ``{"kind": "error", ...}``
after its prompt, live and after the server restarts, with no secret in it; a tool's
status says what happened, not what its text looks like (issue #13)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from tabwise.commands import Tabwise
from tabwise.server import start_server

from fake_llm import FakeLLM, Reply
from fake_llm import ToolCall as FakeCall
from helpers import KEY1
from rpc_client import RpcClient, RpcError


@asynccontextmanager
async def served(home: Path) -> AsyncIterator[RpcClient]:
    """A core and its server on ``home``, and a connected client."""
    core = await Tabwise.start(home)
    server = await start_server(core, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = await RpcClient.connect(f"ws://127.0.0.1:{port}/rpc",
                                     core.paths.token_file.read_text().strip())
    try:
        yield client
    finally:
        await client.close()
        server.close()
        await server.wait_closed()
        await core.stop()


async def _fail(client: RpcClient, sid: str, prompt: str) -> dict[str, Any]:
    with pytest.raises(RpcError) as err:
        await client.call("send_ai_prompt", session_id=sid, prompt=prompt)
    assert err.value.code == "provider_error"
    # The event came before the reply (DESIGN §5).
    event = client.events.get_nowait()
    while event["type"] != "error":
        event = client.events.get_nowait()
    assert event["message"] == str(err.value)
    return event


@pytest.mark.parametrize(
    ("reply", "error_type"),
    [
        (Reply(status=401, error_message=f"bad key {KEY1}"), "auth"),
        (Reply(status=500, error_message="model crashed"), "server"),
        (Reply(text="a long answer cut short", chunk_size=3, break_after=2), "connection"),
    ],
    ids=["401", "500", "broken-stream"],
)
async def test_a_failed_turn_over_rpc_survives_a_restart(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path, reply: Reply,
        error_type: str) -> None:
    home = make_home()
    fake_llm.script("m1", reply)
    async with served(home) as client:
        sid = (await client.call("create_session", working_directory=str(workdir),
                                 terminal=False))["session_id"]
        await client.call("subscribe_events", session_id=sid)
        event = await _fail(client, sid, "please answer")
        live = await client.call("get_conversation", session_id=sid)
    assert KEY1 not in event["message"]
    assert live[0] == {"kind": "prompt", "text": "please answer", "with_terminal": False,
                       "message_index": 0}
    assert live[-1] == {"kind": "error", "message": event["message"],
                        "error_type": event["error_type"], "turn_id": event["turn_id"]}
    if error_type != "connection":  # a dropped stream may end in either kind
        assert event["error_type"] == error_type
    async with served(home) as client:
        assert await client.call("get_conversation", session_id=sid) == live
        # The tab goes on: the next prompt is answered after the failed one.
        fake_llm.script("m1", Reply(text="fine now"))
        assert await client.call("send_ai_prompt", session_id=sid, prompt="again") == "fine now"
        after = await client.call("get_conversation", session_id=sid)
    assert after[:len(live)] == live
    assert [m["kind"] for m in after[len(live):]] == ["prompt", "answer"]
    assert KEY1.encode() not in (home / "tabwise.db").read_bytes()


async def test_tool_status_over_rpc_comes_from_what_happened(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    """A file whose text starts with "Error: " reads fine (ok); a missing file fails."""
    (workdir / "log.txt").write_text("Error: this line is just the file's text\n")
    home = make_home()
    fake_llm.script("m1", Reply(tool_calls=[
        FakeCall("read_file", {"path": "log.txt"}, id="c1"),
        FakeCall("read_file", {"path": "missing.txt"}, id="c2")]), Reply(text="done"))
    async with served(home) as client:
        sid = (await client.call("create_session", working_directory=str(workdir),
                                 terminal=False))["session_id"]
        await client.call("subscribe_events", session_id=sid)
        await client.call("send_ai_prompt", session_id=sid, prompt="read both")
        results = {}
        while len(results) < 2:
            ev = await asyncio.wait_for(client.events.get(), 5)
            if ev["type"] == "tool_result":
                results[ev["request_id"]] = ev["success"]
        live = await client.call("get_conversation", session_id=sid)
    calls = {m["request_id"]: m for m in live if m["kind"] == "tool_call"}
    assert results == {"c1": True, "c2": False}
    assert calls["c1"]["status"] == "ok" and "just the file's text" in calls["c1"]["result"]
    assert calls["c2"]["status"] == "failed" and calls["c2"]["result"].startswith("Error: ")
    async with served(home) as client:
        assert await client.call("get_conversation", session_id=sid) == live
