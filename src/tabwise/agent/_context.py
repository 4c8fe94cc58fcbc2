"""How full a tab's context window is, and what a request will cost in tokens.

Usage is the provider's own count where there is one: the input plus output tokens of
the latest response, which is what that response leaves in the window. Messages after
it (a new prompt, tool results) are estimated at about four characters per token, as is
a whole history that no response has measured yet (restored, or just compacted).

Tool outputs are capped before they reach the model (see :func:`truncate_tool_outputs`);
the estimate counts them as sent, not as recorded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

from pydantic_ai.messages import (
    BaseToolCallPart,
    BaseToolReturnPart,
    CompactionPart,
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    ToolReturnPart,
    UserPromptPart,
)

from ..api import ContextUsage
from ..settings import ContextSettings

__all__ = [
    "ContextBudget",
    "context_tokens",
    "cut_middle",
    "estimate_tokens",
    "request_overhead",
    "tool_output_cap",
    "truncate_tool_outputs",
]

CHARS_PER_TOKEN = 4
# Role markers, ids and JSON framing each message costs on the wire.
MESSAGE_OVERHEAD_TOKENS = 8
# An image or other file in a prompt: providers charge per tile; this is a typical tile.
FILE_TOKENS = 800
# One tool result may fill at most this share of the window before it is cut; never
# below MIN_TOOL_OUTPUT_CHARS, so a tiny window still sees something useful.
TOOL_OUTPUT_SHARE = 0.25
MIN_TOOL_OUTPUT_CHARS = 2_000

# The key of tabwise's own data in a summary's CompactionPart.metadata.
SUMMARY_MARKER = "tabwise"

_TRUNCATION_NOTE = (
    "\n\n[… {cut:,} characters of this tool output were left out here to fit the model's "
    "context window. Ask for a narrower range (offset/limit, a more specific pattern or "
    "command) if the missing part matters. …]\n\n"
)
_SHORT_NOTE = "\n[… {cut:,} characters left out …]\n"


def tool_output_cap(window: int) -> int:
    """The most characters of one tool result sent to a model with ``window`` tokens."""
    return max(MIN_TOOL_OUTPUT_CHARS, int(window * CHARS_PER_TOKEN * TOOL_OUTPUT_SHARE))


def cut_middle(text: str, cap: int, *, for_model: bool = True) -> str:
    """``text`` with its middle replaced by a note when longer than ``cap`` characters.

    The head keeps two thirds: file contents and listings start with what matters; the
    tail keeps the end of command output, where errors and summaries are. The note tells
    the model how to get the rest; ``for_model=False`` gives a short one (for text that
    is only summarized).
    """
    if len(text) <= cap:
        return text
    head = cap * 2 // 3
    tail = cap - head
    note = _TRUNCATION_NOTE if for_model else _SHORT_NOTE
    return text[:head] + note.format(cut=len(text) - cap) + text[-tail:]


def _return_text(part: BaseToolReturnPart[Any]) -> str:
    return part.content if isinstance(part.content, str) else part.model_response_str()


def truncate_tool_outputs(messages: Sequence[ModelMessage], window: int) -> list[ModelMessage]:
    """A copy of ``messages`` to send, with every oversized tool result cut to size.

    Only the request sees the cut: the history (and so the archive) keeps the full text,
    and the same input always gives the same output, so a provider's prompt cache still
    matches from one request to the next. Untouched messages are the same objects.
    """
    cap = tool_output_cap(window)

    def cut(part: ModelRequestPart) -> ModelRequestPart:
        # Plain function-tool results only: typed parts (tool search, ...) keep their shape.
        if type(part) is not ToolReturnPart:
            return part
        plain = cast("ToolReturnPart[Any]", part)
        text = _return_text(plain)
        return replace(plain, content=cut_middle(text, cap)) if len(text) > cap else part

    out: list[ModelMessage] = []
    for msg in messages:
        if isinstance(msg, ModelRequest):
            parts = [cut(p) for p in msg.parts]
            if any(a is not b for a, b in zip(parts, msg.parts, strict=True)):
                msg = replace(msg, parts=parts)
        out.append(msg)
    return out


def _part_chars(part: Any, tool_cap: int | None) -> int:
    if isinstance(part, BaseToolReturnPart):
        n = len(_return_text(part)) + len(part.tool_name) + 40
        return min(n, tool_cap + len(_TRUNCATION_NOTE)) if tool_cap else n
    if isinstance(part, BaseToolCallPart):
        return len(part.args_as_json_str()) + len(part.tool_name) + 40
    if isinstance(part, UserPromptPart) and not isinstance(part.content, str):
        return sum(len(c) if isinstance(c, str) else FILE_TOKENS * CHARS_PER_TOKEN
                   for c in part.content)
    if isinstance(part, CompactionPart):
        return len(part.content or "") + 200  # plus the framing every model adds
    content = getattr(part, "content", None)
    if isinstance(content, str):
        return len(content)
    return len(json.dumps(content, default=str)) if content is not None else 0


def estimate_tokens(messages: Sequence[ModelMessage], *, window: int | None = None) -> int:
    """A provider-neutral estimate of the tokens ``messages`` take when sent.

    Counts the parts a model sees; a request's ``instructions`` are counted once per
    request by :func:`request_overhead` instead. With ``window``, tool results count as
    cut for that window.
    """
    cap = tool_output_cap(window) if window else None
    chars = sum(_part_chars(p, cap) for m in messages for p in m.parts)
    return chars // CHARS_PER_TOKEN + MESSAGE_OVERHEAD_TOKENS * len(messages)


def request_overhead(instructions: str, tools: Sequence[Any]) -> int:
    """Tokens every request spends before the messages: instructions and tool schemas."""
    schema = sum(_schema_chars(t) for t in tools) + max(0, len(tools) - 1) * 2 + 2
    return (len(instructions) + schema) // CHARS_PER_TOKEN


# A tool's JSON size by its definition: the same tools come with every request of every
# tab, and encoding their schemas each time was the guard's largest per-request cost.
_SCHEMA_CHARS: dict[tuple[str, str | None, int], tuple[object, int]] = {}


def _schema_chars(tool: Any) -> int:
    """``len(json.dumps({"name":..., "description":..., "parameters":...}))`` of ``tool``,
    cached while its parameters schema is the same object (schemas are not mutated)."""
    params = tool.parameters_json_schema
    key = (tool.name, tool.description, id(params))
    hit = _SCHEMA_CHARS.get(key)
    if hit is not None and hit[0] is params:
        return hit[1]
    chars = len(json.dumps({"name": tool.name, "description": tool.description,
                            "parameters": params}))
    if len(_SCHEMA_CHARS) >= 1024:  # tool sets that change all the time (MCP): no growth
        _SCHEMA_CHARS.clear()
    _SCHEMA_CHARS[key] = (params, chars)
    return chars


def _fresh_from(messages: Sequence[ModelMessage]) -> int:
    """Index from which responses' reported usage is current.

    A compaction puts a summary request first and keeps recent messages after it; the
    usage those kept responses report measured the conversation before it was compacted.
    The summary records how many messages it kept (``kept_messages``).
    """
    for i in range(len(messages) - 1, -1, -1):
        msg = messages[i]
        if not isinstance(msg, ModelRequest):
            continue
        for part in msg.parts:
            if isinstance(part, CompactionPart):
                marker = (part.metadata or {}).get(SUMMARY_MARKER) or {}
                return i + 1 + int(marker.get("kept_messages", 0))
    return 0


def context_tokens(messages: Sequence[ModelMessage], *, window: int | None = None,
                   overhead: int = 0) -> int:
    """Tokens a request made of ``messages`` would take.

    The latest response's reported input + output tokens (what it leaves in the window,
    instructions and tools included) plus an estimate of what came after it; with no
    current report (none since the last compaction), an estimate of everything plus
    ``overhead``.
    """
    start = _fresh_from(messages)
    for i in range(len(messages) - 1, start - 1, -1):
        msg = messages[i]
        if isinstance(msg, ModelResponse) and msg.usage.input_tokens:
            reported = msg.usage.input_tokens + msg.usage.output_tokens
            return reported + estimate_tokens(messages[i + 1:], window=window)
    if not messages:
        return 0
    return overhead + estimate_tokens(messages, window=window)


@dataclass(slots=True)
class ContextBudget:
    """Usage of one tab's window: provider-reported when known, estimated otherwise."""

    max_tokens: int
    settings: ContextSettings
    used_tokens: int = 0
    warned: bool = False
    # Instructions and tool schemas, learned from the latest request (for estimates).
    overhead_tokens: int = 0

    def observe(self, history: Sequence[ModelMessage]) -> None:
        """Recompute from the history as it would be sent next."""
        self.used_tokens = context_tokens(history, window=self.max_tokens,
                                          overhead=self.overhead_tokens)

    def estimate(self, messages: Sequence[ModelMessage]) -> int:
        """Tokens a request of ``messages`` would take in this window."""
        return context_tokens(messages, window=self.max_tokens, overhead=self.overhead_tokens)

    @property
    def utilization(self) -> float:
        return self.used_tokens / self.max_tokens if self.max_tokens else 0.0

    @property
    def compaction_limit(self) -> int:
        """A request this large or larger is compacted first."""
        return int(self.max_tokens * self.settings.compaction_threshold)

    def crossed_warning(self) -> bool:
        """True once per crossing of the warning threshold (re-armed when it drops)."""
        over = self.utilization >= self.settings.warning_threshold
        if over and not self.warned:
            self.warned = True
            return True
        if not over:
            self.warned = False
        return False

    def usage(self) -> ContextUsage:
        """``get_context_usage``: how full the window is now (utilization to 4 places)."""
        return ContextUsage(self.used_tokens, self.max_tokens, round(self.utilization, 4))
