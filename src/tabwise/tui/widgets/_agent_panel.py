"""One tab's agent: the conversation timeline and the prompt."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ...events import (
    AiConfigChanged,
    Cancelled,
    CompactionCompleted,
    CompactionFailed,
    CompactionStarted,
    Completed,
    ContextWarning,
    Error,
    Event,
    McpStatus,
    SessionWarning,
    Started,
    StateChanged,
)
from ._approval_card import ApprovalCard
from ._prompt_input import PromptInput
from ._queued_prompt import QueuedPrompt
from ._timeline import Timeline

__all__ = ["AgentPanel"]

TERM_PREFIX = "@term"
PLACEHOLDER = "Ask the agent…  (@term adds the terminal)"
# Agent states in which a prompt waits for the running turn.
BUSY_STATES = frozenset({"streaming", "awaiting_approval"})


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
    state: reactive[str] = reactive("idle")
    """The tab's agent state, from the core's ``state_changed`` events (never guessed)."""
    sending: reactive[bool] = reactive(False)
    """A prompt went to the screen and its turn has not changed the state yet."""

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

    def __init__(self, session_id: str, *, state: str = "idle", id: str | None = None) -> None:
        super().__init__(id=id)
        self.session_id = session_id
        self.set_reactive(AgentPanel.state, state)
        self.timeline = Timeline(session_id)
        self.prompt = PromptInput(placeholder=PLACEHOLDER)
        self.queued: list[QueuedPrompt] = []  # prompts waiting for the turn to end

    def compose(self) -> ComposeResult:
        yield self.timeline
        yield self.prompt

    def on_mount(self) -> None:
        self._update_prompt_titles()

    @property
    def busy(self) -> bool:
        """A turn runs (or is being started): a prompt typed now is queued."""
        return self.sending or self.state in BUSY_STATES

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
        # Busy from now on, not from the turn's first state change: a second prompt
        # typed before it arrives is queued too.
        self.sending = True
        self.post_message(self.PromptSubmitted(self.session_id, text, with_terminal))

    def queue_prompt(self, text: str, with_terminal: bool) -> None:
        """Keep ``text`` until the running turn ends, shown as queued."""
        queued = QueuedPrompt(text, with_terminal)
        self.queued.append(queued)
        self.timeline.mount(queued)

    def send_failed(self) -> None:
        """The screen could not start the turn of the last prompt (no model, an
        error): not busy after all; the next queued prompt may go."""
        self.sending = False

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

    def watch_state(self) -> None:
        # Whatever the change, the prompt being sent has been answered by the core:
        # its turn started, or (sent while another turn ran) that turn ended.
        self.sending = False
        self._busy_changed()

    def watch_sending(self) -> None:
        self._busy_changed()

    def _busy_changed(self) -> None:
        self._update_prompt_titles()
        if not self.busy and self.queued:
            self.call_later(self._send_next)

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
        shown = t.apply_turn_event(ev.payload)
        if isinstance(shown, ApprovalCard) and self.prompt.has_focus and not self.prompt.text:
            self.call_after_refresh(shown.focus)
        match ev.payload if shown is False else None:
            case StateChanged(state=state):
                self.state = state
            case Started():
                pass  # the state says busy (state_changed follows)
            case Completed():
                t.end_turn()
            case Error(message=message):
                t.end_turn("closed by the error")
                t.add_notice(message or "The turn failed.", "error")
            case Cancelled():
                t.end_turn("cancelled")
                t.add_notice("Cancelled.", "warning")
            case SessionWarning(message=message):
                t.add_notice(message, "warning")
            case McpStatus(server=server, status="failed", error=error):
                t.add_notice(f"MCP server {server}: {error}", "warning")
            case ContextWarning(utilization=share):
                pct = round(share * 100)
                t.add_notice(f"The conversation fills {pct}% of the context window; "
                             "F1 → Compact context frees room.", "warning")
            case CompactionStarted():
                t.add_notice("Compacting the conversation…")
            case CompactionCompleted():
                t.add_notice("Conversation compacted.")
            case CompactionFailed(message=message):
                t.add_notice(message or "Compaction failed.", "error")
            case AiConfigChanged(provider=provider, model=model):
                t.add_notice(f"Model: {provider} · {model}")
        self._focus_guard()

    def _focus_guard(self) -> None:
        """If a resolved approval card had focus, give it back to the prompt."""
        focused = self.screen.focused if self.is_mounted else None
        if isinstance(focused, ApprovalCard) and focused.resolved and \
                focused in self.timeline.children:
            self.prompt.focus()
