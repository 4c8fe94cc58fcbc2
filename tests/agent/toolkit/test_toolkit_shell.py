"""run_command with real shells and real process groups."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from tabwise.agent.toolkit import ToolError, run_command
from tabwise.agent.toolkit._limits import COMMAND_OUTPUT_MAX_BYTES, KILL_GRACE_SECONDS

# The grandchild writes its pid, then the shell waits on it: only a group kill ends it.
SPAWN_GRANDCHILD = "sleep 30 & echo $! > pid; echo started; wait"


def running(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie does not (a container's init may never reap it)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            state = file.read().rpartition(b")")[2].split()[0]
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return state not in (b"Z", b"X")


async def wait_until_gone(pid: int, within: float = 2.0) -> bool:
    deadline = time.monotonic() + within
    while running(pid):
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.02)
    return True


async def read_pid(pidfile: Path, within: float = 5.0) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        text = await asyncio.to_thread(lambda: pidfile.read_text() if pidfile.exists() else "")
        if text.strip():
            return int(text)
        await asyncio.sleep(0.02)
    raise AssertionError(f"{pidfile} was never written")


async def test_output_merged_with_exit_code(tmp_path: Path) -> None:
    result = await run_command(tmp_path, "echo out; echo err >&2; exit 3")
    assert result == "out\nerr\n[exit code 3]"


async def test_runs_in_cwd_with_stdin_closed(tmp_path: Path) -> None:
    assert await run_command(tmp_path, "pwd") == f"{tmp_path}\n[exit code 0]"
    # cat would wait for ever on a terminal; with /dev/null it ends at once.
    assert await run_command(tmp_path, "cat", timeout_seconds=5) == \
        "(no output)\n[exit code 0]"


async def test_expands_home_in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert await run_command(Path("~"), "pwd") == f"{tmp_path}\n[exit code 0]"


async def test_long_output_keeps_head_and_tail(tmp_path: Path) -> None:
    result = await run_command(tmp_path, "seq 1 100000")
    total = sum(len(f"{i}\n") for i in range(1, 100001))
    assert result.startswith("1\n2\n3\n")
    assert result.endswith("99999\n100000\n[exit code 0]")
    assert f"[... {total - COMMAND_OUTPUT_MAX_BYTES} bytes omitted ...]" in result
    assert len(result) < COMMAND_OUTPUT_MAX_BYTES + 200


async def test_killed_by_signal_is_named(tmp_path: Path) -> None:
    assert await run_command(tmp_path, "kill -9 $$") == \
        "(no output)\n[exit code -9: killed by SIGKILL]"


async def test_timeout_kills_grandchildren_and_returns_partial_output(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await run_command(tmp_path, SPAWN_GRANDCHILD, timeout_seconds=0.5)
    assert time.monotonic() - started < 0.5 + KILL_GRACE_SECONDS
    assert result == "started\n[timed out after 0.5 s; process group killed]"
    assert await wait_until_gone(await read_pid(tmp_path / "pid"))


async def test_timeout_escalates_to_sigkill(tmp_path: Path) -> None:
    command = "trap '' TERM; " + SPAWN_GRANDCHILD
    started = time.monotonic()
    result = await run_command(tmp_path, command, timeout_seconds=0.2)
    assert time.monotonic() - started >= 0.2 + KILL_GRACE_SECONDS * 0.9
    assert result.endswith("[timed out after 0.2 s; process group killed]")
    assert await wait_until_gone(await read_pid(tmp_path / "pid"))


async def test_cancellation_kills_the_group_and_propagates(tmp_path: Path) -> None:
    task = asyncio.create_task(run_command(tmp_path, SPAWN_GRANDCHILD, timeout_seconds=30))
    grandchild = await read_pid(tmp_path / "pid")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await wait_until_gone(grandchild)


async def test_background_child_does_not_hold_the_call(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await run_command(tmp_path, "sleep 5 & echo $!")
    elapsed = time.monotonic() - started
    pid = int(result.splitlines()[0])
    try:
        assert elapsed < 2
        assert result.endswith("[exit code 0]")
    finally:
        os.kill(pid, signal.SIGKILL)


async def test_commands_run_concurrently(tmp_path: Path) -> None:
    started = time.monotonic()
    results = await asyncio.gather(*(run_command(tmp_path, "sleep 0.3; echo done")
                                     for _ in range(3)))
    assert time.monotonic() - started < 0.8
    assert results == ["done\n[exit code 0]"] * 3


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
async def test_uses_the_given_shell(tmp_path: Path) -> None:
    bash = shutil.which("bash")
    assert bash
    assert await run_command(tmp_path, "[[ 1 == 1 ]] && echo bash", shell=bash) == \
        "bash\n[exit code 0]"


async def test_errors(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="command is empty"):
        await run_command(tmp_path, "  ")
    with pytest.raises(ToolError, match="timeout_seconds must be a positive number"):
        await run_command(tmp_path, "true", timeout_seconds=0)
    with pytest.raises(ToolError, match=r"working directory .* does not exist"):
        await run_command(tmp_path / "missing", "true")
    with pytest.raises(ToolError, match="Could not start the shell /nonexistent/sh"):
        await run_command(tmp_path, "true", shell="/nonexistent/sh")
    with pytest.raises(ToolError, match="The command cannot be run"):
        await run_command(tmp_path, "echo a\0b")
