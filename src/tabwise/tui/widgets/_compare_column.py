"""One model's column in a comparison: its answer streaming, its approval cards, and a
footer with its state, tokens, cost and time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Static

from ...api import AiConfig, Usage
from ...events import (
    Cancelled,
    Completed,
    Error,
    Event,
    StateChanged,
    TextDelta,
)
from ._status_bar import STATE_LABELS, format_spend
from ._timeline import Timeline

__all__ = ["CompareColumn"]


class CompareColumn(Vertical):
    """A fork's answer to the compared prompt. The screen feeds it the fork's events
    (:meth:`apply_event`) and its usage (``spend``); the "Keep" button posts
    :class:`CompareColumn.KeepRequested`."""

    DEFAULT_CSS = """
    CompareColumn {
        width: 1fr;
        height: 1fr;
        border: round $panel;
        &.-error { border: round $error; }
        &.-done { border: round $success; }
        & > .column-title { text-style: bold; padding: 0 1; height: 1; }
        & > Timeline { height: 1fr; }
        & > .column-footer { height: auto; padding: 0 1; color: $text-muted; }
        & > Horizontal { height: 1; align: right middle; }
        & Button { min-width: 10; margin: 0 1; }
    }
    """

    state: reactive[str] = reactive("streaming")
    spend: reactive[Usage | None] = reactive(None, always_update=True)
    duration_ms: reactive[float | None] = reactive(None)

    class KeepRequested(Message):
        """The user keeps this column's answer (it continues in the tab)."""

        def __init__(self, column: CompareColumn) -> None:
            super().__init__()
            self.column = column

    def __init__(self, index: int, session_id: str, ai_config: AiConfig) -> None:
        super().__init__(id=f"column-{index}")
        self.index = index
        self.session_id = session_id
        self.ai_config = ai_config
        self.response = ""
        self.error: str | None = None

    @property
    def label(self) -> str:
        return f"{self.ai_config.provider} · {self.ai_config.model}"

    def compose(self) -> ComposeResult:
        yield Static(Content(f"{self.index}  {self.label}"), classes="column-title")
        yield Timeline(self.session_id)
        yield Static("", classes="column-footer")
        with Horizontal():
            yield Button(f"Keep {self.index}", id=f"keep-{self.index}", compact=True,
                         disabled=True)

    @property
    def timeline(self) -> Timeline:
        return self.query_one(Timeline)

    @property
    def finished(self) -> bool:
        return self.state in ("idle", "error")

    def _footer(self) -> None:
        if not self.is_mounted:
            return
        parts = [STATE_LABELS.get(self.state, self.state)]
        spend = format_spend(self.spend)
        if spend:
            parts.append(spend)
        if self.duration_ms is not None:
            parts.append(f"{self.duration_ms / 1000:.1f} s")
        self.query_one(".column-footer", Static).update(Content(" · ".join(parts)))
        self.query_one(Button).disabled = self.state != "idle"

    def on_mount(self) -> None:
        self._footer()

    def watch_state(self, state: str) -> None:
        self.set_class(state == "error", "-error")
        self.set_class(state == "idle", "-done")
        self._footer()

    def watch_spend(self) -> None:
        self._footer()

    def watch_duration_ms(self) -> None:
        self._footer()

    def apply_event(self, ev: Event) -> None:
        """Show one event of this column's fork. The state is the fork's own
        (``state_changed``); a fork that ended without an answer shows as ``error``."""
        t = self.timeline
        if isinstance(ev.payload, TextDelta):
            self.response += ev.payload.delta
        if t.apply_turn_event(ev.payload) is not False:
            return
        match ev.payload:
            case StateChanged(state=state):
                self.state = "error" if state == "idle" and self.error is not None else state
            case Completed(response=response, duration_ms=duration_ms):
                self.response = response
                self.duration_ms = duration_ms
                t.end_turn()
            case Error(message=message):
                self.error = message or "The turn failed."
                t.end_turn("closed by the error")
                t.add_notice(self.error, "error")
            case Cancelled():
                self.error = "cancelled"
                t.end_turn("cancelled")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.KeepRequested(self))
