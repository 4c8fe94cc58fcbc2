"""The turn in flight is part of the conversation (issue #13): ``get_live_conversation``
at any moment of a turn, then the events after its ``seq`` folded in
(:class:`~tabwise.api.views.ConversationFold`), is exactly what ``get_conversation``
gives once the turn ended — answered, denied, cancelled, failed, or continued after a
restart."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tabwise.api import Answer, LiveConversation, Reasoning, ToolCall, TurnError, UserPrompt
from tabwise.api.views import ConversationFold
from tabwise.commands import Tabwise
from tabwise.errors import TurnCancelled
from tabwise.events import (
    TERMINAL_TYPES,
    Cancelled,
    Event,
    Started,
    StateChanged,
    TextDelta,
    ToolApprovalRequest,
    ToolAutoApproved,
    ToolResult,
)
from tabwise.events import ToolCall as ToolCallEvent

from fake_llm import FakeLLM, Reply
from fake_llm import ToolCall as FakeCall
from helpers import ai

Answers = Callable[[ToolApprovalRequest], tuple[str, str | None]]


async def _new_tab(core: Tabwise, workdir: Path) -> str:
    info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                     terminal=False)
    return info.session_id


class _Turn:
    """One turn, followed by a front end that opens the tab when ``attach_on`` first
    holds for an event; ``act`` runs on each event (answers approvals, cancels...)."""

    def __init__(self, core: Tabwise, sid: str) -> None:
        self.core, self.sid = core, sid
        self.live: LiveConversation | None = None
        self.fold: ConversationFold | None = None
        self.applied = 0

    async def run(self, prompt: str, attach_on: Callable[[Event], bool],
                  answer: Answers | None = None,
                  act: Callable[[Event], None] | None = None) -> None:
        sub = self.core.subscribe(self.sid)
        turn = asyncio.create_task(self.core.send_ai_prompt(self.sid, prompt))
        try:
            while True:
                ev = await asyncio.wait_for(sub.get(), 10)
                if self.fold is None and attach_on(ev):
                    self.live = await self.core.get_live_conversation(self.sid)
                    self.fold = ConversationFold.attach(self.live)
                if self.fold is not None and self.fold.apply_event(ev.seq, ev.payload):
                    self.applied += 1
                if isinstance(ev.payload, ToolApprovalRequest) and answer is not None:
                    decision, reason = answer(ev.payload)
                    await self.core.respond_to_tool_approval(
                        self.sid, ev.payload.request_id, decision, reason)
                if act is not None:
                    act(ev)
                if ev.type in TERMINAL_TYPES:
                    break
        finally:
            sub.close()
            await asyncio.wait([turn])

    async def matches(self) -> list[object]:
        """The conversation once the turn ended; the fold shows exactly that."""
        final = await self.core.get_conversation(self.sid)
        assert self.fold is not None, "never attached"
        assert self.fold.messages == final
        return list(final)


async def test_a_turn_followed_from_its_start_ends_as_the_conversation_shows_it(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    """Every kind of decision: approved, denied with and without a reason, auto, and
    refused by the settings."""
    home = make_home()
    settings = (home / "settings.toml").read_text().replace(
        "[agent]\n", '[agent]\nnever_allow = ["run_command"]\n')
    (home / "settings.toml").write_text(settings)
    (workdir / "seen.txt").write_text("read me")
    core = await Tabwise.start(home)
    try:
        sid = await _new_tab(core, workdir)
        fake_llm.script("m1", Reply(text="Earlier."))
        await core.send_ai_prompt(sid, "earlier")
        fake_llm.script("m1", Reply(reasoning="plan it", text="Let me see.", tool_calls=[
            FakeCall("write_file", {"path": "a.txt", "content": "A"}),
            FakeCall("write_file", {"path": "b.txt", "content": "B"}),
            FakeCall("write_file", {"path": "c.txt", "content": "C"}),
            FakeCall("read_file", {"path": "seen.txt"}),
            FakeCall("run_command", {"command": "true"})]),
            Reply(text="Done."))
        answers = {"a.txt": ("approve", None), "b.txt": ("deny", "not now"),
                   "c.txt": ("deny", None)}
        turn = _Turn(core, sid)
        await turn.run("write three", lambda ev: ev.type == "started",
                       lambda req: answers[req.args["path"]])
        assert turn.live is not None and turn.live.turn_id is not None
        assert turn.live.messages[-1] == UserPrompt("write three", False, 2)
        final = await turn.matches()
    finally:
        await core.stop()
    calls = [m for m in final if isinstance(m, ToolCall)]
    assert [(c.args.get("path") or c.tool_name, c.decision, c.status) for c in calls] == [
        ("a.txt", "approved", "ok"), ("b.txt", "denied", "denied"),
        ("c.txt", "denied", "denied"), ("seen.txt", "auto", "ok"),
        ("run_command", "denied", "denied")]


async def test_a_front_end_open_before_the_turn_shows_its_prompt_from_started(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    """A second front end, attached while the tab was idle, learns the new prompt from
    ``started`` (no fetch): its fold ends as the conversation does."""
    core = await Tabwise.start(make_home())
    try:
        sid = await _new_tab(core, workdir)
        fake_llm.script("m1", Reply(text="First."), Reply(text="Second."))
        await core.send_ai_prompt(sid, "one")
        sub = core.subscribe(sid)
        fold = ConversationFold.attach(await core.get_live_conversation(sid))
        await core.send_ai_prompt(sid, "two", context="$ ls")
        while (ev := sub.get_nowait()) is not None:
            fold.apply_event(ev.seq, ev.payload)
            if isinstance(ev.payload, Started):
                assert (ev.payload.prompt, ev.payload.with_terminal,
                        ev.payload.message_index) == ("two", True, 2)
        sub.close()
        assert fold.messages == await core.get_conversation(sid)
        assert fold.messages[-2:] == [UserPrompt("two", True, 2), Answer("Second.")]
    finally:
        await core.stop()


async def test_a_snapshot_mid_stream_holds_what_streamed_and_events_before_it_are_skipped(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await _new_tab(core, workdir)
    answer = " ".join(f"w{i}" for i in range(80))
    fake_llm.script("m1", Reply(reasoning="thinking hard", text=answer, chunk_size=3,
                                chunk_delay=0.005))
    seen: list[Event] = []
    turn = _Turn(core, sid)
    await turn.run("stream", lambda ev: sum(isinstance(e.payload, TextDelta)
                                            for e in seen) >= 5,
                   act=seen.append)
    live = turn.live
    assert live is not None and live.turn_id is not None and live.pending_approvals == ()
    # The prompt, the reasoning, the answer so far: exactly the deltas up to `seq`.
    upto = "".join(e.payload.delta for e in seen
                   if isinstance(e.payload, TextDelta) and e.seq <= live.seq)
    assert live.messages == (UserPrompt("stream", False, 0), Reasoning("thinking hard"),
                             Answer(upto))
    assert 0 < len(upto) < len(answer)
    assert await turn.matches() == [UserPrompt("stream", False, 0),
                                    Reasoning("thinking hard"), Answer(answer)]


async def test_a_cancelled_turn_followed_mid_stream(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await _new_tab(core, workdir)
    fake_llm.script("m1", Reply(text="x" * 2000, chunk_size=4, chunk_delay=0.01))
    deltas = 0

    def cancel_later(ev: Event) -> None:
        nonlocal deltas
        deltas += isinstance(ev.payload, TextDelta)
        if deltas == 10:
            asyncio.get_running_loop().create_task(core.cancel_ai_prompt(sid))

    turn = _Turn(core, sid)
    await turn.run("long one", lambda ev: isinstance(ev.payload, TextDelta),
                   act=cancel_later)
    final = await turn.matches()
    assert isinstance(final[-1], TurnError) and final[-1].error_type == "cancelled"
    assert isinstance(final[1], Answer) and 0 < len(final[1].text) < 2000


async def test_a_failed_turn_followed_mid_stream(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await _new_tab(core, workdir)
    fake_llm.script("m1", Reply(text="partial answer that breaks", chunk_size=2,
                                chunk_delay=0.01, break_after=6))
    turn = _Turn(core, sid)
    await turn.run("fragile", lambda ev: isinstance(ev.payload, TextDelta))
    final = await turn.matches()
    assert isinstance(final[-1], TurnError) and final[-1].error_type != "cancelled"


async def test_a_turn_cancelled_while_it_asks(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    """Attached while a call waits: it is there, pending, with its approval; the cancel
    marks it denied as the conversation does."""
    sid = await _new_tab(core, workdir)
    fake_llm.script("m1", Reply(tool_calls=[FakeCall("write_file",
                                                     {"path": "w.txt", "content": "w"})]))

    def cancel(ev: Event) -> None:
        if isinstance(ev.payload, ToolApprovalRequest):
            asyncio.get_running_loop().create_task(core.cancel_ai_prompt(sid))

    turn = _Turn(core, sid)
    await turn.run("write", lambda ev: isinstance(ev.payload, ToolApprovalRequest),
                   act=cancel)
    live = turn.live
    assert live is not None
    [call] = [m for m in live.messages if isinstance(m, ToolCall)]
    assert call.status == "pending" and call.decision is None
    assert [p.request_id for p in live.pending_approvals] == [call.request_id]
    final = await turn.matches()
    [call] = [m for m in final if isinstance(m, ToolCall)]
    assert (call.status, call.decision) == ("denied", "denied")


async def test_a_turn_cancelled_while_an_approved_call_runs(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await _new_tab(core, workdir)
    fake_llm.script("m1", Reply(tool_calls=[FakeCall("run_command", {"command": "sleep 5"})]))
    asked = False

    def cancel_once_running(ev: Event) -> None:
        nonlocal asked
        asked = asked or isinstance(ev.payload, ToolApprovalRequest)
        if asked and isinstance(ev.payload, StateChanged) and ev.payload.state == "streaming":
            loop = asyncio.get_running_loop()
            loop.call_later(0.3, lambda: loop.create_task(core.cancel_ai_prompt(sid)))

    turn = _Turn(core, sid)
    await turn.run("sleep", lambda ev: isinstance(ev.payload, ToolApprovalRequest),
                   lambda _: ("approve", None), act=cancel_once_running)
    final = await turn.matches()
    [call] = [m for m in final if isinstance(m, ToolCall)]
    assert (call.status, call.decision) == ("failed", "approved")


async def test_a_waiting_turn_continued_after_a_restart(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    """Opened before the answer (the saved turn) and again while the continued run
    streams (its calls of the first run decided then, one of them automatically)."""
    home = make_home()
    (workdir / "seen.txt").write_text("read me")
    core = await Tabwise.start(home)
    try:
        sid = await _new_tab(core, workdir)
        fake_llm.script("m1", Reply(text="Writing.", tool_calls=[
            FakeCall("read_file", {"path": "seen.txt"}),
            FakeCall("write_file", {"path": "r.txt", "content": "r"})]),
            Reply(text="Written " * 40, chunk_size=2, chunk_delay=0.005))
        sub = core.subscribe(sid)
        prompt = asyncio.create_task(core.send_ai_prompt(sid, "write after restart"))
        while not isinstance((await asyncio.wait_for(sub.get(), 10)).payload,
                             ToolApprovalRequest):
            pass
        sub.close()
    finally:
        await core.stop()  # quits with the approval pending: kept for the next start
    with pytest.raises((TurnCancelled, asyncio.CancelledError)):
        await prompt
    core = await Tabwise.start(home)
    try:
        sub = core.subscribe(sid)
        live = await core.get_live_conversation(sid)
        calls = [m for m in live.messages if isinstance(m, ToolCall)]
        assert [(c.status, c.decision) for c in calls] == [("ok", "auto"), ("pending", None)]
        assert [p.request_id for p in live.pending_approvals] == [calls[1].request_id]
        folds = [ConversationFold.attach(live)]
        await core.respond_to_tool_approval(sid, calls[1].request_id, "approve")
        while True:
            ev = await asyncio.wait_for(sub.get(), 10)
            if len(folds) == 1 and isinstance(ev.payload, TextDelta):
                again = await core.get_live_conversation(sid)
                assert again.turn_id is not None
                assert [(c.status, c.decision) for c in again.messages
                        if isinstance(c, ToolCall)] == [("ok", "auto"), ("ok", "approved")]
                folds.append(ConversationFold.attach(again))
            for fold in folds:
                fold.apply_event(ev.seq, ev.payload)
            if ev.type in TERMINAL_TYPES:
                break
        sub.close()
        final = await core.get_conversation(sid)
    finally:
        await core.stop()
    assert len(folds) == 2 and all(fold.messages == final for fold in folds)
    assert [type(m).__name__ for m in final] == ["UserPrompt", "Answer", "ToolCall",
                                                 "ToolCall", "Answer"]
    assert (workdir / "r.txt").read_text() == "r"


def test_a_fold_settles_only_the_turn_in_flight_and_adds_a_call_once() -> None:
    old = ToolCall("t1", "read_file", {"path": "a"}, status="ok", result="A",
                   decision="auto")
    fold = ConversationFold([UserPrompt("one"), old, UserPrompt("two", message_index=3)],
                            seq=7)
    assert not fold.apply_event(7, ToolCallEvent("t2", "read_file", {}))  # seq <= 7
    assert fold.apply_event(8, ToolCallEvent("t2", "read_file", {"path": "b"}))
    assert fold.apply_event(9, ToolCallEvent("t2", "read_file", {"path": "b"}))
    fold.apply(ToolAutoApproved("t2", "read_file"))
    fold.apply(ToolResult("t1", "read_file", False, "not this one"))
    fold.apply(ToolResult("t2", "read_file", True, "B"))
    assert fold.messages == [UserPrompt("one"), old, UserPrompt("two", message_index=3),
                             ToolCall("t2", "read_file", {"path": "b"}, status="ok",
                                      result="B", decision="auto")]


def test_a_cancel_denies_the_calls_still_asking_and_fails_those_running() -> None:
    """Whether or not a ``tool_denied`` came first (the cancel races the answer), a call
    still waiting for the user ends denied, as the audit ("cancelled") says; a call
    that was approved (every question answered) and ran ends failed."""
    running = ToolCall("r", "run_command", {"command": "sleep 9"})
    fold = ConversationFold([UserPrompt("go"), running], seq=3, streaming=True,
                            asking=["r"])
    fold.apply(StateChanged("streaming"))
    fold.apply(ToolCallEvent("a", "write_file", {"path": "a"}))
    fold.apply(ToolApprovalRequest("a", "write_file", {"path": "a"}, "medium", (), "/"))
    fold.apply(Cancelled("t1"))
    assert fold.messages == [
        UserPrompt("go"),
        ToolCall("r", "run_command", {"command": "sleep 9"}, status="failed",
                 result="The turn ended before this call finished.", decision="approved"),
        ToolCall("a", "write_file", {"path": "a"}, status="denied",
                 result="The turn was cancelled.", decision="denied",
                 reason="The turn was cancelled."),
        TurnError("The turn was cancelled.", "cancelled", "t1")]
