"""The app's shortcuts, from ``[keys]``: the bindings made from them and the keys help."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from ...settings import KeysSettings
from ..terminal import key_label

__all__ = ["KEYS_MARKDOWN", "KeysScreen", "app_bindings", "key_hints", "key_label",
           "keys_markdown", "screen_bindings"]

# (shortcut, action, description) for the main screen's bindings.
_SCREEN_SHORTCUTS = (
    ("model_picker", "pick_model", "Model"),
    ("focus", "toggle_focus", "Terminal/agent"),
    ("escape_chord", "toggle_focus", "Leave the terminal"),
    ("new_tab", "new_tab", "New tab"),
    ("close_tab", "close_tab", "Close tab"),
    ("previous_tab", "step_tab(-1)", "Previous tab"),
    ("next_tab", "step_tab(1)", "Next tab"),
)


def screen_bindings(keys: KeysSettings) -> list[Binding]:
    """The main screen's bindings; a shortcut set to ``""`` has none."""
    bindings = [
        Binding(keys.key(name), action, text, priority=True, show=False, id=f"tabwise.{name}")
        for name, action, text in _SCREEN_SHORTCUTS
        if keys.key(name)
    ]
    bindings += [Binding(f"alt+{n}", f"go_to_tab({n})", f"Tab {n}", priority=True,
                         show=False) for n in range(1, 10)]
    return bindings


def app_bindings(keys: KeysSettings) -> list[Binding]:
    """The app-wide bindings (every screen): the command palette and quit."""
    bindings = []
    if keys.palette:
        bindings.append(Binding(keys.palette, "command_palette", "Commands", priority=True,
                                show=False, id="tabwise.palette"))
    if keys.quit:
        bindings.append(Binding(keys.quit, "quit", "Quit", priority=True, id="tabwise.quit"))
    return bindings


def key_hints(keys: KeysSettings, *, full_screen: bool = False) -> str:
    """The status bar's hints; with a full-screen program, how to get out of it."""
    if full_screen and keys.escape_chord:
        return f"{key_label(keys.escape_chord)} leaves the program (it gets every other key)"
    pairs = [("palette", "commands"), ("model_picker", "model"), ("focus", "focus"),
             ("quit", "quit")]
    return "  ".join(f"{key_label(keys.key(name))} {what}" for name, what in pairs
                     if keys.key(name))


def keys_markdown(keys: KeysSettings) -> str:
    """The keys help for these ``[keys]`` settings."""
    k = {name: key_label(keys.key(name)) for name in (
        "palette", "model_picker", "focus", "new_tab", "close_tab", "quit", "previous_tab",
        "next_tab", "escape_chord")}
    return f"""\
# Keys

| Key | Where | What |
| --- | --- | --- |
| {k['palette']} | anywhere | command palette |
| Ctrl+P | agent panel | command palette (in the terminal Ctrl+P goes to the shell) |
| {k['model_picker']} | anywhere | model picker for this tab |
| {k['focus']} | anywhere | focus terminal ⇄ agent prompt |
| {k['escape_chord']} | anywhere | leave the terminal, even from a full-screen program |
| {k['new_tab']} | anywhere | new tab (global default model) |
| {k['close_tab']} | anywhere | close tab (asks first if a program is running in it) |
| Alt+1 … Alt+9 | anywhere | go to tab 1 … 9 |
| {k['previous_tab']} / {k['next_tab']} | anywhere | previous / next tab |
| {k['quit']} | anywhere | quit (open tabs come back next time) |
| Enter | prompt | send |
| Shift+Enter, Alt+Enter, Ctrl+J | prompt | newline |
| Up / Down | prompt | previous / next prompt of this tab |
| Ctrl+T | prompt | toggle sending the terminal screen with prompts |
| Esc | agent panel | cancel the running turn |
| y / n / a | approval card | approve / deny / always allow this tool in this tab |

Start a prompt with `@term` to send the terminal's visible screen along with it.
Every other key, Ctrl+letters included, goes to the shell while the terminal has focus.
While a full-screen program (htop, vim, less, mc) runs there, *every* key goes to it,
F-keys and the shortcuts above included, except {k['escape_chord']}, which moves the
focus to the agent prompt, where the shortcuts work again.
Drag the mouse to select text in the terminal (copied when you let go); programs
that ask for the mouse get it instead (hold Shift to select anyway).
Change any shortcut in the `[keys]` table of settings.toml ("" turns one off).
"""


KEYS_MARKDOWN = keys_markdown(KeysSettings())
"""The keys help with the default shortcuts."""


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

    def __init__(self, keys: KeysSettings | None = None) -> None:
        super().__init__()
        self._markdown = keys_markdown(keys) if keys is not None else KEYS_MARKDOWN

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(self._markdown)

    def action_close(self) -> None:
        self.dismiss(None)
