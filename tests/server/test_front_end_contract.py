"""The front-end contract (issue #13): a whole tab driven with JSON-RPC only — create,
prompt (with the terminal screen), approve, deny, switch tabs, restart the server and
restore — and what ``get_conversation``, ``subscribe_pty`` and ``pty_read`` return is
exactly what the TUI shows for the same tab."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from textual.widget import Widget

from tabwise import api
from tabwise.api.views import ConversationFold
from tabwise.commands import Tabwise
from tabwise.events import payload_class
from tabwise.server import start_server
from tabwise.tui.app import TabwiseApp
from tabwise.tui.widgets import AnswerBlock, Notice, ToolCard
from tabwise.tui.widgets._reasoning import ReasoningBlock
from tabwise.tui.widgets._timeline import history_entries, prompt_label

from fake_llm import FakeLLM, Reply
from fake_llm import ToolCall as FakeCall
from rpc_client import RpcClient

_KINDS: dict[str, type[Any]] = {
    "prompt": api.UserPrompt, "answer": api.Answer, "reasoning": api.Reasoning,
    "tool_call": api.ToolCall, "compaction": api.Compaction, "error": api.TurnError,
}


def from_json(data: dict[str, Any]) -> api.Message:
    """A conversation entry back from its JSON shape (what a typed client would do)."""
    cls = _KINDS[data["kind"]]
    names = {f.name for f in dataclasses.fields(cls)}
    assert set(data) == names, f"{data['kind']}: {sorted(data)} != {sorted(names)}"
    entry: api.Message = cls(**data)
    return entry


def drawn(data: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """What a front end draws for a conversation, from its JSON alone."""
    rows: list[tuple[str, ...]] = []
    for m in data:
        if m["kind"] == "prompt":
            rows.append(("prompt", prompt_label(m["text"], m["with_terminal"])))
        elif m["kind"] in ("answer", "reasoning"):
            rows.append((m["kind"], m["text"]))
        elif m["kind"] == "tool_call":
            shown = (m["reason"] or m["result"]) if m["status"] == "denied" else m["result"]
            rows.append(("tool", m["tool_name"], m["status"], shown or ""))
    return rows


def shown(widgets: Iterable[Widget]) -> list[tuple[str, ...]]:
    """What the TUI's timeline entries show, in the same terms (notices left out)."""
    rows: list[tuple[str, ...]] = []
    for w in widgets:
        if isinstance(w, Notice) and w.kind == "prompt":
            rows.append(("prompt", w.text))
        elif isinstance(w, AnswerBlock):
            rows.append(("answer", w.text))
        elif isinstance(w, ReasoningBlock):
            rows.append(("reasoning", w.text))
        elif isinstance(w, ToolCard):
            rows.append(("tool", w.tool_name, w.status, w.result or ""))
    return rows


