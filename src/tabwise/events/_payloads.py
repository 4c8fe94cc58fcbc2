"""One frozen dataclass per event type (DESIGN §5).

Each class knows its wire name (:attr:`Payload.type`); its fields are the event's own
fields, in wire order. Front ends ``match`` on the classes::

    match ev.payload:
        case TextDelta(delta=text): ...
        case ToolApprovalRequest(request_id=rid, tool_name=name): ...
        case StateChanged(state=state): ...

A class is named after its wire type (``tool_call`` → :class:`ToolCall`) except where that
name is taken: ``warning`` is :class:`SessionWarning` (not the builtin), ``context_usage``
is :class:`ContextUsageChanged` (``tabwise.api.ContextUsage`` is the command's reply).

A field declared with :func:`omitted_when_none` is left out of the wire object while it is
None (today's shape: ``cwd_changed`` names the tab only when it was renamed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

__all__ = [
    "AgentState",
    "AiConfigChanged",
    "Cancelled",
    "CompactionCompleted",
    "CompactionFailed",
    "CompactionStarted",
    "Completed",
    "ContextMeasure",
    "ContextUsageChanged",
    "ContextWarning",
    "CwdChanged",
    "Delta",
    "Error",
    "InstructionsChanged",
    "McpStatus",
    "Payload",
    "PtyExited",
    "ReasoningDelta",
    "SessionClosed",
    "SessionWarning",
    "Started",
    "StateChanged",
    "TextDelta",
    "ToolApprovalRequest",
    "ToolAutoApproved",
    "ToolCall",
    "ToolDenied",
    "ToolResult",
    "omitted_when_none",
]

AgentState = Literal["idle", "streaming", "awaiting_approval", "error"]
"""A tab's agent state, as ``state_changed`` reports it."""

_OMIT = "omit_when_none"

D = TypeVar("D", bound="Delta")


def omitted_when_none() -> Any:
    """An optional field (default None) that the wire object leaves out while None."""
    return field(default=None, metadata={_OMIT: True})


@dataclass(frozen=True, slots=True)
class Payload:
    """What one event says; subclasses are the event types."""

    type: ClassVar[str]
    """The wire name (``"text_delta"``)."""


# -- a turn ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Started(Payload):
    """A turn began (every one ends in exactly one :class:`Completed`, :class:`Error` or
    :class:`Cancelled`). A turn for a new prompt names it: ``prompt`` as typed, whether
    the terminal screen went with it, and ``message_index``, the history's length then
    (``fork_session``'s ``message_count`` that forks from just before it) — every front
    end can show the prompt, not only the one that sent it. A saved turn continued after
    a restart has no ``prompt``."""

    type: ClassVar[str] = "started"
    turn_id: str
    provider: str
    model: str
    prompt: str | None = omitted_when_none()
    with_terminal: bool = False
    message_index: int | None = omitted_when_none()


@dataclass(frozen=True, slots=True)
class Delta(Payload):
    """Streamed text; a slow subscriber gets consecutive deltas merged into one."""

    delta: str

    def merged(self: D, later: D) -> D:
        """This text followed by ``later``'s, as one delta of the same kind."""
        return type(self)(self.delta + later.delta)


@dataclass(frozen=True, slots=True)
class TextDelta(Delta):
    """Part of the answer."""

    type: ClassVar[str] = "text_delta"


@dataclass(frozen=True, slots=True)
class ReasoningDelta(Delta):
    """Part of the model's reasoning (thinking) text."""

    type: ClassVar[str] = "reasoning_delta"


@dataclass(frozen=True, slots=True)
class ToolCall(Payload):
    """The model called a tool."""

    type: ClassVar[str] = "tool_call"
    request_id: str
    tool_name: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ToolApprovalRequest(Payload):
    """A tool call waits for the user (answer with ``respond_to_tool_approval``)."""

    type: ClassVar[str] = "tool_approval_request"
    request_id: str
    tool_name: str
    args: dict[str, Any]
    risk: str
    reasons: tuple[str, ...]
    working_directory: str


@dataclass(frozen=True, slots=True)
class ToolAutoApproved(Payload):
    """A tool call ran without asking (the approval policy allowed it)."""

    type: ClassVar[str] = "tool_auto_approved"
    request_id: str
    tool_name: str


