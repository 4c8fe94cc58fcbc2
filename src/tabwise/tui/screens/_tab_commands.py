"""The main screen's tab controller: every call into the command layer, each in a
worker.

:class:`~tabwise.tui.screens.MainScreen` holds one (``screen.tabs``) and its bindings
and palette actions call into it, so the screen module holds layout and routing only.
Errors become notifications or timeline notices; what a command changes comes back
through core events or is applied here to the views.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.worker import Worker

from ...api import AiConfig, SessionInfo
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
    from textual.notifications import SeverityLevel

    from ...commands import Tabwise
    from ..widgets import ApprovalCard
    from ..widgets._notice import NoticeKind
    from ._main import MainScreen

__all__ = ["TabController"]

_OUTCOMES = {"approve": "approved", "deny": "denied",
             "always_allow": "approved · always allowed in this tab"}


class TabController:
    """What the main screen's keys and palette do to its tabs, through the commands."""

    def __init__(self, screen: MainScreen, core: Tabwise) -> None:
        self.screen = screen
        self.core = core

    @property
    def app(self) -> Any:
        return self.screen.app

    def run(self, work: Coroutine[Any, Any, None], group: str) -> Worker[None]:
        """Run ``work`` in a worker of the screen (it dies with the screen)."""
        return self.screen.run_worker(work, group=group, exclusive=False)

    def notify(self, message: str, *, title: str = "",
               severity: SeverityLevel = "information", timeout: float | None = None,
               markup: bool = True) -> None:
        self.screen.notify(message, title=title, severity=severity, timeout=timeout,
                           markup=markup)

    def error(self, message: object, title: str = "") -> None:
        """Show an error; the text is literal (error messages quote ``[ai.x]`` tables)."""
        self.notify(str(message), title=title, severity="error", markup=False)

    # -- tabs ----------------------------------------------------------------------------

    async def create_tab(self, working_directory: str) -> SessionInfo:
        """A new session: shell, agent with the default model, archive row."""
        return await self.core.create_session(working_directory)

    def _new_tab_directory(self) -> str:
        """The active tab's current directory (it follows the shell's ``cd``), else
        where we started."""
        view = self.screen.active_view
        return view.working_directory if view is not None else self.screen.working_directory

    def new_tab(self) -> None:
        """A new tab with the global default model (never the active tab's)."""
        self.run(self._new_tab(), "tabs")

    async def _new_tab(self) -> None:
        try:
            info = await self.create_tab(self._new_tab_directory())
        except TabwiseError as exc:
            self.error(exc, "Could not open a tab")
            return
        await self.screen.add_view(info, providers=await self.core.list_providers())

    def close_tab(self) -> None:
        self.run(self._close_tab(), "tabs")

    async def _close_tab(self) -> None:
        screen = self.screen
        view = screen.active_view
        if view is None:
            return
        if running := screen.running_programs(view):
            question = ConfirmScreen(
                "Close this tab?",
                f"{running[0][1]} is still running in tab “{view.name_}”. Closing the tab "
                "ends it, and whatever it has not saved is lost.", "Close tab")
            if not await self.app.push_screen_wait(question):
                return
        sid = view.session_id
        with contextlib.suppress(SessionNotFound):
            await self.core.close_session(sid)
        last = len(screen.order) == 1
        if last:
            # Open the fresh tab first, so the screen is never without one.
            try:
                info = await self.create_tab(view.working_directory)
            except TabwiseError as exc:
                self.error(exc, "Could not open a tab")
            else:
                await screen.add_view(info, providers=await self.core.list_providers())
        await screen.remove_view(sid)

    def restore_tab(self, session_id: str) -> None:
        self.run(self._restore_tab(session_id), "tabs")

    async def _restore_tab(self, session_id: str) -> None:
        try:
            info = await self.core.restore_session(session_id)
        except TabwiseError as exc:
            self.error(exc, "Could not reopen the session")
            return
        screen = self.screen
        if session_id in screen.views:
            return
        await screen.add_view(info, providers=await self.core.list_providers())
        with contextlib.suppress(TabwiseError):
            await self.core.reorder_sessions(list(screen.order))

    async def mcp_servers(self) -> None:
        view = self.screen.active_view
        if view is None:
            return
        sid = view.session_id
        rows = await self.core.list_mcp_servers(sid)

        def chosen(names: list[str] | None) -> None:
            if names is not None:
                self.run(self._set_mcp_servers(sid, names), "tabs")

        self.app.push_screen(McpServersScreen(rows, view.name_), chosen)

    async def _set_mcp_servers(self, sid: str, names: list[str]) -> None:
        try:
            await self.core.set_session_mcp_servers(sid, names)
        except TabwiseError as exc:
            self.error(exc)
            return
        self.screen.refresh_chrome()

    async def sessions(self) -> None:
        every = await self.core.list_sessions(include_closed=True)
        # Open tabs are listed (disabled) only as the source of an archived fork.
        sources = {r.forked_from for r in every if not r.live}
        rows = [r for r in every if not r.live or r.session_id in sources]
        info = await self.core.get_app_info()

        def picked(session_id: str | None) -> None:
            if session_id:
                self.restore_tab(session_id)

        self.app.push_screen(SessionsBrowser(rows, persisted=info.persistent), picked)

    def rename_tab(self) -> None:
        view = self.screen.active_view
        if view is None:
            return
        sid = view.session_id

        def renamed(name: str | None) -> None:
            if name:
                self.run(self._rename_tab(sid, name), "tabs")

        self.app.push_screen(RenameScreen(view.name_), renamed)

    async def _rename_tab(self, sid: str, name: str) -> None:
        try:
            info = await self.core.rename_session(sid, name)
        except TabwiseError as exc:
            self.error(exc)
            return
        views = self.screen.views
        if sid in views:
            views[sid].name_ = info.name
            self.screen.refresh_chrome()

    def restart_shell(self, sid: str) -> None:
        """Start a new shell in a tab whose shell exited."""
        self.run(self._restart_shell(sid), "tabs")

    async def _restart_shell(self, sid: str) -> None:
        view = self.screen.views.get(sid)
        if view is None:
            return
        try:
            old = self.core.terminal(sid)
            await self.core.restart_terminal(sid)
            pty = self.core.terminal(sid)
        except TabwiseError as exc:
            self.error(str(exc))
            return
        if pty is None or pty is old:
            return
        view.terminal.attach(pty, keep_screen=True)
        view.terminal.focus()

    # -- the agent -----------------------------------------------------------------------

    def send_prompt(self, sid: str, text: str, context: str | None) -> None:
        """Run one turn; what it does shows through the tab's events."""
        self.run(self._send_prompt(sid, text, context), "prompts")

    async def _send_prompt(self, sid: str, text: str, context: str | None) -> None:
        try:
            await self.core.send_ai_prompt(sid, text, context)
        except (ProviderError, TurnCancelled, SessionNotFound):
            pass  # shown from the event stream (error / cancelled), or the tab is gone
        except SessionBusy:
            # A turn the panel did not know of (started elsewhere): wait for it.
            view = self.screen.views.get(sid)
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
        view = self.screen.views.get(sid)
        if view is not None:
            view.panel.send_failed()

    def _notice(self, sid: str, text: str, kind: NoticeKind) -> None:
        view = self.screen.views.get(sid)
        if view is not None:
            view.panel.timeline.add_notice(text, kind)

    def cancel_turn(self, sid: str) -> None:
        self.run(self._cancel_turn(sid), "prompts")

    async def _cancel_turn(self, sid: str) -> None:
        with contextlib.suppress(AiNotInitialized, SessionNotFound):
            await self.core.cancel_ai_prompt(sid)

    def answer_approval(self, card: ApprovalCard, decision: str) -> None:
        self.run(self._answer_approval(card, decision), "approvals")

    async def _answer_approval(self, card: ApprovalCard, decision: str) -> None:
        try:
            await self.core.respond_to_tool_approval(card.session_id, card.request_id,
                                                     decision)
        except ApprovalNotFound:
            card.resolve("expired (timed out or cancelled)")
        except TabwiseError as exc:
            self.error(exc)
        else:
            card.resolve(_OUTCOMES.get(decision, decision))

    async def pick_model(self) -> None:
        view = self.screen.active_view
        if view is None:
            return
        sid = view.session_id
        cfg = view.ai_config if view.has_agent else None
        current = (cfg.provider, cfg.model) if cfg else None

        def picked(choice: ModelChoice | None) -> None:
            if choice is not None and choice != current:
                self.run(self._switch_model(sid, choice), "models")

        self.app.push_screen(ModelPicker(await self.core.list_providers(), current,
                                         view.name_), picked)

    async def _switch_model(self, sid: str, choice: ModelChoice) -> None:
        """Change this tab's model only; on failure nothing changes."""
        provider, model = choice
        view = self.screen.views.get(sid)
        had_agent = view is not None and view.has_agent
        try:
            cfg = await self.core.init_ai_session(sid, AiConfig(provider, model))
        except TabwiseError as exc:
            self.error(exc, "Model not changed")
            return
        if view is None:
            return
        view.model_changed(cfg)
        if not had_agent:  # a first init publishes no ai_config_changed event
            view.panel.timeline.add_notice(f"Model: {cfg.provider} · {cfg.model}")
            with contextlib.suppress(TabwiseError):
                view.usage = await self.core.get_context_usage(sid)
        self.screen.refresh_chrome()

    def clear_conversation(self) -> None:
        self.run(self._clear_conversation(), "prompts")

    async def _clear_conversation(self) -> None:
        view = self.screen.active_view
        if view is None:
            return
        try:
            await self.core.clear_ai_conversation(view.session_id)
        except TabwiseError as exc:
            self.error(exc)
            return
        view.panel.timeline.clear_entries()
        view.panel.timeline.add_notice("Conversation cleared; the next prompt starts "
                                       "fresh (the archive keeps the old one).")

    def compact_context(self) -> None:
        self.run(self._compact_context(), "prompts")

    async def _compact_context(self) -> None:
        view = self.screen.active_view
        if view is None:
            return
        try:
            r = await self.core.compact_context(view.session_id)
        except TabwiseError as exc:
            self.error(exc, "Not compacted")
            return
        self.notify(f"Context: {r.tokens_before} → {r.tokens_after} tokens, "
                    f"{r.messages_before} → {r.messages_after} messages.",
                    title="Compacted", markup=False)

    def export_conversation(self) -> None:
        self.run(self._export_conversation(), "export")

    async def _export_conversation(self) -> None:
        view = self.screen.active_view
        if view is None:
            return
        try:
            text = await self.core.export_session(view.session_id, "markdown")
        except TabwiseError as exc:
            self.error(exc, "Not exported")
            return
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", view.name_).strip("-") or "tab"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = Path(view.working_directory) / f"tabwise-{slug}-{stamp}.md"
        try:
            await asyncio.to_thread(_write_new, path, text)
        except OSError as exc:
            self.error(f"Could not write {path}: {exc.strerror or exc}")
            return
        self.notify(str(path), title="Conversation exported", markup=False)

    def settings_path(self) -> None:
        self.notify(self.screen.info.settings_file, title="Settings file", markup=False,
                    timeout=10)

    def show_keys(self) -> None:
        self.app.push_screen(KeysScreen(self.screen.info.keys))


def _write_new(path: Path, text: str) -> None:
    with path.open("x", encoding="utf-8") as f:
        f.write(text)
