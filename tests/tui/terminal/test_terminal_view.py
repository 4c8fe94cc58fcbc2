"""TerminalView in a real Textual app, driving a real /bin/sh through the pilot."""

from __future__ import annotations

import time

from terminal_helpers import SpawnShell, wait_for
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.message import Message

from tabwise.pty import PtyProcess
from tabwise.tui.terminal import TerminalModel
from tabwise.tui.widgets import TerminalView


class TermApp(App[None]):
    """One terminal pane plus an app shortcut, recording what the view posts."""

    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("f2", "picked", "model picker"), Binding("alt+t", "picked", "new tab")]

    def __init__(self, pty: PtyProcess) -> None:
        super().__init__()
        self.pty = pty
        self.posted: list[Message] = []
        self.actions = 0

    def compose(self) -> ComposeResult:
        yield TerminalView(self.pty)

    def on_mount(self) -> None:
        self.query_one(TerminalView).focus()

    def action_picked(self) -> None:
        self.actions += 1

    def on_terminal_view_exited(self, message: TerminalView.Exited) -> None:
        self.posted.append(message)

    def on_terminal_view_restart_requested(self, message: TerminalView.RestartRequested) -> None:
        self.posted.append(message)

    def on_terminal_view_title_changed(self, message: TerminalView.TitleChanged) -> None:
        self.posted.append(message)


def shown(view: TerminalView) -> str:
    """What the widget actually paints, row by row."""
    return "\n".join(view.render_line(y).text.rstrip() for y in range(view.size.height))


async def type_line(pilot: object, text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)  # type: ignore[attr-defined]
    await pilot.press("enter")  # type: ignore[attr-defined]


async def prompt(app: App[None]) -> TerminalView:
    """The app's terminal once the shell has printed its first prompt."""
    view = app.query_one(TerminalView)
    await wait_for(lambda: "$" in shown(view))
    return view


def run(view: TerminalView, command: str) -> None:
    """Send a command line straight to the shell (the pilot types ~15 keys/s)."""
    assert view.model is not None
    view.model.write(command + "\r")


async def test_typed_command_output_is_drawn(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(80, 20)) as pilot:
        view = await prompt(app)
        await type_line(pilot, "echo hello")
        await wait_for(lambda: "\nhello\n" in shown(view))
        assert "$ echo hello" in view.screen_text()


async def test_ctrl_c_interrupts_the_foreground_job(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(80, 20)) as pilot:
        view = await prompt(app)
        run(view, "sleep 10; echo slept")
        await wait_for(lambda: "sleep 10" in shown(view))
        started = time.monotonic()
        await pilot.pause(0.2)  # let the shell start sleep before interrupting it
        await pilot.press("ctrl+c")
        run(view, "echo back")
        await wait_for(lambda: "\nback" in shown(view), timeout=5)
        assert time.monotonic() - started < 5
        assert "\nslept" not in shown(view)


async def test_flood_keeps_the_app_responsive(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell(cols=60))
    async with app.run_test(size=(60, 20)) as pilot:
        view = await prompt(app)
        run(view, "seq 1 300000")
        await wait_for(lambda: view.model.emulator.history_size > 100)  # the flood is on
        started = time.monotonic()
        await pilot.press("shift+pageup")  # handled by the app while the flood runs
        assert time.monotonic() - started < 2
        await type_line(pilot, "echo done")
        await wait_for(lambda: "\n300000\n" in shown(view) + "\n", timeout=15)
        await wait_for(lambda: "\ndone" in shown(view), timeout=5)
        assert view.scrolled_back == 0  # typing snapped the view back to the live screen


async def test_resize_follows_the_widget(spawn_shell: SpawnShell) -> None:
    pty = await spawn_shell()
    app = TermApp(pty)
    async with app.run_test(size=(70, 15)) as pilot:
        view = await prompt(app)
        await wait_for(lambda: (pty.rows, pty.cols) == (15, 70))
        await pilot.resize_terminal(90, 25)
        await wait_for(lambda: (pty.rows, pty.cols) == (25, 90))
        assert (view.model.emulator.rows, view.model.emulator.cols) == (25, 90)
        run(view, "stty size")
        await wait_for(lambda: "\n25 90" in shown(view))


