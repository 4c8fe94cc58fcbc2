"""The multi-line prompt editor of the agent panel."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

__all__ = ["PromptInput"]

HISTORY_LIMIT = 200


class PromptInput(TextArea):
    """Where the user writes a prompt.

    Enter sends; Shift+Enter (or Alt+Enter, or Ctrl+J, for terminals that cannot tell
    Shift+Enter apart) inserts a newline. Up on the first line and Down on the last line
    walk the prompts sent from this tab. Ctrl+T toggles "include the terminal screen".
    """

    DEFAULT_CSS = """
    PromptInput {
        height: auto;
        min-height: 3;
        max-height: 10;
        border: round $primary 50%;
        padding: 0 1;
        &:focus { border: round $primary; }
    }
    """

    BINDINGS = [
        Binding("ctrl+t", "toggle_terminal_context", "Terminal context", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Send the prompt. |
    | shift+enter, alt+enter, ctrl+j | Insert a newline. |
    | up / down | Previous / next prompt from this tab's history (on the first / last line). |
    | ctrl+t | Toggle including the terminal screen as context. |
    """

    class Submitted(Message):
        """The user pressed Enter on a non-empty prompt."""

        def __init__(self, prompt_input: PromptInput, text: str) -> None:
            super().__init__()
            self.prompt_input = prompt_input
            self.text = text

        @property
        def control(self) -> PromptInput:
            return self.prompt_input

    class TerminalContextToggled(Message):
        """The user pressed Ctrl+T."""

    def __init__(self, *, id: str | None = None, placeholder: str = "") -> None:
        super().__init__(soft_wrap=True, tab_behavior="focus", show_line_numbers=False,
                         highlight_cursor_line=False, compact=False, placeholder=placeholder,
                         id=id)
        self.sent: list[str] = []
        self._history_index: int | None = None  # None: editing a fresh prompt
        self._draft = ""

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self._submit()
        elif event.key in ("shift+enter", "alt+enter", "ctrl+j"):
            event.stop()
            event.prevent_default()
            self.insert("\n")

    def _submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        self.remember(text)
        self.clear()
        self.post_message(self.Submitted(self, text))

    def remember(self, text: str) -> None:
        """Add ``text`` to the history (restored tabs seed it with their old prompts)."""
        if not self.sent or self.sent[-1] != text:
            self.sent.append(text)
            del self.sent[:-HISTORY_LIMIT]
        self._history_index = None
        self._draft = ""

    def action_toggle_terminal_context(self) -> None:
        self.post_message(self.TerminalContextToggled())

    def action_cursor_up(self, select: bool = False) -> None:
        if not select and self.cursor_location[0] == 0 and self.sent:
            if self._history_index is None:
                self._draft = self.text
                self._history_index = len(self.sent)
            if self._history_index > 0:
                self._history_index -= 1
                self._show(self.sent[self._history_index], at_end=False)
            return
        super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        last_row = self.document.line_count - 1
        if not select and self.cursor_location[0] == last_row and \
                self._history_index is not None:
            self._history_index += 1
            if self._history_index >= len(self.sent):
                self._history_index = None
                self._show(self._draft, at_end=True)
            else:
                self._show(self.sent[self._history_index], at_end=True)
            return
        super().action_cursor_down(select)

    def _show(self, text: str, *, at_end: bool) -> None:
        self.load_text(text)
        if at_end:
            self.move_cursor(self.document.end)
        else:
            self.move_cursor((0, len(self.document[0]) if self.document.line_count else 0))
