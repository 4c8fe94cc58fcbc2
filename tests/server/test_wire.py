"""Events on the wire (DESIGN §5): one flat JSON object per event, and back."""

from __future__ import annotations

import dataclasses
import json
import re
import typing

import pytest

from tabwise.events import (
    PAYLOAD_CLASSES,
    AgentState,
    AiConfigChanged,
    Cancelled,
    CompactionCompleted,
    CompactionFailed,
    CompactionStarted,
    Completed,
    ContextUsageChanged,
    ContextWarning,
    CwdChanged,
    Error,
    Event,
    InstructionsChanged,
    McpStatus,
    Payload,
    PtyExited,
    ReasoningDelta,
    SessionClosed,
    SessionWarning,
    Started,
    StateChanged,
    TextDelta,
    ToolApprovalRequest,
    ToolAutoApproved,
    ToolCall,
    ToolDenied,
    ToolResult,
)
from tabwise.server import event_from_params, event_params

# One of each, with the fields the core publishes.
EXAMPLES: list[Payload] = [
    Started("t1", "local1", "m1"),
    TextDelta("Hello"),
    ReasoningDelta("Thinking"),
    ToolCall("c1", "read_file", {"path": "a.txt", "limit": 3}),
    ToolApprovalRequest("c2", "write_file", {"path": "b.txt", "content": "x"}, "medium",
                        ("writes a file",), "/home/u/p"),
    ToolAutoApproved("c3", "list_directory"),
    ToolDenied("c2", "write_file", "not now"),
    ToolResult("c1", "read_file", True, "one\ntwo"),
    Completed("t1", "Hi there", 12, 3, None, 41.5),
    Error("t1", "The provider refused the key.", "auth"),
    Cancelled(None),
    ContextUsageChanged(1010, 4000, 0.2525),
    ContextWarning(3100, 4000, 0.775),
    CompactionStarted("auto", 3300, 13),
    CompactionCompleted("auto", 3300, 610, 13, 4),
    CompactionFailed("manual", "server", "The summary request failed."),
    AiConfigChanged("local2", "m2"),
    SessionWarning("Saved model x/y is not available."),
    SessionClosed(),
    StateChanged("awaiting_approval"),
    CwdChanged("/home/u/p", "p"),
    McpStatus("files", "failed", "exited with code 1"),
    PtyExited(0),
    InstructionsChanged(("/home/u/p/AGENTS.md",), True),
]

# DESIGN §5, verbatim: the types and the fields it names.
DESIGN_5 = """
Types: `started{turn_id}`,
`text_delta{delta}`, `reasoning_delta{delta}`, `tool_call{request_id, tool_name, args}`,
`tool_approval_request{request_id, tool_name, args (object), risk}`, `tool_auto_approved`,
`tool_denied{reason}`, `tool_result{request_id, success, result}`,
`completed{response, input_tokens, output_tokens, duration_ms}`,
`error{message, error_type}`, `cancelled`, `context_usage{used_tokens, max_tokens,
utilization}`, `context_warning`, `compaction_started`, `compaction_completed`,
`ai_config_changed{provider, model}`, `warning{message}`, `session_closed`,
`state_changed{state}` (`idle` | `streaming` | `awaiting_approval` | `error`: the one
source of a tab's state for every front end), `cwd_changed{working_directory}`,
`mcp_status{server, status, error}`. `completed` also carries `cost_usd` (or null).
"""


def design_types() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name, body in re.findall(r"`([a-z_]+)(?:\{([^}]*)\})?`", DESIGN_5.replace("\n", " ")):
        if name in ("idle", "streaming", "awaiting_approval") or (name == "error"
                                                                   and not body):
            continue  # a value of state_changed's state, not a type
        if name == "cost_usd":
            out["completed"].add("cost_usd")
            continue
        fields = {re.sub(r"\s*\(.*\)", "", f).strip() for f in body.split(",") if f.strip()}
        out.setdefault(name, set()).update(fields)
    return out


def test_examples_cover_every_event_type() -> None:
    assert {type(p) for p in EXAMPLES} == set(PAYLOAD_CLASSES)


