"""The values commands take and return (DESIGN §4), one frozen dataclass each.

Each is one JSON shape: :func:`~tabwise.api.to_json` turns it into an object of its
fields, in the order declared here, and every field is always there (``null`` when it
does not apply). Sequences are tuples (JSON arrays); nested values are these types.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "MAX_COMPARE",
    "MIN_COMPARE",
    "AiConfig",
    "CompactResult",
    "CompareError",
    "CompareResult",
    "ContextUsage",
    "McpServerInfo",
    "PendingApprovalInfo",
    "ProviderInfo",
    "PtyReadResult",
    "SessionInfo",
    "Usage",
    "UsageByModel",
]


@dataclass(frozen=True, slots=True)
class AiConfig:
    """A tab's model: a provider name (settings' ``[ai.<name>]``) and a model of it."""

    provider: str
    model: str


@dataclass(frozen=True, slots=True)
class UsageByModel:
    """What one provider/model of a tab spent."""

    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    requests: int
    cost_usd: float | None  # null: no price known for this model
    unpriced_requests: int  # requests whose cost is not in cost_usd


@dataclass(frozen=True, slots=True)
class Usage:
    """``get_session_usage``: tokens, requests and cost over a tab's whole life
    (compaction included, across restarts), in total and per model."""

    input_tokens: int
    output_tokens: int
    requests: int
    cost_usd: float | None  # null: no price known for any of its models
    unpriced_requests: int
    by_model: tuple[UsageByModel, ...]


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """A tab, live or archived (``list_sessions``, ``create_session`` ...).

    ``live``: running in this process (``ai_status`` is then the agent's state, else
    ``"archived"``). ``ai_config`` is the agent's model when it runs, else the saved one.
    ``terminal``: the tab has a shell now. ``message_count`` and ``first_prompt`` come
    from the archive (null for a live tab); ``usage`` is filled by ``list_sessions``
    only; ``instructions`` are the project instruction files the agent reads."""

    session_id: str
    name: str
    working_directory: str
    created_at: float
    updated_at: float
    position: int
    ai_config: AiConfig | None
    ai_status: str
    live: bool
    closed: bool
    forked_from: str | None
    mcp_servers: tuple[str, ...]
    ai_error: str | None = None  # why the agent could not start, if it could not
    terminal: bool = False
    instructions: tuple[str, ...] = ()
    message_count: int | None = None
    first_prompt: str | None = None
    usage: Usage | None = None


@dataclass(frozen=True, slots=True)
class PtyReadResult:
    """``pty_read``: terminal output from byte ``offset`` to ``next_offset``
    (``dropped``: bytes lost before ``offset`` because only the last 256 KB are kept)."""

    data: str
    offset: int
    next_offset: int
    dropped: int
    exited: bool
    exit_code: int | None


@dataclass(frozen=True, slots=True)
class PendingApprovalInfo:
    """A tool call waiting for the user's answer (``get_pending_approvals``)."""

    request_id: str
    tool_name: str
    args: dict[str, Any]  # the call's arguments, as the model sent them (a JSON object)
    risk: str
    reasons: tuple[str, ...]
    created_at: float
    working_directory: str  # where the call would run


@dataclass(frozen=True, slots=True)
class ContextUsage:
    """How full a tab's context window is (``utilization``: used / max, 0..1)."""

    used_tokens: int
    max_tokens: int
    utilization: float


@dataclass(frozen=True, slots=True)
class CompactResult:
    """``compact_context``: the conversation before and after (equal when there was
    nothing to fold)."""

    tokens_before: int
    tokens_after: int
    messages_before: int
    messages_after: int


@dataclass(frozen=True, slots=True)
class ProviderInfo:
    """A provider of settings: configured or not (``reason`` says why), and its models."""

    name: str
    kind: str
    configured: bool
    reason: str | None
    models: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class McpServerInfo:
    """An MCP server of settings (``list_mcp_servers``). ``status``: ``off`` |
    ``starting`` | ``connected`` | ``failed``; ``tools`` as the model sees them
    (``<server>_<tool>``); ``selected``: whether the tab asked about uses it (null
    without a session)."""

    name: str
    transport: str
    enabled: bool
    status: str
    error: str | None
    tools: tuple[str, ...]
    selected: bool | None = None


MIN_COMPARE, MAX_COMPARE = 2, 6
"""How many ``ai_configs`` one ``compare_prompt`` takes (each gets its own fork)."""


@dataclass(frozen=True, slots=True)
class CompareError:
    """Why one fork of a comparison gave no answer: a stable error code and its message."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class CompareResult:
    """One fork's answer in ``compare_prompt``: ``response`` or ``error``."""

    session_id: str
    ai_config: AiConfig | None
    response: str | None
    error: CompareError | None
