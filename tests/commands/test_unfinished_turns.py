"""A turn that fails or is cancelled is part of the conversation (issue #13): its prompt,
what it did and why it ended come back from ``get_conversation``, after a restart too,
and never with a secret. The model is not sent it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tabwise.api import Answer, Message, ToolCall, TurnError, UserPrompt
from tabwise.commands import Tabwise, call_command
from tabwise.errors import ProviderError, TurnCancelled
from tabwise.events import Error

from fake_llm import FakeLLM, Reply
from fake_llm import ToolCall as FakeCall
from helpers import KEY1, ai, collect_until, of_type, terminal, text_of


async def _new_tab(core: Tabwise, workdir: Path) -> str:
    info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                     terminal=False)
    return info.session_id


async def _failing_turn(core: Tabwise, sid: str, prompt: str,
                        streamed: list[str] | None = None) -> Error:
    sub = core.subscribe(sid)
    try:
        with pytest.raises(ProviderError):
            await core.send_ai_prompt(sid, prompt)
        events = await collect_until(sub, terminal)
        [event] = of_type(events, "error")
    finally:
        sub.close()
    if streamed is not None:
        streamed.append(text_of(events))
    assert isinstance(event.payload, Error)
    return event.payload


def _db_bytes(home: Path) -> bytes:
    data = b""
    for name in ("tabwise.db", "tabwise.db-wal"):
        path = home / name
        if path.exists():
            data += path.read_bytes()
    return data


async def test_a_401_shows_after_a_restart_and_the_key_never_reaches_the_archive(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    # A provider that echoes the key it was sent in its error body.
    fake_llm.script("m1", Reply(status=401, error_message=f"Invalid API key {KEY1} given."))
    core = await Tabwise.start(home)
    try:
        sid = await _new_tab(core, workdir)
        error = await _failing_turn(core, sid, "hello there")
        assert KEY1 not in error.message and "[redacted]" in error.message
        live = await core.get_conversation(sid)
    finally:
        await core.stop()
    assert live == [UserPrompt("hello there", False, 0),
                    TurnError(error.message, "auth", error.turn_id)]
    core = await Tabwise.start(home)
    try:
        assert await core.get_conversation(sid) == live
        assert await call_command(core, "get_conversation", {"session_id": sid}) == live
    finally:
        await core.stop()
    assert KEY1.encode() not in _db_bytes(home)
    with sqlite3.connect(home / "tabwise.db") as conn:
        [(message, kind)] = conn.execute(
            "SELECT message, error_type FROM unfinished_turns").fetchall()
    assert (message, kind) == (error.message, "auth")


async def test_a_failed_turn_sits_between_answered_ones_and_is_not_sent_to_the_model(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await _new_tab(core, workdir)
    fake_llm.script("m1", Reply(text="first answer"), Reply(status=500, error_message="boom"),
                    Reply(text="third answer"))
    await core.send_ai_prompt(sid, "one")
    error = await _failing_turn(core, sid, "two")
    await core.send_ai_prompt(sid, "three")
    assert error.error_type == "server"
    assert await core.get_conversation(sid) == [
        UserPrompt("one", False, 0), Answer("first answer"),
        UserPrompt("two", False, 2), TurnError(error.message, "server", error.turn_id),
        UserPrompt("three", False, 2), Answer("third answer")]
    # The model's history has no trace of the failed turn.
    assert "two" not in fake_llm.requests_for("m1")[-1].user_texts()
    assert await core.get_ai_conversation_length(sid) == 4


async def test_a_broken_stream_keeps_the_partial_answer_and_the_error(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    fake_llm.script("m1", Reply(text="partial words then more that never come",
                                chunk_size=4, end_after=3))
    core = await Tabwise.start(home)
    try:
        sid = await _new_tab(core, workdir)
        streamed: list[str] = []
        error = await _failing_turn(core, sid, "stream please", streamed)
        assert error.error_type == "incomplete_stream"
        live = await core.get_conversation(sid)
    finally:
        await core.stop()
    assert live[0] == UserPrompt("stream please", False, 0)
    assert live[-1] == TurnError(error.message, "incomplete_stream", error.turn_id)
    # What was streamed before the break (pydantic-ai's partial response: it may lag
    # the last delta the live timeline showed).
    [partial] = live[1:-1]
    assert isinstance(partial, Answer) and partial.text.strip()
    assert streamed[0].startswith(partial.text), (streamed, partial)
    core = await Tabwise.start(home)
    try:
        assert await core.get_conversation(sid) == live
    finally:
        await core.stop()


async def test_a_tool_that_ran_before_the_failure_is_shown_with_its_result(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    (workdir / "notes.txt").write_text("note body")
    sid = await _new_tab(core, workdir)
    fake_llm.script("m1", Reply(tool_calls=[FakeCall("read_file", {"path": "notes.txt"})]),
                    Reply(status=429, error_message="slow down"))
    error = await _failing_turn(core, sid, "read my notes")
    conversation = await core.get_conversation(sid)
    assert conversation[0] == UserPrompt("read my notes", False, 0)
    call = conversation[1]
    assert isinstance(call, ToolCall)
    assert (call.tool_name, call.status, call.decision) == ("read_file", "ok", "auto")
    assert call.result is not None and "note body" in call.result
    assert conversation[2:] == [TurnError(error.message, "rate_limit", error.turn_id)]


async def test_a_cancelled_turn_shows_cancelled_after_a_restart(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    fake_llm.script("m1", Reply(hang=True))
    core = await Tabwise.start(home)
    try:
        sid = await _new_tab(core, workdir)
        sub = core.subscribe(sid)
        turn = asyncio.create_task(core.send_ai_prompt(sid, "never answered"))
        started = (await collect_until(sub, lambda e: e.type == "started"))[-1]
        assert await core.cancel_ai_prompt(sid)
        with pytest.raises(TurnCancelled):
            await turn
        sub.close()
        live = await core.get_conversation(sid)
    finally:
        await core.stop()
    turn_id = started.payload.turn_id  # type: ignore[attr-defined]
    assert live == [UserPrompt("never answered", False, 0),
                    TurnError("The turn was cancelled.", "cancelled", turn_id)]
    core = await Tabwise.start(home)
    try:
        assert await core.get_conversation(sid) == live
    finally:
        await core.stop()


async def test_a_turn_cancelled_while_asking_shows_the_call_as_denied(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await _new_tab(core, workdir)
    fake_llm.script("m1", Reply(tool_calls=[FakeCall("write_file",
                                                      {"path": "x.txt", "content": "x"})]))
    sub = core.subscribe(sid)
    turn = asyncio.create_task(core.send_ai_prompt(sid, "write it"))
    await collect_until(sub, lambda e: e.type == "tool_approval_request")
    assert await core.cancel_ai_prompt(sid)
    with pytest.raises(TurnCancelled):
        await turn
    sub.close()
    conversation = await core.get_conversation(sid)
    assert conversation[0] == UserPrompt("write it", False, 0)
    call = conversation[1]
    assert isinstance(call, ToolCall)
    assert (call.tool_name, call.status, call.decision) == ("write_file", "denied", "denied")
    assert isinstance(conversation[2], TurnError)
    assert conversation[2].error_type == "cancelled"
    assert not (workdir / "x.txt").exists()


async def test_clearing_the_conversation_forgets_unfinished_turns(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    fake_llm.script("m1", Reply(status=500), Reply(status=500))
    core = await Tabwise.start(home)
    try:
        sid = await _new_tab(core, workdir)
        await _failing_turn(core, sid, "gone after clear")
        await core.clear_ai_conversation(sid)
        assert await core.get_conversation(sid) == []
        error = await _failing_turn(core, sid, "kept")
    finally:
        await core.stop()
    expected: list[Message] = [UserPrompt("kept", False, 0),
                               TurnError(error.message, "server", error.turn_id)]
    core = await Tabwise.start(home)
    try:
        assert await core.get_conversation(sid) == expected
    finally:
        await core.stop()


async def test_without_an_archive_the_live_tab_still_shows_the_failure(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(make_home(persist=False))
    try:
        sid = await _new_tab(core, workdir)
        fake_llm.script("m1", Reply(status=500, error_message="down"))
        error = await _failing_turn(core, sid, "no archive")
        assert await core.get_conversation(sid) == [
            UserPrompt("no archive", False, 0),
            TurnError(error.message, "server", error.turn_id)]
    finally:
        await core.stop()


async def test_a_turn_continued_after_a_restart_that_then_fails_keeps_its_calls(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    """Quit while a call waits for approval (no cancel is recorded: the turn is kept),
    approve it after the restart, and the provider fails on the next request."""
    home = make_home()
    core = await Tabwise.start(home)
    sid = await _new_tab(core, workdir)
    fake_llm.script("m1", Reply(tool_calls=[FakeCall("write_file",
                                                      {"path": "o.txt", "content": "o"})]))
    sub = core.subscribe(sid)
    waiting = asyncio.create_task(core.send_ai_prompt(sid, "write o.txt"))
    request = (await collect_until(sub, lambda e: e.type == "tool_approval_request"))[-1]
    await core.stop()
    await asyncio.gather(waiting, return_exceptions=True)

    core = await Tabwise.start(home)
    try:
        # Waiting (not unfinished): its prompt and its call, pending, come last.
        assert await core.get_conversation(sid) == [
            UserPrompt("write o.txt", False, 0),
            ToolCall(request.payload.request_id, "write_file",  # type: ignore[attr-defined]
                     {"path": "o.txt", "content": "o"})]
        fake_llm.script("m1", Reply(status=500, error_message="gone"))
        sub = core.subscribe(sid)
        await core.respond_to_tool_approval(sid, request.payload.request_id,  # type: ignore[attr-defined]
                                            "approve")
        [event] = of_type(await collect_until(sub, terminal), "error")
        live = await core.get_conversation(sid)
    finally:
        await core.stop()
    assert (workdir / "o.txt").read_text() == "o"
    assert live[0] == UserPrompt("write o.txt", False, 0)
    call = live[1]
    assert isinstance(call, ToolCall)
    assert (call.tool_name, call.status, call.decision) == ("write_file", "ok", "approved")
    assert live[2:] == [TurnError(event.payload.message, "server",  # type: ignore[attr-defined]
                                  event.payload.turn_id)]  # type: ignore[attr-defined]
    core = await Tabwise.start(home)
    try:
        assert await core.get_conversation(sid) == live
    finally:
        await core.stop()


async def test_cancelling_a_restored_waiting_turn_and_quitting_mid_stream_are_kept(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    sid = await _new_tab(core, workdir)
    fake_llm.script("m1", Reply(tool_calls=[FakeCall("write_file",
                                                      {"path": "c.txt", "content": "c"})]))
    sub = core.subscribe(sid)
    waiting = asyncio.create_task(core.send_ai_prompt(sid, "write c.txt"))
    await collect_until(sub, lambda e: e.type == "tool_approval_request")
    await core.stop()
    await asyncio.gather(waiting, return_exceptions=True)

    core = await Tabwise.start(home)
    try:
        assert await core.cancel_ai_prompt(sid)  # the restored question, not answered
        await core.ai.bridges[sid].wait_idle()
        fake_llm.script("m1", Reply(hang=True))
        sub = core.subscribe(sid)
        turn = asyncio.create_task(core.send_ai_prompt(sid, "then quit"))
        await collect_until(sub, lambda e: e.type == "started")
    finally:
        await core.stop()  # quitting mid-stream stops the turn
    await asyncio.gather(turn, return_exceptions=True)
    assert not (workdir / "c.txt").exists()

    core = await Tabwise.start(home)
    try:
        conversation = await core.get_conversation(sid)
    finally:
        await core.stop()
    assert [type(m).__name__ for m in conversation] == [
        "UserPrompt", "ToolCall", "TurnError", "UserPrompt", "TurnError"]
    _, call, cancelled, second, stopped = conversation
    assert isinstance(call, ToolCall) and call.status == "denied"
    assert isinstance(cancelled, TurnError) and isinstance(stopped, TurnError)
    assert (cancelled.error_type, cancelled.message) == ("cancelled",
                                                         "The turn was cancelled.")
    assert stopped.error_type == "cancelled" and "quit" in stopped.message
    assert isinstance(second, UserPrompt) and second.text == "then quit"
