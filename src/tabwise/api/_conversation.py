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

``get_live_conversation`` returns the same entries as a :class:`LiveConversation`, with
the event ``seq`` they are current to: how a front end that opens a tab while its turn
streams joins the event stream with no gap and no duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from ._info import PendingApprovalInfo

__all__ = [
    "Answer",
    "ApprovalDecision",
    "Compaction",
    "LiveConversation",
    "Message",
    "Reasoning",
    "ToolCall",
    "ToolStatus",
    "TurnError",
    "UserPrompt",
]

# What a conversation says of a cancelled turn, and of a call its turn ended before it
# finished (the agent records them, a front end folding events writes the same).
TURN_CANCELLED = "The turn was cancelled."
CALL_UNFINISHED = "The turn ended before this call finished."

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


@dataclass(frozen=True, slots=True)
class LiveConversation:
    """A tab's conversation as it stands at one event: what a front end needs to draw a
    tab it opens at any moment, even while a turn streams, and to follow it from there.

    ``messages`` is what ``get_conversation`` returns: the finished conversation, then
    the turn in flight, if any (``turn_id`` is its ``started`` id, else null): its
    prompt and what it did so far, in the same entry types (the answer and reasoning
    streamed so far, tool calls ``pending`` until their result). ``pending_approvals``
    are the calls waiting for the user now (``get_pending_approvals``).

    ``seq`` is the session's last event this reply includes. To join the stream: call
    ``subscribe_events(session_id)`` first, then this; ignore the events with
    ``seq <= seq`` (their effect is in ``messages``) and apply the others, including
    those that arrived before this reply, in order (``tabwise.api.views.ConversationFold``
    applies them as the TUI does). A ``compaction_completed`` replaces earlier entries:
    call this again after one."""

    messages: tuple[Message, ...]
    seq: int
    turn_id: str | None = None
    pending_approvals: tuple[PendingApprovalInfo, ...] = ()
