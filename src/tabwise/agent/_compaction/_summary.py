"""Compaction's summary: the summarizing run with the tab's own model.

The older part of the conversation is summarized in a separate request made through a
small tool-less ``Agent(None)``, with the older messages rendered as text, and replaced
by one ``ModelRequest`` holding the summary as a pydantic-ai
:class:`~pydantic_ai.messages.CompactionPart` (every model adapter sends such a part as
user text framed as a summary of earlier conversation).

:func:`run_compaction` is given what it needs (the model, the budget, where events go
and the capabilities each summary request joins), not the tab's bridge.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pydantic_ai import Agent
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.exceptions import UnexpectedModelBehavior
from pydantic_ai.messages import (
    BaseToolCallPart,
    BaseToolReturnPart,
    CompactionPart,
    ModelMessage,
    ModelRequest,
    TextPart,
    UserPromptPart,
)
from pydantic_ai.settings import ModelSettings

from ... import events
from ...api import CompactResult
from ...providers import BuiltModel
from .._context import CHARS_PER_TOKEN, SUMMARY_MARKER, ContextBudget, cut_middle
from .._errors import describe_failure
from ._plan import answers_a_call, plan_compaction

__all__ = ["SUMMARY_INSTRUCTIONS", "Compaction", "CompactionFailed", "Publish",
           "render_transcript", "run_compaction", "summarize"]

# The summary takes up to SUMMARY_SHARE of the compaction limit (see _plan.RECENT_SHARE).
SUMMARY_SHARE = 0.15
# A tool result in the text the summarizer reads: its gist is enough.
RENDER_TOOL_CHARS = 1_500
RENDER_ARGS_CHARS = 500

SUMMARY_INSTRUCTIONS = """\
You compact the conversation of one tab of tabwise, an AI terminal in which an AI \
assistant helps the user with files and shell commands, because it no longer fits the \
model's context window. Write a summary from which the assistant can continue the work \
with only the summary and the latest messages. Keep: what the user wants and the \
constraints they gave; decisions and why; files read, created or changed (with paths) and \
what changed; commands run and their important results or errors; facts learned about \
the project; what is done and what remains. Drop greetings and anything superseded. \
Write short Markdown bullet points in the conversation's language. Do not continue the \
conversation and do not answer anything in it: only summarize.
"""

_SUMMARIZER: Agent[None, str] = Agent(
    None, instructions=SUMMARY_INSTRUCTIONS, name="tabwise-compaction",
    defer_model_check=True,
)


class Publish(Protocol):
    """Where a tab's events go (``AgentBridge.publish``)."""

    def __call__(self, payload: events.Payload, /) -> None: ...


class CompactionFailed(Exception):
    """The summary request failed; ``message`` is a sentence for the user, ``reason`` the
    provider's side of it."""

    def __init__(self, reason: str, error_type: str) -> None:
        self.reason = reason[:1].lower() + reason[1:]
        self.message = f"Compacting the conversation failed: {self.reason}"
        self.error_type = error_type
        super().__init__(self.message)


def _prompt_text(part: UserPromptPart) -> str:
    if isinstance(part.content, str):
        return part.content
    return "".join(c if isinstance(c, str) else f"[{getattr(c, 'kind', 'file')} attached]"
                   for c in part.content)


def render_transcript(messages: Sequence[ModelMessage]) -> list[str]:
    """The messages as labelled text blocks for the summarizer (tool output cut short)."""
    blocks: list[str] = []
    for msg in messages:
        if isinstance(msg, ModelRequest):
            for p in msg.parts:
                if isinstance(p, CompactionPart):
                    blocks.append(f"[Summary of the conversation before this point]\n{p.content}")
                elif isinstance(p, UserPromptPart):
                    blocks.append(f"[User]\n{_prompt_text(p)}")
                elif isinstance(p, BaseToolReturnPart):
                    text = p.content if isinstance(p.content, str) else p.model_response_str()
                    blocks.append(f"[Result of {p.tool_name}]\n"
                                  f"{cut_middle(text, RENDER_TOOL_CHARS, for_model=False)}")
                elif answers_a_call(p):
                    name, content = getattr(p, "tool_name", ""), getattr(p, "content", "")
                    blocks.append(f"[{name} failed]\n"
                                  f"{cut_middle(str(content), RENDER_TOOL_CHARS, for_model=False)}")
        else:
            for q in msg.parts:
                if isinstance(q, TextPart) and q.content.strip():
                    blocks.append(f"[Assistant]\n{q.content}")
                elif isinstance(q, BaseToolCallPart):
                    args = cut_middle(q.args_as_json_str(), RENDER_ARGS_CHARS, for_model=False)
                    blocks.append(f"[Assistant called {q.tool_name} with {args}]")
    return blocks


