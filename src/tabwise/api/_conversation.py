"""A tab's conversation as typed data (DESIGN §4 ``get_conversation``): what any front
end needs to draw a restored tab, without reading pydantic-ai messages.

``get_conversation`` returns a list of :data:`Message`, oldest first. Each class has a
``kind`` field naming it, which is how a JSON client tells them apart (``to_json`` gives
an object of the fields, ``kind`` included)::

    Message
     ├── UserPrompt       kind="prompt"      what the user typed (+ terminal context?)
     ├── Answer           kind="answer"      the model's text (Markdown)
     ├── Reasoning        kind="reasoning"   the model's thinking
     ├── ToolCall         kind="tool_call"   a call, its args, result and decision
     ├── Compaction       kind="compaction"  earlier turns were summarized here
     └── TurnError        kind="error"       a turn that failed or was cancelled
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "Answer",
    "ApprovalDecision",
    "Compaction",
    "Message",
    "Reasoning",
    "ToolCall",
    "ToolStatus",
    "TurnError",
    "UserPrompt",
]

ApprovalDecision: TypeAlias = Literal["approved", "denied", "auto"]
"""How a tool call was let through or not: the user answered yes (``approved``, also
"always allow"), no one had to ask (``auto``), or it did not run (``denied``: by the
user, a timeout, a cancelled turn or the settings' ``never_allow``)."""

ToolStatus: TypeAlias = Literal["pending", "ok", "failed", "denied"]
"""Where a tool call stands: no result yet, it ran (``ok``), it ran and failed, or it
was denied and never ran."""


@dataclass(frozen=True, slots=True)
class UserPrompt:
    """A prompt the user sent.

    ``message_index`` is where its turn starts in the conversation the model is sent:
    ``fork_session(message_count=message_index)`` forks the tab from just before it.
    """

    text: str
    with_terminal: bool = False
    message_index: int = 0
    kind: Literal["prompt"] = "prompt"


@dataclass(frozen=True, slots=True)
class Answer:
    """Text the model answered (Markdown)."""

    text: str
    kind: Literal["answer"] = "answer"


@dataclass(frozen=True, slots=True)
class Reasoning:
    """The model's reasoning (thinking) before an answer or a call."""

    text: str
    kind: Literal["reasoning"] = "reasoning"


@dataclass(frozen=True, slots=True)
class ToolCall:
    """One tool call: what was asked, how it was decided and what came back.

    ``decision`` is None when nothing was recorded about it (a call still waiting for
    its answer, or a conversation kept without the approvals audit). ``reason`` says
    why a call was denied."""

    request_id: str
    tool_name: str
    args: dict[str, Any] = field(default_factory=dict)
    status: ToolStatus = "pending"
    result: str | None = None
    decision: ApprovalDecision | None = None
    reason: str | None = None
    kind: Literal["tool_call"] = "tool_call"


@dataclass(frozen=True, slots=True)
class Compaction:
    """Earlier turns were summarized here to save context (the archive keeps them)."""

    summary: str = ""
    kind: Literal["compaction"] = "compaction"


@dataclass(frozen=True, slots=True)
class TurnError:
    """A turn that ended without an answer, after the entries of what it did so far
    (its prompt, maybe tool calls and a partial answer).

    ``error_type`` is the ``error`` event's (``auth``, ``rate_limit``, ``server``,
    ``incomplete_stream``, ``context_window``, ...) or ``cancelled`` for a turn the user
    cancelled (or that tabwise stopped when it quit); ``message`` is the sentence shown
    live (never a secret). ``turn_id`` is the one in the turn's ``started`` event. The
    model is not sent an unfinished turn: the next prompt starts after the last
    answered one."""

    message: str
    error_type: str = ""
    turn_id: str = ""
    kind: Literal["error"] = "error"


Message: TypeAlias = UserPrompt | Answer | Reasoning | ToolCall | Compaction | TurnError
"""One entry of a tab's conversation."""
