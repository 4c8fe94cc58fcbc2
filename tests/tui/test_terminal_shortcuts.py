"""Keys through the real app: full-screen programs get every key but the escape chord,
``[keys]`` remaps and turns off shortcuts, and closing or quitting over a running
program asks first (the PTY's foreground process group)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from tui_helpers import SIZE, active_view, main_screen, modal, ready, until

from tabwise.tui.app import TabwiseApp
from tabwise.tui.screens import ModelPicker
from tabwise.tui.screens._confirm import ConfirmScreen
from tabwise.tui.widgets import StatusBar, TerminalView

AppFactory = Callable[..., TabwiseApp]
LOGGER = Path(__file__).parent / "terminal" / "fullscreen_logger.py"


def _logged(log: Path) -> bytes:
    if not log.exists():
        return b""
    return b"".join(bytes.fromhex(line) for line in log.read_text().split())


async def test_full_screen_program_gets_f10_f2_alt_t_and_only_the_chord_leaves(
        make_app: AppFactory, home: Path, tmp_path: Path) -> None:
    log = tmp_path / "keys.log"
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        assert view.terminal.model is not None
        view.terminal.model.write(f"{sys.executable} {LOGGER} {log}\r")
        await until(lambda: "LOGGER READY" in view.terminal.screen_text(), what="logger")
        status = screen.query_one(StatusBar)
        await until(lambda: status.hints.startswith("Ctrl+F12 leaves"), what="chord hint")
        await pilot.press("f10", "f2", "f1", "f3", "alt+t", "alt+w", "alt+1")
        await until(lambda: _logged(log).count(b"\x1b") >= 7, what="keys logged")
        got = _logged(log)
        for sent in (b"\x1b[21~", b"\x1bOQ", b"\x1bOP", b"\x1bOR", b"\x1bt", b"\x1bw",
                     b"\x1b1"):
            assert sent in got
        assert app.is_running and app.screen is screen and len(screen.order) == 1
        assert app.focused is view.terminal
        await pilot.press("ctrl+f12")  # the escape chord: out of the program
        await until(lambda: app.focused is view.panel.prompt, what="prompt focused")
        await pilot.press("f2")  # outside the terminal the shortcuts work again
        await modal(app, ModelPicker)
        await pilot.press("escape")
        await until(lambda: app.screen is screen, what="picker closed")
        await pilot.press("f3")
        await until(lambda: app.focused is view.terminal, what="terminal focused")
        await pilot.press("q")
        await until(lambda: "$" in view.terminal.screen_text().splitlines()[-1],
                    what="back at the prompt")
        assert b"\x1b[24;5~" not in _logged(log)  # the chord never reached the program
        await until(lambda: "F10 quit" in status.hints, what="hints back")
        await pilot.press("f2")  # at the shell prompt F2 is the app's again
        await modal(app, ModelPicker)


async def test_keys_table_remaps_and_turns_off_shortcuts(
        make_app: AppFactory, make_home: Callable[..., Path]) -> None:
    home = make_home(extra='[keys]\nquit = "ctrl+q"\nnew_tab = ""\nmodel_picker = "F6"\n')
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        await pilot.press("alt+t", "f10", "f2")  # off / remapped: all go to the shell
        await pilot.pause(0.3)
        assert app.is_running and len(screen.order) == 1 and app.screen is screen
        assert view.terminal.check_consume_key("f10", None)
        await pilot.press("f6")
        await modal(app, ModelPicker)
        await pilot.press("escape")
        await until(lambda: app.screen is screen, what="picker closed")
        await pilot.press("ctrl+q")
        await until(lambda: not app.is_running, what="ctrl+q quits")


async def _run_sleep(view: TerminalView) -> None:
    assert view.model is not None
    view.model.write("sleep 100\r")
    await until(lambda: view.model is not None and view.model.pty.foreground_job() == "sleep",
                what="sleep in the foreground")


async def test_close_tab_asks_while_a_program_runs(make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(app)
        view = active_view(app)
        await pilot.press("alt+w")  # at the prompt: closes at once (a fresh tab replaces it)
        await until(lambda: view.session_id not in screen.order and len(screen.order) == 1,
                    what="closed without asking")
        view = active_view(app)
        await until(lambda: "$" in view.terminal.screen_text(), what="new prompt")
        await _run_sleep(view.terminal)
        await pilot.press("alt+w")
        question = await modal(app, ConfirmScreen)
        assert "sleep is still running" in question.text
        await pilot.press("n")
        await until(lambda: app.screen is screen, what="question gone")
        assert view.session_id in screen.order
        assert view.terminal.model is not None and view.terminal.model.pty.alive
        await pilot.press("alt+w")
        await modal(app, ConfirmScreen)
        await pilot.press("y")
        await until(lambda: view.session_id not in screen.order, what="closed after yes")


async def test_quit_asks_while_a_program_runs(make_app: AppFactory, home: Path) -> None:
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await _run_sleep(view.terminal)
        await pilot.press("f10")
        question = await modal(app, ConfirmScreen)
        assert "sleep (tab" in question.text
        await pilot.press("escape")
        await until(lambda: app.screen is main_screen(app), what="question gone")
        assert app.is_running
        await pilot.press("f10")
        await modal(app, ConfirmScreen)
        await pilot.press("y")
        await until(lambda: not app.is_running, what="quit after yes")


async def test_text_selected_in_the_agent_panel_is_copied(
        make_app: AppFactory, home: Path) -> None:
    from tui_helpers import answers, send

    from tabwise.tui.widgets import AnswerBlock

    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        await send(pilot, view, "copy me please")
        await until(lambda: any("copy me please" in a for a in answers(view)), what="answer")
        block = view.panel.timeline.query(AnswerBlock).last()
        await pilot.pause(0.2)
        await pilot.mouse_down(block, offset=(0, 0))
        await pilot.hover(block, offset=(12, 0))
        await pilot.mouse_up(block, offset=(12, 0))
        await until(lambda: app.clipboard.strip() != "", what="copied")
        assert app.clipboard in "echo: copy me please"
        assert len(app.clipboard) >= 8


async def test_terminal_scrollback_setting_is_honoured(
        make_app: AppFactory, make_home: Callable[..., Path]) -> None:
    home = make_home(extra="[terminal]\nscrollback = 120\n")
    app = make_app(home)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app)
        view = active_view(app)
        assert view.terminal.model is not None
        view.terminal.model.write("seq 1 5000\r")
        await until(lambda: "\n5000\n" in view.terminal.screen_text() + "\n", what="seq")
        emulator = view.terminal.model.emulator
        assert emulator.history_size == 120
        await pilot.press("shift+pageup")
        assert view.terminal.scrolled_back > 0


async def test_the_exit_banner_names_the_close_key_of_the_keys_table(
        make_app: AppFactory, make_home: Callable[..., Path], home: Path) -> None:
    for extra, close in (("", "Alt+W to close]"),
                         ('[keys]\nclose_tab = "ctrl+q"\n', "Ctrl+Q to close]"),
                         ('[keys]\nclose_tab = ""\n', "press Enter to restart]")):
        app = make_app(make_home(extra=extra) if extra else home)
        async with app.run_test(size=SIZE) as pilot:
            await ready(app)
            view = active_view(app)
            assert view.terminal.model is not None
            view.terminal.model.write("exit\r")
            await until(lambda v=view: "[process exited" in v.terminal.screen_text(),
                        what="exit banner")
            banner = view.terminal.screen_text().split("[process exited")[-1]
            assert close in banner, (extra, banner)
            assert ("Alt+W" in banner) == (not extra)
            await pilot.press("f10")