def _chunks(blocks: list[str], size: int) -> list[str]:
    out: list[str] = []
    current = ""
    for block in blocks:
        block = cut_middle(block, size, for_model=False)
        if current and len(current) + len(block) + 2 > size:
            out.append(current)
            current = ""
        current = f"{current}\n\n{block}" if current else block
    if current:
        out.append(current)
    return out


@dataclass(frozen=True, slots=True)
class _Sizes:
    summary_tokens: int
    max_output: int
    chunk_chars: int

    @classmethod
    def for_budget(cls, budget: ContextBudget) -> _Sizes:
        window = budget.max_tokens
        summary = min(2_000, max(150, int(budget.compaction_limit * SUMMARY_SHARE)))
        max_output = min(max(window // 4, 256), max(2 * summary, 1_024))
        # What is left for the transcript after instructions, an earlier summary and the
        # answer, with room for the estimate being off by a third.
        room = (window - max_output - summary - 400) * CHARS_PER_TOKEN * 2 // 3
        return cls(summary, max_output, max(2_000, room))


async def summarize(built: BuiltModel, older: Sequence[ModelMessage],
                    budget: ContextBudget,
                    capabilities: Sequence[AbstractCapability[Any]] = ()) -> str:
    """Summarize ``older`` with the tab's own model (a rolling summary if it is long).

    ``capabilities`` join each summary request (the tab's usage meter)."""
    sizes = _Sizes.for_budget(budget)
    words = sizes.summary_tokens * 3 // 4
    settings: ModelSettings = {**built.settings, "max_tokens": sizes.max_output}
    summary = ""
    for chunk in _chunks(render_transcript(older), sizes.chunk_chars):
        if summary:
            prompt = (f"The summary so far:\n<summary>\n{summary}\n</summary>\n\nUpdate it "
                      f"with the next part of the conversation and return the whole updated "
                      f"summary, at most about {words} words:\n<conversation>\n{chunk}\n"
                      "</conversation>")
        else:
            prompt = (f"Summarize this conversation in at most about {words} words:\n"
                      f"<conversation>\n{chunk}\n</conversation>")
        result = await _SUMMARIZER.run(prompt, model=built.model, model_settings=settings,
                                       capabilities=list(capabilities))
        summary = result.output.strip() or summary
    if not summary:
        raise UnexpectedModelBehavior("the model returned an empty summary")
    return summary


@dataclass(frozen=True, slots=True)
class Compaction:
    """A finished compaction: ``messages`` replaces the conversation it was made from."""

    messages: list[ModelMessage]
    folded: list[ModelMessage]
    tokens_before: int
    tokens_after: int
    messages_before: int

    def result(self) -> CompactResult:
        """What ``compact_context`` answers for this compaction."""
        return CompactResult(self.tokens_before, self.tokens_after, self.messages_before,
                             len(self.messages))


async def run_compaction(messages: Sequence[ModelMessage], *, built: BuiltModel,
                         budget: ContextBudget, trigger: str, publish: Publish,
                         capabilities: Sequence[AbstractCapability[Any]] = ()
                         ) -> Compaction | None:
    """Compact ``messages`` for a tab, publishing ``compaction_*`` events.

    ``trigger`` is ``"auto"`` (a request would cross the threshold) or ``"manual"``
    (compact_context, which keeps just the last turn). ``capabilities`` join each
    summary request (the tab's usage meter). Returns None, publishing nothing, when
    there is nothing to fold; raises :class:`CompactionFailed` when the summary request
    fails.
    """
    plan = plan_compaction(messages, budget, manual=trigger == "manual")
    if plan is None:
        return None
    n = len(plan.messages)
    publish(events.CompactionStarted(trigger, plan.tokens_before, n))
    try:
        summary = await summarize(built, plan.older, budget, capabilities)
    except asyncio.CancelledError:
        publish(events.CompactionFailed(trigger, "cancelled", "Compaction was cancelled."))
        raise
    except Exception as exc:
        failed = CompactionFailed(*describe_failure(exc))
        publish(events.CompactionFailed(trigger, failed.error_type, failed.message))
        raise failed from exc
    marker = {SUMMARY_MARKER: {
        "compacted_messages": plan.cut, "kept_messages": len(plan.recent),
        "tokens_before": plan.tokens_before, "model": built.model_name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds")}}
    head = ModelRequest(parts=[CompactionPart(content=summary, metadata=marker)],
                        timestamp=datetime.now(UTC))
    new = [head, *plan.recent]
    done = Compaction(new, plan.older, plan.tokens_before, budget.estimate(new), n)
    publish(events.CompactionCompleted(trigger, done.tokens_before, done.tokens_after,
                                       done.messages_before, len(done.messages)))
    return done
