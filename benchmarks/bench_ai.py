"""P1-P4: the AI path, measured against the raw ``openai`` SDK on the same fake server.

The baseline is the physical limit: ``AsyncOpenAI.chat.completions.create(stream=True)``
reading the same scripted reply from the same local fake in the same run. tabwise adds
pydantic-ai, the per-tab bridge and the event bus; these figures say what that costs.

- P1 one tab: time to first ``text_delta`` seen by a subscriber, and chunks/s of a long
  reply, through ``send_ai_prompt``.
- P2 32 tabs at once, each on its own model: misrouted events, aggregate chunks/s, and
  the other tabs' time to first token while one tab waits on a tool approval, on a
  provider that never answers, or on a 10 s ``run_command``.
- P3 1,000 idle initialized sessions: first init, RSS per session, model switch.
- P4 the same over ``tabwise serve``: added latency per call, time to first token over
  the wire, and the agent's speed with 10 WebSocket subscribers in another process.

The TABWISE home has ``[sessions] persist = false`` so the archive plays no part.
``python -m benchmarks.bench_ai fanout-client ...`` is the P4 subscriber process.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._fake import KEY1, ROOT, FakeServer, Reply, ToolCall, bench_home
from ._rows import Row, row

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from tabwise.commands import Tabwise
    from tabwise.events import Subscription

IDS = ("P1", "P2", "P3", "P4")
TERMINAL = ("completed", "error", "cancelled")
CHUNK = 8  # characters per SSE chunk in every scripted reply
HISTORY_TURNS = 50
now = time.perf_counter




def ms(seconds: float) -> float:
    return seconds * 1000.0


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def p50(xs: list[float]) -> float:
    return statistics.median(xs)


def long_text(chunks: int, tag: str = "lorem ip") -> str:
    """``chunks`` chunks of exactly CHUNK characters (``tag`` repeated)."""
    unit = (tag * (CHUNK // len(tag) + 1))[:CHUNK]
    return unit * chunks


# -- one stream, two ways -----------------------------------------------------------------


@dataclass
class Timing:
    ttft: float  # seconds from the call to the first text
    total: float  # seconds from the call to the end (stream end / `completed` seen)
    chunks: int  # text events received (a lagging subscriber may get merged deltas)
    text: str


async def raw_stream(client: AsyncOpenAI, model: str, prompt: str = "hi",
                     history: list[dict[str, str]] | None = None) -> Timing:
    """The baseline: the openai SDK, streaming with usage, nothing else."""
    t0 = now()
    first = 0.0
    parts: list[str] = []
    messages: list[Any] = [*(history or []), {"role": "user", "content": prompt}]
    stream = await client.chat.completions.create(
        model=model, messages=messages, stream=True, stream_options={"include_usage": True})
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            if not parts:
                first = now()
            parts.append(chunk.choices[0].delta.content)
    end = now()
    return Timing(first - t0, end - t0, len(parts), "".join(parts))


async def tw_turn(core: Tabwise, sid: str, prompt: str = "hi") -> Timing:
    """One ``send_ai_prompt`` with a subscriber timing what it sees."""
    sub = core.subscribe(sid)
    try:
        t0 = now()
        task = asyncio.create_task(core.send_ai_prompt(sid, prompt))
        first = 0.0
        parts: list[str] = []
        while True:
            ev = await sub.get()
            if ev.type == "text_delta":
                if not parts:
                    first = now()
                parts.append(ev.data["delta"])
            elif ev.type in TERMINAL:
                end = now()
                if ev.type != "completed":
                    await asyncio.gather(task, return_exceptions=True)
                    raise RuntimeError(f"turn ended with {ev.type}: {ev.data}")
                break
        await task
        return Timing(first - t0, end - t0, len(parts), "".join(parts))
    finally:
        sub.close()


def openai_client(fake: FakeServer) -> AsyncOpenAI:
    from openai import AsyncOpenAI

    return AsyncOpenAI(base_url=fake.base_url, api_key=KEY1, max_retries=0, timeout=60)


async def session(core: Tabwise, workdir: Path, provider: str, model: str) -> str:
    info = await core.create_session(str(workdir), ai_config={"provider": provider,
                                                              "model": model}, terminal=False)
    return str(info["session_id"])


# -- P1 ------------------------------------------------------------------------------------


async def p1(core: Tabwise, fake: FakeServer, workdir: Path, quick: bool) -> list[Row]:
    n_ttft = 15 if quick else 100
    n_tput, tput_chunks = (3, 1000) if quick else (9, 2000)
    n_hist = 7 if quick else 25
    sid = await session(core, workdir, "local1", "p1")
    client = openai_client(fake)
    try:
        for _ in range(5):  # warm both: connections, imports, first-call caches
            await raw_stream(client, "p1-raw")
            await tw_turn(core, sid)
            await core.clear_ai_conversation(sid)
        raw_t: list[float] = []
        tw_t: list[float] = []
        for i in range(n_ttft):  # interleaved so drift hits both alike
            if i % 2:
                tw = await tw_turn(core, sid)
                raw = await raw_stream(client, "p1-raw")
            else:
                raw = await raw_stream(client, "p1-raw")
                tw = await tw_turn(core, sid)
            raw_t.append(raw.ttft)
            tw_t.append(tw.ttft)
            await core.clear_ai_conversation(sid)  # same request size every time

        text = long_text(tput_chunks)
        raw_r: list[float] = []
        tw_r: list[float] = []
        raw_cpu: list[float] = []
        tw_cpu: list[float] = []
        for i in range(n_tput):
            fake.script("p1-raw", Reply(text=text, chunk_size=CHUNK))
            fake.script("p1", Reply(text=text, chunk_size=CHUNK))
            for side in ("raw", "tw") if i % 2 == 0 else ("tw", "raw"):
                # CPU of this thread only (the fake runs in another): robust to a busy box.
                c0 = time.thread_time()
                if side == "raw":
                    raw = await raw_stream(client, "p1-raw")
                    raw_cpu.append(time.thread_time() - c0)
                else:
                    tw = await tw_turn(core, sid)
                    tw_cpu.append(time.thread_time() - c0)
            await core.clear_ai_conversation(sid)
            if raw.text != text or tw.text != text:
                raise RuntimeError("P1: the long reply arrived incomplete")
            raw_r.append(tput_chunks / raw.total)
            tw_r.append(tput_chunks / tw.total)

        # TTFT once the tab has a history: both sides send the same past turns.
        for _ in range(HISTORY_TURNS):
            await tw_turn(core, sid)
        hist_raw: list[float] = []
        hist_tw: list[float] = []
        for k in range(n_hist):
            past = [{"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "echo: hi"}] * (HISTORY_TURNS + k)
            hist_raw.append((await raw_stream(client, "p1-raw", history=past)).ttft)
            hist_tw.append((await tw_turn(core, sid)).ttft)
    finally:
        await client.close()
        await core.close_session(sid)
    over = ms(median(tw_t) - median(raw_t))
    tput, tput_raw = median(tw_r), median(raw_r)
    return [
        row("P1", "TTFT overhead vs raw SDK (median)", over, "ms", "≤ 5 ms", over <= 5,
            baseline=ms(median(raw_t))),
        row("P1", "TTFT through send_ai_prompt (median)", ms(median(tw_t)), "ms", "", None),
        row("P1", f"throughput, {tput_chunks}-chunk reply", tput, "chunks/s", "≥ 90 % of raw",
            tput >= 0.9 * tput_raw, baseline=tput_raw, ratio=tput / tput_raw),
        row("P1", "client CPU per chunk (main thread, median)",
            median(tw_cpu) / tput_chunks * 1e6, "µs", "", None,
            baseline=median(raw_cpu) / tput_chunks * 1e6),
        row("P1", f"TTFT overhead with a {HISTORY_TURNS}-turn history (median)",
            ms(median(hist_tw) - median(hist_raw)), "ms", "", None,
            baseline=ms(median(hist_raw))),
    ]


# -- P2 ------------------------------------------------------------------------------------


def tag_of(i: int) -> str:
    return f"T{i:02d}|"  # 4 characters: every 8-character chunk holds exactly two


@dataclass
class TabRead:
    end: float = 0.0  # perf_counter at the terminal event
    events: int = 0
    misrouted: int = 0
    text: str = ""


async def read_tab(sub: Subscription, sid: str, tag: str) -> TabRead:
    """One tab's reader: every event must be this tab's, every delta only its tag."""
    r = TabRead()
    parts: list[str] = []
    while True:
        ev = await sub.get()
        r.events += 1
        if ev.session_id != sid:
            r.misrouted += 1
        elif ev.type == "text_delta":
            if ev.data["delta"].replace(tag, ""):
                r.misrouted += 1
            parts.append(ev.data["delta"])
        elif ev.type in TERMINAL:
            r.end = now()
            r.text = "".join(parts)
            return r


async def read_all(sub: Subscription, owner: dict[str, int], tabs: int) -> tuple[int, int]:
    """The all-sessions reader: each delta must carry its own session's tag."""
    events = misrouted = ended = 0
    while ended < tabs:
        ev = await sub.get()
        events += 1
        i = owner.get(ev.session_id)
        if i is None or (ev.type == "text_delta" and ev.data["delta"].replace(tag_of(i), "")):
            misrouted += 1
        ended += ev.type in TERMINAL
    return events, misrouted


