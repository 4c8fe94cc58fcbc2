"""Streamable HTTP and stdio details: headers, env, cwd, secrets (issue #14)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import fields
from mcp_helpers import SERVER, last_tool_message, stdio_table, tab, wait_status

SECRET = "mcp-secret-token-9f8e7d6c"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def http_server() -> Iterator[str]:
    """The test server over streamable HTTP on 127.0.0.1; yields its URL."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(SERVER), "http", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError("the HTTP MCP server exited") from None
                import time

                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(10)


async def test_streamable_http_with_a_header_from_the_environment(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path, http_server: str,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TW_MCP_TOKEN", SECRET)
    extra = (f'[mcp.web]\nurl = "{http_server}"\napproval = "auto"\n'
             'headers = { X-Token = "Bearer $TW_MCP_TOKEN" }\n')
    home = make_home(extra=extra)
    core = await Tabwise.start(home)
    try:
        a = await tab(core, workdir)
        sub = core.subscribe(a)
        row = await wait_status(core, a, "web", "connected")
        assert row.transport == "http" and "web_header" in row.tools
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("web_header", {"name": "X-Token"})]))
        await core.send_ai_prompt(a, "header")
        assert f"Bearer {SECRET}" in last_tool_message(fake_llm)
        settings = json.dumps(await core.get_settings())
        assert SECRET not in settings and "$TW_MCP_TOKEN" in settings
        events = []
        while (ev := sub.get_nowait()) is not None:
            if ev.type == "mcp_status":
                events.append(ev)
        assert events and SECRET not in json.dumps([fields(e) for e in events])
    finally:
        await core.stop()
    # The token is not in the archive, the settings file or the logs (the tool's own
    # result, which the model asked for, is the one place it may appear).
    for path in home.rglob("*"):
        if path.is_file() and not path.name.startswith("tabwise.db"):
            assert SECRET.encode() not in path.read_bytes(), path


async def test_env_is_resolved_at_start_and_the_cwd_defaults_to_the_tab_directory(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TW_MCP_SECRET", SECRET)
    extra = stdio_table("t", approval='"auto"', env='{ GIVEN = "$TW_MCP_SECRET" }')
    extra += stdio_table("unset", env='{ GIVEN = "${TW_MCP_NOT_SET}" }')
    core = await Tabwise.start(make_home(extra=extra))
    try:
        a = await tab(core, workdir)
        await wait_status(core, a, "t", "connected")
        row = await wait_status(core, a, "unset", "failed")
        assert "TW_MCP_NOT_SET" in row.error and "not set" in row.error
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_env", {"name": "GIVEN"})]))
        await core.send_ai_prompt(a, "env")
        assert SECRET in last_tool_message(fake_llm)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("t_cwd", {})]))
        await core.send_ai_prompt(a, "cwd")
        real = await asyncio.to_thread(os.path.realpath, workdir)
        assert real in last_tool_message(fake_llm)
        assert SECRET not in json.dumps(await core.get_settings())
    finally:
        await core.stop()


async def test_tabs_with_the_same_server_and_directory_share_one_process(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path,
        tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    core = await Tabwise.start(make_home(extra=stdio_table("t")))
    try:
        a, b = await tab(core, workdir), await tab(core, workdir)
        c = await tab(core, other)
        for sid in (a, b, c):
            await wait_status(core, sid, "t", "connected")
        tabs = core.mcp._tabs
        assert tabs[a]["t"] is tabs[b]["t"] and tabs[c]["t"] is not tabs[a]["t"]
        # Closing one tab keeps the shared server for the other.
        await core.close_session(a)
        await asyncio.sleep(0.3)
        assert (await wait_status(core, b, "t", "connected")).error is None
    finally:
        await core.stop()