async def test_exit_shows_a_banner_and_enter_requests_a_restart(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(100, 20)) as pilot:
        view = await prompt(app)
        run(view, "exit 3")
        await wait_for(lambda: any(isinstance(m, TerminalView.Exited) for m in app.posted))
        exited = next(m for m in app.posted if isinstance(m, TerminalView.Exited))
        assert exited.code == 3 and exited.control is view
        await wait_for(lambda: "[process exited with code 3" in shown(view))
        await pilot.press("enter")
        await wait_for(
            lambda: any(isinstance(m, TerminalView.RestartRequested) for m in app.posted)
        )


async def test_title_changes_are_posted(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(80, 20)):
        view = await prompt(app)
        run(view, r"printf '\033]0;my-title\007'")
        await wait_for(lambda: view.terminal_title == "my-title")
        await wait_for(lambda: any(isinstance(m, TerminalView.TitleChanged) for m in app.posted))


async def test_app_shortcuts_bubble_and_shell_keys_do_not(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(80, 20)) as pilot:
        view = await prompt(app)
        await pilot.press("f2", "alt+t")
        assert app.actions == 2
        # Ctrl+A, Tab and Ctrl+P reach the program instead of moving focus or opening menus.
        run(view, "cat -vT")
        await pilot.press("ctrl+a", "tab", "ctrl+p", "ctrl+q", "enter")
        assert app.focused is view
        assert app.is_running  # Textual's own Ctrl+Q (quit) did not fire
        await wait_for(lambda: "\n^A^I^P" in shown(view))
        await pilot.press("ctrl+d")


async def test_paste_respects_bracketed_paste_mode(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(80, 20)) as pilot:
        view = await prompt(app)
        view.post_message(events.Paste("echo pasted\n"))
        await wait_for(lambda: "\npasted" in shown(view))
        run(view, r"printf '\033[?2004h'; cat -v")
        await wait_for(lambda: view.model.emulator.bracketed_paste)
        view.post_message(events.Paste("abc"))
        await pilot.press("enter")
        await wait_for(lambda: "^[[200~abc^[[201~" in shown(view))
        await pilot.press("ctrl+d")


async def test_history_scrolls_and_typing_returns_to_live(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(40, 10)) as pilot:
        view = await prompt(app)
        run(view, "seq 1 50")
        await wait_for(lambda: "\n50\n" in shown(view))
        await pilot.press("shift+pageup")
        assert view.scrolled_back == 9
        assert "\n50\n" not in shown(view)
        await pilot.press("shift+pagedown")
        assert view.scrolled_back == 0
        await pilot.press("shift+pageup", "x")
        assert view.scrolled_back == 0


async def test_detach_keeps_the_screen_current(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(60, 12)) as pilot:
        view = await prompt(app)
        await wait_for(lambda: "$" in shown(view))
        model = view.detach()
        assert model is not None and view.model is None
        model.write("echo while-away\r")
        await wait_for(lambda: "\nwhile-away" in model.screen_text())
        view.attach(model)
        await pilot.pause()
        assert "\nwhile-away" in shown(view)


async def test_restart_can_continue_the_old_screen(spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(100, 15)) as pilot:
        view = await prompt(app)
        run(view, "echo before; exit")
        await wait_for(lambda: "[process exited with code 0" in shown(view))
        await pilot.press("enter")
        await wait_for(
            lambda: any(isinstance(m, TerminalView.RestartRequested) for m in app.posted)
        )
        model = view.model
        new_pty = await spawn_shell()
        assert view.attach(new_pty, keep_screen=True) is model
        await wait_for(lambda: shown(view).rstrip().endswith("$"))
        run(view, "echo after")
        await wait_for(lambda: "\nafter" in shown(view))
        assert "\nbefore" in shown(view)
        assert (new_pty.rows, new_pty.cols) == (15, 100)


async def test_one_view_can_switch_between_ptys(spawn_shell: SpawnShell) -> None:
    first, second = await spawn_shell(), await spawn_shell()
    background = TerminalModel.for_pty(second)  # follows it from the start (the prompt)
    app = TermApp(first)
    async with app.run_test(size=(60, 12)) as pilot:
        view = await prompt(app)
        run(view, "echo on-first")
        await wait_for(lambda: "\non-first" in shown(view))
        first_model = view.model
        assert view.attach(second) is background
        await wait_for(lambda: "$" in shown(view))
        assert "on-first" not in shown(view)
        assert view.attach(first) is first_model  # kept listening while not shown
        await pilot.pause()
        assert "\non-first" in shown(view)
