"""A prompt written while the agent was busy, waiting in the timeline for its turn."""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

__all__ = ["QueuedPrompt"]


class QueuedPrompt(Static):
    """``⏳ text … ✕``: sent when the running turn ends; a click (or Esc in the panel)
    takes it back. Posts :class:`QueuedPrompt.Cancelled` when clicked."""

    DEFAULT_CSS = """
    QueuedPrompt {
        width: 1fr;
        height: auto;
        padding: 0 1;
        margin: 1 0 0 0;
        color: $text-muted;
        background: $boost;
        border-left: thick $panel-lighten-2;
        text-style: italic;
        &:hover { color: $text; }
    }
    """

    class Cancelled(Message):
        """The user took the queued prompt back."""

        def __init__(self, queued: QueuedPrompt) -> None:
            super().__init__()
            self.queued = queued

    def __init__(self, text: str, with_terminal: bool) -> None:
        self.text = text
        self.with_terminal = with_terminal
        suffix = " + terminal screen" if with_terminal else ""
        super().__init__(Content(f"⏳ {text}{suffix}\n   queued: sends when this turn ends "
                                 "· Esc or click to remove ✕"))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        self.post_message(self.Cancelled(self))
