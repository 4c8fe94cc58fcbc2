"""What the AI benchmarks share: the raw-SDK baseline, one timed tabwise turn in
process and over the wire, and the loop that runs each part on a fresh core.

The baseline is the physical limit: ``AsyncOpenAI.chat.completions.create(stream=True)``
reading the same scripted reply from the same local fake in the same run. tabwise adds
pydantic-ai, the per-tab bridge and the event bus; the modules say what that costs.
The TABWISE home has ``[sessions] persist = false`` so the archive plays no part.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tabwise.events import Cancelled, Completed, Error, TextDelta

from ._fake import KEY1, FakeServer, bench_home
from ._rows import Row, row

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from tabwise.commands import Tabwise

__all__ = ["CHUNK", "TERMINAL", "TERMINAL_EVENTS", "Part", "RpcClient", "Timing",
           "long_text", "main_cli", "median", "ms", "now", "openai_client", "p50",
           "raw_stream", "run_parts", "session", "tw_turn", "ws_turn"]

TERMINAL = ("completed", "error", "cancelled")  # on the wire
TERMINAL_EVENTS = (Completed, Error, Cancelled)  # in process
CHUNK = 8  # characters per SSE chunk in every scripted reply
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
            match ev.payload:
                case TextDelta(delta=text):
                    if not parts:
                        first = now()
                    parts.append(text)
                case Completed():
                    end = now()
                    break
                case Error() | Cancelled():
                    await asyncio.gather(task, return_exceptions=True)
                    raise RuntimeError(f"turn ended with {ev.payload}")
        await task
        return Timing(first - t0, end - t0, len(parts), "".join(parts))
    finally:
        sub.close()


def openai_client(fake: FakeServer) -> AsyncOpenAI:
    from openai import AsyncOpenAI

    return AsyncOpenAI(base_url=fake.base_url, api_key=KEY1, max_retries=0, timeout=60)


async def session(core: Tabwise, workdir: Path, provider: str, model: str) -> str:
    from tabwise.api import AiConfig
    info = await core.create_session(str(workdir), ai_config=AiConfig(provider, model),
                                     terminal=False)
    return info.session_id


# -- over the wire -------------------------------------------------------------------------


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


# -- running parts -------------------------------------------------------------------------

Part = Callable[["Tabwise", FakeServer, Path, bool], Awaitable[list[Row]]]


async def _main(parts: Mapping[str, Part], quick: bool, only: set[str] | None) -> list[Row]:
    from tabwise.commands import Tabwise

    rows: list[Row] = []
    with FakeServer() as fake, bench_home(fake.base_url) as home:
        workdir = home.parent / "work"
        for pid, part in parts.items():
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


def run_parts(parts: Mapping[str, Part], quick: bool, only: set[str] | None) -> list[Row]:
    """Run each selected part (in order) on its own fresh core, one fake server for all."""
    return asyncio.run(_main(parts, quick, only))


def main_cli(parts: Mapping[str, Part]) -> None:
    """``python -m benchmarks.bench_X [--quick] [P1 ...]``: print the rows."""
    quick = "--quick" in sys.argv
    only = {a.upper() for a in sys.argv[1:] if a.startswith(("P", "p"))} or None
    for r in run_parts(parts, quick, only):
        print(r)
