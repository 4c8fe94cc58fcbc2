"""Over JSON-RPC: the agent follows the shell's `cd`, reads the project's AGENTS.md, and
local models are discovered (issue #15, items 1, 2 and 4)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply, ToolCall
from rpc_client import connected


async def test_cd_then_tools_and_rules_follow_over_rpc(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    monkeypatch.setenv("HOME", str(workdir))
    sub = workdir / "sub"
    (sub / ".git").mkdir(parents=True)
    (sub / "AGENTS.md").write_text("Sub's rule: say please.")
    (sub / "in-sub.txt").write_text("x")
    fake_llm.served_models = ["served-over-rpc"]
    core = await Tabwise.start(make_home(extra=f'\n[terminal]\nshell = "{bash}"\n'))
    try:
        async with connected(core) as client:
            info = await client.call("create_session", working_directory=str(workdir),
                                     ai_config={"provider": "local1", "model": "m1"})
            sid = info["session_id"]
            await client.call("subscribe_events", session_id=sid)
            await client.call("pty_write", session_id=sid, data="cd sub\n")
            ev = await client.next_event(lambda e: e["type"] == "cwd_changed")
            assert ev["working_directory"] == str(sub)
            rules = await client.next_event(lambda e: e["type"] == "instructions_changed")
            assert rules["files"] == [str(sub / "AGENTS.md")]

            fake_llm.script("m1", Reply(tool_calls=[ToolCall("list_directory", {})]),
                            Reply(text="listed"))
            assert await client.call("send_ai_prompt", session_id=sid, prompt="ls") == "listed"
            last = fake_llm.requests_for("m1")[-1]
            tool = [m for m in last.messages if m["role"] == "tool"]
            assert "in-sub.txt" in str(tool[-1]["content"])
            assert "Sub's rule: say please." in last.all_text()

            sessions = await client.call("list_sessions")
            assert sessions[0]["working_directory"] == str(sub)
            assert sessions[0]["instructions"] == [str(sub / "AGENTS.md")]
            providers = {p["name"]: p for p in await client.call("list_providers", refresh=True)}
            assert "served-over-rpc" in providers["local1"]["models"]
    finally:
        await core.stop()
