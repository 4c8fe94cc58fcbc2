"""The event record (DESIGN §5)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["DELTA_TYPES", "EVENT_TYPES", "TERMINAL_TYPES", "Event"]

EVENT_TYPES = frozenset(
    {
        "started", "text_delta", "reasoning_delta", "tool_call", "tool_approval_request",
        "tool_auto_approved", "tool_denied", "tool_result", "completed", "error",
        "cancelled", "context_usage", "context_warning", "compaction_started",
        "compaction_completed", "compaction_failed", "ai_config_changed", "warning",
        "session_closed", "pty_exited",
    }
)
# Every `started` ends in exactly one of these.
TERMINAL_TYPES = frozenset({"completed", "error", "cancelled"})
# Deltas may be merged for a slow subscriber.
DELTA_TYPES = frozenset({"text_delta", "reasoning_delta"})


@dataclass(frozen=True, slots=True)
class Event:
    """One event of one session. ``data`` holds the type's own fields."""

    session_id: str
    seq: int
    ts: float
    type: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "seq": self.seq, "ts": self.ts,
                "type": self.type, **self.data}

    def merged_with(self, later: Event) -> Event:
        """This delta followed by ``later`` (same type), as one event with the later seq."""
        return Event(self.session_id, later.seq, later.ts, self.type,
                     {**self.data, "delta": self.data["delta"] + later.data["delta"]})
