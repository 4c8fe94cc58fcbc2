"""The pure parts of compaction: where to cut, what to send, how to count."""

from __future__ import annotations

from pydantic_ai.messages import (
    CompactionPart,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.usage import RequestUsage

from tabwise.agent._compaction import (
    cut_points,
    plan_compaction,
    plan_cut,
    render_transcript,
)
from tabwise.agent._context import (
    ContextBudget,
    context_tokens,
    estimate_tokens,
    tool_output_cap,
    truncate_tool_outputs,
)
from tabwise.settings import ContextSettings


def user(text: str) -> ModelRequest:
    return ModelRequest(parts=[UserPromptPart(text)])


def call(i: int, usage: int = 0) -> ModelResponse:
    return ModelResponse(parts=[ToolCallPart("read_file", {"path": f"f{i}"}, f"c{i}")],
                         usage=RequestUsage(input_tokens=usage))


def result(i: int, text: str = "contents") -> ModelRequest:
    return ModelRequest(parts=[ToolReturnPart("read_file", text, f"c{i}")])


def say(text: str, usage: int = 0) -> ModelResponse:
    return ModelResponse(parts=[TextPart(text)], usage=RequestUsage(input_tokens=usage))


def summary(kept: int) -> ModelRequest:
    return ModelRequest(parts=[CompactionPart("earlier", metadata={"tabwise": {
        "kept_messages": kept}})])


def tool_turn(n: int, text: str = "contents") -> list[ModelMessage]:
    return [user(f"q{n}"), call(n), result(n, text), say(f"a{n}")]


def test_a_cut_never_separates_a_call_from_its_result() -> None:
    msgs = [*tool_turn(1), *tool_turn(2)]
    points = cut_points(msgs)
    assert points == [1, 3, 4, 5, 7]
    for i in points:
        assert not isinstance(msgs[i].parts[0], ToolReturnPart)


def test_plan_cut_prefers_whole_turns_then_steps_then_the_shortest_tail() -> None:
    msgs = [*tool_turn(1), *tool_turn(2), user("q3")]
    assert plan_cut(msgs, 10_000) == 4  # everything after the first turn fits
    assert plan_cut(msgs, estimate_tokens(msgs[8:])) == 8  # only the last prompt
    big = "x" * 4000
    loop = [user("go"), call(1), result(1, big), call(2), result(2, big), call(3), result(3)]
    # No turn start after 0: cut between steps, keeping what fits.
    assert plan_cut(loop, estimate_tokens(loop[5:])) == 5
    assert plan_cut(loop, 0) == 5  # nothing fits: the shortest valid tail
    assert plan_cut([user("only")], 0) == 0


def test_manual_cut_keeps_the_last_turn() -> None:
    msgs = [*tool_turn(1), *tool_turn(2)]
    assert plan_cut(msgs, 10_000, manual=True) == 4
    assert plan_cut(tool_turn(1), 10_000, manual=True) == 0  # one turn: nothing to fold


def test_no_plan_when_only_an_earlier_summary_would_be_folded() -> None:
    budget = ContextBudget(4000, ContextSettings())
    assert plan_compaction([summary(1), user("q")], budget) is None
    # Everything after the summary fits what is kept verbatim: folding would not help.
    assert plan_compaction([summary(0), *tool_turn(1), user("q2")], budget) is None
    big = "x" * 8000
    msgs = [summary(0), user("q1"), call(1), result(1, big), call(2), result(2, big),
            say("a1"), user("q2")]
    plan = plan_compaction(msgs, ContextBudget(2000, ContextSettings()))
    assert plan is not None and plan.cut == 7 and plan.recent == [msgs[7]]


def test_tool_output_is_cut_for_the_request_only() -> None:
    big = "".join(f"{i:05d}\n" for i in range(5000))
    msgs = [user("read"), call(1), result(1, big), say("ok")]
    sent = truncate_tool_outputs(msgs, 4000)
    cap = tool_output_cap(4000)
    part = sent[2].parts[0]
    assert isinstance(part, ToolReturnPart)
    assert cap < len(part.content) < cap + 300
    assert part.content.startswith("00000") and part.content.endswith("04999\n")
    assert "left out" in part.content
    assert msgs[2].parts[0].content == big  # the history keeps the full text
    assert sent[0] is msgs[0] and sent[3] is msgs[3]
    assert truncate_tool_outputs(msgs, 4000) == sent  # deterministic: caches still match
    assert truncate_tool_outputs(msgs, 1_000_000)[2] is msgs[2]


def test_context_tokens_use_the_latest_current_report() -> None:
    msgs = [user("q1"), say("a1", usage=1000), user("q2")]
    assert context_tokens(msgs) == 1000 + estimate_tokens(msgs[2:])
    # Responses kept verbatim by a compaction measured the old conversation.
    compacted = [summary(2), user("q1"), say("a1", usage=5000), user("q2")]
    assert context_tokens(compacted, overhead=100) == 100 + estimate_tokens(compacted)
    compacted.append(say("a2", usage=700))
    assert context_tokens(compacted) == 700
    assert context_tokens([]) == 0


def test_transcript_rendering() -> None:
    blocks = render_transcript([summary(0), *tool_turn(1, "x" * 5000)])
    assert blocks[0].startswith("[Summary of the conversation before this point]")
    assert blocks[1] == "[User]\nq1"
    assert blocks[2] == '[Assistant called read_file with {"path":"f1"}]'
    assert blocks[3].startswith("[Result of read_file]") and len(blocks[3]) < 1800
    assert blocks[4] == "[Assistant]\na1"
