"""Ask before closing a tab or quitting while a program runs in a terminal."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

__all__ = ["ConfirmScreen"]


class ConfirmScreen(ModalScreen[bool]):
    """A question with a dangerous answer; dismisses with True only when confirmed.

    Enter or ``y`` confirms (the focused button is the safe one, so a stray Enter
    meant for the program does not). Esc or ``n`` keeps everything as it was.
    """

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; background: $background 60%; }
    ConfirmScreen > Vertical {
        width: 70; max-width: 95%; height: auto; border: thick $warning;
        background: $surface; padding: 0 1;
    }
    ConfirmScreen #confirm-title { text-style: bold; padding: 0 0 1 0; }
    ConfirmScreen #confirm-text { padding: 0 0 1 0; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin: 0 0 0 2; }
    """

    BINDINGS = [
        Binding("escape,n", "answer(False)", "Cancel"),
        Binding("y", "answer(True)", "Confirm"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | y | Confirm. |
    | escape, n | Cancel. |
    """

    def __init__(self, title: str, text: str, confirm: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text
        self.confirm_label = confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, id="confirm-title", markup=False)
            yield Static(self.text, id="confirm-text", markup=False)
            with Horizontal():
                yield Button("Cancel (n)", id="confirm-no")
                yield Button(f"{self.confirm_label} (y)", id="confirm-yes", variant="warning")

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
