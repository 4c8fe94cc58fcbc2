"""Helpers for the TUI tests: wait for the app, read a tab's timeline, send a prompt."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

from textual.pilot import Pilot
from textual.screen import Screen

from tabwise.tui.app import TabwiseApp
from tabwise.tui.screens import MainScreen
from tabwise.tui.widgets import AnswerBlock, Notice, SessionView

SIZE = (120, 40)
S = TypeVar("S", bound="Screen[Any]")


async def until(predicate: Callable[[], object], timeout: float = 10.0,
                what: str = "condition") -> None:
    """Poll ``predicate`` while the app under test keeps running."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        await asyncio.sleep(0.02)


def main_screen(app: TabwiseApp) -> MainScreen:
    screen = app.main_screen
    assert screen is not None
    return screen


def active_view(app: TabwiseApp) -> SessionView:
    view = main_screen(app).active_view
    assert view is not None
    return view


async def ready(app: TabwiseApp, tabs: int = 1) -> MainScreen:
    """Wait until the main screen shows ``tabs`` tabs and each shell printed its prompt."""
    await until(lambda: app.main_screen is not None and app.main_screen.ready,
                what="main screen ready")
    screen = main_screen(app)
    await until(lambda: len(screen.order) == tabs, what=f"{tabs} tabs")
    for view in screen.views.values():
        await until(lambda v=view: "$" in v.terminal.screen_text(), what="shell prompt")
    await until(lambda: app.focused is not None, what="focus")
    return screen


async def modal(app: TabwiseApp, cls: type[S]) -> S:
    """Wait until a screen of type ``cls`` is on top and mounted (composed)."""
    await until(lambda: isinstance(app.screen, cls) and app.screen.is_mounted,
                what=f"{cls.__name__} shown")
    screen = app.screen
    assert isinstance(screen, cls)
    return screen


def answers(view: SessionView) -> list[str]:
    return [a.text for a in view.panel.timeline.query(AnswerBlock)]


def notices(view: SessionView, kind: str | None = None) -> list[str]:
    return [n.text for n in view.panel.timeline.query(Notice) if kind in (None, n.kind)]


async def send(pilot: Pilot[None], view: SessionView, text: str) -> None:
    """Put ``text`` into the tab's prompt (in one go) and press Enter."""
    view.panel.prompt.focus()
    view.panel.prompt.load_text(text)
    await pilot.press("enter")
