"""`tabwise sessions list|show` show which session a fork came from (issue #16)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tabwise.api import SessionInfo
from tabwise.api.views import fork_tree
from tabwise.commands import Tabwise

from helpers import ai


def tabwise(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tabwise.cli", *args], capture_output=True,
                          text=True, check=False, timeout=60)


async def test_sessions_list_puts_forks_under_their_source(
        make_home: Callable[..., Path], workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    src = (await core.create_session(str(workdir), name="source", terminal=False))
    other = (await core.create_session(str(workdir), name="other", terminal=False))
    await core.send_ai_prompt(src.session_id, "hi")
    fork = await core.fork_session(src.session_id, ai("local2", "m2"), name="the fork")
    await core.fork_session(fork.session_id, name="grandchild")
    await core.stop()
    out = await asyncio.to_thread(tabwise, "--home", str(home), "sessions", "list")
    assert out.returncode == 0, out.stderr
    names = [ln.split("  ")[-1] for ln in out.stdout.splitlines()]
    lines = out.stdout.splitlines()
    order = [next(i for i, ln in enumerate(lines) if n in ln)
             for n in ("source", "the fork", "grandchild", "other")]
    assert order == sorted(order), out.stdout
    fork_line = lines[order[1]]
    assert f"(fork of {src.session_id[:12]})" in fork_line and "└ the fork" in fork_line
    assert names and "fork of" not in lines[order[0]] and "fork of" not in lines[order[3]]
    assert other.session_id[:12] in lines[order[3]]
    shown = await asyncio.to_thread(tabwise, "--home", str(home), "sessions", "show",
                                    fork.session_id[:10])
    assert f"forked_from: {src.session_id}" in shown.stdout


def test_fork_tree_orders_forks_under_their_source() -> None:
    def row(session_id: str, forked_from: str | None = None) -> SessionInfo:
        return SessionInfo(session_id, "", "", 0, 0, 0, None, "archived", False, False,
                           forked_from, ())

    rows = [row("c", "b"), row("a"), row("b", "a"), row("x", "gone"), row("d", "a")]
    assert [(d, r.session_id) for d, r in fork_tree(rows)] == [
        (0, "a"), (1, "b"), (2, "c"), (1, "d"), (0, "x")]
