"""A tool call waiting for the user's yes or no."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static

from ._diff_view import DiffView, preview

__all__ = ["ApprovalCard"]

ARGS_LIMIT = 1500


class ApprovalCard(Vertical, can_focus=True):
    """Asks whether the agent may run a tool: shows the tool, its risk and what it would
    do (a diff for file writes and edits, the command and directory for commands, else
    the raw arguments), and three answers. Focus it and press a key, or click a button;
    ``r`` switches between the preview and the raw arguments.

    Posts :class:`ApprovalCard.Decided`; the screen answers the core and then calls
    :meth:`resolve` (also called when the request ends another way: timeout, cancel).
    """

    DEFAULT_CSS = """
    ApprovalCard {
        height: auto;
        margin: 1 0 0 0;
        padding: 0 1;
        border: round $warning;
        background: $warning 10%;
        &:focus { border: round $warning; background: $warning 20%; }
        & > .approval-card--title { text-style: bold; color: $warning; }
        & > .approval-card--args { color: $text; margin: 0 0 1 0; }
        & > Horizontal { height: auto; }
        & Button { margin: 0 1 0 0; min-width: 10; }
        &.-resolved {
            border: round $panel;
            background: transparent;
            & > .approval-card--title { color: $text-muted; }
        }
    }
    """

    BINDINGS = [
        Binding("y", "decide('approve')", "Approve"),
        Binding("n", "decide('deny')", "Deny"),
        Binding("a", "decide('always_allow')", "Always allow (this tab)"),
        Binding("r", "toggle_raw", "Show raw args"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | y | Approve this call. |
    | n | Deny this call. |
    | a | Approve, and always allow this tool in this tab. |
    | r | Show the raw arguments instead of the diff (and back). |
    """

    resolved: reactive[str] = reactive("")
    """"" while waiting, else what happened (approved, denied, ...)."""
    raw: reactive[bool] = reactive(False)
    """Show the raw arguments rather than the preview."""

    class Decided(Message):
        """The user answered the request."""

        def __init__(self, card: ApprovalCard, decision: str) -> None:
            super().__init__()
            self.card = card
            self.decision = decision  # approve | deny | always_allow

        @property
        def control(self) -> ApprovalCard:
            return self.card

    def __init__(self, session_id: str, request_id: str, tool_name: str,
                 args: dict[str, Any], risk: str, *,
                 working_directory: str | None = None,
                 reasons: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.reasons = reasons  # why the policy asks whatever the settings say
        self.session_id = session_id
        self.request_id = request_id
        self.tool_name = tool_name
        self.args = args
        self.risk = risk
        self.working_directory = working_directory
        self.has_preview = tool_name in ("write_file", "edit_file", "run_command")

    def compose(self) -> ComposeResult:
        text = json.dumps(self.args, indent=2, ensure_ascii=False)
        if len(text) > ARGS_LIMIT:
            text = text[:ARGS_LIMIT] + "\n…"
        yield Static(Content(f"⚠ Run {self.tool_name}? (risk: {self.risk})"),
                     classes="approval-card--title")
        if self.reasons:
            yield Static(Content("Always asks: " + "; ".join(self.reasons)),
                         classes="approval-card--reasons")
        diff = DiffView(classes="approval-card--diff")
        diff.display = self.has_preview
        yield diff
        raw = Static(Content(text), classes="approval-card--args")
        raw.display = not self.has_preview
        yield raw
        with Horizontal():
            yield Button("Approve (y)", id="approve", variant="success", compact=True)
            yield Button("Deny (n)", id="deny", variant="error", compact=True)
            yield Button("Always (a)", id="always_allow", variant="warning",
                         compact=True, tooltip="Approve, and always allow this tool in "
                                               "this tab")

    def on_mount(self) -> None:
        if self.has_preview:
            self.border_subtitle = "r: raw args"
            self.run_worker(self._load_preview(), group="preview", exit_on_error=False)

    async def _load_preview(self) -> None:
        # Reads the file on disk: in a thread, never on the event loop.
        lines = await asyncio.to_thread(preview, self.tool_name, self.args,
                                        self.working_directory)
        if lines is None:
            self.has_preview = False
            self.border_subtitle = ""
            self.raw = True
            self._show_raw(True)
            return
        self.query_one(DiffView).lines = tuple(lines)

    def action_toggle_raw(self) -> None:
        if self.has_preview and not self.resolved:
            self.raw = not self.raw

    def watch_raw(self, raw: bool) -> None:
        if self.is_mounted and not self.resolved:
            self._show_raw(raw)

    def _show_raw(self, raw: bool) -> None:
        self.query_one(DiffView).display = not raw
        self.query_one(".approval-card--args", Static).display = raw

    def action_decide(self, decision: str) -> None:
        if not self.resolved:
            self.post_message(self.Decided(self, decision))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id:
            self.action_decide(event.button.id)

    def resolve(self, outcome: str) -> None:
        """Show the outcome and drop the buttons (idempotent)."""
        if self.resolved:
            return
        self.resolved = outcome

    def watch_resolved(self, outcome: str) -> None:
        if not outcome:
            return
        self.add_class("-resolved")
        self.can_focus = False
        for row in self.query(Horizontal):
            row.remove()
        self.query_one(".approval-card--args", Static).display = False
        self.query_one(DiffView).display = False
        self.border_subtitle = ""
        title = self.query_one(".approval-card--title", Static)
        title.update(Content(f"{self.tool_name}: {outcome}"))
