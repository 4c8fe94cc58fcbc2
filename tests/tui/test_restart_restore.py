"""A restart brings back each tab's screen (marked as restored) and the active tab (#12)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import App, ComposeResult
from tui_helpers import SIZE, active_view, ready, until

from tabwise.tui.app import TabwiseApp
from tabwise.tui.widgets import TabBar, TabItem

AppFactory = Callable[..., TabwiseApp]
MARK = "── restored from "


async def test_restart_restores_screens_and_the_active_tab_ten(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        first = active_view(app)
        await pilot.press(*"echo first-tab-$((1+1))", "enter")
        await until(lambda: "first-tab-2\n$" in first.terminal.screen_text(),
                    what="output in tab 1")
        for n in range(2, 11):
            await pilot.press("alt+t")
            await until(lambda n=n: len(screen.order) == n, what=f"{n} tabs")
        tenth = active_view(app)
        assert tenth.session_id == screen.order[9]
        await until(lambda: "$" in tenth.terminal.screen_text(), what="tab 10 prompt")
        await pilot.press(*"echo tenth-tab-$((5*2))", "enter")
        await until(lambda: "tenth-tab-10\n$" in tenth.terminal.screen_text(),
                    what="output in tab 10")
        bar = screen.query_one(TabBar)
        await pilot.pause()
        assert " 10 work " in str(bar.render())
        order = list(screen.order)
        await pilot.press("f10")
    assert app.return_code == 0

    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app, tabs=10)
        assert list(screen.order) == order
        view = active_view(app)
        assert view.session_id == order[9]  # tab 10 again, not tab 1
        await until(lambda: MARK in view.terminal.screen_text(100), what="restored mark")
        text = view.terminal.screen_text(100)
        assert text.index("tenth-tab-10") < text.index(MARK)
        await until(lambda: "$" in view.terminal.screen_text(100).split(MARK)[1],
                    what="new prompt below the mark")
        # The restored lines are history: the new shell takes input below them.
        await pilot.press(*"echo alive-$((3+4))", "enter")
        await until(lambda: "alive-7\n$" in view.terminal.screen_text(100), what="new shell")
        await pilot.press("alt+1")
        one = active_view(app)
        await until(lambda: MARK in one.terminal.screen_text(100), what="tab 1 restored")
        assert "first-tab-2" in one.terminal.screen_text(100)
        await pilot.press("f10")


class _BarApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TabBar()


async def test_tab_ten_and_later_are_numbered() -> None:
    app = _BarApp()
    async with app.run_test(size=(160, 3)) as pilot:
        bar = app.query_one(TabBar)
        bar.items = tuple(TabItem(str(n), f"t{n}") for n in range(1, 13))
        await pilot.pause()
        text = str(bar.render())
        assert " 9 t9 │ 10 t10 │ 11 t11 │ 12 t12 " in text
