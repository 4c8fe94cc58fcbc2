"""The main screen's fork and compare actions: "Fork tab…", "fork from here" (a click
on a prompt in the timeline) and "Compare models…".

A mixin for :class:`~tabwise.tui.screens.MainScreen` (next to :class:`TabCommands`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic_ai.messages import ModelRequest, UserPromptPart
from textual import work

from ...api import AiConfig, ProviderInfo, SessionInfo
from ...commands._fork import turn_starts
from ...errors import TabwiseError
from ...events import Event
from ..widgets import Notice, SessionView
from ..widgets._timeline import split_terminal_context
from ._compare import CompareResult, CompareScreen, CompareSetup
from ._fork_from import ForkFromPrompt
from ._model_picker import ModelChoice, ModelPicker

if TYPE_CHECKING:
    from pydantic_ai.messages import ModelMessage

    from ...commands import Tabwise

__all__ = ["ForkActions", "fork_point"]


def _prompt_of(msg: ModelMessage) -> str:
    if isinstance(msg, ModelRequest):
        for part in msg.parts:
            if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                return split_terminal_context(part.content)[0]
    return ""


def fork_point(history: list[ModelMessage], shown: int, index: int,
               busy: bool) -> tuple[int, str] | None:
    """Where "fork from here" on the ``index``-th of ``shown`` prompts in a timeline cuts
    the conversation, and that prompt's text; None when the prompt was summarized away.

    Prompts are matched from the end: compaction drops the oldest turns from the history
    but not from the timeline, and a prompt still being answered is not in the history
    yet (forking there copies everything and offers the prompt again)."""
    starts = turn_starts(history)
    in_flight = 1 if busy and shown == len(starts) + 1 else 0
    if index >= shown - in_flight:
        return len(history), ""
    k = len(starts) - (shown - in_flight - index)
    if k < 0:
        return None
    return starts[k], _prompt_of(history[starts[k]])


class ForkActions:
    """Actions and workers of the main screen that fork and compare."""

    core: Tabwise
    views: dict[str, SessionView]

    if TYPE_CHECKING:  # provided by MainScreen / Screen / TabCommands
        from textual.app import App

        app: App[Any]
        active_view: SessionView | None
        taps: dict[str, Callable[[Event], None]]

        def _error(self, message: object, title: str = "") -> None: ...
        async def add_view(self, info: SessionInfo, *, providers: list[ProviderInfo],
                           activate: bool = True) -> SessionView: ...
        async def activate(self, sid: str, *, focus: bool = True) -> None: ...
        def refresh_chrome(self) -> None: ...
        def refresh_spend(self, sid: str) -> Any: ...

    async def _pick_then_fork(self, view: SessionView, message_count: int | None,
                              prefill: str = "") -> None:
        sid = view.session_id
        cfg = view.ai_config if view.has_agent else None
        current = (cfg.provider, cfg.model) if cfg else None

        def picked(choice: ModelChoice | None) -> None:
            if choice is not None:
                self.fork_tab(sid, choice, message_count, prefill)

        self.app.push_screen(ModelPicker(await self.core.list_providers(), current,
                                         f"fork of {view.name_}"), picked)

    async def action_fork_tab(self) -> None:
        """Palette "Fork tab…": the model picker, then a new tab with the whole
        conversation on the picked model."""
        if self.active_view is not None:
            await self._pick_then_fork(self.active_view, None)

    async def action_fork_from_prompt(self) -> None:
        """Palette "Fork from a prompt…": pick one of the tab's prompts, then a model."""
        view = self.active_view
        bridge = self.core.ai.bridges.get(view.session_id) if view else None
        if view is None or bridge is None:
            return
        history = list(bridge.history)
        prompts = [(i, _prompt_of(history[i])) for i in turn_starts(history)]

        async def picked(count: int | None) -> None:
            if count is not None:
                await self._pick_then_fork(view, count, _prompt_of(history[count]))

        self.app.push_screen(ForkFromPrompt(prompts), picked)

    async def on_notice_fork_requested(self, message: Notice.ForkRequested) -> None:
        """A click on a prompt: fork the conversation from just before it."""
        view = next((v for v in self.views.values()
                     if message.notice in v.panel.timeline.children), None)
        bridge = self.core.ai.bridges.get(view.session_id) if view else None
        if view is None or bridge is None:
            return
        prompts = [n for n in view.panel.timeline.query(Notice) if n.kind == "prompt"]
        point = fork_point(list(bridge.history), len(prompts), prompts.index(message.notice),
                           bridge.busy)
        if point is None:
            self._error("That prompt was summarized away (compaction); fork from a later "
                        "one, or use Fork tab.", "Not forked")
            return
        count, text = point
        await self._pick_then_fork(view, count, text or message.notice.text)

    @work(group="tabs", exclusive=False)
    async def fork_tab(self, sid: str, choice: ModelChoice, message_count: int | None,
                       prefill: str) -> None:
        try:
            info = await self.core.fork_session(
                sid, AiConfig(*choice), message_count)
        except TabwiseError as exc:
            self._error(exc, "Not forked")
            return
        view = await self.add_view(info, providers=await self.core.list_providers())
        if prefill:
            view.prefer_prompt = True
            view.panel.prompt.load_text(prefill)
            view.panel.prompt.focus()

    async def action_compare_models(self) -> None:
        """Palette "Compare models…": tick models, type a prompt, see them side by side."""
        view = self.active_view
        if view is None:
            return
        sid = view.session_id

        def chosen(setup: tuple[list[AiConfig], str] | None) -> None:
            if setup is None:
                return
            configs, prompt = setup
            screen = CompareScreen(self.core, self.taps, sid, configs, prompt,
                                   view.working_directory)
            self.app.push_screen(screen, lambda r: self.compare_done(sid, r))

        self.app.push_screen(CompareSetup(await self.core.list_providers(),
                                          view.ai_config if view.has_agent else None,
                                          view.name_), chosen)

    @work(group="tabs", exclusive=False)
    async def compare_done(self, sid: str, result: CompareResult | None) -> None:
        """Do what the comparison ended with (see :mod:`._compare`)."""
        if not result:
            return
        kind, *rest = result
        fork_ids: list[str] = rest[-1]
        keep: str | None = rest[0] if kind == "keep" else None
        if kind == "all":
            providers = await self.core.list_providers()
            for fid in fork_ids:
                with contextlib.suppress(TabwiseError):
                    await self.add_view(await self.core.restore_session(fid),
                                        providers=providers, activate=False)
            if fork_ids and fork_ids[0] in self.views:
                await self.activate(fork_ids[0])
            return
        if keep is not None and not await self._adopt(sid, keep):
            # Not adopted (the tab moved on meanwhile): the answer becomes a tab instead.
            with contextlib.suppress(TabwiseError):
                await self.add_view(await self.core.restore_session(keep),
                                    providers=await self.core.list_providers())
        for fid in fork_ids:
            if fid != keep:
                with contextlib.suppress(TabwiseError):
                    await self.core.close_session(fid)

    async def _adopt(self, sid: str, fork_id: str) -> bool:
        bridge = self.core.ai.bridges.get(sid)
        before = len(bridge.history) if bridge else 0
        try:
            info = await self.core.adopt_fork(sid, fork_id)
        except TabwiseError as exc:
            self._error(exc, "Answer kept as a tab of its own")
            return False
        view = self.views.get(sid)
        if view is None or bridge is None:
            return True
        if info.ai_config is not None:
            view.model_changed(info.ai_config)
        view.panel.timeline.load_history(bridge.history[before:])
        self.refresh_spend(sid)
        self.refresh_chrome()
        await self.activate(sid)
        return True
