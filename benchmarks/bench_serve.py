"""P4: the AI path over ``tabwise serve``.

Added latency per call, time to first token over the wire, and the agent's speed with
10 WebSocket subscribers in another process
(``python -m benchmarks.bench_serve fanout-client ...`` is that process).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._ai import (
    CHUNK,
    TERMINAL,
    Part,
    RpcClient,
    long_text,
    main_cli,
    median,
    ms,
    now,
    p50,
    run_parts,
    session,
    tw_turn,
    ws_turn,
)
from ._fake import ROOT, FakeServer, Reply
from ._rows import Row, row

if TYPE_CHECKING:
    from tabwise.commands import Tabwise

IDS = ("P4",)

async def p4(core: Tabwise, fake: FakeServer, workdir: Path, quick: bool) -> list[Row]:
    from tabwise.server import start_server

    n_calls = 500 if quick else 5000
    n_ttft = 15 if quick else 100
    n_fan, fan_chunks = (3, 1000) if quick else (10, 2000)
    server = await start_server(core, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    token = core.paths.token_file.read_text().strip()
    sid = await session(core, workdir, "local1", "p4")
    rpc = await RpcClient.connect(port, token)
    try:
        # Call latency: a cheap method over the wire vs the same call in-process.
        params = {"session_id": sid}
        for _ in range(100):
            await rpc.call("get_session_ai_config", params)
            await core.get_session_ai_config(sid)
        wire: list[float] = []
        local: list[float] = []
        for _ in range(n_calls):
            t0 = now()
            await rpc.call("get_session_ai_config", params)
            t1 = now()
            await core.get_session_ai_config(sid)
            t2 = now()
            wire.append(t1 - t0)
            local.append(t2 - t1)

        # TTFT over the wire vs in-process.
        for _ in range(5):
            await ws_turn(rpc, sid)
            await tw_turn(core, sid)
            await core.clear_ai_conversation(sid)
        ttft_wire: list[float] = []
        ttft_local: list[float] = []
        for _ in range(n_ttft):
            ttft_wire.append((await ws_turn(rpc, sid)).ttft)
            await core.clear_ai_conversation(sid)
            ttft_local.append((await tw_turn(core, sid)).ttft)
            await core.clear_ai_conversation(sid)

        # Fan-out: the agent's speed with 0 vs 10 subscribers in another process.
        text = long_text(fan_chunks)

        async def agent_rate() -> float:
            fake.script("p4", Reply(text=text, chunk_size=CHUNK))
            t = await tw_turn(core, sid)
            await core.clear_ai_conversation(sid)
            return fan_chunks / t.total

        alone: list[float] = []
        fanned: list[float] = []
        lag: list[float] = []
        complete = 0
        client = await FanoutClient.start(port, token, sid, 10)
        try:
            await agent_rate()
            await client.subscribe()
            await agent_rate()
            await client.turn_report()
            for i in range(2 * n_fan):  # alone and fanned turns alternate
                if i % 2 == 0:
                    alone.append(await agent_rate())
                    continue
                await client.subscribe()
                fake.script("p4", Reply(text=text, chunk_size=CHUNK))
                t = await tw_turn(core, sid)
                done = now()
                await core.clear_ai_conversation(sid)
                fanned.append(fan_chunks / t.total)
                report = await client.turn_report()
                complete += sum(1 for n in report["chars"] if n == len(text))
                lag.append(max(report["done"]) - done)
        finally:
            await client.stop()
    finally:
        await rpc.close()
        server.close()
        await server.wait_closed()
    added = ms(p50(wire) - p50(local))
    ttft_added = ms(median(ttft_wire) - median(ttft_local))
    a, f = median(alone), median(fanned)
    return [
        row("P4", "added latency per call over serve (p50)", added, "ms", "≤ 2 ms",
            added <= 2, baseline=ms(p50(local))),
        row("P4", "TTFT added over serve (median)", ttft_added, "ms", "≤ 2 ms",
            ttft_added <= 2, baseline=ms(median(ttft_local))),
        row("P4", "agent throughput with 10 WebSocket subscribers", f, "chunks/s",
            "≥ 90 % of 0 subscribers", f >= 0.9 * a, baseline=a, ratio=f / a),
        row("P4", "subscribers that got the whole reply", complete, "",
            f"{10 * n_fan}", complete == 10 * n_fan),
        row("P4", "last subscriber done after the agent (median)", ms(median(lag)), "ms",
            "", None),
    ]


class FanoutClient:
    """The P4 subscriber process: ``subscribers`` connections to the server. Per fanned
    turn the parent says ``sub``; each connection subscribes to the session, reads the
    turn to its end, unsubscribes, and the child reports what each one got."""

    def __init__(self, proc: asyncio.subprocess.Process, subscribers: int) -> None:
        self.proc = proc
        self.subscribers = subscribers

    @classmethod
    async def start(cls, port: int, token: str, sid: str, subscribers: int) -> FanoutClient:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "benchmarks.bench_serve", "fanout-client", str(port), sid,
            str(subscribers), cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env={**os.environ, "TW_BENCH_TOKEN": token})
        self = cls(proc, subscribers)
        line = await self._line()
        if line.get("connected") != subscribers:
            raise RuntimeError(f"fan-out client did not start: {line}")
        return self

    async def _line(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        if not raw:
            raise RuntimeError("the fan-out client exited")
        return dict(json.loads(raw))

    async def subscribe(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"sub\n")
        await self.proc.stdin.drain()
        line = await self._line()
        if line.get("subscribed") != self.subscribers:
            raise RuntimeError(f"fan-out client did not subscribe: {line}")

    async def turn_report(self) -> dict[str, Any]:
        return await self._line()

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()
        await self.proc.wait()


async def _fanout_client(port: int, sid: str, subscribers: int) -> None:
    """Child side (see :class:`FanoutClient`). Reports each subscriber's text length
    and when it saw the turn end (``perf_counter`` is CLOCK_MONOTONIC on Linux, so the
    parent can compare it with its own)."""
    token = os.environ["TW_BENCH_TOKEN"]
    clients = [await RpcClient.connect(port, token) for _ in range(subscribers)]
    print(json.dumps({"connected": subscribers}), flush=True)
    loop = asyncio.get_running_loop()

    async def one_turn(c: RpcClient, sub: str) -> tuple[int, float]:
        chars = 0
        while True:
            t, msg = await c.notes.get()
            ev = msg.get("params", {})
            if ev.get("subscription") != sub:
                continue
            if ev.get("type") == "text_delta":
                chars += len(ev["delta"])
            elif ev.get("type") in TERMINAL:
                return chars, t

    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "sub":
        subs = [(await c.call("subscribe_events", {"session_id": sid}))["subscription"]
                for c in clients]
        print(json.dumps({"subscribed": subscribers}), flush=True)
        got = await asyncio.gather(*(one_turn(c, s) for c, s in zip(clients, subs,
                                                                     strict=True)))
        for c, s in zip(clients, subs, strict=True):
            await c.call("unsubscribe_events", {"subscription": s})
        print(json.dumps({"chars": [g[0] for g in got], "done": [g[1] for g in got]}),
              flush=True)


PARTS: dict[str, Part] = {"P4": p4}


def run(quick: bool, only: set[str] | None = None) -> list[Row]:
    return run_parts(PARTS, quick, only)


if __name__ == "__main__":
    if sys.argv[1:2] == ["fanout-client"]:
        port, sid, n = sys.argv[2:5]
        asyncio.run(_fanout_client(int(port), sid, int(n)))
    else:
        main_cli(PARTS)
