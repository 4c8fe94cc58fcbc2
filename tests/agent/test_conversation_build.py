"""``build_conversation``: a tool call's status from its return part, and unfinished
turns placed between the messages (issue #13)."""

from __future__ import annotations

from pydantic_ai.messages import (
    ModelMessagesTypeAdapter,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from tabwise.agent import UnfinishedTurn, build_conversation, tool_status
from tabwise.agent._conversation import outcome_metadata
from tabwise.api import Answer, ToolCall, TurnError, UserPrompt


def _call(result: ToolReturnPart) -> list[ModelRequest | ModelResponse]:
    return [ModelRequest(parts=[UserPromptPart("go")]),
            ModelResponse(parts=[ToolCallPart(result.tool_name, {}, tool_call_id="t1")]),
            ModelRequest(parts=[result])]


def test_a_result_that_reads_like_an_error_is_ok_when_the_tool_ran_fine() -> None:
    part = ToolReturnPart("read_file", "Error: only the file's text", tool_call_id="t1",
                          metadata=outcome_metadata("ok"))
    # Archived and read back: the marker survives (pydantic-ai keeps metadata).
    loaded = ModelMessagesTypeAdapter.validate_json(
        ModelMessagesTypeAdapter.dump_json(_call(part)))
    [_, call] = build_conversation(loaded)
    assert isinstance(call, ToolCall)
    assert (call.status, call.result) == ("ok", "Error: only the file's text")


def test_a_tool_that_raised_is_failed_whatever_its_text() -> None:
    part = ToolReturnPart("read_file", "Error: x.txt does not exist.", tool_call_id="t1",
                          metadata=outcome_metadata("error"))
    assert tool_status(part) == "failed"
    assert tool_status(ToolReturnPart("t", "fine", outcome="failed")) == "failed"
    assert tool_status(ToolReturnPart("t", "try again", outcome="retried")) == "failed"
    assert tool_status(ToolReturnPart("t", "no", outcome="denied")) == "denied"


def test_results_archived_before_the_marker_fall_back_to_their_text() -> None:
    assert tool_status(ToolReturnPart("t", "Error: old failure")) == "failed"
    assert tool_status(ToolReturnPart("t", "Denied: never allowed")) == "denied"
    assert tool_status(ToolReturnPart("t", "old output")) == "ok"


def test_unfinished_turns_sit_where_they_happened() -> None:
    history = [ModelRequest(parts=[UserPromptPart("one")]),
               ModelResponse(parts=[TextPart("answer one")]),
               ModelRequest(parts=[UserPromptPart("three")]),
               ModelResponse(parts=[TextPart("answer three")])]
    failed = UnfinishedTurn(
        "t2", "It failed.", "server",
        (ModelRequest(parts=[UserPromptPart("two")]),
         ModelResponse(parts=[ToolCallPart("run_command", {"command": "x"},
                                           tool_call_id="c9")])), 2, 0.0)
    assert build_conversation(history, unfinished=[failed]) == [
        UserPrompt("one", False, 0), Answer("answer one"),
        UserPrompt("two", False, 2),
        ToolCall("c9", "run_command", {"command": "x"}, status="failed",
                 result="The turn ended before this call finished."),
        TurnError("It failed.", "server", "t2"),
        UserPrompt("three", False, 2), Answer("answer three")]
