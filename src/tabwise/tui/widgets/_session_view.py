"""One tab: its live terminal beside its agent panel, plus what the tab bar and the
status bar need to know about it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widget import Widget

from ...api import AiConfig, ContextUsage, Message, SessionInfo, Usage, UserPrompt
from ...events import (
    AiConfigChanged,
    Completed,
    ContextMeasure,
    CwdChanged,
    Error,
    Event,
    InstructionsChanged,
    SessionWarning,
    Started,
)
from ...pty import PtyProcess
from ._agent_panel import TERM_PREFIX, AgentPanel
from ._tab_bar import TabItem
from ._terminal_view import TerminalView

__all__ = ["SessionView", "view_id"]


_AGENT_STATES = ("idle", "streaming", "awaiting_approval", "error")


def view_id(session_id: str) -> str:
    return f"tab-{session_id}"


class SessionView(Horizontal):
    """A tab's content: :class:`TerminalView` (larger) and :class:`AgentPanel`.

    Keeps what the tab bar and status bar show from core events (attributes down):
    :attr:`state`, context usage, the live provider/model, and whether a background
    turn finished or failed unseen. The agent state is the core's (``state_changed``,
    held by the panel), never reconstructed here.
    """

    DEFAULT_CSS = """
    SessionView {
        height: 1fr;
        width: 1fr;
    }
    """

    def __init__(self, info: SessionInfo, pty: PtyProcess | None, *,
                 conversation: Sequence[Message] = (),
                 usage: ContextUsage | None = None, scrollback: int = 10000) -> None:
        self.session_id: str = info.session_id
        super().__init__(id=view_id(self.session_id))
        self.name_: str = info.name or "tab"
        self.working_directory: str = info.working_directory
        status = info.ai_status
        self.has_agent = status in _AGENT_STATES
        self.ai_config: AiConfig | None = info.ai_config
        self.ai_error: str | None = info.ai_error
        self.usage: ContextUsage | None = usage
        self.rules: list[str] = list(info.instructions)  # rules files in effect
        self.spend: Usage | None = None  # get_session_usage, kept by the screen
        self.unseen = False
        self.failed = False
        self.prefer_prompt = False  # which pane gets focus when the tab is shown
        self.terminal = TerminalView(pty, scrollback=scrollback)
        self.panel = AgentPanel(self.session_id,
                                state=status if status in _AGENT_STATES else "idle")
        self._history = list(conversation)
        self.restored = bool(self._history)
        """The tab opened with a conversation (a restart, a fork)."""

    def compose(self) -> ComposeResult:
        yield self.terminal
        yield self.panel

    def on_mount(self) -> None:
        for text in _user_prompts(self._history):
            self.panel.prompt.remember(text)

    def on_show(self) -> None:
        # A restored conversation is built when the tab is first seen (or before, in
        # idle time: prepare): background tabs cost no widgets and no rendering until
        # then.
        if self._history:
            history, self._history = self._history, []
            self.panel.timeline.load_history(history)

    @property
    def prepared(self) -> bool:
        """The restored conversation is built (nothing left for the first show)."""
        return not self._history

    async def prepare(self, timeline_width: int) -> None:
        """Build the restored conversation now and render what it shows first for a
        timeline ``timeline_width`` cells wide, so a switch to the tab finds it ready."""
        if not self._history:
            return
        history, self._history = self._history, []
        mounted = self.panel.timeline.load_history(history)
        if mounted is not None:
            await mounted
        if timeline_width > 0:
            self.panel.timeline.prerender(timeline_width)

    # -- state -------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """idle | streaming | awaiting_approval | error (the core's), or no_model."""
        return self.panel.state if self.has_agent else "no_model"

    @property
    def model_label(self) -> str:
        if not self.has_agent or not self.ai_config:
            return ""
        return f"{self.ai_config.provider} · {self.ai_config.model}"

    def tab_item(self) -> TabItem:
        if self.state == "awaiting_approval":
            marker = "approval"
        elif self.failed:
            marker = "failed"
        elif self.state == "streaming":
            marker = "streaming"
        elif self.unseen:
            marker = "unseen"
        else:
            marker = ""
        return TabItem(self.session_id, self.name_, marker)

    def focus_target(self) -> Widget:
        """The terminal, or in the panel the approval waiting for an answer (else the
        prompt)."""
        return self.panel.focus_target() if self.prefer_prompt else self.terminal

    def model_changed(self, config: AiConfig) -> None:
        """This tab now runs ``config`` (a switch, or a first init after F2)."""
        self.ai_config = config
        if not self.has_agent:
            self.has_agent = True  # a new agent starts idle
            self.ai_error = None

    def apply_event(self, ev: Event, *, active: bool) -> None:
        """Update the tab's state from one core event and show it in the panel."""
        if isinstance(ev.payload, SessionWarning) and not self.has_agent and \
                ev.payload.message == self.ai_error:
            return  # why the tab has no agent: its greeting says it already
        self.panel.apply_event(ev)
        match ev.payload:
            case Started():
                self.failed = False
            case Completed():
                self.unseen = not active
            case Error():
                self.failed = not active
            case ContextMeasure(used_tokens=used, max_tokens=limit, utilization=share):
                self.usage = ContextUsage(used, limit, share)
            case InstructionsChanged(files=files, settings=settings):
                self.rules = list(files)
                self.panel.timeline.add_notice(rules_notice(self.rules, settings))
            case CwdChanged(working_directory=cwd, name=name):
                self.working_directory = cwd
                self.name_ = name or self.name_
            case AiConfigChanged(provider=provider, model=model):
                self.model_changed(AiConfig(provider, model))

    def seen(self) -> None:
        self.unseen = False
        self.failed = False


def rules_notice(files: Sequence[str], settings: bool) -> str:
    """The panel's line saying which project rules the agent follows now."""
    home = str(Path.home())
    shown = ["~" + f[len(home):] if f.startswith(home + os.sep) else f for f in files]
    if settings:
        shown.append("[agent] instructions")
    return ("Rules in effect: " + ", ".join(shown)) if shown else "No project rules here."


def _user_prompts(messages: Sequence[Message]) -> list[str]:
    return [f"{TERM_PREFIX} {m.text}" if m.with_terminal else m.text
            for m in messages if isinstance(m, UserPrompt)]
