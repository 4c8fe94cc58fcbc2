"""The terminal pane in a real terminal (tmux): a full-screen program gets the app's
keys, an emoji row leaves the pane border where it is, and closing over vim asks.
Skipped when tmux is not installed."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from test_e2e_tmux import HEIGHT, Tmux, _tabwise_command
from test_e2e_tmux import tmux as tmux  # the fixture

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

LOGGER = Path(__file__).parent / "terminal" / "fullscreen_logger.py"
EMOJI = 'echo "skin: 👍🏽 zwj: 👨‍👩‍👧 | flag 🇯🇵 vs ❤️ cjk 漢字 |"'
BORDER = "▏"  # the agent panel's left edge


def _start(tmux: Tmux, home: Path, workdir: Path, tmp_path: Path) -> None:
    env = {"SHELL": "/bin/sh", "PS1": "$ ", "HOME": str(tmp_path), "TERM": "xterm-256color",
           "TW_TEST_KEY1": os.environ["TW_TEST_KEY1"],
           "TW_TEST_KEY2": os.environ["TW_TEST_KEY2"],
           "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
           "LC_ALL": "C.UTF-8"}
    app = shlex.join(["env", "-i", *(f"{k}={v}" for k, v in env.items()),
                      *_tabwise_command(), "--home", str(home)])
    tmux.start(f"cd {shlex.quote(str(workdir))} && {app}; echo EXITED=$?; sleep 30")
    tmux.wait_for(lambda s: "F10 quit" in s and "local1 · m1 is ready" in s, "start",
                  timeout=20)


def _border_columns(tmux: Tmux) -> list[int]:
    """The cell column of the panel border on each screen row, as tmux has the cells
    (copy mode's cursor after jumping to it; -1 where the row has none)."""
    tmux.run("copy-mode", "-t", tmux.session)
    columns = []
    try:
        for line in range(HEIGHT):
            tmux.run("send-keys", "-t", tmux.session, "-X", "top-line")
            for _ in range(line):
                tmux.run("send-keys", "-t", tmux.session, "-X", "cursor-down")
            tmux.run("send-keys", "-t", tmux.session, "-X", "start-of-line")
            tmux.run("send-keys", "-t", tmux.session, "-X", "jump-forward", BORDER)
            x = int(tmux.run("display", "-p", "-t", tmux.session, "#{copy_cursor_x}"))
            columns.append(x if x else -1)
    finally:
        tmux.run("send-keys", "-t", tmux.session, "-X", "cancel")
    return columns


def test_full_screen_program_gets_f10_and_an_emoji_row_keeps_the_border(
        tmux: Tmux, make_home: Callable[..., Path], workdir: Path, tmp_path: Path) -> None:
    _start(tmux, make_home(), workdir, tmp_path)
    tmux.text("clear; " + EMOJI)
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "cjk" in s and "clear;" not in s, "emoji row")
    columns = _border_columns(tmux)[1:-1]  # every row between the tab and status bars
    assert len(set(columns)) == 1 and columns[0] > 0, columns  # none erased or moved

    log = tmp_path / "keys.log"
    tmux.text(f"{sys.executable} {LOGGER} {log}")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "LOGGER READY" in s and "Ctrl+F12 leaves" in s, "logger")
    tmux.keys("F10")
    tmux.wait_for(lambda s: "got b'\\x1b[21~'" in s, "F10 reached the program")
    tmux.keys("F2")
    tmux.wait_for(lambda s: "got b'\\x1bOQ'" in s, "F2 reached the program")
    assert "EXITED" not in tmux.screen() and "Model for tab" not in tmux.screen()
    tmux.text("q")
    tmux.wait_for(lambda s: "F10 quit" in s, "logger ended")
    tmux.keys("F10")
    tmux.wait_for(lambda s: "EXITED=0" in s, "F10 at the shell quits")


@pytest.mark.skipif(shutil.which("vim") is None, reason="vim is not installed")
def test_closing_a_tab_with_vim_in_it_asks_first(
        tmux: Tmux, make_home: Callable[..., Path], workdir: Path, tmp_path: Path) -> None:
    _start(tmux, make_home(), workdir, tmp_path)
    tmux.text(f"vim -u NONE {tmp_path / 'notes.txt'}")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "notes.txt" in s, "vim")
    tmux.text("iunsaved work")
    tmux.keys("Escape")
    tmux.keys("C-F12")  # the escape chord: out of vim, where Alt+W is the app's again
    tmux.keys("M-w")
    tmux.wait_for(lambda s: "Close this tab?" in s and "vim is still running" in s,
                  "close asks")
    tmux.keys("n")
    tmux.wait_for(lambda s: "Close this tab?" not in s and "unsaved work" in s, "vim kept")
    tmux.keys("F10")
    tmux.wait_for(lambda s: "Quit tabwise?" in s, "quit asks")
    tmux.keys("Escape")
    tmux.wait_for(lambda s: "Quit tabwise?" not in s, "quit cancelled")
    time.sleep(0.5)  # the dialog gives the focus back to the prompt
    tmux.keys("F3")  # back into vim
    time.sleep(0.5)
    tmux.text(":q!")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "unsaved work" not in s, "vim quit")
    tmux.keys("M-w")  # nothing runs now: closes at once (a fresh tab replaces it)
    tmux.keys("F10")
    tmux.wait_for(lambda s: "EXITED=0" in s, "quit without asking")
