"""The event envelope (DESIGN §5) and the registry of event types."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from . import _payloads as p
from ._payloads import _OMIT, Delta, Payload

__all__ = [
    "DELTA_TYPES",
    "EVENT_TYPES",
    "PAYLOAD_CLASSES",
    "TERMINAL_TYPES",
    "Event",
    "payload_class",
    "wire_omitted",
]

# Every event type, in the order DESIGN §5 lists them.
PAYLOAD_CLASSES: tuple[type[Payload], ...] = (
    p.Started, p.TextDelta, p.ReasoningDelta, p.ToolCall, p.ToolApprovalRequest,
    p.ToolAutoApproved, p.ToolDenied, p.ToolResult, p.Completed, p.Error, p.Cancelled,
    p.ContextUsageChanged, p.ContextWarning, p.CompactionStarted, p.CompactionCompleted,
    p.CompactionFailed, p.AiConfigChanged, p.SessionWarning, p.SessionClosed,
    p.StateChanged, p.CwdChanged, p.McpStatus, p.PtyExited, p.InstructionsChanged,
)
_BY_TYPE = {cls.type: cls for cls in PAYLOAD_CLASSES}

EVENT_TYPES = frozenset(_BY_TYPE)
# Every `started` ends in exactly one of these.
TERMINAL_TYPES = frozenset({p.Completed.type, p.Error.type, p.Cancelled.type})
# Deltas may be merged for a slow subscriber.
DELTA_TYPES = frozenset(cls.type for cls in PAYLOAD_CLASSES if issubclass(cls, Delta))


def payload_class(type_name: str) -> type[Payload]:
    """The class of the wire type ``type_name``; ``KeyError`` for an unknown one."""
    return _BY_TYPE[type_name]


def wire_omitted(cls: type[Payload]) -> tuple[str, ...]:
    """The fields of ``cls`` that the wire object leaves out while they are None."""
    names = _omitted.get(cls)
    if names is None:
        names = _omitted[cls] = tuple(f.name for f in dataclasses.fields(cls)
                                      if f.metadata.get(_OMIT))
    return names


_omitted: dict[type[Payload], tuple[str, ...]] = {}


@dataclass(frozen=True, slots=True)
class Event:
    """One event of one session: the bus's envelope around a typed :class:`Payload`.

    ``seq`` increases per session for the session's whole life; ``ts`` is Unix time.
    """

    session_id: str
    seq: int
    ts: float
    payload: Payload

    @property
    def type(self) -> str:
        """The payload's wire name (for routing by name; front ends match the class)."""
        return self.payload.type

    def merged_with(self, later: Event) -> Event:
        """This delta followed by ``later`` (same kind), as one event with the later seq."""
        a, b = self.payload, later.payload
        if not (isinstance(a, Delta) and type(a) is type(b)):
            raise TypeError(f"cannot merge {a.type} with {b.type}")
        assert isinstance(b, Delta)
        return Event(self.session_id, later.seq, later.ts, a.merged(b))
