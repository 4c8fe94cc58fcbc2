"""The keys help."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

__all__ = ["KEYS_MARKDOWN", "KeysScreen"]

KEYS_MARKDOWN = """\
# Keys

| Key | Where | What |
| --- | --- | --- |
| F1 | anywhere | command palette |
| Ctrl+P | agent panel | command palette (in the terminal Ctrl+P goes to the shell) |
| F2 | anywhere | model picker for this tab |
| F3 | anywhere | focus terminal ⇄ agent prompt |
| Alt+T | anywhere | new tab (global default model) |
| Alt+W | anywhere | close tab |
| Alt+1 … Alt+9 | anywhere | go to tab 1 … 9 |
| Alt+Left / Alt+Right | anywhere | previous / next tab |
| F10 | anywhere | quit (open tabs come back next time) |
| Enter | prompt | send |
| Shift+Enter, Alt+Enter, Ctrl+J | prompt | newline |
| Up / Down | prompt | previous / next prompt of this tab |
| Ctrl+T | prompt | toggle sending the terminal screen with prompts |
| Esc | agent panel | cancel the running turn |
| y / n / a | approval card | approve / deny / always allow this tool in this tab |

Start a prompt with `@term` to send the terminal's visible screen along with it.
Every other key, Ctrl+letters included, goes to the shell while the terminal has focus.
"""


class KeysScreen(ModalScreen[None]):
    """A table of tabwise's keys. Esc, q or F1 closes it."""

    DEFAULT_CSS = """
    KeysScreen { align: center middle; background: $background 60%; }
    KeysScreen > VerticalScroll {
        width: 100; max-width: 95%; height: 85%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    """

    BINDINGS = [
        Binding("escape,q", "close", "Close"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | escape, q | Close. |
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(KEYS_MARKDOWN)

    def action_close(self) -> None:
        self.dismiss(None)