async def p2(core: Tabwise, fake: FakeServer, workdir: Path, quick: bool) -> list[Row]:
    tabs = 32
    chunks = 150 if quick else 1000
    n_tput = 1 if quick else 3
    rounds = 2 if quick else 6
    sids = [await session(core, workdir, "local1" if i % 2 == 0 else "local2", f"tab{i:02d}")
            for i in range(tabs)]
    owner = {sid: i for i, sid in enumerate(sids)}
    client = openai_client(fake)
    try:
        await asyncio.gather(*(raw_stream(client, f"raw{i:02d}") for i in range(tabs)))
        await asyncio.gather(*(tw_turn(core, sid) for sid in sids))

        # Aggregate throughput and routing, 32 streams at once.
        misrouted = 0
        events = 0
        raw_r: list[float] = []
        tw_r: list[float] = []
        for _ in range(n_tput):
            for i in range(tabs):
                fake.script(f"raw{i:02d}", Reply(text=long_text(chunks, tag_of(i)),
                                                 chunk_size=CHUNK))
            t0 = now()
            got = await asyncio.gather(*(raw_stream(client, f"raw{i:02d}")
                                         for i in range(tabs)))
            raw_r.append(tabs * chunks / (now() - t0))
            if any(g.text != long_text(chunks, tag_of(i)) for i, g in enumerate(got)):
                raise RuntimeError("P2: a raw stream arrived incomplete")

            for i in range(tabs):
                fake.script(f"tab{i:02d}", Reply(text=long_text(chunks, tag_of(i)),
                                                 chunk_size=CHUNK))
            # A reader per tab (as a TUI has) plus one for every session, all live.
            everything = core.subscribe(None)
            subs = [core.subscribe(sid) for sid in sids]
            t0 = now()
            readers = [asyncio.create_task(read_tab(sub, sid, tag_of(i)))
                       for i, (sid, sub) in enumerate(zip(sids, subs, strict=True))]
            reader_all = asyncio.create_task(read_all(everything, owner, tabs))
            await asyncio.gather(*(core.send_ai_prompt(sid, "go") for sid in sids))
            results = await asyncio.gather(*readers)
            tw_r.append(tabs * chunks / (max(r.end for r in results) - t0))
            n_all, bad_all = await reader_all
            events += n_all + sum(r.events for r in results)
            misrouted += bad_all + sum(r.misrouted for r in results)
            for i, r in enumerate(results):
                if r.text != long_text(chunks, tag_of(i)):
                    misrouted += 1  # something of ours went missing (or went elsewhere)
            for sub in [*subs, everything]:
                sub.close()
            for sid in sids:
                await core.clear_ai_conversation(sid)

        # The other tabs' TTFT while tab 0 waits on an approval or a silent provider. The
        # others prompt one at a time: 31 prompts fired at once queue behind each other's
        # request building (see the "at once" row), a noise far above the 10 ms target.
        others = sids[1:]
        blocked = sids[0]

        async def others_ttft() -> list[float]:
            out = []
            for sid in others:
                out.append((await tw_turn(core, sid)).ttft)
                await core.clear_ai_conversation(sid)
            return out

        async def with_blocked(reply: Reply, wait_for: str | None,
                               approve: bool = False) -> list[float]:
            fake.script("tab00", reply)
            sub = core.subscribe(blocked)
            turn = asyncio.create_task(core.send_ai_prompt(blocked, "block"))
            try:
                if wait_for:
                    while (ev := await asyncio.wait_for(sub.get(), 10)).type != wait_for:
                        pass
                    if approve:  # let the tool run; it outlasts the measurement
                        await core.respond_to_tool_approval(
                            blocked, ev.data["request_id"], "approve")
                        await asyncio.sleep(0.1)
                else:  # the request is in flight and the fake is sitting on it
                    n = len(fake.llm.requests)
                    while len(fake.llm.requests) == n:
                        await asyncio.sleep(0.001)
                return await others_ttft()
            finally:
                sub.close()
                await core.cancel_ai_prompt(blocked)
                await asyncio.gather(turn, return_exceptions=True)
                await core.clear_ai_conversation(blocked)

        approval = Reply(tool_calls=[ToolCall("write_file", {"path": "blocked.txt",
                                                             "content": "x"})])
        sleeper = Reply(tool_calls=[ToolCall("run_command", {"command": "sleep 10"})])
        scenarios: dict[str, Callable[[], Awaitable[list[float]]]] = {
            "free": others_ttft,
            "approval": lambda: with_blocked(approval, "tool_approval_request"),
            "hung": lambda: with_blocked(Reply(hang=True), None),
            "tool": lambda: with_blocked(sleeper, "tool_approval_request", approve=True),
        }
        ttft: dict[str, list[float]] = {k: [] for k in scenarios}
        for rnd in range(rounds):  # the order flips each round, so drift cancels
            for name in list(scenarios)[::1 if rnd % 2 == 0 else -1]:
                ttft[name] += await scenarios[name]()
    finally:
        await client.close()
        for sid in sids:
            await core.close_session(sid)
    tput, tput_raw = median(tw_r), median(raw_r)
    base = ms(median(ttft["free"]))
    d_appr = ms(median(ttft["approval"])) - base
    d_hung = ms(median(ttft["hung"])) - base
    d_tool = ms(median(ttft["tool"])) - base
    return [
        row("P2", f"misrouted events ({events:,} checked)", misrouted, "", "0", misrouted == 0),
        row("P2", f"aggregate throughput, {tabs} tabs × {chunks} chunks", tput, "chunks/s",
            "≥ 80 % of raw", tput >= 0.8 * tput_raw, baseline=tput_raw,
            ratio=tput / tput_raw),
        row("P2", "other tabs' TTFT, nothing blocked (median)", base, "ms", "", None),
        row("P2", "Δ other tabs' TTFT while 1 tab awaits approval", d_appr, "ms", "≤ 10 ms",
            abs(d_appr) <= 10),
        row("P2", "Δ other tabs' TTFT while 1 tab's provider hangs", d_hung, "ms", "≤ 10 ms",
            abs(d_hung) <= 10),
        row("P2", "Δ other tabs' TTFT while 1 tab runs a 10 s tool", d_tool, "ms", "≤ 10 ms",
            abs(d_tool) <= 10),
    ]


