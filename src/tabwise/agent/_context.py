"""How full a tab's context window is (issue #5 builds compaction on this)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelMessagesTypeAdapter, ModelResponse

from ..settings import ContextSettings

__all__ = ["ContextBudget", "estimate_tokens"]


def estimate_tokens(messages: Sequence[ModelMessage]) -> int:
    """A provider-neutral estimate: about four bytes of message JSON per token."""
    if not messages:
        return 0
    return len(ModelMessagesTypeAdapter.dump_json(list(messages))) // 4


@dataclass(slots=True)
class ContextBudget:
    """Usage of one tab's window: provider-reported when known, estimated otherwise."""

    max_tokens: int
    settings: ContextSettings
    used_tokens: int = 0
    warned: bool = False

    def observe(self, history: Sequence[ModelMessage]) -> None:
        """Recompute from the history: the last response's input + output tokens."""
        for msg in reversed(history):
            if isinstance(msg, ModelResponse) and msg.usage.input_tokens:
                self.used_tokens = msg.usage.input_tokens + msg.usage.output_tokens
                return
        self.used_tokens = estimate_tokens(history)

    @property
    def utilization(self) -> float:
        return self.used_tokens / self.max_tokens if self.max_tokens else 0.0

    def crossed_warning(self) -> bool:
        """True once per crossing of the warning threshold (re-armed when it drops)."""
        over = self.utilization >= self.settings.warning_threshold
        if over and not self.warned:
            self.warned = True
            return True
        if not over:
            self.warned = False
        return False

    def to_dict(self) -> dict[str, Any]:
        return {"used_tokens": self.used_tokens, "max_tokens": self.max_tokens,
                "utilization": round(self.utilization, 4)}
