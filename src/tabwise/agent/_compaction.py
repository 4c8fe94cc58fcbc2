"""Compaction: keep a tab's conversation inside its model's context window.

The older part of the conversation is summarized by the tab's own model, in a separate
request made through a small tool-less ``Agent(None)`` with the older messages rendered
as text, and replaced by one ``ModelRequest`` holding the summary as a pydantic-ai
:class:`~pydantic_ai.messages.CompactionPart` (every model adapter sends such a part as
user text framed as a summary of earlier conversation). The most recent turns stay
verbatim, and the cut never separates a tool call from its result.

:class:`ContextGuard` is a per-turn capability passed to ``AGENT.run``: before every
model request of the turn (tool loops included) it estimates the request, compacts when
it would cross ``[context] compaction_threshold``, refuses a request that still cannot
fit, and caps oversized tool outputs for that request only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic_ai import Agent, RunContext
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.exceptions import UnexpectedModelBehavior
from pydantic_ai.messages import (
    BaseToolCallPart,
    BaseToolReturnPart,
    CompactionPart,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    UserPromptPart,
)
from pydantic_ai.models import ModelRequestContext
from pydantic_ai.settings import ModelSettings

from ..providers import BuiltModel
from ._context import (
    CHARS_PER_TOKEN,
    SUMMARY_MARKER,
    ContextBudget,
    cut_middle,
    estimate_tokens,
    request_overhead,
    truncate_tool_outputs,
)
from ._errors import describe_failure

if TYPE_CHECKING:
    from ._bridge import AgentBridge

__all__ = [
    "Compaction",
    "CompactionFailed",
    "CompactionPlan",
    "ContextGuard",
    "ContextOverflow",
    "plan_compaction",
    "plan_cut",
    "render_transcript",
    "run_compaction",
    "summarize",
]

# After a compaction the request should be about half the compaction limit, so the next
# one is a good many turns away: recent turns verbatim up to RECENT_SHARE of the limit,
# the summary up to SUMMARY_SHARE.
RECENT_SHARE = 0.4
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


class CompactionFailed(Exception):
    """The summary request failed; ``message`` is a sentence for the user, ``reason`` the
    provider's side of it."""

    def __init__(self, reason: str, error_type: str) -> None:
        self.reason = reason[:1].lower() + reason[1:]
        self.message = f"Compacting the conversation failed: {self.reason}"
        self.error_type = error_type
        super().__init__(self.message)


