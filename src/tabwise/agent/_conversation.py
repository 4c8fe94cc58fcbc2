"""A tab's conversation for front ends: pydantic-ai messages turned into the typed
:data:`~tabwise.api.Message` entries of ``get_conversation`` (DESIGN §4).

Turns that ended without an answer (an error, a cancel) are not in the messages the
model is sent; they come as :class:`UnfinishedTurn` values, each placed between the
messages, and show as their messages so far followed by a
:class:`~tabwise.api.TurnError`.

A tool call's status comes from what happened, never from its text: pydantic-ai's
``ToolReturnPart.outcome`` (``denied``, ``failed``, ``retried``, ``interrupted``) and
the outcome tabwise's policy wrapper records in ``ToolReturnPart.metadata``
(:func:`outcome_metadata`) for a tool that raised. Results archived before that marker
existed (no metadata) fall back to their ``Error: `` / ``Denied: `` prefix.

Also where the terminal context of a prompt is made (:func:`prompt_content`) and read
back (:func:`prompt_of`): it travels as its own part of the user message, so the typed
prompt needs no parsing. Prompts archived before that (the context appended to the text)
are still read right.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

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
    TurnError,
    UserPrompt,
)
from ..api._conversation import CALL_UNFINISHED
from ._approvals import AuditRecord

__all__ = [
    "CONTEXT_OPEN",
    "OUTCOME_KEY",
    "UnfinishedTurn",
    "build_conversation",
    "context_part",
    "outcome_metadata",
    "prompt_content",
    "prompt_of",
    "split_terminal_context",
    "tool_status",
    "with_decisions",
]

CONTEXT_OPEN = "<terminal_context>"
_LEGACY_TAG = "\n\n" + CONTEXT_OPEN + "\n"  # how older prompts carried it, in the text

# The approvals audit's decisions, as a front end shows them.
_DECISIONS: dict[str, ApprovalDecision] = {
    "approve": "approved", "always_allow": "approved", "auto": "auto",
    "deny": "denied", "timeout": "denied", "cancelled": "denied", "policy": "denied",
}


# The key of ToolReturnPart.metadata under which the policy wrapper records how a call
# ended ("ok" or "error"); metadata is archived with the message but never sent.
OUTCOME_KEY = "tabwise_outcome"

ToolOutcome = Literal["ok", "error"]


def outcome_metadata(outcome: ToolOutcome) -> dict[str, str]:
    """The ``ToolReturn.metadata`` that records how a wrapped tool call ended."""
    return {OUTCOME_KEY: outcome}


def tool_status(part: ToolReturnPart) -> ToolStatus:
    """How a tool call ended, from its return part: ``denied`` (by the user, a timeout,
    a cancel or the settings: it never ran), ``failed`` (it raised, or it did not
    finish), else ``ok``."""
    if part.outcome == "denied":
        return "denied"
    if part.outcome != "success":  # failed, retried, interrupted
        return "failed"
    meta: Any = part.metadata
    if isinstance(meta, Mapping) and OUTCOME_KEY in meta:
        return "failed" if meta[OUTCOME_KEY] == "error" else "ok"
    # Archived before the wrapper recorded outcomes: its text is all there is.
    text = part.model_response_str()
    if text.startswith("Denied: "):
        return "denied"
    return "failed" if text.startswith("Error: ") else "ok"


@dataclass(frozen=True, slots=True)
class UnfinishedTurn:
    """A turn that ended without an answer: it failed (``error_type`` as in the
    ``error`` event) or was cancelled (``error_type`` ``"cancelled"``).

    ``messages`` are the turn's own messages so far (its prompt first); ``at`` is where
    it sits in the conversation (the number of history messages before it)."""

    turn_id: str
    message: str
    error_type: str
    messages: tuple[ModelMessage, ...]
    at: int
    ts: float

    def entries(self, decided: Mapping[str, tuple[ApprovalDecision, str | None]]
                ) -> list[Message]:
        """Its timeline: what it did so far, then how it ended."""
        out = _entries(self.messages, decided, index_base=self.at, fixed_index=True)
        for i, entry in enumerate(out):
            if isinstance(entry, ToolCall) and entry.status == "pending":
                # It never got a result: the turn ended first.
                denied = entry.decision == "denied"
                out[i] = dataclasses.replace(
                    entry, status="denied" if denied else "failed",
                    result=entry.reason if denied else CALL_UNFINISHED)
        out.append(TurnError(self.message, self.error_type, self.turn_id))
        return out


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


def with_decisions(entries: Sequence[Message], audit: Iterable[AuditRecord]) -> list[Message]:
    """``entries`` with the calls that have no decision yet given the audit's, if it
    has one (the turn in flight's calls of an earlier run, decided then)."""
    found = _decisions(audit)
    out = list(entries)
    for i, entry in enumerate(out):
        if isinstance(entry, ToolCall) and entry.decision is None and \
                entry.request_id in found:
            decision, reason = found[entry.request_id]
            out[i] = dataclasses.replace(entry, decision=decision,
                                         reason=entry.reason or reason)
    return out


def build_conversation(messages: Sequence[ModelMessage],
                       audit: Iterable[AuditRecord] = (),
                       unfinished: Iterable[UnfinishedTurn] = ()) -> list[Message]:
    """The timeline of ``messages`` (oldest first), each tool call with its result and
    its approval decision (from ``audit`` when given, else from the tool's return), and
    each ``unfinished`` turn where it happened."""
    decided = _decisions(audit)
    ended: dict[int, list[UnfinishedTurn]] = {}
    for turn in unfinished:
        ended.setdefault(min(max(turn.at, 0), len(messages)), []).append(turn)
    if not ended:
        return _entries(messages, decided)
    out: list[Message] = []
    start = 0
    for at in sorted(ended):
        out += _entries(messages[start:at], decided, index_base=start)
        for turn in ended[at]:
            out += turn.entries(decided)
        start = at
    out += _entries(messages[start:], decided, index_base=start)
    return out


def _entries(messages: Sequence[ModelMessage],
             decided: Mapping[str, tuple[ApprovalDecision, str | None]],
             *, index_base: int = 0, fixed_index: bool = False) -> list[Message]:
    """The entries of consecutive ``messages``; a prompt's ``message_index`` counts from
    ``index_base`` (or is ``index_base`` itself with ``fixed_index``: an unfinished
    turn's messages are not in the history, it forks from before them)."""
    out: list[Message] = []
    calls: dict[str, int] = {}  # tool call id -> index in out
    for offset, msg in enumerate(messages):
        index = index_base if fixed_index else index_base + offset
        if isinstance(msg, ModelRequest):
            for part in msg.parts:
                if isinstance(part, UserPromptPart):
                    text, with_terminal = prompt_of(part)
                    out.append(UserPrompt(text, with_terminal, index))
                elif isinstance(part, CompactionPart):
                    out.append(Compaction(part.content or ""))
                elif isinstance(part, ToolReturnPart):
                    _settle(out, calls, part.tool_call_id, part)
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
            part: ToolReturnPart) -> None:
    at = calls.get(call_id)
    if at is None:
        return
    call = out[at]
    assert isinstance(call, ToolCall)
    result = part.model_response_str(wrap_if_error=False)
    decision = call.decision
    reason = call.reason
    status = tool_status(part)
    if status == "denied" or decision == "denied":
        decision, reason = "denied", reason or result
        status = "denied"
    out[at] = dataclasses.replace(call, status=status, result=result, decision=decision,
                                  reason=reason)
