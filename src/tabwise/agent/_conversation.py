"""A tab's conversation for front ends: pydantic-ai messages turned into the typed
:data:`~tabwise.api.Message` entries of ``get_conversation`` (DESIGN §4).

Also where the terminal context of a prompt is made (:func:`prompt_content`) and read
back (:func:`prompt_of`): it travels as its own part of the user message, so the typed
prompt needs no parsing. Prompts archived before that (the context appended to the text)
are still read right.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pydantic_ai.messages import (
    CompactionPart,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    TextPart,
    ThinkingPart,
    ToolCallPart,
    ToolReturnPart,
    UserContent,
    UserPromptPart,
)

from ..api import (
    Answer,
    ApprovalDecision,
    Compaction,
    Message,
    Reasoning,
    ToolCall,
    ToolStatus,
    UserPrompt,
)
from ._approvals import AuditRecord

__all__ = [
    "CONTEXT_OPEN",
    "build_conversation",
    "context_part",
    "prompt_content",
    "prompt_of",
    "split_terminal_context",
]

CONTEXT_OPEN = "<terminal_context>"
_LEGACY_TAG = "\n\n" + CONTEXT_OPEN + "\n"  # how older prompts carried it, in the text

# The approvals audit's decisions, as a front end shows them.
_DECISIONS: dict[str, ApprovalDecision] = {
    "approve": "approved", "always_allow": "approved", "auto": "auto",
    "deny": "denied", "timeout": "denied", "cancelled": "denied", "policy": "denied",
}


def context_part(context: str, working_directory: Path | str) -> str:
    """The user-message part that carries the terminal screen sent with a prompt."""
    return (f"{CONTEXT_OPEN}\n(the shell is in {working_directory})\n{context}\n"
            "</terminal_context>")


def prompt_content(text: str, context: str | None,
                   working_directory: Path | str) -> str | list[UserContent]:
    """What the agent is sent for a prompt: the text alone, or the text and the terminal
    context as two parts of one user message."""
    if not context:
        return text
    return [text, context_part(context, working_directory)]


def split_terminal_context(prompt: str) -> tuple[str, bool]:
    """A prompt archived with the context inside its text: the typed prompt, and
    whether terminal context was attached."""
    head, sep, _ = prompt.partition(_LEGACY_TAG)
    return head, bool(sep)


def prompt_of(part: UserPromptPart) -> tuple[str, bool]:
    """The prompt the user typed, and whether terminal context was sent with it."""
    if isinstance(part.content, str):
        return split_terminal_context(part.content)
    texts: list[str] = []
    with_terminal = False
    for item in part.content:
        if not isinstance(item, str):
            continue
        if item.startswith(CONTEXT_OPEN):
            with_terminal = True
        else:
            texts.append(item)
    text, legacy = split_terminal_context("".join(texts))
    return text, with_terminal or legacy


def _decisions(audit: Iterable[AuditRecord]) -> dict[str, tuple[ApprovalDecision, str | None]]:
    out: dict[str, tuple[ApprovalDecision, str | None]] = {}
    for record in audit:  # oldest first: the last word counts
        decision = _DECISIONS.get(record.decision)
        if decision is not None:
            out[record.request_id] = (decision, record.reason)
    return out


def build_conversation(messages: Sequence[ModelMessage],
                       audit: Iterable[AuditRecord] = ()) -> list[Message]:
    """The timeline of ``messages`` (oldest first), each tool call with its result and
    its approval decision (from ``audit`` when given, else from the tool's return)."""
    decided = _decisions(audit)
    out: list[Message] = []
    calls: dict[str, int] = {}  # tool call id -> index in out
    for index, msg in enumerate(messages):
        if isinstance(msg, ModelRequest):
            for part in msg.parts:
                if isinstance(part, UserPromptPart):
                    text, with_terminal = prompt_of(part)
                    out.append(UserPrompt(text, with_terminal, index))
                elif isinstance(part, CompactionPart):
                    out.append(Compaction(part.content or ""))
                elif isinstance(part, ToolReturnPart):
                    _settle(out, calls, part.tool_call_id, part, decided)
                elif isinstance(part, RetryPromptPart) and part.tool_name:
                    at = calls.get(part.tool_call_id)
                    if at is not None:
                        call = out[at]
                        assert isinstance(call, ToolCall)
                        out[at] = dataclasses.replace(call, status="failed",
                                                      result=part.model_response())
        elif isinstance(msg, ModelResponse):
            for rp in msg.parts:
                if isinstance(rp, TextPart) and rp.content:
                    out.append(Answer(rp.content))
                elif isinstance(rp, ThinkingPart) and rp.content:
                    out.append(Reasoning(rp.content))
                elif isinstance(rp, ToolCallPart):
                    decision, reason = decided.get(rp.tool_call_id, (None, None))
                    calls[rp.tool_call_id] = len(out)
                    out.append(ToolCall(rp.tool_call_id, rp.tool_name, rp.args_as_dict(),
                                        decision=decision, reason=reason))
    return out


def _settle(out: list[Message], calls: Mapping[str, int], call_id: str,
            part: ToolReturnPart, decided: Mapping[str, tuple[ApprovalDecision, str | None]]
            ) -> None:
    at = calls.get(call_id)
    if at is None:
        return
    call = out[at]
    assert isinstance(call, ToolCall)
    result = part.model_response_str()
    decision = call.decision
    reason = call.reason
    status: ToolStatus
    if part.outcome == "denied" or decision == "denied" or (
            decision is None and result.startswith("Denied: ")):  # never_allow
        decision, reason = "denied", reason or result
        status = "denied"
    elif part.outcome in ("failed", "interrupted") or result.startswith("Error: "):
        # Tools that raise come back as "Error: ..." (agent/_policy_toolset.py).
        status = "failed"
    else:
        status = "ok"
    out[at] = dataclasses.replace(call, status=status, result=result, decision=decision,
                                  reason=reason)
