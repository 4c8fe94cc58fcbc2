"""Rename the active tab."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

__all__ = ["RenameScreen"]


class RenameScreen(ModalScreen[str | None]):
    """An input pre-filled with the tab's name; Enter dismisses with the new name,
    Esc with None."""

    DEFAULT_CSS = """
    RenameScreen { align: center middle; background: $background 60%; }
    RenameScreen > Vertical {
        width: 60; height: auto; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    RenameScreen Static { padding: 0 0 1 0; text-style: bold; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Rename. |
    | escape | Keep the old name. |
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.current = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Rename tab")
            yield Input(value=self.current, id="rename-input")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submit(self, event: Input.Submitted) -> None:
        name = event.value.strip()
        self.dismiss(name if name and name != self.current else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
