"""The app as a whole: start, tabs (new, close, switch), focus, status bar, quit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tui_helpers import SIZE, active_view, answers, main_screen, ready, send, until

from tabwise.api import AiConfig, to_json
from tabwise.tui.app import TabwiseApp
from tabwise.tui.widgets import StatusBar, TabBar, TerminalView

from fake_llm import FakeLLM, Reply

AppFactory = Callable[..., TabwiseApp]


async def test_start_opens_one_tab_with_the_terminal_focused(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        await pilot.pause()
        view = active_view(app)
        assert isinstance(app.focused, TerminalView) and app.focused is view.terminal
        assert list(screen.order) == list(app.core.sessions)
        status = screen.query_one(StatusBar)
        assert status.model == "local1 · m1"
        assert status.state == "idle"
        assert status.working_directory == "~/work"
        bar = screen.query_one(TabBar)
        assert [i.name for i in bar.items] == ["work"] and bar.active == view.session_id


async def test_keys_typed_in_the_terminal_reach_the_shell_ctrl_letters_too(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await pilot.press(*"echo one", "enter")
        await until(lambda: "one\n$" in view.terminal.screen_text(), what="echo output")
        # Ctrl+P and Ctrl+C go to the shell, not to Textual's palette or quit.
        await pilot.press(*"sleep 30", "enter")
        await pilot.pause(0.2)
        await pilot.press("ctrl+c")
        await pilot.press("ctrl+p")
        await until(lambda: "^P" in view.terminal.screen_text(), what="^P echoed")
        assert app.screen is main_screen(app)
        await pilot.press("ctrl+u", *"echo two", "enter")
        await until(lambda: "two\n$" in view.terminal.screen_text(), what="shell after ^C")


async def test_alt_t_alt_w_alt_numbers_and_alt_arrows_manage_tabs(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        first = screen.order[0]
        await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 2, what="second tab")
        second = screen.order[1]
        await until(lambda: screen.active_id == second, what="new tab active")
        await pilot.pause()
        assert app.focused is screen.views[second].terminal
        assert set(app.core.sessions) == {first, second}

        await pilot.press("alt+1")
        assert screen.active_id == first
        await pilot.pause()
        assert app.focused is screen.views[first].terminal
        await pilot.press("alt+right")
        assert screen.active_id == second
        await pilot.press("alt+right")  # wraps around
        assert screen.active_id == first
        await pilot.press("alt+left")
        assert screen.active_id == second
        await pilot.press("alt+9")  # no such tab: nothing happens
        assert screen.active_id == second

        await pilot.press("alt+w")
        await until(lambda: screen.order == [first], what="second tab closed")
        assert screen.active_id == first and set(app.core.sessions) == {first}
        # Closing the last tab opens a fresh one.
        await pilot.press("alt+w")
        await until(lambda: len(screen.order) == 1 and screen.order[0] != first,
                    what="fresh tab")
        assert set(app.core.sessions) == set(screen.order)
        assert screen.active_id == screen.order[0]


async def test_f3_toggles_focus_and_each_tab_remembers_its_pane(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        one = active_view(app)
        await pilot.press("f3")
        assert app.focused is one.panel.prompt
        await pilot.press("f3")
        assert app.focused is one.terminal
        await pilot.press("f3")
        await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 2)
        await until(lambda: app.focused is active_view(app).terminal)
        await pilot.press("alt+1")
        await pilot.pause()
        assert app.focused is one.panel.prompt


async def test_new_tab_uses_the_global_defaults_not_the_active_tabs_model(
        make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        sid = screen.order[0]
        await app.core.init_ai_session(sid, AiConfig("local2", "m2"))
        await until(lambda: active_view(app).model_label == "local2 · m2")
        await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 2)
        new = screen.views[screen.order[1]]
        assert new.model_label == "local1 · m1"
        assert to_json(app.core.ai.bridges[new.session_id].config) == {
            "provider": "local1", "model": "m1"}
        assert screen.query_one(StatusBar).model == "local1 · m1"
        await pilot.press("alt+1")
        assert screen.query_one(StatusBar).model == "local2 · m2"


async def test_background_tabs_show_streaming_unseen_and_failed_markers(
        make_app: AppFactory, home: Path, fake_llm: FakeLLM) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        bar = screen.query_one(TabBar)
        one = active_view(app)
        await pilot.press("alt+t")
        await until(lambda: len(screen.order) == 2)
        await pilot.press("alt+1")
        fake_llm.script("m1", Reply(text="slow " * 20, chunk_size=5, first_delay=1.0),
                        Reply(status=500, error_message="boom", first_delay=0.5))
        await send(pilot, one, "first")
        await until(lambda: one.state == "streaming", what="streaming")
        await pilot.press("alt+2")

        def marker() -> str:
            return bar.items[0].marker

        assert marker() == "streaming"
        assert bar.items[1].marker == ""  # the active tab shows no marker
        await until(lambda: marker() == "unseen", what="finished-unseen marker")
        await pilot.press("alt+1")
        assert marker() == ""
        await send(pilot, one, "second")
        await pilot.press("alt+2")
        await until(lambda: marker() == "failed", what="failed marker")
        await pilot.press("alt+1")
        assert marker() == "" and one.state == "error"
        assert answers(one)[0].startswith("slow slow")


async def test_f10_quits_and_stops_the_shells(make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        pty = active_view(app).terminal.model.pty
        await pilot.press("f10")
        await until(lambda: not pty.alive, what="shell stopped")
    assert app.return_code == 0


async def test_an_exited_shell_restarts_on_enter(make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        old = view.terminal.model.pty
        await pilot.press(*"exit", "enter")
        await until(lambda: not old.alive, what="shell exited")
        await until(lambda: any("Press Enter" in n.message for n in app._notifications),
                    what="exit notification")
        await pilot.press("enter")
        await until(lambda: view.terminal.model.pty is not old, what="new shell")
        await until(lambda: "$" in view.terminal.screen_text(), what="new prompt")
        assert app.core.sessions[view.session_id].pty is view.terminal.model.pty
        await pilot.press(*"echo back", "enter")
        await until(lambda: "back\n$" in view.terminal.screen_text())