# -- P3 ------------------------------------------------------------------------------------


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


async def p3(core: Tabwise, fake: FakeServer, workdir: Path, quick: bool) -> list[Row]:
    n = 1000
    n_timed = 300 if quick else n
    n_traced = 300 if quick else n
    cfg1 = {"provider": "local1", "model": "m1"}
    cfg2 = {"provider": "local2", "model": "m2"}
    # Warm up: lazy imports, both providers' clients, first-call caches.
    for _ in range(20):
        sid = await session(core, workdir, "local1", "m1")
        await core.init_ai_session(sid, cfg2)
        await core.close_session(sid)
    gc.collect()
    before = rss_kb()
    created: list[float] = []
    sids: list[str] = []
    for _ in range(n):
        t0 = now()
        sids.append(await session(core, workdir, "local1", "m1"))
        created.append(now() - t0)
    gc.collect()
    after = rss_kb()
    first_init: list[float] = []
    switch: list[float] = []
    for sid in sids[:n_timed]:
        await core.shutdown_ai_session(sid)  # back to "not initialized"
        t0 = now()
        await core.init_ai_session(sid, cfg1)
        first_init.append(now() - t0)
    for k, sid in enumerate(sids[:n_timed]):
        t0 = now()
        await core.init_ai_session(sid, cfg2 if k % 2 == 0 else cfg1)
        switch.append(now() - t0)
    ok_all = all([await core.is_ai_session_initialized(sid) for sid in sids])
    # RSS barely moves for the first thousand: freed import-time memory is reused. The
    # Python heap those sessions hold, traced, is the figure that scales.
    tracemalloc.start()
    gc.collect()
    heap0 = tracemalloc.get_traced_memory()[0]
    more = [await session(core, workdir, "local1", "m1") for _ in range(n_traced)]
    gc.collect()
    heap = (tracemalloc.get_traced_memory()[0] - heap0) / n_traced / 1024
    tracemalloc.stop()
    for sid in sids + more:
        await core.close_session(sid)
    per = (after - before) / n
    init, sw = ms(median(first_init)), ms(median(switch))
    return [
        row("P3", f"init_ai_session, first init (median of {n_timed})", init, "ms", "≤ 2 ms",
            init <= 2),
        row("P3", "create_session, terminal=False (median)", ms(median(created)), "ms", "",
            None),
        row("P3", f"RSS per idle initialized session (VmRSS, {n:,})", per, "KB", "≤ 200 KB",
            per <= 200 and ok_all),
        row("P3", f"Python heap per idle session (tracemalloc, {n_traced:,})", heap, "KB",
            "≤ 200 KB", heap <= 200),
        row("P3", f"model switch = init_ai_session (median of {n_timed})", sw, "ms",
            "≤ 2 ms", sw <= 2),
    ]


