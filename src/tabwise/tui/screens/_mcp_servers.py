"""The MCP servers dialog: each server's status, error and tools; toggles for this tab."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from ...api import McpServerInfo

__all__ = ["McpServersScreen", "describe_server"]

_STATUS = {"connected": "connected", "starting": "starting…", "failed": "failed",
           "off": "off in this tab"}


def describe_server(row: McpServerInfo) -> Content:
    """One line per server: name, transport, status and how many tools it offers."""
    status = _STATUS.get(row.status, row.status)
    tools = f" · {len(row.tools)} tools" if row.tools else ""
    default = "" if row.enabled else " · off for new tabs"
    return (Content(row.name).stylize("bold")
            + Content(f"  [{row.transport}]  {status}{tools}{default}"))


class McpServersScreen(ModalScreen[list[str] | None]):
    """The configured MCP servers as this tab sees them. Space toggles a server for this
    tab, Enter applies (dismisses with the chosen names), Esc closes unchanged. The
    highlighted server's error and tools show below the list."""

    DEFAULT_CSS = """
    McpServersScreen { align: center middle; background: $background 60%; }
    McpServersScreen > Vertical {
        width: 100; max-width: 95%; height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    McpServersScreen #mcp-title { text-style: bold; padding: 0 0 1 0; }
    McpServersScreen SelectionList { height: 1fr; border: none; }
    McpServersScreen #mcp-detail { height: auto; max-height: 12; color: $text; }
    McpServersScreen #mcp-hint { color: $text-muted; }
    """

    # Enter applies even though the list (which toggles on Enter too) has focus.
    BINDINGS = [Binding("escape", "close", "Close"),
                Binding("enter", "apply", "Apply", priority=True)]
    """
    | Key(s) | Description |
    | :- | :- |
    | space | Turn the highlighted server on or off for this tab. |
    | enter | Apply the choice to this tab. |
    | escape | Close without changes. |
    """

    def __init__(self, rows: list[McpServerInfo], tab_name: str) -> None:
        super().__init__()
        self.rows = rows
        self.tab_name = tab_name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(f"MCP servers · {self.tab_name}"), id="mcp-title")
            yield SelectionList[str](id="mcp-list")
            yield Static("", id="mcp-detail")
            hint = "Space toggles for this tab · Enter applies · Esc closes"
            if not self.rows:
                hint = ("No MCP servers are configured: add an [mcp.NAME] table to "
                        "settings.toml. " + hint)
            yield Static(Content(hint), id="mcp-hint")

    def on_mount(self) -> None:
        sl = self.query_one(SelectionList)
        sl.add_options([Selection(describe_server(r), r.name, bool(r.selected))
                        for r in self.rows])
        sl.focus()
        if self.rows:
            sl.highlighted = 0
            self._show(self.rows[0])

    def _show(self, row: McpServerInfo) -> None:
        lines = []
        if row.error:
            lines.append(f"error: {row.error}")
        if row.tools:
            lines.append("tools: " + ", ".join(row.tools))
        elif row.status == "connected":
            lines.append("tools: none")
        self.query_one("#mcp-detail", Static).update(Content("\n".join(lines)))

    @on(SelectionList.SelectionHighlighted)
    def _highlighted(self, event: SelectionList.SelectionHighlighted[str]) -> None:
        name = event.selection.value
        row = next((r for r in self.rows if r.name == name), None)
        if row is not None:
            self._show(row)

    def action_apply(self) -> None:
        self.dismiss(list(self.query_one(SelectionList).selected))

    def action_close(self) -> None:
        self.dismiss(None)
