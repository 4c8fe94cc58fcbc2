"""Compaction planning: which messages to fold and where a turn begins (pure functions).

The most recent turns stay verbatim, and the cut never separates a tool call from its
result: a request that answers tool calls belongs to the response before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_ai.messages import (
    BaseToolReturnPart,
    CompactionPart,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    UserPromptPart,
)

from .._context import ContextBudget, estimate_tokens

__all__ = ["RECENT_SHARE", "CompactionPlan", "answers_a_call", "cut_points", "is_summary",
           "plan_compaction", "plan_cut", "starts_turn"]

# After a compaction the request should be about half the compaction limit, so the next
# one is a good many turns away: recent turns verbatim up to RECENT_SHARE of the limit
# (the summary takes up to ``_summary.SUMMARY_SHARE``).
RECENT_SHARE = 0.4


def answers_a_call(part: Any) -> bool:
    return isinstance(part, BaseToolReturnPart) or (
        getattr(part, "part_kind", None) == "retry-prompt" and bool(part.tool_name))


def is_summary(msg: ModelMessage) -> bool:
    return isinstance(msg, ModelRequest) and any(isinstance(p, CompactionPart)
                                                 for p in msg.parts)


def starts_turn(msg: ModelMessage) -> bool:
    return (isinstance(msg, ModelRequest) and not is_summary(msg)
            and any(isinstance(p, UserPromptPart) for p in msg.parts))


def cut_points(messages: Sequence[ModelMessage]) -> list[int]:
    """Where the kept part may start (ascending, never 0).

    A response starts a step, and a request starts one unless it answers tool calls of
    the response before it: cutting there would send a result without its call.
    """
    return [i for i in range(1, len(messages))
            if isinstance(messages[i], ModelResponse)
            or not any(answers_a_call(p) for p in messages[i].parts)]


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
    turns = [i for i in points if starts_turn(messages[i])]
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
    if cut == 0 or (cut == 1 and is_summary(msgs[0])):
        return None
    return CompactionPlan(msgs, cut, budget.estimate(msgs))
