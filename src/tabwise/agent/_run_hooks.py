"""The turn's context guard and usage meter, called from one agent-level capability.

Each turn has its own :class:`~tabwise.agent.ContextGuard` and
:class:`~tabwise.agent._usage.UsageMeter` (they hold the turn's state). Passed to
``Agent.run(capabilities=[...])`` they made pydantic-ai build a run layer of
capabilities for every run and wrap every stream event in two more pass-through
layers: about 200 µs per request (P13, round 3) for hooks that take ~60 µs. So the
shared agent carries :class:`RunHooks` once, and the run hands it the turn's guard and
meter in ``TurnDeps``; a run whose deps hold neither (a bare benchmark run) costs
nothing more than the dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic_ai import RunContext
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.messages import ModelResponse
from pydantic_ai.models import ModelRequestContext

if TYPE_CHECKING:
    from ._tools import TurnDeps

__all__ = ["RunHooks"]


@dataclass
class RunHooks(AbstractCapability["TurnDeps"]):
    """Calls ``deps.guard`` before and after each model request, and ``deps.meter``
    after it (meter first, as pydantic-ai ran them when both were run capabilities)."""

    async def before_model_request(self, ctx: RunContext[TurnDeps],
                                   request_context: ModelRequestContext) -> ModelRequestContext:
        ctx.deps.run_id = ctx.run_id
        guard = ctx.deps.guard
        if guard is None:
            return request_context
        return await guard.before_model_request(ctx, request_context)

    async def after_model_request(self, ctx: RunContext[TurnDeps], *,
                                  request_context: ModelRequestContext,
                                  response: ModelResponse) -> ModelResponse:
        deps = ctx.deps
        if deps.meter is not None:
            response = await deps.meter.after_model_request(
                ctx, request_context=request_context, response=response)
        if deps.guard is not None:
            response = await deps.guard.after_model_request(
                ctx, request_context=request_context, response=response)
        return response

    @classmethod
    def get_serialization_name(cls) -> str | None:
        return None  # part of tabwise's own agent, not of any agent spec
