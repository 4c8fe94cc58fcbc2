"""The sessions browser: reopen an archived session as a new tab."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...api import SessionInfo
from ...api.views import fork_tree
from ..widgets._status_bar import format_spend

__all__ = ["SessionsBrowser", "describe_session"]


def _when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else "-"


def describe_session(info: SessionInfo, depth: int = 0) -> Content:
    """Two lines: name, state, model and dates; then the first prompt. A fork (``depth``
    > 0) is indented under its source."""
    cfg = info.ai_config
    model = f"{cfg.provider}/{cfg.model}" if cfg else "no model"
    state = "open" if info.live else ("closed" if info.closed else "saved")
    created = _when(info.created_at)
    updated = _when(info.updated_at)
    first = (info.first_prompt or "").strip().replace("\n", " ")
    if len(first) > 90:
        first = first[:89] + "…"
    indent = "   " * depth
    head = Content(indent + ("└ " if depth else "")) + \
        Content(f"{info.name or info.session_id[:12]}").stylize("bold")
    meta = Content(f"  [{state}]  {model}  ·  created {created}  ·  updated {updated}")
    spend = format_spend(info.usage)
    if spend:
        meta += Content(f"  ·  {spend}")
    tail = Content("\n    " + indent + (first or "(no prompts)")).stylize("dim")
    return head + meta + tail


class SessionsBrowser(ModalScreen[str | None]):
    """Archived sessions, newest first, with their provider/model, dates and first
    prompt. Enter reopens the highlighted one (dismisses with its id); Esc closes."""

    DEFAULT_CSS = """
    SessionsBrowser { align: center middle; background: $background 60%; }
    SessionsBrowser > Vertical {
        width: 110; max-width: 95%; height: 80%;
        border: thick $primary; background: $surface; padding: 0 1;
    }
    SessionsBrowser #sessions-title { text-style: bold; padding: 0 0 1 0; }
    SessionsBrowser #sessions-hint { color: $text-muted; }
    SessionsBrowser OptionList { height: 1fr; border: none; }
    """

    BINDINGS = [Binding("escape", "close", "Close")]
    """
    | Key(s) | Description |
    | :- | :- |
    | enter | Reopen the highlighted session as a new tab. |
    | escape | Close. |
    """

    def __init__(self, sessions: list[SessionInfo], *, persisted: bool) -> None:
        super().__init__()
        self.sessions = sessions
        self.persisted = persisted

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Sessions", id="sessions-title")
            yield OptionList(id="sessions-list")
            hint = "Enter reopens as a new tab · Esc closes"
            if not self.persisted:
                hint = "Sessions are not saved ([sessions] persist = false). " + hint
            yield Static(Content(hint), id="sessions-hint")

    def on_mount(self) -> None:
        ol = self.query_one(OptionList)
        newest = sorted(self.sessions, key=lambda s: s.updated_at or 0, reverse=True)
        tree = fork_tree(newest)  # forks under their source
        rows = [s for _, s in tree]
        ol.add_options([Option(describe_session(s, depth), id=s.session_id,
                               disabled=s.live) for depth, s in tree])
        if not rows:
            ol.add_option(Option("No saved sessions yet.", disabled=True))
        ol.highlighted = next((i for i, s in enumerate(rows) if not s.live), None)
        ol.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        if event.option.id and not event.option.disabled:
            self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
