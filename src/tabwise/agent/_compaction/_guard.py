"""Compaction's guard: the per-turn capability that keeps each request in the window.

:class:`ContextGuard` is passed to ``AGENT.run``: before every model request of the turn
(tool loops included) it estimates the request, compacts when it would cross
``[context] compaction_threshold``, refuses a request that still cannot fit, and caps
oversized tool outputs for that request only. It is given the tab's budget and model
and three callables (compact, commit the history, report usage), not the bridge.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import RunContext
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.messages import BaseToolCallPart, ModelMessage, ModelResponse
from pydantic_ai.models import ModelRequestContext

from ...providers import BuiltModel
from .._context import ContextBudget, request_overhead, truncate_tool_outputs
from ._summary import Compaction, CompactionFailed

__all__ = ["Compact", "ContextGuard", "ContextOverflow"]

Compact = Callable[[list[ModelMessage]], Awaitable[Compaction | None]]
"""Compacts a conversation (``run_compaction`` with the tab's model, budget and events)."""


class ContextOverflow(Exception):
    """A request cannot fit the window even after compaction (error_type context_window)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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

    budget: ContextBudget
    """The tab's window; its ``overhead_tokens`` is updated for every request."""
    built: BuiltModel
    compact: Compact
    commit_history: Callable[[list[ModelMessage]], None]
    """Makes a compacted conversation what the tab sends from now on."""
    report_usage: Callable[[int], None]
    """Tells the tab a new measure of the window in use."""
    folded: list[ModelMessage] = field(default_factory=list)
    """Messages of this turn folded into a summary: the archive still needs them."""
    failure: CompactionFailed | None = None
    compacted: bool = False

    async def before_model_request(self, ctx: RunContext[Any],
                                   request_context: ModelRequestContext) -> ModelRequestContext:
        budget = self.budget
        params = request_context.model_request_parameters
        instructions = "\n".join(p.content for p in params.instruction_parts or ())
        budget.overhead_tokens = request_overhead(
            instructions, [*params.function_tools, *params.output_tools])
        messages = list(request_context.messages)
        used = budget.estimate(messages)
        if used >= budget.compaction_limit and self.failure is None:
            try:
                done = await self.compact(messages)
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
            self.commit_history([m for m in done.messages if m.run_id != ctx.run_id])
        self.report_usage(done.tokens_after)
        return list(done.messages)

    async def after_model_request(self, ctx: RunContext[Any], *,
                                  request_context: ModelRequestContext,
                                  response: ModelResponse) -> ModelResponse:
        # The turn's last response is reported with `completed`; these are tool steps.
        usage = response.usage
        if usage.input_tokens and any(isinstance(p, BaseToolCallPart) for p in response.parts):
            self.report_usage(usage.input_tokens + usage.output_tokens)
        return response

    @classmethod
    def get_serialization_name(cls) -> str | None:
        return None  # holds live callbacks: not part of any agent spec
