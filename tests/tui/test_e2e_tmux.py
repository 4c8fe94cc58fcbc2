"""End to end: the real ``tabwise`` binary in a real terminal (tmux), against the fake
LLM. Type into the shell, prompt the agent, switch the tab's model, quit, start again
and find the tab's model and conversation back. Skipped when tmux is not installed."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

WIDTH, HEIGHT = 140, 45


def _tabwise_command() -> list[str]:
    exe = Path(sys.executable).with_name("tabwise")
    if exe.exists():
        return [str(exe)]
    return [sys.executable, "-m", "tabwise.cli"]


class Tmux:
    """A private tmux server (its own socket, no user config); commands go to the
    session started last."""

    def __init__(self, socket: str) -> None:
        self.socket = socket
        self.session = ""
        self._started = 0

    def run(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                              capture_output=True, text=True, timeout=10, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {proc.stderr.strip()}")
        return proc.stdout

    def start(self, command: str) -> None:
        """Run ``command`` in a new session, then end the previous one (in that order:
        a server left without sessions exits, and a new one on the same socket could
        race with its shutdown)."""
        previous = self.session
        self._started += 1
        self.session = f"tw{self._started}"
        self.run("new-session", "-d", "-s", self.session, "-x", str(WIDTH),
                 "-y", str(HEIGHT), command)
        if previous:
            self.run("kill-session", "-t", previous, check=False)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", self.session, check=False)

    def keys(self, *keys: str) -> None:
        self.run("send-keys", "-t", self.session, *keys)

    def text(self, text: str) -> None:
        self.run("send-keys", "-t", self.session, "-l", text)

    def wait_for(self, predicate: Callable[[str], bool], what: str,
                 timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if predicate(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: not on screen within {timeout} s:\n{screen}")
            time.sleep(0.05)

    def kill(self) -> None:
        self.run("kill-server", check=False)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    t = Tmux(f"tabwise-test-{os.getpid()}-{time.monotonic_ns()}")
    yield t
    t.kill()


def _status(screen: str) -> str:
    lines = [line for line in screen.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def test_shell_agent_model_switch_and_restart_in_a_real_terminal(
        tmux: Tmux, make_home: Callable[..., Path], workdir: Path, tmp_path: Path) -> None:
    home = make_home(persist=True)
    env = {
        "SHELL": "/bin/sh", "PS1": "$ ", "HOME": str(tmp_path), "TERM": "xterm-256color",
        "TW_TEST_KEY1": os.environ["TW_TEST_KEY1"],
        "TW_TEST_KEY2": os.environ["TW_TEST_KEY2"],
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
    }
    # A clean environment: the test process may carry COLUMNS/LINES of its own terminal.
    app = shlex.join(["env", "-i", *(f"{k}={v}" for k, v in env.items()),
                      *_tabwise_command(), "--home", str(home)])
    command = f"cd {shlex.quote(str(workdir))} && {app}; echo EXITED=$?; sleep 30"

    tmux.start(command)
    tmux.wait_for(lambda s: "F10 quit" in s and "local1 · m1 is ready" in s, "first start",
                  timeout=20)
    tmux.text("echo hi-from-shell")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: s.count("hi-from-shell") >= 2, "shell output")

    tmux.keys("F3")
    time.sleep(0.2)
    tmux.text("hello from tmux")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "echo: hello from tmux" in s, "streamed answer")

    tmux.keys("F2")
    tmux.wait_for(lambda s: "Model for tab" in s, "model picker")
    tmux.text("local2/m2")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "local2 · m2" in _status(s), "status shows the new model")

    tmux.keys("F10")
    tmux.wait_for(lambda s: "EXITED=0" in s, "clean exit")

    listed = subprocess.run([*_tabwise_command(), "--home", str(home), "sessions", "list",
                             "--json"], capture_output=True, text=True, timeout=30,
                            check=True, env={**os.environ, **env})
    sessions = json.loads(listed.stdout)
    assert len(sessions) == 1 and not sessions[0]["closed"]
    assert sessions[0]["ai_config"] == {"provider": "local2", "model": "m2"}

    tmux.start(command)
    screen = tmux.wait_for(lambda s: "echo: hello from tmux" in s and "F10 quit" in s,
                           "restored conversation", timeout=20)
    assert "local2 · m2" in _status(screen)
    tmux.keys("F10")
    tmux.wait_for(lambda s: "EXITED=0" in s, "clean exit after restart")
