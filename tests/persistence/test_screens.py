"""A tab's terminal screen and scrollback survive a restart, marked as restored (#12.6)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tabwise.api import PtyReadResult
from tabwise.commands import Tabwise, _snapshots
from tabwise.pty import render_screen, restored_preamble

from helpers import KEY1
from rpc_client import RpcClient

MARK = "── restored from "


async def _output(read: Callable[[], Any], needle: str, timeout: float = 10) -> str:
    deadline = time.monotonic() + timeout
    while True:
        got = await read()
        text = got.data if isinstance(got, PtyReadResult) else \
            got["data"] if isinstance(got, dict) else got
        if needle in text:
            return str(text)
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} not in terminal output: {text[-500:]!r}")
        await asyncio.sleep(0.05)


async def _after_mark(reading: Any) -> str:
    text = (await reading).data
    return str(text[text.index(MARK):]) if MARK in text else ""


async def test_restart_shows_the_last_screen_above_the_new_prompt(
        home: Path, workdir: Path) -> None:
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir))).session_id
    await core.pty_write(sid, "printf '\\033[31mred-%s\\033[0m\\n' before-quit\n")
    await _output(lambda: core.pty_read(sid), "red-before-quit\x1b[0m\r\n")
    await core.stop()

    core = await Tabwise.start(home)
    try:
        text = await _output(lambda: core.pty_read(sid), MARK)
        # The old lines come first (with their colour), then the mark, then the new shell.
        old = text.index("red-before-quit")
        mark = text.index(MARK)
        assert old < mark
        assert "\x1b[0;31mred-before-quit" in text
        assert "\x1b[0;2m" + MARK in text  # dim
        assert time.strftime("%Y-%m-%d") in text[mark:]
        # The new shell's prompt follows the mark.
        await _output(lambda: _after_mark(core.pty_read(sid)), "$ ")
        # Replayed lines carry no modes or queries, only text and SGR.
        assert "\x1b[?" not in text[:mark]
    finally:
        await core.stop()


async def test_a_closed_tab_keeps_its_screen_for_a_later_restore(
        home: Path, workdir: Path) -> None:
    core = await Tabwise.start(home)
    try:
        sid = (await core.create_session(str(workdir))).session_id
        await core.pty_write(sid, "echo closed-tab-$((6*7))\n")
        await _output(lambda: core.pty_read(sid), "closed-tab-42")
        await core.close_session(sid)
        await core.restore_session(sid)
        await _output(lambda: core.pty_read(sid), MARK)
        assert "closed-tab-42" in (await core.pty_read(sid)).data
    finally:
        await core.stop()


async def test_a_full_screen_program_at_quit_restores_the_shell_screen(
        home: Path, workdir: Path) -> None:
    """Quit with a full-screen program open: the new shell shows the main screen (what
    was there before the program), not the program's screen, and no mode carries over."""
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir))).session_id
    await core.pty_write(sid, "echo main-$((1))-line\n")
    await _output(lambda: core.pty_read(sid), "main-1-line\r\n")
    await core.pty_write(sid, "printf '\\033[?1049h\\033[?1000h\\033[Hfull-%s' screen-app; "
                              "sleep 30\n")
    await _output(lambda: core.pty_read(sid), "full-screen-app")
    await core.stop()

    core = await Tabwise.start(home)
    try:
        text = await _output(lambda: core.pty_read(sid), MARK)
        restored = text[:text.index(MARK)]
        assert "main-1-line" in restored
        assert "full-screen-app" not in restored
        assert "\x1b[?1000h" not in restored and "\x1b[?1049h" not in restored
    finally:
        await core.stop()


async def test_deleting_a_session_deletes_its_screen(home: Path, workdir: Path) -> None:
    core = await Tabwise.start(home)
    try:
        sid = (await core.create_session(str(workdir))).session_id
        await core.pty_write(sid, "echo secret-screen\n")
        await _output(lambda: core.pty_read(sid), "secret-screen\r\n")
        await core.close_session(sid)
        await core.delete_session(sid)
        assert core.archive is not None
        await core.archive.flush()
    finally:
        await core.stop()
    conn = sqlite3.connect(home / "tabwise.db")
    try:
        assert conn.execute("SELECT count(*) FROM terminal_snapshots").fetchone()[0] == 0
    finally:
        conn.close()


async def test_serve_sigterm_saves_screens_and_restores_them(
        home: Path, workdir: Path) -> None:
    async def serve() -> tuple[asyncio.subprocess.Process, RpcClient]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tabwise.cli", "--home", str(home), "serve", "--port", "0",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ})
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        token = (home / "server.token").read_text().strip()
        return proc, await RpcClient.connect(line.removeprefix("listening on "), token)

    proc, client = await serve()
    sid = (await client.call("create_session", working_directory=str(workdir)))["session_id"]
    await client.call("pty_write", session_id=sid, data="echo served-$((2+3))\n")
    await _output(lambda: client.call("pty_read", session_id=sid), "served-5\r\n")
    await client.close()
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), 20) == 0

    proc, client = await serve()
    try:
        text = await _output(lambda: client.call("pty_read", session_id=sid), MARK)
        assert text.index("served-5") < text.index(MARK)
    finally:
        await client.close()
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 20)


