"""Tool approvals that outlive the process (DESIGN §7).

While a turn waits for the user, the conversation up to and including the model's tool
calls is saved with the calls waiting for an answer (a :class:`PendingTurn`), before
the ``tool_approval_request`` event goes out. Each answer is saved as it is given; once
every call of the batch is answered the record is dropped, durably, before any tool
runs, and the run goes on in memory: a tool runs at most once whatever happens.

Quitting (or a crash) leaves the record. When the tab is restored the calls still
unanswered are asked again; once they are answered the turn continues from the saved
conversation with pydantic-ai's ``deferred_tool_results`` (a new ``started`` …
``completed``).

The saved ``context`` ends with the model's response; when some of its calls already ran
(auto-approved ones), a request with their results follows, so a continued run does
not run them again (pydantic-ai skips calls whose result is in the trailing request).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelRequestPart,
    ModelResponse,
    RetryPromptPart,
    ToolReturnPart,
)
from pydantic_ai.tools import DeferredToolRequests, DeferredToolResults, ToolDenied

if TYPE_CHECKING:
    from pydantic_ai import RunContext

    from ._approvals import ApprovalOutcome
    from ._tools import TurnDeps

__all__ = ["PendingCall", "PendingTurn", "denial_reason", "results_for", "snapshot_turn"]


@dataclass(frozen=True, slots=True)
class PendingCall:
    """One tool call waiting for (or given) the user's answer."""

    request_id: str
    tool_name: str
    args: dict[str, Any]
    risk: str
    created_at: float
    decision: str | None = None  # approve | deny | always_allow | timeout, once answered
    reason: str | None = None
    reasons: tuple[str, ...] = ()  # why the policy asks whatever the settings say


@dataclass(frozen=True, slots=True)
class PendingTurn:
    """A turn stopped at its approvals: what is needed to continue it in a new process.

    ``context`` is the conversation to continue from; ``unsaved`` the part of it the
    archive's transcript does not hold yet (this turn's messages so far, including any
    a mid-turn compaction folded); ``compacted`` says the context is not the archived
    context plus ``unsaved`` (it must replace it when the turn ends).
    """

    session_id: str
    context: list[ModelMessage]
    unsaved: list[ModelMessage]
    calls: tuple[PendingCall, ...]
    created_at: float = field(default_factory=time.time)
    compacted: bool = False

    def answered(self, request_id: str, decision: str, reason: str | None) -> PendingTurn:
        calls = tuple(replace(c, decision=decision, reason=reason)
                      if c.request_id == request_id else c for c in self.calls)
        return replace(self, calls=calls)


def _result_parts(deps: TurnDeps, response: ModelResponse,
                  waiting: set[str]) -> list[ModelRequestPart]:
    """Results of the response's calls that already ran in this step."""
    parts: list[ModelRequestPart] = []
    for call in response.tool_calls:
        part = deps.step_results.get(call.tool_call_id)
        if call.tool_call_id not in waiting and isinstance(part, ToolReturnPart |
                                                           RetryPromptPart):
            parts.append(part)
    return parts


def snapshot_turn(ctx: RunContext[TurnDeps], requests: DeferredToolRequests,
                  risks: dict[str, str],
                  reasons: dict[str, tuple[str, ...]] | None = None) -> PendingTurn:
    """The :class:`PendingTurn` for a run that is asking about ``requests`` now."""
    deps = ctx.deps
    messages = list(ctx.messages)
    waiting = {c.tool_call_id for c in requests.approvals}
    last = messages[-1] if messages else None
    extra: list[ModelMessage] = []
    if isinstance(last, ModelResponse):
        done = _result_parts(deps, last, waiting)
        if done:
            extra.append(ModelRequest(parts=done, run_id=last.run_id))
    in_run = [m for m in messages if m.run_id == ctx.run_id]
    guard = deps.guard
    folded = list(guard.folded) if guard is not None else []
    now = time.time()
    why = reasons or {}
    calls = tuple(PendingCall(c.tool_call_id, c.tool_name, c.args_as_dict(),
                              risks.get(c.tool_call_id, "medium"), now,
                              reasons=why.get(c.tool_call_id, ()))
                  for c in requests.approvals)
    return PendingTurn(
        session_id=deps.bridge.session_id,
        context=[*messages, *extra],
        unsaved=[*deps.carry, *folded, *in_run, *extra],
        calls=calls, created_at=now, compacted=deps.compacted or bool(folded))


def denial_reason(outcome: ApprovalOutcome) -> str:
    """What the model is told about a call the user did not approve."""
    if outcome.decision == "deny":
        return "The user denied this tool call" + (f": {outcome.reason}" if outcome.reason
                                                   else ".")
    return outcome.reason or "The user denied this tool call."


def results_for(outcomes: Sequence[tuple[str, ApprovalOutcome]]) -> DeferredToolResults:
    """pydantic-ai's results for answered calls (a denial is its ``denied`` outcome)."""
    results = DeferredToolResults()
    for call_id, outcome in outcomes:
        if outcome.approved:
            results.approvals[call_id] = True
        else:
            results.approvals[call_id] = ToolDenied(denial_reason(outcome))
    return results