async def _serve(home: Path) -> tuple[Tabwise, Any, RpcClient]:
    core = await Tabwise.start(home)
    server = await start_server(core, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    token = core.paths.token_file.read_text().strip()
    return core, server, await RpcClient.connect(f"ws://127.0.0.1:{port}/rpc", token)


async def _stop(core: Tabwise, server: Any, client: RpcClient) -> None:
    await client.close()
    server.close()
    await server.wait_closed()
    await core.stop()


async def _screen_with(client: RpcClient, sid: str, text: str) -> str:
    deadline = time.monotonic() + 10
    data = ""
    while text not in data:
        assert time.monotonic() < deadline, f"{text!r} not in the terminal: {data[-400:]!r}"
        data = (await client.call("pty_read", session_id=sid))["data"]
        await asyncio.sleep(0.05)
    return data


async def _streamed_until(client: RpcClient, subscription: str, offset: int,
                          text: str) -> str:
    """The terminal's output from ``subscribe_pty`` until it shows ``text``; the chunks
    follow each other byte for byte (none lost, none repeated)."""
    data = b""
    while text.encode() not in data:
        msg = await asyncio.wait_for(client.raw.get(), 10)
        if msg.get("method") != "pty_output":
            continue
        p = msg["params"]
        assert p["subscription"] == subscription
        assert p["offset"] == offset + len(data)
        data += base64.b64decode(p["data_b64"])
    return data.decode("utf-8", "replace")


async def _approve(client: RpcClient, sid: str, prompt: str, decision: str) -> None:
    turn = asyncio.create_task(client.call("send_ai_prompt", session_id=sid, prompt=prompt))
    ev = await client.next_event(lambda e: e["type"] == "tool_approval_request")
    await client.call("respond_to_tool_approval", session_id=sid,
                      request_id=ev["request_id"], decision=decision)
    await turn


async def test_a_whole_tab_over_json_rpc_is_what_the_tui_shows(
        home: Path, fake_llm: FakeLLM, workdir: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LANG", "C.UTF-8")
    core, server, client = await _serve(home)
    try:
        a = (await client.call("create_session", working_directory=str(workdir),
                               ai_config={"provider": "local1", "model": "m1"}))["session_id"]
        b = (await client.call("create_session", working_directory=str(workdir),
                               terminal=False))["session_id"]
        await client.call("subscribe_events", session_id=a)
        pty = await client.call("subscribe_pty", session_id=a)
        await client.call("pty_write", session_id=a, data="echo contract-$((6*7))\n")
        screen = await _streamed_until(client, pty["subscription"], pty["offset"],
                                       "contract-42")
        fake_llm.script("m1", Reply(text="I see **42**.", reasoning="the screen says 42"))
        await client.call("send_ai_prompt", session_id=a, prompt="what is on screen?",
                          context=screen[-200:])
        fake_llm.script("m1", Reply(tool_calls=[FakeCall(
            "write_file", {"path": "yes.txt", "content": "y"})]))
        await _approve(client, a, "write yes.txt", "approve")
        fake_llm.script("m1", Reply(tool_calls=[FakeCall(
            "write_file", {"path": "no.txt", "content": "n"})]))
        await _approve(client, a, "write no.txt", "deny")
        # Switch tabs as a front end does, and end on the first.
        await client.call("set_active_session", session_id=b)
        await client.call("set_active_session", session_id=a)
        live = await client.call("get_conversation", session_id=a)
    finally:
        await _stop(core, server, client)
    assert (workdir / "yes.txt").exists() and not (workdir / "no.txt").exists()

    # A restarted server restores both tabs, the active one, the conversation, the screen.
    core, server, client = await _serve(home)
    try:
        listed = await client.call("list_sessions")
        assert [(s["session_id"], s["live"]) for s in listed] == [(a, True), (b, True)]
        assert await client.call("get_active_session") == a
        restored = await client.call("get_conversation", session_id=a)
        assert await client.call("get_conversation", session_id=b) == []
        await _screen_with(client, a, "contract-42")
    finally:
        await _stop(core, server, client)
    assert restored == live
    typed = [from_json(m) for m in restored]
    assert [type(m).__name__ for m in typed] == [
        "UserPrompt", "Reasoning", "Answer",
        "UserPrompt", "ToolCall", "Answer",
        "UserPrompt", "ToolCall", "Answer"]
    assert typed[0] == api.UserPrompt("what is on screen?", True, 0)
    calls = [m for m in typed if isinstance(m, api.ToolCall)]
    assert [(c.decision, c.status) for c in calls] == [("approved", "ok"),
                                                       ("denied", "denied")]
    expected = drawn(restored)

    # The TUI on the same home shows exactly that.
    app = TabwiseApp(home, working_directory=str(workdir))
    async with app.run_test(size=(160, 50)) as pilot:
        deadline = time.monotonic() + 15
        while True:
            main = app.main_screen
            view = main.active_view if main is not None and main.ready else None
            if view is not None and shown(view.panel.timeline.children) and \
                    "contract-42" in view.terminal.screen_text():
                break
            assert time.monotonic() < deadline, "the TUI did not show the restored tab"
            await pilot.pause(0.05)
        assert main is not None and main.order == [a, b] and main.active_id == a
        assert shown(view.panel.timeline.children) == expected
        # The entries drawn from the typed messages are the same; the prompt recall has
        # the typed prompts.
        assert shown(history_entries(typed)) == expected
        assert view.panel.prompt.sent == [
            "@term what is on screen?", "write yes.txt", "write no.txt"]


def _payload(ev: dict[str, Any]) -> Any:
    """An event's typed payload back from its wire object (what a typed client does)."""
    cls = payload_class(ev["type"])
    return cls(**{f.name: ev[f.name] for f in dataclasses.fields(cls) if f.name in ev})


class _Follower:
    """A second front end: it opens the tab at some moment (subscribe, then
    ``get_live_conversation``) and keeps the conversation current from the events."""

    def __init__(self, client: RpcClient, sid: str) -> None:
        self.client, self.sid = client, sid
        self.fold: ConversationFold | None = None
        self.live: dict[str, Any] = {}

    async def attach(self) -> None:
        await self.client.call("subscribe_events", session_id=self.sid)
        self.live = await self.client.call("get_live_conversation", session_id=self.sid)
        self.fold = ConversationFold.attach(api.LiveConversation(
            tuple(from_json(m) for m in self.live["messages"]), self.live["seq"],
            self.live["turn_id"]))

    async def until(self, type_: str) -> None:
        """Apply events (those that came before the reply too) up to one of ``type_``."""
        assert self.fold is not None
        while True:
            ev = await self.client.next_event()
            assert ev["session_id"] == self.sid
            self.fold.apply_event(ev["seq"], _payload(ev))
            if ev["type"] == type_:
                return


async def test_a_front_end_that_opens_a_tab_mid_turn_shows_exactly_the_conversation(
        home: Path, fake_llm: FakeLLM, workdir: Path) -> None:
    """A second client attaches while the turn waits for approval, another while its
    answer streams; each shows the turn so far and, from the events after the reply's
    ``seq`` alone, exactly the conversation ``get_conversation`` gives once it ended."""
    (workdir / "seen.txt").write_text("read me")
    core, server, client = await _serve(home)
    port = server.sockets[0].getsockname()[1]
    url, token = f"ws://127.0.0.1:{port}/rpc", core.paths.token_file.read_text().strip()
    others = [await RpcClient.connect(url, token) for _ in range(2)]
    try:
        sid = (await client.call("create_session", working_directory=str(workdir),
                                 ai_config={"provider": "local1", "model": "m1"},
                                 terminal=False))["session_id"]
        fake_llm.script("m1", Reply(text="First answer."))
        await client.call("send_ai_prompt", session_id=sid, prompt="hello")
        answer = "All **done**: " + " ".join(f"word{i}" for i in range(60))
        fake_llm.script(
            "m1",
            Reply(reasoning="look first", tool_calls=[FakeCall("read_file",
                                                               {"path": "seen.txt"})]),
            Reply(text="Now I write.", tool_calls=[FakeCall(
                "write_file", {"path": "out.txt", "content": "x"})]),
            Reply(text=answer, chunk_size=4, chunk_delay=0.01))
        await client.call("subscribe_events", session_id=sid)
        turn = asyncio.create_task(client.call("send_ai_prompt", session_id=sid,
                                               prompt="read, then write"))
        ask = await client.next_event(lambda e: e["type"] == "tool_approval_request")

        waiting = _Follower(others[0], sid)
        await waiting.attach()
        assert waiting.live["turn_id"] is not None
        assert [p["request_id"] for p in waiting.live["pending_approvals"]] == [
            ask["request_id"]]
        assert drawn(waiting.live["messages"])[-5:] == [
            ("prompt", "read, then write"), ("reasoning", "look first"),
            ("tool", "read_file", "ok", "read me"), ("answer", "Now I write."),
            ("tool", "write_file", "pending", "")]

        await client.call("respond_to_tool_approval", session_id=sid,
                          request_id=ask["request_id"], decision="approve")
        await client.next_event(lambda e: e["type"] == "text_delta")
        streaming = _Follower(others[1], sid)
        await streaming.attach()
        last = streaming.live["messages"][-1]
        assert last["kind"] == "answer" and answer.startswith(last["text"])
        assert len(last["text"]) < len(answer), "attached after the answer streamed"

        await asyncio.gather(waiting.until("completed"), streaming.until("completed"))
        await turn
        final = [from_json(m) for m in await client.call("get_conversation",
                                                         session_id=sid)]
    finally:
        for other in others:
            await other.close()
        await _stop(core, server, client)
    assert [type(m).__name__ for m in final] == [
        "UserPrompt", "Answer", "UserPrompt", "Reasoning", "ToolCall", "Answer",
        "ToolCall", "Answer"]
    calls = [m for m in final if isinstance(m, api.ToolCall)]
    assert [(c.decision, c.status) for c in calls] == [("auto", "ok"), ("approved", "ok")]
    for follower in (waiting, streaming):
        assert follower.fold is not None and follower.fold.messages == final
