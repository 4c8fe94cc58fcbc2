"""A one-paragraph line in the agent timeline: the user's prompt, a note, a warning or
an error."""

from __future__ import annotations

from typing import Literal

from textual import events
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

__all__ = ["Notice", "NoticeKind"]

NoticeKind = Literal["prompt", "info", "warning", "error"]
_ICONS = {"prompt": "❯", "info": "·", "warning": "⚠", "error": "✗"}


class Notice(Static):
    """A timeline entry of one ``kind``; the text is shown literally (never as markup).
    Clicking a prompt posts :class:`Notice.ForkRequested` ("fork from here")."""

    class ForkRequested(Message):
        """Fork the tab's conversation from just before this prompt."""

        def __init__(self, notice: Notice) -> None:
            super().__init__()
            self.notice = notice

    DEFAULT_CSS = """
    Notice {
        width: 1fr;
        height: auto;
        padding: 0 1;
        margin: 1 0 0 0;
        color: $text-muted;
        &.-prompt {
            color: $text;
            background: $boost;
            border-left: thick $accent;
            text-style: bold;
        }
        &.-warning { color: $warning; }
        &.-error { color: $error; border-left: thick $error; }
        &.-info { margin: 0; }
    }
    """

    def __init__(self, text: str, kind: NoticeKind = "info") -> None:
        super().__init__(Content(f"{_ICONS[kind]} {text}"), classes=f"-{kind}")
        self.kind = kind
        self.text = text
        if kind == "prompt":
            self.tooltip = "Click: fork from here (ask this again, on any model)"

    def on_click(self, event: events.Click) -> None:
        if self.kind == "prompt":
            event.stop()
            self.post_message(self.ForkRequested(self))