def test_the_wire_shape_of_every_type_has_design_5s_field_names() -> None:
    design = design_types()
    assert len(design) == 21 and design["completed"] >= {"response", "cost_usd"}
    by_type = {p.type: p for p in EXAMPLES}
    assert set(design) <= set(by_type), "a type DESIGN §5 names has no class"
    for name, names in design.items():
        wire = event_params(Event("S", 1, 2.0, by_type[name]))
        assert wire["type"] == name
        missing = names - set(wire)
        assert not missing, f"{name} lacks {missing} on the wire"
    # state_changed's values are DESIGN's four.
    assert set(typing.get_args(AgentState)) == {"idle", "streaming", "awaiting_approval",
                                                "error"}


@pytest.mark.parametrize("payload", EXAMPLES, ids=lambda p: p.type)
def test_every_event_round_trips_through_json(payload: Payload) -> None:
    ev = Event("sess-1", 7, 1764660000.25, payload)
    wire = event_params(ev)
    assert list(wire)[:4] == ["session_id", "seq", "ts", "type"]
    assert wire["session_id"] == "sess-1" and wire["seq"] == 7 and wire["type"] == payload.type
    # The payload's fields, flat, in declaration order, after the envelope.
    declared = [f.name for f in dataclasses.fields(payload)]
    assert [k for k in wire if k not in ("session_id", "seq", "ts", "type")] == \
        [n for n in declared if n in wire]
    text = json.dumps(wire)
    assert event_from_params(json.loads(text)) == ev


def test_todays_wire_shapes_are_kept() -> None:
    def wire(p: Payload) -> dict[str, object]:
        return event_params(Event("S", 3, 9.5, p))

    head = {"session_id": "S", "seq": 3, "ts": 9.5}
    assert wire(TextDelta("hi")) == {**head, "type": "text_delta", "delta": "hi"}
    assert wire(ToolApprovalRequest("c", "write_file", {"path": "x"}, "high", ("secret",),
                                    "/w")) == {
        **head, "type": "tool_approval_request", "request_id": "c", "tool_name": "write_file",
        "args": {"path": "x"}, "risk": "high", "reasons": ["secret"],
        "working_directory": "/w"}
    assert wire(Completed("t", "ok", 1, 2, 0.003, 5.0)) == {
        **head, "type": "completed", "turn_id": "t", "response": "ok", "input_tokens": 1,
        "output_tokens": 2, "cost_usd": 0.003, "duration_ms": 5.0}
    assert wire(Cancelled(None)) == {**head, "type": "cancelled", "turn_id": None}
    assert wire(SessionClosed()) == {**head, "type": "session_closed"}
    assert wire(StateChanged("idle")) == {**head, "type": "state_changed", "state": "idle"}
    # Optional fields appear only when set, as before.
    assert wire(SessionWarning("hm")) == {**head, "type": "warning", "message": "hm"}
    assert wire(SessionWarning("small", 8000, 4000)) == {
        **head, "type": "warning", "message": "small", "previous_context_window": 8000,
        "context_window": 4000}
    assert wire(CwdChanged("/w")) == {**head, "type": "cwd_changed", "working_directory": "/w"}
    assert wire(CwdChanged("/w", "w")) == {**head, "type": "cwd_changed",
                                           "working_directory": "/w", "name": "w"}
    assert wire(McpStatus("s", "connected", None)) == {
        **head, "type": "mcp_status", "server": "s", "status": "connected", "error": None}


def test_a_bad_wire_object_is_refused_with_a_reason() -> None:
    ok = event_params(Event("S", 1, 1.0, ToolDenied("c", "t", "no")))
    assert event_from_params({**ok, "subscription": "sub-1"}).payload == ToolDenied("c", "t", "no")
    with pytest.raises(ValueError, match="unknown event type 'nope'"):
        event_from_params({**ok, "type": "nope"})
    with pytest.raises(ValueError, match="without reason"):
        event_from_params({k: v for k, v in ok.items() if k != "reason"})
    with pytest.raises(ValueError, match="unexpected extra"):
        event_from_params({**ok, "extra": 1})
