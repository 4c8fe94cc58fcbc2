"""Reply received → kill -9 → restart → what was acknowledged is there (issue #10 item 6).

DESIGN §4: a reply is sent only after what it reports is durable. Each round starts a real
`tabwise serve`, makes changes (a new tab, a completed turn, a rename, a close), and kills
the process the moment the last reply arrives; the next round checks every change any
earlier round was told about. Bounded: ROUNDS rounds or BUDGET_SECONDS, whichever first.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rpc_client import RpcClient

ROUNDS = 6
BUDGET_SECONDS = 30.0


@dataclass
class Acked:
    names: dict[str, str] = field(default_factory=dict)  # open session -> name
    turns: dict[str, int] = field(default_factory=dict)  # session -> completed turns
    closed: set[str] = field(default_factory=set)
    writes: int = 0


async def start_serve(home: Path) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tabwise.cli", "--home", str(home), "serve", "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ})
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
    assert line.startswith("listening on "), line
    return proc, line.removeprefix("listening on ")


async def check(client: RpcClient, acked: Acked) -> int:
    """Every acknowledged change is there; returns how many were lost."""
    lost = 0
    live = {s["session_id"]: s for s in await client.call("list_sessions")}
    every = {s["session_id"]: s for s in await client.call("list_sessions",
                                                           include_closed=True)}
    for sid, name in acked.names.items():
        if sid not in live or live[sid]["name"] != name:
            lost += 1
            continue
        got = await client.call("get_ai_conversation_length", session_id=sid)
        # Each completed turn is a request and a response.
        if got != 2 * acked.turns.get(sid, 0):
            lost += 1
    for sid in acked.closed:
        if sid in live or not every.get(sid, {}).get("closed"):
            lost += 1
    return lost


async def test_kill_9_after_each_reply_loses_nothing(home: Path, workdir: Path) -> None:
    acked = Acked()
    lost = 0
    rounds = 0
    started = time.monotonic()
    while rounds < ROUNDS and time.monotonic() - started < BUDGET_SECONDS:
        proc, url = await start_serve(home)
        try:
            client = await RpcClient.connect(url, (home / "server.token").read_text().strip())
            lost += await check(client, acked)
            sid = (await client.call("create_session", working_directory=str(workdir),
                                     name=f"tab {rounds}", terminal=False))["session_id"]
            acked.names[sid] = f"tab {rounds}"
            acked.writes += 1
            for target in list(acked.names)[-2:]:
                await client.call("send_ai_prompt", session_id=target,
                                  prompt=f"round {rounds}")
                acked.turns[target] = acked.turns.get(target, 0) + 1
                acked.writes += 1
            await client.call("rename_session", session_id=sid, name=f"renamed {rounds}")
            acked.names[sid] = f"renamed {rounds}"
            acked.writes += 1
            if rounds % 3 == 2:
                victim = next(iter(acked.names))
                await client.call("close_session", session_id=victim)
                del acked.names[victim]
                acked.closed.add(victim)
                acked.writes += 1
            # The very moment the last reply is in: no flush, no goodbye.
            proc.send_signal(signal.SIGKILL)
        finally:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()
        rounds += 1
    proc, url = await start_serve(home)
    try:
        client = await RpcClient.connect(url, (home / "server.token").read_text().strip())
        lost += await check(client, acked)
        await client.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    with sqlite3.connect(home / "tabwise.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    print(f"\nkill -9 loop: {rounds} rounds, {acked.writes} acknowledged writes, "
          f"{lost} lost, {time.monotonic() - started:.1f} s")
    assert rounds >= 3
    assert lost == 0
