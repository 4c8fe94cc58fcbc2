"""One tab's agent: the conversation timeline and the prompt."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...events import Event
from ._approval_card import ApprovalCard
from ._prompt_input import PromptInput
from ._queued_prompt import QueuedPrompt
from ._timeline import Timeline

__all__ = ["AgentPanel"]

TERM_PREFIX = "@term"
PLACEHOLDER = "Ask the agent…  (@term adds the terminal)"


class AgentPanel(Vertical):
    """The agent side of a tab. Renders core events given to :meth:`apply_event` and
    turns what the user does into messages for the screen.

    A prompt that starts with ``@term`` (or any prompt while Ctrl+T is on) asks for the
    terminal's visible screen to go along as context.
    """

    DEFAULT_CSS = """
    AgentPanel {
        height: 1fr;
        width: 1fr;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel_turn", "Cancel turn", show=False),
        Binding("ctrl+p", "app.command_palette", "Commands", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape | Take back the last queued prompt, else cancel the running turn. |
    | ctrl+p | Open the command palette (F1 works everywhere). |
    """

    include_terminal: reactive[bool] = reactive(False)
    """Send the terminal screen with every prompt (toggled by Ctrl+T)."""
    busy: reactive[bool] = reactive(False)
    """A turn is running (set from events, and at once when a prompt is sent)."""

    class PromptSubmitted(Message):
        """Send ``text`` to this tab's agent, with the terminal screen if asked."""

        def __init__(self, session_id: str, text: str, with_terminal: bool) -> None:
            super().__init__()
            self.session_id = session_id
            self.text = text
            self.with_terminal = with_terminal

    class CancelRequested(Message):
        """Esc: cancel this tab's running turn."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, session_id: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session_id = session_id
        self.timeline = Timeline(session_id)
        self.prompt = PromptInput(placeholder=PLACEHOLDER)
        self.queued: list[QueuedPrompt] = []  # prompts waiting for the turn to end

    def compose(self) -> ComposeResult:
        yield self.timeline
        yield self.prompt

    def on_mount(self) -> None:
        self._update_prompt_titles()

    # -- user input ------------------------------------------------------------------

    def on_prompt_input_submitted(self, message: PromptInput.Submitted) -> None:
        message.stop()
        text = message.text.strip()
        with_terminal = self.include_terminal
        if text == TERM_PREFIX or text.startswith(TERM_PREFIX + " ") or \
                text.startswith(TERM_PREFIX + "\n"):
            text = text[len(TERM_PREFIX):].strip()
            with_terminal = True
            if not text:
                text = "Look at my terminal."
        if self.busy:
            self.queue_prompt(text, with_terminal)
        else:
            self._send(text, with_terminal)
        if self.timeline.is_anchored:
            self.timeline.anchor()  # back to following the conversation

    def _send(self, text: str, with_terminal: bool) -> None:
        self.timeline.add_prompt(text, with_terminal=with_terminal)
        # Busy from now on, not from the "started" event: a second prompt typed
        # before it arrives is queued too.
        self.busy = True
        self.post_message(self.PromptSubmitted(self.session_id, text, with_terminal))

    def queue_prompt(self, text: str, with_terminal: bool) -> None:
        """Keep ``text`` until the running turn ends, shown as queued."""
        queued = QueuedPrompt(text, with_terminal)
        self.queued.append(queued)
        self.timeline.mount(queued)

    def send_failed(self) -> None:
        """The screen could not start the turn of the last prompt (no model, an
        error): not busy after all; the next queued prompt may go."""
        self.busy = False
        self.call_later(self._send_next)

    def _send_next(self) -> None:
        if self.busy or not self.queued:
            return
        queued = self.queued.pop(0)
        queued.remove()
        self._send(queued.text, queued.with_terminal)

    def on_queued_prompt_cancelled(self, message: QueuedPrompt.Cancelled) -> None:
        message.stop()
        self._unqueue(message.queued)

    def _unqueue(self, queued: QueuedPrompt) -> None:
        if queued in self.queued:
            self.queued.remove(queued)
            queued.remove()

    def on_prompt_input_terminal_context_toggled(
            self, message: PromptInput.TerminalContextToggled) -> None:
        message.stop()
        self.include_terminal = not self.include_terminal

    def watch_include_terminal(self) -> None:
        self._update_prompt_titles()

    def watch_busy(self) -> None:
        self._update_prompt_titles()

    def _update_prompt_titles(self) -> None:
        self.prompt.border_title = "working… Enter queues · Esc cancels" if self.busy \
            else "Enter sends · Shift+Enter newline"
        self.prompt.border_subtitle = \
            "⌁ terminal screen: on (Ctrl+T)" if self.include_terminal else ""

    def action_cancel_turn(self) -> None:
        if self.queued:
            self._unqueue(self.queued[-1])
            return
        self.post_message(self.CancelRequested(self.session_id))

    def focus_target(self) -> Widget:
        """Where focus goes when the panel is entered: the approval this tab is
        waiting on, else the prompt."""
        pending = self.timeline.pending_approvals
        return pending[0] if pending else self.prompt

    def on_approval_card_decided(self, message: ApprovalCard.Decided) -> None:
        # Keep focus in the panel once the card is answered.
        if message.card.has_focus or message.card.has_focus_within:
            self.prompt.focus()

    # -- core events -------------------------------------------------------------------

    def apply_event(self, ev: Event) -> None:
        """Show one core event of this tab."""
        t = self.timeline
        d = ev.data
        kind = ev.type
        if kind == "started":
            self.busy = True
        elif kind == "text_delta":
            t.text_delta(d.get("delta", ""))
        elif kind == "reasoning_delta":
            t.reasoning_delta(d.get("delta", ""))
        elif kind == "tool_call":
            t.tool_call(d.get("request_id", ""), d.get("tool_name", "?"), d.get("args") or {})
        elif kind == "tool_approval_request":
            card = t.approval_request(d.get("request_id", ""), d.get("tool_name", "?"),
                                      d.get("args") or {}, d.get("risk", ""),
                                      d.get("working_directory"),
                                      tuple(d.get("reasons") or ()))
            if self.prompt.has_focus and not self.prompt.text:
                self.call_after_refresh(card.focus)
        elif kind == "tool_auto_approved":
            pass
        elif kind == "tool_denied":
            t.tool_denied(d.get("request_id", ""), d.get("reason", ""))
        elif kind == "tool_result":
            t.tool_result(d.get("request_id", ""), bool(d.get("success")),
                          str(d.get("result", "")))
        elif kind == "completed":
            self.busy = False
            t.end_turn()
            self.call_later(self._send_next)
        elif kind == "error":
            self.busy = False
            t.end_turn("closed by the error")
            t.add_notice(str(d.get("message", "The turn failed.")), "error")
            self.call_later(self._send_next)
        elif kind == "cancelled":
            self.busy = False
            t.end_turn("cancelled")
            t.add_notice("Cancelled.", "warning")
            self.call_later(self._send_next)
        elif kind == "warning":
            t.add_notice(str(d.get("message", "")), "warning")
        elif kind == "mcp_status" and d.get("status") == "failed":
            t.add_notice(f"MCP server {d.get('server')}: {d.get('error')}", "warning")
        elif kind == "context_warning":
            pct = round(float(d.get("utilization", 0)) * 100)
            t.add_notice(f"The conversation fills {pct}% of the context window; "
                         "F1 → Compact context frees room.", "warning")
        elif kind == "compaction_started":
            t.add_notice("Compacting the conversation…")
        elif kind == "compaction_completed":
            t.add_notice("Conversation compacted.")
        elif kind == "compaction_failed":
            t.add_notice(str(d.get("message", "Compaction failed.")), "error")
        elif kind == "ai_config_changed":
            t.add_notice(f"Model: {d.get('provider')} · {d.get('model')}")
        self._focus_guard()

    def _focus_guard(self) -> None:
        """If a resolved approval card had focus, give it back to the prompt."""
        focused = self.screen.focused if self.is_mounted else None
        if isinstance(focused, ApprovalCard) and focused.resolved and \
                focused in self.timeline.children:
            self.prompt.focus()
