"""``get_conversation`` (DESIGN §4): a tab's timeline as typed data, and terminal context
as its own part of the prompt (issue #13)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from pydantic_ai.messages import (
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from tabwise.agent import build_conversation
from tabwise.api import Answer, Reasoning, ToolCall, UserPrompt, to_json
from tabwise.commands import Tabwise, call_command
from tabwise.events import ToolApprovalRequest

from fake_llm import FakeLLM, Reply
from fake_llm import ToolCall as FakeCall
from helpers import ai, collect_until


async def _turn(core: Tabwise, sid: str, prompt: str, answer: str | None = None,
                context: str | None = None) -> None:
    sub = core.subscribe(sid)
    turn = asyncio.create_task(core.send_ai_prompt(sid, prompt, context))
    while not turn.done():
        events = await collect_until(
            sub, lambda e: e.type in ("tool_approval_request", "completed", "error"), 10)
        last = events[-1].payload
        if not isinstance(last, ToolApprovalRequest):
            break
        await core.respond_to_tool_approval(sid, last.request_id, answer or "deny")
    await turn
    sub.close()


async def test_terminal_context_is_its_own_part_and_the_prompt_stays_as_typed(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                     terminal=False)).session_id
    fake_llm.script("m1", Reply(text="I see a prompt.", reasoning="look at it"))
    await _turn(core, sid, "what is on screen?", context="$ ls\nmarker-7")
    # The model was sent two parts: the prompt, then the context.
    user = [m for m in fake_llm.requests_for("m1")[-1].messages if m["role"] == "user"][-1]
    assert isinstance(user["content"], list)
    texts = [p["text"] for p in user["content"]]
    assert texts[0] == "what is on screen?"
    assert texts[1].startswith("<terminal_context>") and "marker-7" in texts[1]
    assert "(the shell is in " in texts[1]
    conversation = await core.get_conversation(sid)
    assert conversation == [UserPrompt("what is on screen?", True, 0),
                            Reasoning("look at it"), Answer("I see a prompt.")]
    assert to_json(conversation[0]) == {"text": "what is on screen?", "with_terminal": True,
                                        "message_index": 0, "kind": "prompt"}


async def test_decisions_survive_a_restart(make_home: Callable[..., Path], fake_llm: FakeLLM,
                                           workdir: Path) -> None:
    """Approved, denied (by the user and by never_allow) and auto-approved calls keep
    their decision after a restart (a denied call once showed as done)."""
    home = make_home()
    settings = (home / "settings.toml").read_text().replace(
        "[agent]\n", '[agent]\nnever_allow = ["run_command"]\n')
    (home / "settings.toml").write_text(settings)
    (workdir / "seen.txt").write_text("read me")
    core = await Tabwise.start(home)
    try:
        sid = (await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                         terminal=False)).session_id
        for name, args, answer in (
                ("write_file", {"path": "a.txt", "content": "A"}, "approve"),
                ("write_file", {"path": "b.txt", "content": "B"}, "deny"),
                ("read_file", {"path": "seen.txt"}, None),
                ("run_command", {"command": "true"}, None)):
            fake_llm.script("m1", Reply(tool_calls=[FakeCall(name, args)]))
            await _turn(core, sid, f"use {name}", answer)
        live = await core.get_conversation(sid)
    finally:
        await core.stop()
    core = await Tabwise.start(home)
    try:
        restored = await core.get_conversation(sid)
        over_rpc = await call_command(core, "get_conversation", {"session_id": sid})
    finally:
        await core.stop()
    assert restored == live == over_rpc
    calls = [m for m in restored if isinstance(m, ToolCall)]
    assert [(c.tool_name, c.decision, c.status) for c in calls] == [
        ("write_file", "approved", "ok"), ("write_file", "denied", "denied"),
        ("read_file", "auto", "ok"), ("run_command", "denied", "denied")]
    assert calls[2].result is not None and "read me" in calls[2].result
    assert (workdir / "a.txt").exists() and not (workdir / "b.txt").exists()
    assert [m.text for m in restored if isinstance(m, UserPrompt)] == [
        "use write_file", "use write_file", "use read_file", "use run_command"]


def test_prompts_archived_with_the_context_in_their_text_still_read_right() -> None:
    legacy = [
        ModelRequest(parts=[UserPromptPart(
            "list files\n\n<terminal_context>\n(the shell is in /x)\n$ ls\n"
            "</terminal_context>")]),
        ModelResponse(parts=[ToolCallPart("list_directory", {"path": "."},
                                          tool_call_id="t1")]),
        ModelRequest(parts=[ToolReturnPart("list_directory", "a.txt", tool_call_id="t1")]),
        ModelResponse(parts=[TextPart("One file.")]),
        ModelRequest(parts=[UserPromptPart("plain")]),
    ]
    assert build_conversation(legacy) == [
        UserPrompt("list files", True, 0),
        ToolCall("t1", "list_directory", {"path": "."}, status="ok", result="a.txt"),
        Answer("One file."),
        UserPrompt("plain", False, 4),
    ]


async def test_an_archived_session_has_a_conversation_too(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                     terminal=False)).session_id
    fake_llm.script("m1", Reply(text="kept"))
    await _turn(core, sid, "remember")
    await core.close_session(sid)
    assert await core.get_conversation(sid) == [UserPrompt("remember"), Answer("kept")]
