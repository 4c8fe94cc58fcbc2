"""The main screen's fork and compare controller: "Fork tab…", "fork from here" (a click
on a prompt in the timeline) and "Compare models…".

:class:`~tabwise.tui.screens.MainScreen` holds one (``screen.forks``), next to its
:class:`~tabwise.tui.screens._tab_commands.TabController`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ...api import AiConfig, Message, UserPrompt
from ...errors import TabwiseError
from ..widgets import Notice, SessionView
from ._compare import CompareResult, CompareScreen, CompareSetup
from ._fork_from import ForkFromPrompt
from ._model_picker import ModelChoice, ModelPicker

if TYPE_CHECKING:
    from ...commands import Tabwise
    from ._main import MainScreen
    from ._tab_commands import TabController

__all__ = ["ForkController", "fork_point"]


def fork_point(conversation: Sequence[Message], length: int, shown: int, index: int,
               busy: bool) -> tuple[int, str] | None:
    """Where "fork from here" on the ``index``-th of ``shown`` prompts in a timeline cuts
    the conversation (``get_conversation``, ``length`` messages), and that prompt's
    text; None when the prompt was summarized away.

    Prompts are matched from the end: compaction drops the oldest turns from the
    conversation but not from the timeline, and a prompt still being answered is not in
    the conversation yet (forking there copies everything and offers the prompt again)."""
    prompts = [m for m in conversation if isinstance(m, UserPrompt)]
    in_flight = 1 if busy and shown == len(prompts) + 1 else 0
    if index >= shown - in_flight:
        return length, ""
    k = len(prompts) - (shown - in_flight - index)
    if k < 0:
        return None
    return prompts[k].message_index, prompts[k].text


class ForkController:
    """What the main screen does to fork a tab and to compare models."""

    def __init__(self, screen: MainScreen, core: Tabwise, tabs: TabController) -> None:
        self.screen = screen
        self.core = core
        self.tabs = tabs

    async def _pick_then_fork(self, view: SessionView, message_count: int | None,
                              prefill: str = "") -> None:
        sid = view.session_id
        cfg = view.ai_config if view.has_agent else None
        current = (cfg.provider, cfg.model) if cfg else None

        def picked(choice: ModelChoice | None) -> None:
            if choice is not None:
                self.tabs.run(self._fork_tab(sid, choice, message_count, prefill), "tabs")

        self.screen.app.push_screen(ModelPicker(await self.core.list_providers(), current,
                                                f"fork of {view.name_}"), picked)

    async def fork_tab(self) -> None:
        """Palette "Fork tab…": the model picker, then a new tab with the whole
        conversation on the picked model."""
        if self.screen.active_view is not None:
            await self._pick_then_fork(self.screen.active_view, None)

    async def fork_from_prompt(self) -> None:
        """Palette "Fork from a prompt…": pick one of the tab's prompts, then a model."""
        view = self.screen.active_view
        if view is None or not view.has_agent:
            return
        try:
            conversation = await self.core.get_conversation(view.session_id)
        except TabwiseError as exc:
            self.tabs.error(exc, "Not forked")
            return
        prompts = [(m.message_index, m.text) for m in conversation
                   if isinstance(m, UserPrompt)]

        async def picked(chosen: tuple[int, str] | None) -> None:
            if chosen is not None:
                await self._pick_then_fork(view, *chosen)

        self.screen.app.push_screen(ForkFromPrompt(prompts), picked)

    async def fork_requested(self, message: Notice.ForkRequested) -> None:
        """A click on a prompt: fork the conversation from just before it."""
        view = next((v for v in self.screen.views.values()
                     if message.notice in v.panel.timeline.children), None)
        if view is None or not view.has_agent:
            return
        sid = view.session_id
        try:
            conversation = await self.core.get_conversation(sid)
            length = await self.core.get_ai_conversation_length(sid)
        except TabwiseError as exc:
            self.tabs.error(exc, "Not forked")
            return
        prompts = [n for n in view.panel.timeline.query(Notice) if n.kind == "prompt"]
        busy = view.state in ("streaming", "awaiting_approval")
        point = fork_point(conversation, length, len(prompts), prompts.index(message.notice),
                           busy)
        if point is None:
            self.tabs.error("That prompt was summarized away (compaction); fork from a "
                            "later one, or use Fork tab.", "Not forked")
            return
        count, text = point
        await self._pick_then_fork(view, count, text or message.notice.text)

    async def _fork_tab(self, sid: str, choice: ModelChoice, message_count: int | None,
                        prefill: str) -> None:
        try:
            info = await self.core.fork_session(
                sid, AiConfig(*choice), message_count)
        except TabwiseError as exc:
            self.tabs.error(exc, "Not forked")
            return
        view = await self.screen.add_view(info, providers=await self.core.list_providers())
        if prefill:
            view.prefer_prompt = True
            view.panel.prompt.load_text(prefill)
            view.panel.prompt.focus()

    async def compare_models(self) -> None:
        """Palette "Compare models…": tick models, type a prompt, see them side by side."""
        screen = self.screen
        view = screen.active_view
        if view is None:
            return
        sid = view.session_id

        def chosen(setup: tuple[list[AiConfig], str] | None) -> None:
            if setup is None:
                return
            configs, prompt = setup
            compare = CompareScreen(self.core, screen.taps, sid, configs, prompt,
                                    view.working_directory)
            def done(result: CompareResult | None) -> None:
                self.tabs.run(self._compare_done(sid, result), "tabs")

            screen.app.push_screen(compare, done)

        screen.app.push_screen(CompareSetup(await self.core.list_providers(),
                                            view.ai_config if view.has_agent else None,
                                            view.name_), chosen)

    async def _compare_done(self, sid: str, result: CompareResult | None) -> None:
        """Do what the comparison ended with (see :mod:`._compare`)."""
        if not result:
            return
        screen = self.screen
        kind, *rest = result
        fork_ids: list[str] = rest[-1]
        keep: str | None = rest[0] if kind == "keep" else None
        if kind == "all":
            providers = await self.core.list_providers()
            for fid in fork_ids:
                with contextlib.suppress(TabwiseError):
                    await screen.add_view(await self.core.restore_session(fid),
                                          providers=providers, activate=False)
            if fork_ids and fork_ids[0] in screen.views:
                await screen.activate(fork_ids[0])
            return
        if keep is not None and not await self._adopt(sid, keep):
            # Not adopted (the tab moved on meanwhile): the answer becomes a tab instead.
            with contextlib.suppress(TabwiseError):
                await screen.add_view(await self.core.restore_session(keep),
                                      providers=await self.core.list_providers())
        for fid in fork_ids:
            if fid != keep:
                with contextlib.suppress(TabwiseError):
                    await self.core.close_session(fid)

    async def _adopt(self, sid: str, fork_id: str) -> bool:
        screen = self.screen
        view = screen.views.get(sid)
        before: list[Message] = []
        if view is not None and view.has_agent:
            with contextlib.suppress(TabwiseError):
                before = await self.core.get_conversation(sid)
        try:
            info = await self.core.adopt_fork(sid, fork_id)
        except TabwiseError as exc:
            self.tabs.error(exc, "Answer kept as a tab of its own")
            return False
        if view is None:
            return True
        if info.ai_config is not None:
            view.model_changed(info.ai_config)
        with contextlib.suppress(TabwiseError):
            after = await self.core.get_conversation(sid)
            view.panel.timeline.load_history(after[len(before):])
        screen.refresh_spend(sid)
        screen.refresh_chrome()
        await screen.activate(sid)
        return True
