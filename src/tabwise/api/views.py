"""Front-end-neutral views of the api values: what every front end draws the same way.

- :func:`fork_tree`: sessions as a tree, each fork under its source (the sessions
  browser, ``tabwise sessions list``);
- :func:`comparison_markdown`: a comparison as Markdown, the prompt then each model's
  answer with its usage (the compare screen's export);
- :class:`ConversationFold`: a conversation kept current by a turn's events, from a
  ``get_live_conversation`` reply on (what a front end that opens a streaming tab does).

Pure functions of the values (no I/O, no core): a web front end uses them as the TUI
and the CLI do. Not part of the wire protocol.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..events import (
    Cancelled,
    Completed,
    Error,
    Payload,
    ReasoningDelta,
    Started,
    StateChanged,
    TextDelta,
    ToolApprovalRequest,
    ToolAutoApproved,
    ToolDenied,
    ToolResult,
)
from ..events import ToolCall as ToolCallEvent
from ._conversation import (
    CALL_UNFINISHED,
    TURN_CANCELLED,
    Answer,
    LiveConversation,
    Message,
    Reasoning,
    ToolCall,
    TurnError,
    UserPrompt,
)
from ._info import AiConfig, SessionInfo, Usage

__all__ = ["CompareEntry", "ConversationFold", "comparison_markdown", "fork_tree"]


def fork_tree(infos: Sequence[SessionInfo]) -> list[tuple[int, SessionInfo]]:
    """``infos`` as a tree: each fork right under its source, with its depth; the order
    among siblings is kept. A fork whose source is not among ``infos`` is a root."""
    ids = {i.session_id for i in infos}
    children: dict[str | None, list[SessionInfo]] = {}
    for info in infos:
        parent = info.forked_from
        children.setdefault(parent if parent in ids else None, []).append(info)
    out: list[tuple[int, SessionInfo]] = []
    stack = [(0, i) for i in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        depth, info = stack.pop()
        if info.session_id in seen:  # a cycle cannot happen, but never loop
            continue
        seen.add(info.session_id)
        out.append((depth, info))
        stack += [(depth + 1, c) for c in reversed(children.get(info.session_id, []))]
    return out


@dataclass(frozen=True, slots=True)
class CompareEntry:
    """One model's part of a comparison, as a front end holds it: the answer or the
    error, what the fork spent (``get_session_usage``) and how long it took."""

    ai_config: AiConfig
    response: str | None
    error: str | None
    usage: Usage | None  # a get_session_usage result
    duration_ms: float | None


def _usage_line(e: CompareEntry) -> str:
    u = e.usage
    parts = [f"{u.input_tokens if u else 0} input + {u.output_tokens if u else 0} "
             f"output tokens", f"{u.requests if u else 0} request(s)"]
    cost = u.cost_usd if u else None
    parts.append("cost unknown" if cost is None else f"${cost:.4f}")
    if e.duration_ms is not None:
        parts.append(f"{e.duration_ms / 1000:.1f} s")
    return " · ".join(parts)


def comparison_markdown(prompt: str, entries: Sequence[CompareEntry], *,
                        title: str = "Comparison") -> str:
    """The prompt as a quote, then one section per model (answer, or its error)."""
    out = [f"# {title}", "", "## Prompt", ""]
    out += [f"> {line}" if line else ">" for line in prompt.splitlines()] or [">"]
    for e in entries:
        out += ["", f"## {e.ai_config.provider} · {e.ai_config.model}", "",
                f"*{_usage_line(e)}*", ""]
        if e.error:
            out.append(f"**Failed:** {e.error}")
        else:
            out.append((e.response or "").rstrip() or "*(no answer)*")
    return "\n".join(out) + "\n"


class ConversationFold:
    """A conversation kept current by its session's events, entry for entry what
    ``get_conversation`` returns once they happened.

    Start it from a ``get_live_conversation`` reply (:meth:`attach`), then hand it every
    event of the session (:meth:`apply_event`): events the reply already includes
    (``seq`` up to its ``seq``) are skipped. Streamed text grows the last answer or
    reasoning of the turn in flight (the chunks are joined when :attr:`messages` is
    read, so a long answer costs no more than its length); a tool call is added once
    (a continued turn announces its calls again); ``tool_auto_approved``,
    ``tool_denied`` and ``tool_result`` settle it (a call that ran without an automatic
    approval was approved by the user); ``error`` and ``cancelled`` end the turn with a
    :class:`~tabwise.api.TurnError` after it, its calls still without a result marked as
    the conversation marks them: denied if they were still waiting for the user (the
    reply's ``pending_approvals``, then ``tool_approval_request``, until the
    ``state_changed`` to ``streaming`` that says all were answered), else failed.

    A new turn's ``started`` names its prompt, which starts the turn's entries; a saved
    turn continued after a restart has none and goes on from the entries it had. The
    agent keeps its own copy of a turn in flight with this class."""

    __slots__ = ("_asking", "_entries", "_open", "_tail", "seq")

    def __init__(self, messages: Iterable[Message] = (), *, seq: int = 0,
                 streaming: bool = False, asking: Iterable[str] = ()) -> None:
        self._entries: list[Message] = list(messages)
        self._asking = set(asking)  # calls waiting for the user's answer
        # The chunks of the last entry, while it is streamed text of the turn in flight.
        self._tail: list[str] = []
        self._open: Literal["answer", "reasoning"] | None = None
        if streaming and self._entries:
            last = self._entries[-1]
            if isinstance(last, Answer | Reasoning):
                self._open = last.kind if isinstance(last, Reasoning) else "answer"
                self._entries.pop()
                self._tail.append(last.text)
        self.seq = seq

    @classmethod
    def attach(cls, live: LiveConversation) -> ConversationFold:
        """The fold of a ``get_live_conversation`` reply."""
        return cls(live.messages, seq=live.seq, streaming=live.turn_id is not None,
                   asking=(p.request_id for p in live.pending_approvals))

    @property
    def messages(self) -> list[Message]:
        """The conversation as it stands (a new list)."""
        out = list(self._entries)
        if self._open is not None:
            text = "".join(self._tail)
            self._tail = [text]
            out.append(Answer(text) if self._open == "answer" else Reasoning(text))
        return out

    def apply_event(self, seq: int, payload: Payload) -> bool:
        """Apply one event of the session; False if it was skipped (already included,
        or not part of a conversation)."""
        if seq <= self.seq:
            return False
        self.seq = seq
        return self.apply(payload)

    def apply(self, payload: Payload) -> bool:
        """Apply one event's payload (no ``seq`` check); False if it is not part of a
        conversation."""
        match payload:
            case TextDelta(delta=text):
                self._stream("answer", text)
            case ReasoningDelta(delta=text):
                self._stream("reasoning", text)
            case ToolCallEvent(request_id=rid, tool_name=name, args=args):
                self._close(end=True)
                if self._find(rid) is None:
                    self._entries.append(ToolCall(rid, name, dict(args)))
            case ToolApprovalRequest(request_id=rid):
                self._asking.add(rid)
            case StateChanged(state="streaming"):
                # Every question was answered: those not denied were approved.
                for rid in self._asking:
                    self._settle(rid, decision="approved")
                self._asking.clear()
            case ToolAutoApproved(request_id=rid):
                self._settle(rid, decision="auto")
            case ToolDenied(request_id=rid, reason=reason, result=told):
                self._asking.discard(rid)
                self._settle(rid, status="denied", decision="denied", reason=reason,
                             result=told or reason)
            case ToolResult(request_id=rid, success=ok, result=result):
                self._asking.discard(rid)
                at = self._find(rid)
                if at is not None:
                    call = self._entries[at]
                    assert isinstance(call, ToolCall)
                    self._entries[at] = dataclasses.replace(
                        call, status="ok" if ok else "failed", result=result,
                        decision=call.decision or "approved")
            case Error(turn_id=turn_id, message=message, error_type=kind):
                self._end_turn(TurnError(message, kind, turn_id))
            case Cancelled(turn_id=turn_id):
                self._end_turn(TurnError(TURN_CANCELLED, "cancelled", turn_id or ""))
            case Started(prompt=str() as text, with_terminal=terminal, message_index=index):
                self._close(end=True)
                self._entries.append(UserPrompt(text, terminal, index or 0))
            case Started() | Completed():
                self._close(end=True)
            case _:
                return False
        return True

    # -- inside ----------------------------------------------------------------------

    def _stream(self, kind: Literal["answer", "reasoning"], text: str) -> None:
        if self._open != kind:
            self._close(end=True)
            self._open = kind
        self._tail.append(text)

    def _close(self, *, end: bool = False) -> None:
        """With ``end``, the streamed entry is finished: it becomes an entry."""
        if end and self._open is not None:
            text = "".join(self._tail)
            self._entries.append(Answer(text) if self._open == "answer" else Reasoning(text))
            self._open = None
            self._tail = []

    def _find(self, request_id: str) -> int | None:
        for i in range(len(self._entries) - 1, -1, -1):
            entry = self._entries[i]
            if isinstance(entry, ToolCall) and entry.request_id == request_id:
                return i
            if isinstance(entry, UserPrompt):
                return None  # only the turn in flight's calls are settled by events
        return None

    def _settle(self, request_id: str, **changes: object) -> None:
        at = self._find(request_id)
        if at is not None:
            self._entries[at] = dataclasses.replace(self._entries[at], **changes)  # type: ignore[arg-type]

    def _end_turn(self, error: TurnError) -> None:
        self._close(end=True)
        for i in range(len(self._entries) - 1, -1, -1):
            entry = self._entries[i]
            if isinstance(entry, UserPrompt):
                break
            if isinstance(entry, ToolCall) and entry.status == "pending":
                if entry.decision is None and entry.request_id in self._asking:
                    # The question went with the turn (the audit says "cancelled").
                    entry = dataclasses.replace(entry, decision="denied",
                                                reason=TURN_CANCELLED)
                denied = entry.decision == "denied"
                self._entries[i] = dataclasses.replace(
                    entry, status="denied" if denied else "failed",
                    result=entry.reason if denied else CALL_UNFINISHED)
        self._asking.clear()
        self._entries.append(error)
