"""Per-tab context budget through the command layer: usage, warnings, compaction.

m1 gets a 4,000-token window here (warning at 50 %, compaction at 80 % = 3,200 tokens);
the scripted fake LLM reports whatever ``prompt_tokens`` a test needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from pydantic_ai.messages import (
    CompactionPart,
    ModelMessage,
    ModelRequest,
    ToolReturnPart,
    UserPromptPart,
)

from tabwise.agent import BridgeHooks
from tabwise.api import AiConfig, to_json
from tabwise.commands import Tabwise
from tabwise.errors import ProviderError, SessionBusy, TurnCancelled
from tabwise.events import Event, StateChanged, Subscription

from fake_llm import FakeLLM, RecordedRequest, Reply, ToolCall
from helpers import fields

SETTINGS = """
[ai.local1.context_windows]
m1 = 4000

[context]
warning_threshold = 0.5
compaction_threshold = 0.8
"""
M1 = AiConfig("local1", "m1")
M2 = AiConfig("local2", "m2")


@pytest.fixture
async def core(make_home: Callable[..., Path]) -> AsyncIterator[Tabwise]:
    app = await Tabwise.start(make_home(extra=SETTINGS))
    try:
        yield app
    finally:
        await app.stop()


class Recorder(BridgeHooks):
    """What an archive would be told: the transcript and the live context."""

    def __init__(self) -> None:
        self.transcript: list[ModelMessage] = []
        self.context: list[ModelMessage] = []
        self.replaced = 0

    def messages_added(self, session_id: str, messages: list[ModelMessage]) -> None:
        self.transcript += messages
        self.context += messages

    def history_replaced(self, session_id: str, messages: list[ModelMessage]) -> None:
        self.context = list(messages)
        self.replaced += 1


async def new_tab(core: Tabwise, workdir: Path, config: AiConfig = M1,
                  ) -> tuple[str, Subscription, Recorder]:
    sid = (await core.create_session(str(workdir), ai_config=config,
                                     terminal=False)).session_id
    rec = Recorder()
    core.ai.get_session_bridge(sid).hooks = rec
    return sid, core.subscribe(sid), rec


def drain(sub: Subscription) -> list[Event]:
    """Every event published so far (the bus delivers synchronously), state_changed
    aside: these tests are about the other events and their order."""
    out = []
    while (ev := sub.get_nowait()) is not None:
        if not isinstance(ev.payload, StateChanged):
            out.append(ev)
    return out


def types(events: list[Event]) -> list[str]:
    return [e.type for e in events]


def of_type(events: list[Event], type_: str) -> list[Event]:
    return [e for e in events if e.type == type_]


def answer(text: str, prompt_tokens: int) -> Reply:
    return Reply(text=text, prompt_tokens=prompt_tokens, completion_tokens=10)


def read(path: str, prompt_tokens: int | None = None) -> Reply:
    return Reply(tool_calls=[ToolCall("read_file", {"path": path})],
                 prompt_tokens=prompt_tokens, completion_tokens=10)


def assert_tool_pairs_intact(req: RecordedRequest) -> None:
    """Every tool result follows its call, and every call is answered."""
    msgs = req.messages
    pending: set[str] = set()
    for m in msgs:
        if m["role"] == "tool":
            assert m["tool_call_id"] in pending, f"result without its call: {m}"
            pending.discard(m["tool_call_id"])
        else:
            assert not pending, f"calls without results before {m['role']}"
            pending = {c["id"] for c in m.get("tool_calls") or []}
    assert not pending


def is_summary_request(req: RecordedRequest) -> bool:
    return not req.body.get("stream") and "compact the conversation" in req.all_text()


# -- usage and warnings --------------------------------------------------------------


async def test_usage_rises_and_warns_once_per_crossing(core: Tabwise, fake_llm: FakeLLM,
                                                       workdir: Path) -> None:
    sid, sub, _ = await new_tab(core, workdir)
    usage = to_json(await core.get_context_usage(sid))
    assert usage == {"used_tokens": 0, "max_tokens": 4000, "utilization": 0.0}

    fake_llm.script("m1", answer("one", 1000), answer("two", 2100), answer("three", 2500))
    await core.send_ai_prompt(sid, "one")
    assert to_json(await core.get_context_usage(sid)) == {"used_tokens": 1010, "max_tokens": 4000,
                                                 "utilization": 0.2525}
    events = drain(sub)
    assert types(events)[-2:] == ["completed", "context_usage"]
    assert events[-1].payload.used_tokens == 1010
    assert not of_type(events, "context_warning")

    await core.send_ai_prompt(sid, "two")
    events = drain(sub)
    assert [e.payload.used_tokens for e in of_type(events, "context_warning")] == [2110]
    await core.send_ai_prompt(sid, "three")
    assert not of_type(drain(sub), "context_warning")  # still above: no second warning
    assert (await core.get_context_usage(sid)).used_tokens == 2510

    # Dropping below re-arms the warning; the next crossing warns again.
    await core.clear_ai_conversation(sid)
    assert (await core.get_context_usage(sid)).used_tokens == 0
    fake_llm.script("m1", answer("four", 2200))
    await core.send_ai_prompt(sid, "four")
    assert len(of_type(drain(sub), "context_warning")) == 1


async def test_usage_is_estimated_when_the_provider_reports_none(
        core: Tabwise, workdir: Path) -> None:
    sid, _, _ = await new_tab(core, workdir)
    bridge = core.ai.get_session_bridge(sid)
    bridge.history = [ModelRequest(parts=[UserPromptPart("x" * 4000)])]
    bridge.context.observe(bridge.history)
    used = (await core.get_context_usage(sid)).used_tokens
    assert 1000 <= used < 1100


# -- automatic compaction ------------------------------------------------------------


async def three_tool_turns(core: Tabwise, fake_llm: FakeLLM, sid: str,
                           last_prompt_tokens: int) -> None:
    for n, tokens in ((1, 900), (2, 1800), (3, last_prompt_tokens)):
        fake_llm.script("m1", read("notes.txt"), answer(f"answer {n}", tokens))
        await core.send_ai_prompt(sid, f"question {n}")


async def test_compaction_before_a_request_that_would_cross_the_threshold(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    (workdir / "notes.txt").write_text("the secret word is kiwi\n" + "filler line\n" * 100)
    sid, sub, rec = await new_tab(core, workdir)
    other, other_sub, other_rec = await new_tab(core, workdir)
    await core.send_ai_prompt(other, "bystander question")
    other_request_count = len(fake_llm.requests)

    await three_tool_turns(core, fake_llm, sid, 3300)  # 3,310 used: above 80 %
    before = fake_llm.requests[-1]
    assert await core.get_ai_conversation_length(sid) == 12
    drain(sub)

    fake_llm.script("m1", Reply(text="SUMMARY: the user asked three questions about "
                                     "notes.txt; the secret word is kiwi."),
                    answer("answer 4", 600))
    assert await core.send_ai_prompt(sid, "question 4") == "answer 4"

    summary_req, main_req = fake_llm.requests[-2:]
    # The summary request went to this tab's own model and key, without tools, and read
    # the older turns as text.
    assert summary_req.model == "m1" and is_summary_request(summary_req)
    assert "tools" not in summary_req.body
    assert "question 1" in summary_req.all_text()
    assert "[Result of read_file]" in summary_req.all_text()
    assert summary_req.api_key == before.api_key
    # The next request is smaller, carries the summary and still ends with the prompt.
    assert main_req.body.get("stream")
    assert "SUMMARY: the user asked" in main_req.all_text()
    assert "conversation_summary" in main_req.all_text()
    assert "question 1" not in main_req.all_text()
    assert "question 2" not in main_req.all_text() and "question 3" in main_req.all_text()
    assert main_req.user_texts()[-1] == "question 4"
    assert len(main_req.messages) < len(before.messages)
    assert len(main_req.all_text()) < len(before.all_text())
    assert_tool_pairs_intact(main_req)

    events = drain(sub)
    order = types(events)
    assert order.index("started") < order.index("compaction_started") \
        < order.index("compaction_completed") < order.index("completed")
    done = fields(of_type(events, "compaction_completed")[0])
    assert done["trigger"] == "auto"
    assert done["messages_before"] == 13 and done["messages_after"] < 13
    assert done["tokens_before"] >= 3200 > done["tokens_after"]
    assert (await core.get_context_usage(sid)).used_tokens == 610

    # The archive keeps every message; what is sent from now on is the compacted state.
    bridge = core.ai.get_session_bridge(sid)
    assert len(rec.transcript) == 14 and rec.replaced == 1
    assert rec.context == bridge.history
    assert isinstance(bridge.history[0], ModelRequest)
    assert isinstance(bridge.history[0].parts[0], CompactionPart)
    assert await core.get_ai_conversation_length(sid) < 14

    # The compacted tab goes on from the summary.
    await core.send_ai_prompt(sid, "question 5")
    assert "SUMMARY: the user asked" in fake_llm.requests[-1].all_text()

    # The other tab was never touched.
    assert not of_type(drain(other_sub), "compaction_started")
    assert other_rec.replaced == 0
    assert await core.get_ai_conversation_length(other) == 2
    assert all("bystander" not in r.all_text()
               for r in fake_llm.requests[other_request_count:])
    await core.send_ai_prompt(other, "bystander again")
    last = fake_llm.requests[-1]
    assert last.user_texts() == ["bystander question", "bystander again"]
    assert "SUMMARY" not in last.all_text()


async def test_compaction_in_the_middle_of_a_tool_loop(core: Tabwise, fake_llm: FakeLLM,
                                                       workdir: Path) -> None:
    (workdir / "big.txt").write_text("".join(f"line {i:04d} of the big file\n"
                                             for i in range(60)))
    sid, sub, rec = await new_tab(core, workdir)
    fake_llm.script("m1", read("big.txt", 1000), read("big.txt", 2000),
                    read("big.txt", 3300), Reply(text="SUMMARY-MID: read big.txt twice"),
                    answer("done", 900))
    assert await core.send_ai_prompt(sid, "investigate the big file") == "done"

    summary_req, final_req = fake_llm.requests[-2:]
    assert is_summary_request(summary_req)
    assert "SUMMARY-MID" in final_req.all_text()
    assert_tool_pairs_intact(final_req)
    # The last call and its result are still verbatim.
    assert final_req.messages[-1]["role"] == "tool"
    assert final_req.messages[-2].get("tool_calls")

    events = drain(sub)
    assert len(of_type(events, "compaction_completed")) == 1
    # Usage is reported after each step of the loop, not only at the end.
    used = [e.payload.used_tokens for e in of_type(events, "context_usage")]
    assert used[:2] == [1010, 2010] and used[-1] == 910
    # Nothing of the turn is lost for the archive, though part of it was folded.
    assert len(rec.transcript) == 8
    assert sum(isinstance(p, ToolReturnPart) for m in rec.transcript for p in m.parts) == 3
    assert rec.context == core.ai.get_session_bridge(sid).history
    assert isinstance(rec.context[0].parts[0], CompactionPart)


async def test_compaction_that_fails_ends_the_turn_with_a_clear_error(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid, sub, rec = await new_tab(core, workdir)
    fake_llm.script("m1", answer("one", 500), answer("two", 3990))
    await core.send_ai_prompt(sid, "one")
    await core.send_ai_prompt(sid, "two")
    drain(sub)
    n_requests = len(fake_llm.requests)

    fake_llm.script("m1", Reply(status=500, error_message="summarizer down"))
    with pytest.raises(ProviderError) as err:
        await core.send_ai_prompt(sid, "a third question that no longer fits")
    assert err.value.error_type == "context_window"
    assert "context window" in str(err.value) and "4,000" in str(err.value)
    # Only the summary request went out: no doomed request to the provider.
    assert len(fake_llm.requests) == n_requests + 1
    assert is_summary_request(fake_llm.requests[-1])

    events = drain(sub)
    assert types(events)[-3:] == ["compaction_started", "compaction_failed", "error"]
    failed = fields(of_type(events, "compaction_failed")[0])
    assert "summarizer down" in failed["message"] and failed["error_type"] == "server"
    assert events[-1].payload.error_type == "context_window"
    assert await core.get_ai_conversation_length(sid) == 4
    assert rec.replaced == 0


async def test_failed_compaction_still_sends_a_request_that_fits(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid, sub, _ = await new_tab(core, workdir)
    fake_llm.script("m1", answer("one", 500), answer("two", 3300))
    await core.send_ai_prompt(sid, "one")
    await core.send_ai_prompt(sid, "two")
    drain(sub)
    fake_llm.script("m1", Reply(status=500), answer("three", 3400))
    assert await core.send_ai_prompt(sid, "three") == "three"
    events = drain(sub)
    assert "compaction_failed" in types(events) and types(events)[-2] == "completed"


async def test_a_compaction_survives_a_turn_that_fails_afterwards(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid, _sub, rec = await new_tab(core, workdir)
    fake_llm.script("m1", answer("one", 500), answer("two", 3300))
    await core.send_ai_prompt(sid, "one")
    await core.send_ai_prompt(sid, "two")
    fake_llm.script("m1", Reply(text="SUMMARY-KEPT"), Reply(status=500))
    with pytest.raises(ProviderError):
        await core.send_ai_prompt(sid, "three")
    # Only earlier turns were folded, so the compacted state stands; the failed turn
    # itself is not recorded.
    bridge = core.ai.get_session_bridge(sid)
    assert isinstance(bridge.history[0].parts[0], CompactionPart)
    assert rec.replaced == 1 and rec.context == bridge.history
    assert len(rec.transcript) == 4
    fake_llm.script("m1", answer("three", 400))
    await core.send_ai_prompt(sid, "three again")
    assert "SUMMARY-KEPT" in fake_llm.requests[-1].all_text()
    assert not is_summary_request(fake_llm.requests[-2])  # no second compaction


async def test_cancelling_during_compaction(core: Tabwise, fake_llm: FakeLLM,
                                            workdir: Path) -> None:
    sid, sub, rec = await new_tab(core, workdir)
    fake_llm.script("m1", answer("one", 500), answer("two", 3300))
    await core.send_ai_prompt(sid, "one")
    await core.send_ai_prompt(sid, "two")
    drain(sub)
    fake_llm.script("m1", Reply(hang=True))
    turn = asyncio.create_task(core.send_ai_prompt(sid, "three"))
    while not fake_llm.requests or not is_summary_request(fake_llm.requests[-1]):
        await asyncio.sleep(0.01)
    assert await core.cancel_ai_prompt(sid)
    with pytest.raises(TurnCancelled):
        await turn
    events = drain(sub)
    assert types(events)[-3:] == ["compaction_started", "compaction_failed", "cancelled"]
    assert await core.get_ai_conversation_length(sid) == 4 and rec.replaced == 0


async def test_a_prompt_larger_than_the_window_is_refused_before_any_request(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid, sub, _ = await new_tab(core, workdir)
    with pytest.raises(ProviderError) as err:
        await core.send_ai_prompt(sid, "word " * 4000)
    assert err.value.error_type == "context_window"
    assert fake_llm.requests == []
    events = drain(sub)
    assert types(events)[-1] == "error" and "compaction_started" not in types(events)
    assert await core.send_ai_prompt(sid, "short") == "echo: short"


# -- on demand ----------------------------------------------------------------------


async def test_manual_compaction(core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid, sub, rec = await new_tab(core, workdir)
    # Nothing to fold yet: no request, the numbers stay.
    assert to_json(await core.compact_context(sid)) == {"tokens_before": 0, "tokens_after": 0,
                                               "messages_before": 0, "messages_after": 0}
    for n in range(1, 4):
        fake_llm.script("m1", answer(f"answer {n}", 1000 * n))
        await core.send_ai_prompt(sid, f"turn {n} " + "padding " * 40)
    before = fake_llm.requests[-1]
    drain(sub)

    fake_llm.script("m1", Reply(text="SUMMARY-MANUAL: three padded turns"))
    result = await core.compact_context(sid)
    assert result.messages_before == 6 and result.messages_after == 3
    assert result.tokens_after < result.tokens_before
    assert is_summary_request(fake_llm.requests[-1])
    events = drain(sub)
    assert types(events)[:2] == ["compaction_started", "compaction_completed"]
    assert of_type(events, "compaction_completed")[0].payload.trigger == "manual"
    assert (await core.get_context_usage(sid)).used_tokens == result.tokens_after
    assert rec.replaced == 1 and len(rec.transcript) == 6

    await core.send_ai_prompt(sid, "turn 4")
    after = fake_llm.requests[-1]
    assert "SUMMARY-MANUAL" in after.all_text()
    assert "turn 1" not in after.all_text() and "turn 3" in after.all_text()
    assert len(after.all_text()) < len(before.all_text())


async def test_manual_compaction_failure_and_busy(core: Tabwise, fake_llm: FakeLLM,
                                                  workdir: Path) -> None:
    sid, _sub, _ = await new_tab(core, workdir)
    for n in range(1, 3):
        await core.send_ai_prompt(sid, f"turn {n}")
    fake_llm.script("m1", Reply(status=500, error_message="nope"))
    with pytest.raises(ProviderError) as err:
        await core.compact_context(sid)
    assert "nope" in str(err.value)
    assert await core.get_ai_conversation_length(sid) == 4

    fake_llm.script("m1", Reply(text="slow", chunk_size=1, chunk_delay=0.05))
    turn = asyncio.create_task(core.send_ai_prompt(sid, "slow one"))
    await asyncio.sleep(0.1)
    with pytest.raises(SessionBusy):
        await core.compact_context(sid)
    await turn


# -- model switches -----------------------------------------------------------------


async def test_switch_to_a_smaller_window_warns_and_compacts_before_the_next_request(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid, sub, _ = await new_tab(core, workdir, M2)
    fake_llm.script("m2", answer("big context", 5000))
    await core.send_ai_prompt(sid, "first on m2")
    assert (await core.get_context_usage(sid)).max_tokens == 65536
    drain(sub)

    await core.init_ai_session(sid, M1)
    events = drain(sub)
    warning = of_type(events, "warning")[0].payload.message
    assert "65,536" in warning and "4,000" in warning and "compacted" in warning
    assert (await core.get_context_usage(sid)).max_tokens == 4000

    fake_llm.script("m1", Reply(text="SUMMARY-SWITCH"), answer("on m1", 300))
    assert await core.send_ai_prompt(sid, "now on m1") == "on m1"
    summary_req, main_req = fake_llm.requests[-2:]
    assert summary_req.model == "m1" and is_summary_request(summary_req)
    assert main_req.model == "m1" and "SUMMARY-SWITCH" in main_req.all_text()
    assert "compaction_completed" in types(drain(sub))


async def test_switch_to_a_larger_window_does_not_warn(core: Tabwise, workdir: Path) -> None:
    sid, sub, _ = await new_tab(core, workdir)
    await core.init_ai_session(sid, M2)
    assert not of_type(drain(sub), "warning")


# -- oversized tool output -----------------------------------------------------------


async def test_oversized_tool_output_is_cut_for_the_model_only(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    text = "".join(f"{i:05d} " + "x" * 44 + "\n" for i in range(400))  # 20,000 chars
    (workdir / "huge.txt").write_text(text)
    sid, sub, rec = await new_tab(core, workdir)
    fake_llm.script("m1", read("huge.txt"), Reply(text="read it"))
    await core.send_ai_prompt(sid, "read huge.txt")

    sent = next(m for m in fake_llm.requests[-1].messages if m["role"] == "tool")["content"]
    assert len(sent) < 4500
    assert "characters of this tool output were left out" in sent
    assert sent.startswith("00000 ") and sent.rstrip().endswith("00399 " + "x" * 44)
    # The history, the archive and the UI keep the full output.
    returns = [p for m in rec.transcript for p in m.parts if isinstance(p, ToolReturnPart)]
    assert len(returns[0].content) >= 20_000
    result = of_type(drain(sub), "tool_result")[0].payload.result
    assert len(result) >= 20_000


def test_summary_request_detection_matches_the_instructions() -> None:
    from tabwise.agent._compaction import SUMMARY_INSTRUCTIONS

    assert "compact the conversation" in SUMMARY_INSTRUCTIONS


# -- the archive ---------------------------------------------------------------------


async def test_a_restored_tab_continues_from_the_compacted_state(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home(persist=True, extra=SETTINGS)
    core = await Tabwise.start(home)
    try:
        sid = (await core.create_session(str(workdir), terminal=False)).session_id
        fake_llm.script("m1", answer("one", 500), answer("two", 3300),
                        Reply(text="SUMMARY-ARCHIVED"), answer("three", 400))
        for prompt in ("first prompt", "second prompt", "third prompt"):
            await core.send_ai_prompt(sid, prompt)
        compacted = await core.get_ai_conversation_length(sid)
        assert compacted < 6
    finally:
        await core.stop()

    core = await Tabwise.start(home)
    try:
        assert await core.get_ai_conversation_length(sid) == compacted
        usage = await core.get_context_usage(sid)
        assert usage.used_tokens == 410  # the last response's own report
        await core.send_ai_prompt(sid, "fourth prompt")
        sent = fake_llm.requests[-1].all_text()
        assert "SUMMARY-ARCHIVED" in sent and "first prompt" not in sent
        # The export still has the whole conversation.
        md = await core.export_session(sid)
        for prompt in ("first prompt", "second prompt", "third prompt", "fourth prompt"):
            assert prompt in md
    finally:
        await core.stop()
