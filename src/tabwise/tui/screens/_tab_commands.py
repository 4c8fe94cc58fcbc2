"""The main screen's commands: every call into the command layer, each in a worker.

A mixin for :class:`~tabwise.tui.screens.MainScreen`, kept apart so the screen module
holds layout and routing only. Errors become notifications or timeline notices; what
a command changes comes back through core events or is applied here to the views.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work

from ...api import AiConfig, ProviderInfo, SessionInfo
from ...errors import (
    AiNotInitialized,
    ApprovalNotFound,
    ProviderError,
    SessionBusy,
    SessionNotFound,
    TabwiseError,
    TurnCancelled,
)
from ._confirm import ConfirmScreen
from ._keys import KeysScreen
from ._mcp_servers import McpServersScreen
from ._model_picker import ModelChoice, ModelPicker
from ._rename import RenameScreen
from ._sessions import SessionsBrowser

if TYPE_CHECKING:
    from ...commands import Tabwise
    from ..widgets import ApprovalCard, SessionView

__all__ = ["TabCommands"]

_OUTCOMES = {"approve": "approved", "deny": "denied",
             "always_allow": "approved · always allowed in this tab"}


class TabCommands:
    """Actions and workers of the main screen that call the core."""

    core: Tabwise
    views: dict[str, SessionView]
    order: list[str]
    working_directory: str

    if TYPE_CHECKING:  # provided by MainScreen / Screen
        from textual.app import App

        app: App[Any]
        active_view: SessionView | None

        def notify(self, message: str, *, title: str = "", severity: Any = "information",
                   timeout: float | None = None, markup: bool = True) -> None: ...
        async def add_view(self, info: SessionInfo, *, providers: list[ProviderInfo],
                           activate: bool = True) -> SessionView: ...
        async def remove_view(self, sid: str) -> None: ...
        def running_programs(self, view: SessionView | None = None) -> list[tuple[str, str]]: ...
        def refresh_chrome(self) -> None: ...

    def _error(self, message: object, title: str = "") -> None:
        """Show an error; the text is literal (error messages quote ``[ai.x]`` tables)."""
        self.notify(str(message), title=title, severity="error", markup=False)

    # -- tabs ----------------------------------------------------------------------------

    async def create_tab(self, working_directory: str) -> SessionInfo:
        """A new session: shell, agent with the default model, archive row."""
        return await self.core.create_session(working_directory)

    def _new_tab_directory(self) -> str:
        """The active tab's current directory (it follows the shell's ``cd``), else
        where we started."""
        view = self.active_view
        if view is not None:
            s = self.core.sessions.get(view.session_id)
            return str(s.working_directory) if s is not None else view.working_directory
        return self.working_directory

    @work(group="tabs", exclusive=False)
    async def action_new_tab(self) -> None:
        """A new tab with the global default model (never the active tab's)."""
        try:
            info = await self.create_tab(self._new_tab_directory())
        except TabwiseError as exc:
            self._error(exc, "Could not open a tab")
            return
        await self.add_view(info, providers=await self.core.list_providers())

    @work(group="tabs", exclusive=False)
    async def action_close_tab(self) -> None:
        view = self.active_view
        if view is None:
            return
        if running := self.running_programs(view):
            question = ConfirmScreen(
                "Close this tab?",
                f"{running[0][1]} is still running in tab “{view.name_}”. Closing the tab "
                "ends it, and whatever it has not saved is lost.", "Close tab")
            if not await self.app.push_screen_wait(question):
                return
        sid = view.session_id
        with contextlib.suppress(SessionNotFound):
            await self.core.close_session(sid)
        last = len(self.order) == 1
        if last:
            # Open the fresh tab first, so the screen is never without one.
            try:
                info = await self.create_tab(view.working_directory)
            except TabwiseError as exc:
                self._error(exc, "Could not open a tab")
            else:
                await self.add_view(info, providers=await self.core.list_providers())
        await self.remove_view(sid)

    @work(group="tabs", exclusive=False)
    async def restore_tab(self, session_id: str) -> None:
        try:
            info = await self.core.restore_session(session_id)
        except TabwiseError as exc:
            self._error(exc, "Could not reopen the session")
            return
        if session_id in self.views:
            return
        await self.add_view(info, providers=await self.core.list_providers())
        with contextlib.suppress(TabwiseError):
            await self.core.reorder_sessions(list(self.order))

    async def action_mcp_servers(self) -> None:
        view = self.active_view
        if view is None:
            return
        sid = view.session_id
        rows = await self.core.list_mcp_servers(sid)

        def chosen(names: list[str] | None) -> None:
            if names is not None:
                self.set_mcp_servers(sid, names)

        self.app.push_screen(McpServersScreen(rows, view.name_), chosen)

    @work(group="tabs", exclusive=False)
    async def set_mcp_servers(self, sid: str, names: list[str]) -> None:
        try:
            await self.core.set_session_mcp_servers(sid, names)
        except TabwiseError as exc:
            self._error(exc)
            return
        self.refresh_chrome()

    async def action_sessions(self) -> None:
        every = await self.core.list_sessions(include_closed=True)
        # Open tabs are listed (disabled) only as the source of an archived fork.
        sources = {r.forked_from for r in every if not r.live}
        rows = [r for r in every if not r.live or r.session_id in sources]

        def picked(session_id: str | None) -> None:
            if session_id:
                self.restore_tab(session_id)

        self.app.push_screen(SessionsBrowser(rows, persisted=self.core.archive is not None),
                             picked)

    def action_rename_tab(self) -> None:
        view = self.active_view
        if view is None:
            return
        sid = view.session_id

        def renamed(name: str | None) -> None:
            if name:
                self.rename_tab(sid, name)

        self.app.push_screen(RenameScreen(view.name_), renamed)

    @work(group="tabs", exclusive=False)
    async def rename_tab(self, sid: str, name: str) -> None:
        try:
            info = await self.core.rename_session(sid, name)
        except TabwiseError as exc:
            self._error(exc)
            return
        if sid in self.views:
            self.views[sid].name_ = info.name
            self.refresh_chrome()

    @work(group="tabs", exclusive=False)
    async def restart_shell(self, sid: str) -> None:
        """Start a new shell in a tab whose shell exited."""
        view = self.views.get(sid)
        session = self.core.sessions.get(sid)
        if view is None or session is None:
            return
        old = session.pty
        try:
            await self.core.restart_terminal(sid)
        except TabwiseError as exc:
            self._error(str(exc))
            return
        if session.pty is None or session.pty is old:
            return
        view.terminal.attach(session.pty, keep_screen=True)
        view.terminal.focus()

    # -- the agent -----------------------------------------------------------------------

    @work(exclusive=False, group="prompts")
    async def send_prompt(self, sid: str, text: str, context: str | None) -> None:
        """Run one turn; what it does shows through the tab's events."""
        try:
            await self.core.send_ai_prompt(sid, text, context)
        except (ProviderError, TurnCancelled, SessionNotFound):
            pass  # shown from the event stream (error / cancelled), or the tab is gone
        except SessionBusy:
            # A turn the panel did not know of (started elsewhere): wait for it.
            view = self.views.get(sid)
            if view is not None:
                view.panel.timeline.remove_last_prompt()
                view.panel.queue_prompt(text, context is not None)
        except AiNotInitialized:
            self._notice(sid, "Not sent: this tab has no model. Press F2 to pick one.",
                         "error")
            self._send_failed(sid)
        except TabwiseError as exc:
            self._notice(sid, str(exc), "error")
            self._send_failed(sid)

    def _send_failed(self, sid: str) -> None:
        view = self.views.get(sid)
        if view is not None:
            view.panel.send_failed()

    def _notice(self, sid: str, text: str, kind: Any) -> None:
        view = self.views.get(sid)
        if view is not None:
            view.panel.timeline.add_notice(text, kind)

    @work(exclusive=False, group="prompts")
    async def cancel_turn(self, sid: str) -> None:
        with contextlib.suppress(AiNotInitialized, SessionNotFound):
            await self.core.cancel_ai_prompt(sid)

    @work(exclusive=False, group="approvals")
    async def answer_approval(self, card: ApprovalCard, decision: str) -> None:
        try:
            await self.core.respond_to_tool_approval(card.session_id, card.request_id,
                                                     decision)
        except ApprovalNotFound:
            card.resolve("expired (timed out or cancelled)")
        except TabwiseError as exc:
            self._error(exc)
        else:
            card.resolve(_OUTCOMES.get(decision, decision))

    async def action_pick_model(self) -> None:
        view = self.active_view
        if view is None:
            return
        sid = view.session_id
        cfg = view.ai_config if view.has_agent else None
        current = (cfg.provider, cfg.model) if cfg else None

        def picked(choice: ModelChoice | None) -> None:
            if choice is not None and choice != current:
                self.switch_model(sid, choice)

        self.app.push_screen(ModelPicker(await self.core.list_providers(), current,
                                         view.name_), picked)

    @work(exclusive=False, group="models")
    async def switch_model(self, sid: str, choice: ModelChoice) -> None:
        """Change this tab's model only; on failure nothing changes."""
        provider, model = choice
        view = self.views.get(sid)
        had_agent = view is not None and view.has_agent
        try:
            cfg = await self.core.init_ai_session(sid, AiConfig(provider, model))
        except TabwiseError as exc:
            self._error(exc, "Model not changed")
            return
        if view is None:
            return
        view.model_changed(cfg)
        if not had_agent:  # a first init publishes no ai_config_changed event
            view.panel.timeline.add_notice(f"Model: {cfg.provider} · {cfg.model}")
            with contextlib.suppress(TabwiseError):
                view.usage = await self.core.get_context_usage(sid)
        self.refresh_chrome()

    @work(exclusive=False, group="prompts")
    async def action_clear_conversation(self) -> None:
        view = self.active_view
        if view is None:
            return
        try:
            await self.core.clear_ai_conversation(view.session_id)
        except TabwiseError as exc:
            self._error(exc)
            return
        view.panel.timeline.clear_entries()
        view.panel.timeline.add_notice("Conversation cleared; the next prompt starts "
                                       "fresh (the archive keeps the old one).")

    @work(exclusive=False, group="prompts")
    async def action_compact_context(self) -> None:
        view = self.active_view
        if view is None:
            return
        try:
            r = await self.core.compact_context(view.session_id)
        except TabwiseError as exc:
            self._error(exc, "Not compacted")
            return
        self.notify(f"Context: {r.tokens_before} → {r.tokens_after} tokens, "
                    f"{r.messages_before} → {r.messages_after} messages.",
                    title="Compacted", markup=False)

    @work(exclusive=False, group="export")
    async def action_export_conversation(self) -> None:
        view = self.active_view
        if view is None:
            return
        try:
            text = await self.core.export_session(view.session_id, "markdown")
        except TabwiseError as exc:
            self._error(exc, "Not exported")
            return
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", view.name_).strip("-") or "tab"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = Path(view.working_directory) / f"tabwise-{slug}-{stamp}.md"
        try:
            await asyncio.to_thread(_write_new, path, text)
        except OSError as exc:
            self._error(f"Could not write {path}: {exc.strerror or exc}")
            return
        self.notify(str(path), title="Conversation exported", markup=False)

    def action_settings_path(self) -> None:
        self.notify(str(self.core.paths.settings_file), title="Settings file", markup=False,
                    timeout=10)

    def action_show_keys(self) -> None:
        self.app.push_screen(KeysScreen(self.core.settings.keys))


def _write_new(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8") as f:
        f.write(text)
