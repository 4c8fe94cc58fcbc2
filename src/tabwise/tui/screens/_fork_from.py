"""Palette "Fork from a prompt…": the tab's prompts, newest first; Enter forks the
conversation from just before the highlighted one (the keyboard way to "fork from
here", which a click on a prompt in the timeline also does)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

__all__ = ["ForkFromPrompt"]


class ForkFromPrompt(ModalScreen[tuple[int, str] | None]):
    """Dismisses with the chosen prompt: the message count to fork at (the turn's first
    message) and its text. Two prompts can fork at the same point (a failed turn leaves
    nothing in the history), so a prompt is told by its place in the list."""

    DEFAULT_CSS = """
    ForkFromPrompt { align: center middle; background: $background 60%; }
    ForkFromPrompt > Vertical {
        width: 90; max-width: 95%; height: 70%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    ForkFromPrompt .fork-title { text-style: bold; padding: 0 0 1 0; }
    ForkFromPrompt .fork-hint { color: $text-muted; }
    ForkFromPrompt OptionList { height: 1fr; border: none; }
    """

    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, prompts: list[tuple[int, str]]) -> None:
        """``prompts``: (index of the turn's first message, prompt text), oldest first."""
        super().__init__()
        self.prompts = prompts

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Fork from a prompt", classes="fork-title")
            yield OptionList(*(Option(Content(f"{n}. {' '.join(text.split())[:80]}"),
                                      id=f"prompt-{n - 1}")
                               for n, (_start, text) in reversed(
                                   list(enumerate(self.prompts, 1)))))
            yield Static(Content("Enter: a new tab with the conversation before that "
                                 "prompt, and the prompt to send again · Esc closes"),
                         classes="fork-hint")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        if not self.prompts:
            ol.add_option(Option("No prompts in this tab yet.", disabled=True))
        ol.highlighted = 0 if self.prompts else None
        ol.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(self.prompts[int(event.option.id.removeprefix("prompt-"))])

    def action_close(self) -> None:
        self.dismiss(None)
