"""``tabwise serve`` as a real process: the ready line, auth, SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from rpc_client import RpcClient


async def start_serve(home: Path) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tabwise.cli", "--home", str(home), "serve", "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ})
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
    assert line.startswith("listening on ws://127.0.0.1:") and line.endswith("/rpc"), line
    return proc, line.removeprefix("listening on ")


async def test_serve_refuses_without_token_and_exits_0_on_sigterm(home: Path,
                                                                  workdir: Path) -> None:
    proc, url = await start_serve(home)
    try:
        with pytest.raises(InvalidStatus) as err:
            await connect(url)
        assert err.value.response.status_code == 401
        token = (home / "server.token").read_text().strip()
        client = await RpcClient.connect(url, token)
        s = await client.call("create_session", working_directory=str(workdir),
                              terminal=False)
        assert await client.call("send_ai_prompt", session_id=s["session_id"],
                                 prompt="hi") == "echo: hi"
        await client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 20)
    assert code == 0