# -- P4 ------------------------------------------------------------------------------------


class RpcClient:
    """A minimal JSON-RPC client on one WebSocket: calls, plus notifications to a queue."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._next = 0
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self.notes: asyncio.Queue[tuple[float, dict[str, Any]]] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, port: int, token: str) -> RpcClient:
        from websockets.asyncio.client import connect

        ws = await connect(f"ws://127.0.0.1:{port}/rpc", max_size=None,
                           additional_headers={"Authorization": f"Bearer {token}"})
        return cls(ws)

    async def _read(self) -> None:
        async for raw in self.ws:
            t = now()
            msg = json.loads(raw)
            if "id" in msg:
                fut = self._waiting.pop(msg["id"], None)
                if fut is not None and not fut.done():
                    fut.set_result(msg)
            else:
                self.notes.put_nowait((t, msg))

    async def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        self._next += 1
        fut = asyncio.get_running_loop().create_future()
        self._waiting[self._next] = fut
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": self._next, "method": method,
                                       "params": params or {}}))
        msg = await fut
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error']}")
        return msg["result"]

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)


async def ws_turn(rpc: RpcClient, sid: str) -> Timing:
    """``send_ai_prompt`` over the wire, timed by a subscription on the same socket."""
    sub = (await rpc.call("subscribe_events", {"session_id": sid}))["subscription"]
    try:
        t0 = now()
        call = asyncio.create_task(rpc.call("send_ai_prompt", {"session_id": sid,
                                                               "prompt": "hi"}))
        first = 0.0
        parts: list[str] = []
        while True:
            t, msg = await rpc.notes.get()
            ev = msg["params"]
            if msg["method"] != "ai_event" or ev.get("subscription") != sub:
                continue
            if ev["type"] == "text_delta":
                if not parts:
                    first = t
                parts.append(ev["delta"])
            elif ev["type"] in TERMINAL:
                end = t
                break
        await call
        return Timing(first - t0, end - t0, len(parts), "".join(parts))
    finally:
        await rpc.call("unsubscribe_events", {"subscription": sub})


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
            sys.executable, "-m", "benchmarks.bench_ai", "fanout-client", str(port), sid,
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


# -- entry point ---------------------------------------------------------------------------

PARTS: dict[str, Callable[[Tabwise, FakeServer, Path, bool], Awaitable[list[Row]]]] = {
    # P3 first: its RSS figure wants a heap that no earlier part has grown and freed.
    "P3": p3, "P1": p1, "P2": p2, "P4": p4,
}


async def _main(quick: bool, only: set[str] | None) -> list[Row]:
    from tabwise.commands import Tabwise

    rows: list[Row] = []
    with FakeServer() as fake, bench_home(fake.base_url) as home:
        workdir = home.parent / "work"
        for pid, part in PARTS.items():
            if only and pid not in only:
                continue
            core = await Tabwise.start(home)  # a fresh core per part
            t0 = now()
            try:
                rows += await part(core, fake, workdir, quick)
            except Exception as exc:
                import traceback

                traceback.print_exc()
                rows.append(row(pid, f"{pid} failed: {type(exc).__name__}: {exc}", None, "",
                                "", False))
            finally:
                await core.stop()
                fake.llm.reset()
            print(f"  {pid}: {now() - t0:.1f} s", file=sys.stderr, flush=True)
    return rows


def run(quick: bool, only: set[str] | None = None) -> list[Row]:
    return asyncio.run(_main(quick, only))


if __name__ == "__main__":
    if sys.argv[1:2] == ["fanout-client"]:
        port, sid, n = sys.argv[2:5]
        asyncio.run(_fanout_client(int(port), sid, int(n)))
    else:
        quick = "--quick" in sys.argv
        for r in run(quick, {a.upper() for a in sys.argv[1:] if a.startswith(("P", "p"))}
                     or None):
            print(r)