@dataclass(frozen=True, slots=True)
class ToolDenied(Payload):
    """A tool call was refused (by the user, a timeout or the settings).

    ``reason`` says why (the user's words when they gave some); ``result`` is what the
    model is told instead of a result (``get_conversation``'s ``ToolCall.result``)."""

    type: ClassVar[str] = "tool_denied"
    request_id: str
    tool_name: str
    reason: str
    result: str = ""


@dataclass(frozen=True, slots=True)
class ToolResult(Payload):
    """A tool call ran; ``result`` is what the model sees."""

    type: ClassVar[str] = "tool_result"
    request_id: str
    tool_name: str
    success: bool
    result: str


@dataclass(frozen=True, slots=True)
class Completed(Payload):
    """The turn answered."""

    type: ClassVar[str] = "completed"
    turn_id: str
    response: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    duration_ms: float


@dataclass(frozen=True, slots=True)
class Error(Payload):
    """The turn failed (``error_type``: a stable kind such as ``rate_limit``)."""

    type: ClassVar[str] = "error"
    turn_id: str
    message: str
    error_type: str


@dataclass(frozen=True, slots=True)
class Cancelled(Payload):
    """The turn was cancelled (``turn_id`` None: a restored turn still waiting for its
    approvals, before it went on)."""

    type: ClassVar[str] = "cancelled"
    turn_id: str | None


@dataclass(frozen=True, slots=True)
class StateChanged(Payload):
    """The tab's agent state changed: the one source of it for every front end."""

    type: ClassVar[str] = "state_changed"
    state: AgentState


# -- context -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ContextMeasure(Payload):
    """How full the context window is (the fields of both context events)."""

    used_tokens: int
    max_tokens: int
    utilization: float


@dataclass(frozen=True, slots=True)
class ContextUsageChanged(ContextMeasure):
    """A new measure of the context window in use."""

    type: ClassVar[str] = "context_usage"


@dataclass(frozen=True, slots=True)
class ContextWarning(ContextMeasure):
    """The conversation crossed ``[context] warning_threshold``."""

    type: ClassVar[str] = "context_warning"


@dataclass(frozen=True, slots=True)
class CompactionStarted(Payload):
    """The older part of the conversation is being summarized."""

    type: ClassVar[str] = "compaction_started"
    trigger: str  # auto | manual
    tokens_before: int
    messages_before: int


@dataclass(frozen=True, slots=True)
class CompactionCompleted(Payload):
    """The conversation was compacted."""

    type: ClassVar[str] = "compaction_completed"
    trigger: str
    tokens_before: int
    tokens_after: int
    messages_before: int
    messages_after: int


@dataclass(frozen=True, slots=True)
class CompactionFailed(Payload):
    """The summary request failed; the conversation is unchanged."""

    type: ClassVar[str] = "compaction_failed"
    trigger: str
    error_type: str
    message: str


# -- the tab -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AiConfigChanged(Payload):
    """The tab switched model."""

    type: ClassVar[str] = "ai_config_changed"
    provider: str
    model: str


@dataclass(frozen=True, slots=True)
class SessionWarning(Payload):
    """Something the user should know (a fallback model, a smaller context window…)."""

    type: ClassVar[str] = "warning"
    message: str
    # Set when a model switch shrank the context window.
    previous_context_window: int | None = omitted_when_none()
    context_window: int | None = omitted_when_none()


@dataclass(frozen=True, slots=True)
class InstructionsChanged(Payload):
    """The project rules in effect changed (AGENTS.md files, ``[agent] instructions``)."""

    type: ClassVar[str] = "instructions_changed"
    files: tuple[str, ...]
    settings: bool


@dataclass(frozen=True, slots=True)
class CwdChanged(Payload):
    """The shell's current directory, which the agent follows, changed."""

    type: ClassVar[str] = "cwd_changed"
    working_directory: str
    # The tab's new name, when an unnamed tab follows its directory.
    name: str | None = omitted_when_none()


@dataclass(frozen=True, slots=True)
class McpStatus(Payload):
    """One of the tab's MCP servers changed status (off, starting, connected, failed)."""

    type: ClassVar[str] = "mcp_status"
    server: str
    status: str
    error: str | None


@dataclass(frozen=True, slots=True)
class PtyExited(Payload):
    """The tab's shell ended."""

    type: ClassVar[str] = "pty_exited"
    exit_code: int | None


@dataclass(frozen=True, slots=True)
class SessionClosed(Payload):
    """The tab was closed."""

    type: ClassVar[str] = "session_closed"
