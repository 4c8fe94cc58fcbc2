"""The main screen: the tab bar, one :class:`SessionView` per tab, the status bar."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher

from ...api import AppInfo, ProviderInfo, SessionInfo
from ...errors import SessionNotFound, TabwiseError
from ...events import (
    Cancelled,
    CompactionCompleted,
    Completed,
    Delta,
    Error,
    Event,
    Started,
    ToolApprovalRequest,
    ToolAutoApproved,
    ToolCall,
    ToolDenied,
    ToolResult,
)
from ..terminal import KeyRouting
from ..widgets import (
    AgentPanel,
    ApprovalCard,
    Notice,
    SessionView,
    StatusBar,
    TabBar,
    TerminalView,
)
from ..widgets._status_bar import format_spend
from ._fork_actions import ForkController
from ._keys import key_hints, screen_bindings
from ._palette import TabwiseCommands
from ._tab_commands import TabController

if TYPE_CHECKING:
    from ...commands import Tabwise

# What a tab's conversation (get_live_conversation) already shows of the events up to
# its seq: buffered ones of these kinds are not applied again. Others (warnings, state,
# context usage) are not part of it and are.
SHOWN_IN_CONVERSATION = (Delta, Started, Completed, Error, Cancelled, ToolCall,
                         ToolApprovalRequest, ToolAutoApproved, ToolDenied, ToolResult)

__all__ = ["MainScreen"]

EARLY_LIMIT = 500  # events kept for a tab whose view is not mounted yet
NARROW_WIDTH = 110  # below this the agent panel goes under the terminal


# Events after which a tab's usage has grown (every model request ends in one of them).
SPEND_EVENTS = (Completed, CompactionCompleted, Error, Cancelled)

class MainScreen(Screen[None]):
    """Tabs, each a live shell and an agent. Owns the tab order and routes core events
    to the tab they belong to. What the keys and the palette do goes through two
    controllers that call the command layer: :attr:`tabs` (:class:`TabController`) and
    :attr:`forks` (:class:`ForkController`).

    ``info`` is the core's :class:`~tabwise.api.AppInfo` (``get_app_info``), read by the
    app before the screen is made: the screen's keys come from it."""

    COMMANDS = {TabwiseCommands}

    BINDINGS: ClassVar[list[BindingType]] = []  # made from [keys] in __init__
    """
    | Key(s) | Description |
    | :- | :- |
    | f2 | Model picker for the active tab. |
    | f3 | Focus the terminal or the agent prompt. |
    | alt+t | New tab with the default model. |
    | alt+w | Close the active tab. |
    | alt+1..9 | Go to tab 1..9. |
    | alt+left / alt+right | Previous / next tab. |
    | ctrl+f12 | Leave the terminal (even from a full-screen program). |

    These are the defaults: the screen's bindings are made from ``[keys]``.
    """

    def __init__(self, core: Tabwise, info: AppInfo, *,
                 working_directory: str | None = None) -> None:
        super().__init__(id="main")
        self.core = core
        self.info = info
        for binding in screen_bindings(info.keys):  # after Screen's own (Tab, copy)
            self._bindings._add_binding(binding)
        self.routing = KeyRouting.from_settings(info.keys)
        self.working_directory = working_directory or os.getcwd()
        self.views: dict[str, SessionView] = {}
        self.order: list[str] = []
        self.active_id: str | None = None
        self.ready = False
        self._early: dict[str, list[Event]] = {}
        # Keys typed before the first tab has focus (the app keeps them: the greeting
        # can show a moment before): given to the focused widget then, never dropped.
        self.early_keys: list[events.Key] = []
        self._gone: set[str] = set()
        # Events of sessions shown elsewhere (a comparison's columns), by session id.
        self.taps: dict[str, Callable[[Event], None]] = {}
        self.tabs = TabController(self, core)
        self.forks = ForkController(self, core, self.tabs)

    def compose(self) -> ComposeResult:
        yield TabBar(id="tab-bar")
        yield ContentSwitcher(id="tabs")
        yield StatusBar(id="status-bar")

    def on_mount(self) -> None:
        self.query_one(StatusBar).warning_threshold = self.info.warning_threshold
        self.open_initial_tabs()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width < NARROW_WIDTH, "-narrow")

    @property
    def active_view(self) -> SessionView | None:
        return self.views.get(self.active_id) if self.active_id else None

    def running_programs(self, view: SessionView | None = None) -> list[tuple[str, str]]:
        """``(tab name, program)`` for each tab (or just ``view``) whose terminal runs a
        program other than its shell in the foreground: closing it would kill that."""
        views = [view] if view is not None else [self.views[sid] for sid in self.order]
        found = []
        for v in views:
            model = v.terminal.model  # the terminal's process (TerminalView's hot path)
            job = model.pty.foreground_job() if model is not None else None
            if job:
                found.append((v.name_, job))
        return found

    # -- opening and closing tabs ----------------------------------------------------

    @work(group="tabs", exclusive=False)
    async def open_initial_tabs(self) -> None:
        """Show the tabs the core has open: those it restored at start (DESIGN §8), in
        their order, the last active one shown; or one new tab."""
        core = self.core
        live = [i for i in await core.list_sessions() if i.live]
        if not live:
            try:
                live = [await self.tabs.create_tab(self.working_directory)]
            except TabwiseError as exc:
                self.tabs.error(exc, "Could not open a tab")
                return
        providers = await core.list_providers()
        for info in live:
            await self.add_view(info, providers=providers, activate=False)
        # The tab that was active when the app last quit, else the first.
        active = await core.get_active_session()
        await self.activate(active if active in self.views else live[0].session_id)
        self._show_settings_errors()
        self.ready = True
        self.call_after_refresh(self._replay_early_keys)  # once the focus has moved
        gc.freeze()  # the restored tabs live on: out of the full collections' way
        self.call_after_refresh(self._prepare_next)

    async def _prepare_next(self) -> None:
        """In idle time, build one restored background tab (nearest the active one
        first), so Alt+N lands on a ready view; then the next, after the queue."""
        active = self.active_view
        waiting = [sid for sid in self.order if not self.views[sid].prepared]
        if active is None or not waiting:
            return
        width = active.panel.timeline.region.width  # every tab's timeline has it
        if not width:  # not laid out yet
            self.set_timer(0.1, self._prepare_next)
            return
        here = self.order.index(active.session_id)
        sid = min(waiting, key=lambda s: abs(self.order.index(s) - here))
        await self.views[sid].prepare(width)
        self.call_after_refresh(self._prepare_next)

    def _replay_early_keys(self) -> None:
        keys, self.early_keys = self.early_keys, []
        view = self.active_view
        target = self.focused or (view.terminal if view is not None else None)
        if target is not None:
            for key in keys:
                target.post_message(events.Key(key.key, key.character))

    def _show_settings_errors(self) -> None:
        """Invalid settings did not stop the start: say what was wrong, all of it."""
        errors = self.info.settings_errors
        view = self.active_view
        if not errors or view is None:
            return
        n = len(errors)
        lines = [f"{self.info.settings_file} has {n} error{'s' if n > 1 else ''}; "
                 "tabwise started with the defaults for what is invalid:"]
        lines += [f"• {e}" for e in errors]
        lines.append("Fix the file and restart tabwise to use it.")
        view.panel.timeline.add_notice("\n".join(lines), "error")
        self.notify(f"Settings: {n} error{'s' if n > 1 else ''}, defaults used (see the "
                    "agent panel).", title="Invalid settings", severity="error",
                    timeout=10, markup=False)

    async def add_view(self, info: SessionInfo, *, providers: list[ProviderInfo],
                       activate: bool = True) -> SessionView:
        sid = info.session_id
        core = self.core
        has_agent = await core.is_ai_session_initialized(sid)
        # As of one event (seq): the events buffered for this tab before its view
        # existed are applied only if they came after it (no entry shown twice).
        live = await core.get_live_conversation(sid) if has_agent else None
        view = SessionView(
            info, core.terminal(sid),
            conversation=live.messages if live is not None else (),
            usage=await core.get_context_usage(sid) if has_agent else None,
            scrollback=self.info.scrollback)
        view.terminal.routing = self.routing
        self.views[sid] = view
        self.order.append(sid)
        await self.query_one(ContentSwitcher).add_content(view)
        self._greet(view, providers)
        for ev in self._early.pop(sid, []):
            if live is None or ev.seq > live.seq or \
                    not isinstance(ev.payload, SHOWN_IN_CONVERSATION):
                view.apply_event(ev, active=False)
        if has_agent:
            view.spend = await core.get_session_usage(sid)
            # A restored tab still waiting for an answer shows its question again.
            for p in await core.get_pending_approvals(sid):
                view.panel.timeline.approval_request(p.request_id, p.tool_name, p.args,
                                                     p.risk, p.working_directory)
        if activate:
            await self.activate(sid)
        else:
            self.refresh_chrome()
        return view

    def _greet(self, view: SessionView, providers: list[ProviderInfo]) -> None:
        """First words of a tab: which model answers, or plainly what to set up."""
        timeline = view.panel.timeline
        if view.has_agent:
            if view.restored:
                timeline.add_notice(f"{view.model_label} · the conversation so far is above "
                                    "(scroll up for more). F2 switches model.")
            elif not view.panel.timeline.children:
                timeline.add_notice(f"{view.model_label} is ready. Enter sends · @term "
                                    "sends the terminal screen too · F2 switches model.")
            return
        configured = [p.name for p in providers if p.configured]
        lines = [f"No AI model for this tab: {view.ai_error or 'none configured.'}"]
        if configured:
            lines.append(f"Configured providers: {', '.join(configured)}. "
                         "Press F2 to pick a model.")
        else:
            lines.append("No provider is configured. Set an API key (for example "
                         "OPENAI_API_KEY) or add a provider to "
                         f"{self.info.settings_file}, then press F2 to pick a "
                         "model. The shell works without one.")
        timeline.add_notice("\n".join(lines), "warning")

    async def remove_view(self, sid: str) -> None:
        view = self.views.pop(sid, None)
        self._gone.add(sid)
        if sid in self.order:
            index = self.order.index(sid)
            self.order.remove(sid)
        else:
            index = 0
        if view is not None:
            await view.remove()
        if self.active_id == sid:
            self.active_id = None
            if self.order:
                await self.activate(self.order[min(index, len(self.order) - 1)])
        self.refresh_chrome()

    # -- switching ---------------------------------------------------------------------

    async def activate(self, sid: str, *, focus: bool = True) -> None:
        view = self.views.get(sid)
        if view is None:
            return
        old = self.active_view
        if old is not None and old is not view:
            old.prefer_prompt = self._focus_in(old.panel)
        if sid != self.active_id:
            with contextlib.suppress(SessionNotFound):  # a tab closing meanwhile
                await self.core.set_active_session(sid)  # comes back after a restart
        self.active_id = sid
        self.query_one(ContentSwitcher).current = view.id
        view.seen()
        self.refresh_chrome()
        if focus:
            self.call_after_refresh(view.focus_target().focus)

    def _focus_in(self, widget: Widget) -> bool:
        focused = self.focused
        return focused is not None and widget in focused.ancestors_with_self

    async def action_go_to_tab(self, n: int) -> None:
        if 1 <= n <= len(self.order):
            await self.activate(self.order[n - 1])

    async def action_step_tab(self, delta: int) -> None:
        if self.active_id in self.order and len(self.order) > 1:
            i = (self.order.index(self.active_id) + delta) % len(self.order)
            await self.activate(self.order[i])

    def action_toggle_focus(self) -> None:
        view = self.active_view
        if view is None:
            return
        # set_focus, not focus(): focus() waits a turn of the queue, and keys typed
        # right after F3 (already queued while the app was busy) would go to the old
        # widget.
        if self._focus_in(view.panel):
            view.prefer_prompt = False
            self.set_focus(view.terminal)
        else:
            view.prefer_prompt = True
            self.set_focus(view.panel.focus_target())  # a waiting approval card first

    def on_text_selected(self, event: events.TextSelected) -> None:
        """Text selected with the mouse (the agent panel's answers, notices): copy it,
        as a terminal does, since Ctrl+C in the terminal belongs to the shell."""
        text = self.get_selected_text()
        if text:
            self.app.copy_to_clipboard(text)
            self.notify(f"Copied {len(text)} characters.", timeout=2)

    @on(TabBar.Selected)
    async def _tab_clicked(self, message: TabBar.Selected) -> None:
        await self.activate(message.tab_id)

    @on(TabBar.NewTabRequested)
    def _plus_clicked(self) -> None:
        self.tabs.new_tab()

    # -- actions (keys, palette): the controllers do them ------------------------------

    def action_new_tab(self) -> None:
        self.tabs.new_tab()

    def action_close_tab(self) -> None:
        self.tabs.close_tab()

    def action_rename_tab(self) -> None:
        self.tabs.rename_tab()

    async def action_sessions(self) -> None:
        await self.tabs.sessions()

    async def action_pick_model(self) -> None:
        await self.tabs.pick_model()

    async def action_mcp_servers(self) -> None:
        await self.tabs.mcp_servers()

    def action_clear_conversation(self) -> None:
        self.tabs.clear_conversation()

    def action_compact_context(self) -> None:
        self.tabs.compact_context()

    def action_export_conversation(self) -> None:
        self.tabs.export_conversation()

    def action_settings_path(self) -> None:
        self.tabs.settings_path()

    def action_show_keys(self) -> None:
        self.tabs.show_keys()

    async def action_fork_tab(self) -> None:
        await self.forks.fork_tab()

    async def action_fork_from_prompt(self) -> None:
        await self.forks.fork_from_prompt()

    async def action_compare_models(self) -> None:
        await self.forks.compare_models()

    # -- events ------------------------------------------------------------------------

    def apply_event(self, ev: Event) -> None:
        """Route one core event to its tab (kept until the tab's view exists)."""
        if (tap := self.taps.get(ev.session_id)) is not None:
            tap(ev)
            return
        view = self.views.get(ev.session_id)
        if view is None:
            if ev.session_id not in self._gone:
                early = self._early.setdefault(ev.session_id, [])
                if len(early) < EARLY_LIMIT:
                    early.append(ev)
            return
        view.apply_event(ev, active=ev.session_id == self.active_id)
        if isinstance(ev.payload, SPEND_EVENTS):
            self.refresh_spend(ev.session_id)
        if not isinstance(ev.payload, Delta):
            self.refresh_chrome()

    @work(group="spend", exclusive=False)
    async def refresh_spend(self, sid: str) -> None:
        """Re-read a tab's tokens and cost after requests were made."""
        try:
            spend = await self.core.get_session_usage(sid)
        except TabwiseError:
            return
        view = self.views.get(sid)
        if view is not None:
            view.spend = spend
            self.refresh_chrome()

    def refresh_chrome(self) -> None:
        """Update the tab bar and the status bar from the tabs' state."""
        bar = self.query_one(TabBar)
        bar.items = tuple(self.views[sid].tab_item() for sid in self.order)
        bar.active = self.active_id or ""
        status = self.query_one(StatusBar)
        view = self.active_view
        if view is None:
            return
        status.model = view.model_label
        usage = view.usage
        status.utilization = usage.utilization if usage and view.has_agent else None
        status.spend = format_spend(view.spend) if view.has_agent else ""
        status.tooltip = (f"context: {usage.used_tokens} of {usage.max_tokens} "
                          "tokens") if usage and view.has_agent else None
        status.working_directory = _short_path(view.working_directory)
        status.rules = " + ".join(os.path.basename(f) for f in view.rules)
        status.mcp = ", ".join(self.core.connected_mcp_servers(view.session_id))
        status.state = view.state
        status.hints = key_hints(self.info.keys, full_screen=view.terminal.full_screen)

    # -- messages from the tabs --------------------------------------------------------

    @on(AgentPanel.PromptSubmitted)
    def _prompt(self, message: AgentPanel.PromptSubmitted) -> None:
        view = self.views.get(message.session_id)
        if view is None:
            return
        context = view.terminal.screen_text() if message.with_terminal else None
        self.tabs.send_prompt(message.session_id, message.text, context)

    @on(AgentPanel.CancelRequested)
    def _cancel(self, message: AgentPanel.CancelRequested) -> None:
        self.tabs.cancel_turn(message.session_id)

    @on(ApprovalCard.Decided)
    def _decided(self, message: ApprovalCard.Decided) -> None:
        self.tabs.answer_approval(message.card, message.decision)

    async def on_notice_fork_requested(self, message: Notice.ForkRequested) -> None:
        await self.forks.fork_requested(message)

    def _view_of(self, terminal: TerminalView) -> SessionView | None:
        return next((v for v in self.views.values() if v.terminal is terminal), None)

    @on(TerminalView.Exited)
    def _shell_exited(self, message: TerminalView.Exited) -> None:
        view = self._view_of(message.terminal)
        if view is not None and self._is_live(view.session_id):
            code = "" if message.code is None else f" (exit status {message.code})"
            self.notify(f"The shell of tab “{view.name_}” ended{code}. Press Enter in its "
                        "terminal to start a new one.", title="Shell exited", markup=False)

    def _is_live(self, sid: str) -> bool:
        try:
            self.core.terminal(sid)
        except SessionNotFound:
            return False
        return True

    @on(TerminalView.FullScreenChanged)
    def _full_screen(self, message: TerminalView.FullScreenChanged) -> None:
        self.refresh_chrome()

    @on(TerminalView.RestartRequested)
    def _restart(self, message: TerminalView.RestartRequested) -> None:
        view = self._view_of(message.terminal)
        if view is not None:
            self.tabs.restart_shell(view.session_id)


def _short_path(path: str) -> str:
    home = str(Path.home())
    if path == home:
        return "~"
    if path.startswith(home + os.sep):
        return "~" + path[len(home):]
    return path
