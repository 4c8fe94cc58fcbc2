"""fork_session and compare_prompt over JSON-RPC (issue #16)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply
from rpc_client import RpcClient, RpcError, connected


@pytest.fixture
async def client(core: Tabwise) -> AsyncIterator[RpcClient]:
    async with connected(core) as c:
        yield c


async def test_fork_and_compare_over_rpc(client: RpcClient, fake_llm: FakeLLM,
                                         workdir: Path) -> None:
    src = await client.call("create_session", working_directory=str(workdir),
                            ai_config={"provider": "local1", "model": "m1"}, terminal=False)
    sid = src["session_id"]
    assert src["forked_from"] is None
    await client.call("send_ai_prompt", session_id=sid, prompt="shared")
    fork = await client.call("fork_session", session_id=sid,
                             ai_config={"provider": "local2", "model": "m2"}, message_count=2)
    assert fork["forked_from"] == sid and fork["ai_config"]["model"] == "m2"
    assert await client.call("get_ai_conversation_length",
                             session_id=fork["session_id"]) == 2
    fake_llm.script("m1b", Reply(status=401))
    results = await client.call("compare_prompt", session_id=sid, prompt="q", ai_configs=[
        {"provider": "local1", "model": "m1b"}, {"provider": "local2", "model": "m2"}])
    assert [r["ai_config"]["model"] for r in results] == ["m1b", "m2"]
    assert results[0]["error"]["code"] == "provider_error" and results[0]["response"] is None
    assert results[1]["response"] == "echo: q" and results[1]["error"] is None
    listed = {i["session_id"]: i for i in await client.call("list_sessions")}
    assert {listed[r["session_id"]]["forked_from"] for r in results} == {sid}


@pytest.mark.parametrize("params", [
    {"ai_configs": [{"provider": "local1", "model": "m1"}]},
    {"ai_configs": [{"provider": "local1", "model": "m1", "x": 1}] * 2},
    {"ai_configs": [{"provider": "local1", "model": "m1"}] * 2, "prompt": ""},
])
async def test_compare_bad_params_over_rpc(client: RpcClient, workdir: Path,
                                           params: dict[str, object]) -> None:
    src = await client.call("create_session", working_directory=str(workdir), terminal=False)
    with pytest.raises(RpcError) as err:
        await client.call("compare_prompt", session_id=src["session_id"],
                          **{"prompt": "q", **params})
    assert err.value.code == "invalid_params"
    assert len(await client.call("list_sessions")) == 1
