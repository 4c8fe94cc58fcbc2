"""The mouse in the terminal pane: reports to programs that ask for them (encodings
and modes), text selection and copy otherwise; and selection in the agent panel."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from terminal_helpers import SpawnShell, wait_for
from test_terminal_view import TermApp, prompt, run, shown

from tabwise.tui.terminal._mouse import MouseAction, encode_mouse, encode_wheel
from tabwise.tui.widgets import TerminalView

LOGGER = Path(__file__).parent / "fullscreen_logger.py"
P, R, M = MouseAction.PRESS, MouseAction.RELEASE, MouseAction.MOTION


@pytest.mark.parametrize(("action", "button", "mode", "sgr", "expected"), [
    (P, 1, 1000, True, b"\x1b[<0;5;3M"),
    (R, 1, 1000, True, b"\x1b[<0;5;3m"),
    (P, 3, 1000, True, b"\x1b[<2;5;3M"),
    (M, 1, 1000, True, None),  # clicks only
    (M, 1, 1002, True, b"\x1b[<32;5;3M"),  # a drag
    (M, 0, 1002, True, None),  # motion without a button: 1003 only
    (M, 0, 1003, True, b"\x1b[<35;5;3M"),
    (P, 1, 1000, False, b"\x1b[M\x20\x25\x23"),  # X10: 32+b, 32+x, 32+y
    (R, 3, 1000, False, b"\x1b[M\x23\x25\x23"),  # X10 release is button 3
    (P, 1, 0, True, None),  # the program did not ask
])
def test_reports(action: MouseAction, button: int, mode: int, sgr: bool,
                 expected: bytes | None) -> None:
    assert encode_mouse(action, button, 4, 2, mode=mode, sgr=sgr) == expected


def test_modifiers_wheel_and_legacy_limits() -> None:
    assert encode_mouse(P, 1, 0, 0, mode=1000, sgr=True, shift=True, alt=True,
                        ctrl=True) == b"\x1b[<28;1;1M"
    assert encode_wheel(True, 0, 0, sgr=True) == b"\x1b[<64;1;1M"
    assert encode_mouse(P, 1, 300, 0, mode=1000, sgr=False) is None  # X10 stops at 223
    assert encode_mouse(P, 1, 300, 0, mode=1000, sgr=True) == b"\x1b[<0;301;1M"


def _logged(log: Path) -> bytes:
    return b"".join(bytes.fromhex(x) for x in log.read_text().split()) if log.exists() else b""


@pytest.mark.parametrize(("modes", "press", "drag", "release"), [
    ("1002 1006", b"\x1b[<0;6;4M", b"\x1b[<32;9;5M", b"\x1b[<0;9;5m"),
    ("1000", b"\x1b[M\x20\x26\x24", None, b"\x1b[M\x23\x29\x25"),
])
async def test_a_program_that_asks_gets_clicks_and_drags(
        spawn_shell: SpawnShell, tmp_path: Path, modes: str, press: bytes,
        drag: bytes | None, release: bytes) -> None:
    log = tmp_path / "mouse.log"
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(80, 20)) as pilot:
        view = await prompt(app)
        run(view, f"{sys.executable} {LOGGER} {log} {modes}")
        await wait_for(lambda: "LOGGER READY" in shown(view))
        await pilot.mouse_down(TerminalView, offset=(5, 3))
        await pilot.hover(TerminalView, offset=(8, 4))
        await pilot.mouse_up(TerminalView, offset=(8, 4))
        await wait_for(lambda: release in _logged(log))
        got = _logged(log)
        assert got.startswith(press)
        if drag is not None:
            assert drag in got
        assert view.selection is None  # the program had the mouse, nothing was selected
        await pilot.press("q")


async def test_dragging_selects_and_copies_when_no_program_asks(
        spawn_shell: SpawnShell) -> None:
    app = TermApp(await spawn_shell())
    async with app.run_test(size=(80, 20)) as pilot:
        view = await prompt(app)
        run(view, "printf 'alpha beta\\ngamma delta\\n'")
        await wait_for(lambda: "gamma delta" in shown(view))
        rows = shown(view).splitlines()
        first = next(i for i, line in enumerate(rows) if line.startswith("alpha"))
        await pilot.mouse_down(TerminalView, offset=(6, first))
        await pilot.hover(TerminalView, offset=(4, first + 1))
        await pilot.mouse_up(TerminalView, offset=(4, first + 1))
        assert view.selected_text() == "beta\ngamma"
        assert app.clipboard == "beta\ngamma"
        # The selection is drawn reversed, from column 6 of the first row on.
        strip = view.render_line(first)
        styles = [seg.style.reverse for seg in strip if seg.text.strip()]
        assert styles[0] in (None, False) and True in styles
        await pilot.press("x")  # typing clears it
        assert view.selection is None