def test_render_keeps_styles_and_wide_characters_and_bounds_history() -> None:
    raw = b"".join(f"line {i}\r\n".encode() for i in range(100))
    raw += ("\x1b[1;38;5;208mbold orange\x1b[0m 界 \x1b[48;2;1;2;3mrgb\x1b[0m "
            "\x1b[41m  \x1b[0m\r\n" + "w" * 45 + "\r\n$ ").encode()
    # Modes, charsets, a scroll region and a title set at the end leave no trace.
    raw += b"\x1b[?2004h\x1b[?1h\x1b=\x1b(0\x1b[5;10r\x1b]0;title\x07\x1b[6n"
    screen = render_screen(raw, 10, 40, history=20)
    lines = screen.text.split("\r\n")
    # 20 lines of history + the 10-row screen, the 45 w's wrapped on 2 rows being one.
    assert screen.lines == len(lines) == 29
    assert lines[0] == "line 74"
    assert lines[-3] == ("\x1b[0;38;5;208;1mbold orange\x1b[0m 界 "
                         "\x1b[0;48;2;1;2;3mrgb\x1b[0m \x1b[0;41m  \x1b[0m")
    assert lines[-2] == "w" * 45  # soft-wrapped: replays (and reflows) as one line
    assert _strip_sgr(lines[-1]) == "$"
    assert all(not re.search(r"\x1b(?!\[[0-9;]*m)|[\x00-\x09\x0b-\x1a\x1c-\x1f\x7f-\x9f]", ln)
               for ln in lines)


def _strip_sgr(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def test_blank_screen_gets_no_mark() -> None:
    assert restored_preamble("", time.time()) == b""
    assert render_screen(b"\r\n\r\n", 5, 20, history=10).text == ""


async def test_screens_are_saved_periodically_so_a_crash_keeps_them(
        home: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a clean stop (kill -9) the last periodic save is what comes back."""
    monkeypatch.setattr(_snapshots, "SNAPSHOT_INTERVAL", 0.2)
    core = await Tabwise.start(home)
    try:
        sid = (await core.create_session(str(workdir))).session_id
        await core.pty_write(sid, "echo periodic-$((3*3))\n")
        await _output(lambda: core.pty_read(sid), "periodic-9\r\n")

        def saved() -> bytes:
            conn = sqlite3.connect(home / "tabwise.db")
            try:
                row = conn.execute("SELECT data FROM terminal_snapshots WHERE session_id = ?",
                                   (sid,)).fetchone()
            finally:
                conn.close()
            return zlib.decompress(row[0]) if row else b""

        deadline = time.monotonic() + 10
        while b"periodic-9" not in saved():
            assert time.monotonic() < deadline, "no periodic snapshot"
            await asyncio.sleep(0.1)
    finally:
        await core.stop()


async def test_a_restarted_shell_keeps_the_old_shells_output_in_the_snapshot(
        home: Path, workdir: Path) -> None:
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir))).session_id
    await core.pty_write(sid, "echo first-shell-$((4+4))\n")
    await _output(lambda: core.pty_read(sid), "first-shell-8\r\n")
    await core.restart_terminal(sid)
    await core.pty_write(sid, "echo second-shell-$((4+5))\n")
    await _output(lambda: core.pty_read(sid), "second-shell-9\r\n")
    await core.stop()

    core = await Tabwise.start(home)
    try:
        text = await _output(lambda: core.pty_read(sid), MARK)
        assert text.index("first-shell-8") < text.index("second-shell-9") < text.index(MARK)
    finally:
        await core.stop()


async def test_the_active_session_is_kept_over_rpc_style_calls(home: Path,
                                                               workdir: Path) -> None:
    core = await Tabwise.start(home)
    a = (await core.create_session(str(workdir), terminal=False)).session_id
    b = (await core.create_session(str(workdir), terminal=False)).session_id
    assert await core.get_active_session() is None
    await core.set_active_session(b)
    await core.set_active_session(a)
    await core.stop()
    core = await Tabwise.start(home)
    try:
        assert await core.get_active_session() == a
        await core.close_session(a)
        assert await core.get_active_session() is None  # only a live tab is active
    finally:
        await core.stop()


async def test_an_api_key_printed_in_the_terminal_is_not_archived(
        home: Path, workdir: Path) -> None:
    core = await Tabwise.start(home)
    try:
        sid = (await core.create_session(str(workdir))).session_id
        assert core.ai.is_initialized(sid)  # the tab's provider key has been resolved
        await core.pty_write(sid, "echo key=$TW_TEST_KEY1\n")
        await _output(lambda: core.pty_read(sid), f"key={KEY1}\r\n")
    finally:
        await core.stop()
    raw = (home / "tabwise.db").read_bytes()
    conn = sqlite3.connect(home / "tabwise.db")
    try:
        [(data,)] = conn.execute("SELECT data FROM terminal_snapshots").fetchall()
    finally:
        conn.close()
    text = zlib.decompress(data).decode()
    assert "key=[redacted]" in text and KEY1 not in text
    assert KEY1.encode() not in raw