class ContextOverflow(Exception):
    """A request cannot fit the window even after compaction (error_type context_window)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# -- where to cut ----------------------------------------------------------------------


def _answers_a_call(part: Any) -> bool:
    return isinstance(part, BaseToolReturnPart) or (
        getattr(part, "part_kind", None) == "retry-prompt" and bool(part.tool_name))


def _is_summary(msg: ModelMessage) -> bool:
    return isinstance(msg, ModelRequest) and any(isinstance(p, CompactionPart)
                                                 for p in msg.parts)


def _starts_turn(msg: ModelMessage) -> bool:
    return (isinstance(msg, ModelRequest) and not _is_summary(msg)
            and any(isinstance(p, UserPromptPart) for p in msg.parts))


def cut_points(messages: Sequence[ModelMessage]) -> list[int]:
    """Where the kept part may start (ascending, never 0).

    A response starts a step, and a request starts one unless it answers tool calls of
    the response before it: cutting there would send a result without its call.
    """
    return [i for i in range(1, len(messages))
            if isinstance(messages[i], ModelResponse)
            or not any(_answers_a_call(p) for p in messages[i].parts)]


def plan_cut(messages: Sequence[ModelMessage], keep_tokens: int, *,
             window: int | None = None, manual: bool = False) -> int:
    """Index where the verbatim part starts; 0 if nothing can be folded.

    The longest tail within ``keep_tokens``, preferring whole turns (a cut before a user
    prompt) over a cut between the steps of a turn; if even the shortest tail is larger,
    that shortest tail. A manual compaction keeps just the last turn when it fits.
    """
    points = cut_points(messages)
    if not points:
        return 0
    suffix: dict[int, int] = {}
    total = 0
    wanted = set(points)
    for i in range(len(messages) - 1, points[0] - 1, -1):
        total += estimate_tokens(messages[i:i + 1], window=window)
        if i in wanted:
            suffix[i] = total
    turns = [i for i in points if _starts_turn(messages[i])]
    if manual:
        if not turns:
            return 0
        if suffix[turns[-1]] <= keep_tokens:
            return turns[-1]
    for group in (turns, points):
        fitting = [i for i in group if suffix[i] <= keep_tokens]
        if fitting:
            return fitting[0]
    return points[-1]


@dataclass(frozen=True, slots=True)
class CompactionPlan:
    """What to fold (``messages[:cut]``) and what to keep verbatim."""

    messages: list[ModelMessage]
    cut: int
    tokens_before: int

    @property
    def older(self) -> list[ModelMessage]:
        return self.messages[:self.cut]

    @property
    def recent(self) -> list[ModelMessage]:
        return self.messages[self.cut:]


def plan_compaction(messages: Sequence[ModelMessage], budget: ContextBudget, *,
                    manual: bool = False) -> CompactionPlan | None:
    """A plan for ``messages`` in ``budget``'s window, or None when folding would not help
    (nothing before the last step, or only an earlier summary)."""
    msgs = list(messages)
    keep = max(0, int(budget.compaction_limit * RECENT_SHARE) - budget.overhead_tokens)
    cut = plan_cut(msgs, keep, window=budget.max_tokens, manual=manual)
    if cut == 0 or (cut == 1 and _is_summary(msgs[0])):
        return None
    return CompactionPlan(msgs, cut, budget.estimate(msgs))


# -- the summary -----------------------------------------------------------------------


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
                elif _answers_a_call(p):
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

    def stats(self) -> dict[str, int]:
        return {"tokens_before": self.tokens_before, "tokens_after": self.tokens_after,
                "messages_before": self.messages_before, "messages_after": len(self.messages)}


async def run_compaction(bridge: AgentBridge, messages: Sequence[ModelMessage], *,
                         built: BuiltModel, trigger: str) -> Compaction | None:
    """Compact ``messages`` for ``bridge``'s tab, publishing ``compaction_*`` events.

    ``trigger`` is ``"auto"`` (a request would cross the threshold) or ``"manual"``
    (compact_context, which keeps just the last turn). Returns None, publishing nothing,
    when there is nothing to fold; raises :class:`CompactionFailed` when the summary
    request fails.
    """
    budget = bridge.context
    plan = plan_compaction(messages, budget, manual=trigger == "manual")
    if plan is None:
        return None
    n = len(plan.messages)
    bridge.publish("compaction_started", trigger=trigger, tokens_before=plan.tokens_before,
                   messages_before=n)
    try:
        summary = await summarize(built, plan.older, budget, [bridge.meter(built)])
    except asyncio.CancelledError:
        bridge.publish("compaction_failed", trigger=trigger, error_type="cancelled",
                       message="Compaction was cancelled.")
        raise
    except Exception as exc:
        failed = CompactionFailed(*describe_failure(exc))
        bridge.publish("compaction_failed", trigger=trigger, error_type=failed.error_type,
                       message=failed.message)
        raise failed from exc
    marker = {SUMMARY_MARKER: {
        "compacted_messages": plan.cut, "kept_messages": len(plan.recent),
        "tokens_before": plan.tokens_before, "model": built.model_name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds")}}
    head = ModelRequest(parts=[CompactionPart(content=summary, metadata=marker)],
                        timestamp=datetime.now(UTC))
    new = [head, *plan.recent]
    done = Compaction(new, plan.older, plan.tokens_before, budget.estimate(new), n)
    bridge.publish("compaction_completed", trigger=trigger, **done.stats())
    return done


# -- the per-turn guard ----------------------------------------------------------------


def _overflow_message(used: int, budget: ContextBudget, model: str,
                      failure: CompactionFailed | None, compacted: bool) -> str:
    if failure is not None:
        why = f", and compacting the conversation failed: {failure.reason.rstrip('.')}."
    elif compacted:
        why = ", even with the older conversation compacted."
    else:
        why = "."
    return (f"This request needs about {used:,} tokens, more than {model}'s context window "
            f"of {budget.max_tokens:,} tokens{why} Shorten the prompt, clear the "
            "conversation, or switch to a model with a larger window (F2).")


@dataclass
class ContextGuard(AbstractCapability[Any]):
    """Keeps every request of one turn inside the tab's window (one instance per turn).

    A capability rather than a plain history processor because it also needs the
    request's instructions and tool schemas (to estimate them), must keep request-only
    changes (cut tool outputs) apart from persistent ones (the compacted history), and
    reports usage after each response of a tool loop.
    """

    bridge: AgentBridge
    built: BuiltModel
    folded: list[ModelMessage] = field(default_factory=list)
    """Messages of this turn folded into a summary: the archive still needs them."""
    failure: CompactionFailed | None = None
    compacted: bool = False

    async def before_model_request(self, ctx: RunContext[Any],
                                   request_context: ModelRequestContext) -> ModelRequestContext:
        bridge, budget = self.bridge, self.bridge.context
        params = request_context.model_request_parameters
        instructions = "\n".join(p.content for p in params.instruction_parts or ())
        budget.overhead_tokens = request_overhead(
            instructions, [*params.function_tools, *params.output_tools])
        messages = list(request_context.messages)
        used = budget.estimate(messages)
        if used >= budget.compaction_limit and self.failure is None:
            try:
                done = await run_compaction(bridge, messages, built=self.built, trigger="auto")
            except CompactionFailed as exc:
                self.failure = exc
            else:
                if done is not None:
                    messages = self._apply(ctx, done)
                    used = done.tokens_after
        if used > budget.max_tokens:
            raise ContextOverflow(_overflow_message(used, budget, self.built.model_name,
                                                    self.failure, self.compacted))
        request_context.messages = truncate_tool_outputs(messages, budget.max_tokens)
        return request_context

    def _apply(self, ctx: RunContext[Any], done: Compaction) -> list[ModelMessage]:
        """Make the compacted conversation the run's history."""
        self.compacted = True
        in_run = [m for m in done.folded if m.run_id == ctx.run_id]
        self.folded.extend(in_run)
        ctx.messages[:] = done.messages
        if not in_run:
            # Only earlier turns were folded: that part is final whatever this turn does.
            self.bridge.commit_history([m for m in done.messages if m.run_id != ctx.run_id])
        self.bridge.report_usage(done.tokens_after)
        return list(done.messages)

    async def after_model_request(self, ctx: RunContext[Any], *,
                                  request_context: ModelRequestContext,
                                  response: ModelResponse) -> ModelResponse:
        # The turn's last response is reported with `completed`; these are tool steps.
        usage = response.usage
        if usage.input_tokens and any(isinstance(p, BaseToolCallPart) for p in response.parts):
            self.bridge.report_usage(usage.input_tokens + usage.output_tokens)
        return response

    @classmethod
    def get_serialization_name(cls) -> str | None:
        return None  # holds a live bridge: not part of any agent spec
