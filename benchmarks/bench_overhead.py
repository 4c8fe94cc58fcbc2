"""P13: where a whole turn's time goes, layer by layer, against the raw SDK (issue #13).

One text answer (no tool call) is read to its end by each layer in turn, in the same
run, on the same fake server, interleaved round by round so drift hits all alike:

- ``raw``: ``AsyncOpenAI.chat.completions.create(stream=True)``;
- ``bare``: a bare pydantic-ai ``Agent`` with tabwise's six tool definitions (the same
  functions, so the same schemas), the tab's own model object, events drained;
- ``agent``: tabwise's shared ``AGENT`` (instructions function, deferred-approval
  capability, ``RunHooks``) with a real tab's ``TurnDeps``, events drained, no guard
  or meter in the deps;
- ``+guard``: plus the tab's ``ContextGuard`` in the deps; ``+meter``: plus its
  ``UsageMeter``;
- ``bridge``: ``send_ai_prompt`` in process (the bridge, its event handler, the bus)
  timed by a subscriber to ``completed``;
- ``serve``: the same over ``tabwise serve``, from sending the request to holding both
  the reply and the ``completed`` event on one WebSocket.

Each layer runs with a short (4-chunk) and a long (60-chunk) answer; the difference
gives its cost per chunk and the rest its cost per request, and each layer's figures
minus the layer below it are what that layer adds. Every turn is timed twice: wall
time (the target rows) and the main thread's CPU time (``P13.cpu``, ``P13b.cpu``),
which a machine shared with other work disturbs far less. Three sets of rows:

- ``P13``: the fake (scripted) on a thread of this process, as in P1–P4: it shares
  the GIL, which costs every layer alike;
- ``P13b``: the fake in a process of its own (it echoes the prompt), so a layer's wall
  time is its own;
- ``P13.pyd``: what pydantic-ai's parts cost on a bare ``Agent``, no tabwise code
  (``_pydantic_parts``).

On a busy machine the differences between layers drown in noise, so the ``bridge``
and ``serve`` turns also time tabwise's own hooks directly (wall time inside each,
awaits included: what the turn waits for): the instructions (``RulesWatcher.load``),
the context guard, the usage meter, every event published on the bus and every frame
the server encodes.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections import defaultdict
from collections.abc import AsyncIterable, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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
    now,
    openai_client,
    raw_stream,
    run_parts,
    session,
    tw_turn,
)
from ._fake import FakeServer, Reply, bench_home
from ._pydantic_parts import pydantic_parts
from ._rows import Row, row

if TYPE_CHECKING:
    from tabwise.commands import Tabwise

IDS = ("P13",)
SHORT, LONG = 4, 60
LAYERS = ("raw", "bare", "agent", "+guard", "+meter", "bridge", "serve")
MODEL = "p13"

Turn = Callable[[], Awaitable[float]]  # one whole turn; returns its seconds


async def _drain(ctx: Any, events: AsyncIterable[Any]) -> None:
    async for _ in events:
        pass


def bare_agent() -> Any:
    """A bare pydantic-ai Agent with tabwise's tool definitions and nothing else."""
    from pydantic_ai import Agent, Tool

    from tabwise.agent import _tools

    funcs = [_tools.read_file, _tools.list_directory, _tools.search_files,
             _tools.write_file, _tools.edit_file, _tools.run_command]
    return Agent(None, deps_type=_tools.TurnDeps, defer_model_check=True,
                 tools=[Tool(f, takes_ctx=True) for f in funcs])


class HookClock:
    """Wall time spent inside some of tabwise's own functions while ``on``."""

    def __init__(self) -> None:
        self.on = False
        self.patching = False  # inside patched(): the wrappers are in place
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def timed(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        if asyncio.iscoroutinefunction(fn):
            @functools.wraps(fn)
            async def timed_async(*args: Any, **kwargs: Any) -> Any:
                if not self.on:
                    return await fn(*args, **kwargs)
                t0 = now()
                try:
                    return await fn(*args, **kwargs)
                finally:
                    self.seconds[name] += now() - t0
                    self.calls[name] += 1
            return timed_async

        @functools.wraps(fn)
        def timed_sync(*args: Any, **kwargs: Any) -> Any:
            if not self.on:
                return fn(*args, **kwargs)
            t0 = now()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += now() - t0
                self.calls[name] += 1
        return timed_sync

    @contextmanager
    def patched(self, targets: list[tuple[object, str, str]]) -> Iterator[None]:
        """Wrap ``getattr(owner, attr)`` as ``name`` for each target; restore after."""
        saved = [(owner, attr, owner.__dict__.get(attr, _MISSING) if isinstance(owner, type)
                  else vars(owner).get(attr, _MISSING)) for owner, attr, _ in targets]
        try:
            for owner, attr, name in targets:
                setattr(owner, attr, self.timed(name, getattr(owner, attr)))
            self.patching = True
            yield
        finally:
            self.patching = False
            for owner, attr, old in saved:
                if old is _MISSING:
                    delattr(owner, attr)
                else:
                    setattr(owner, attr, old)


_MISSING = object()


async def ws_whole_turn(rpc: RpcClient, sid: str, sub: str, prompt: str = "hi") -> float:
    """Seconds from sending ``send_ai_prompt`` to holding its reply and ``completed``."""
    t0 = now()
    call = asyncio.create_task(rpc.call("send_ai_prompt", {"session_id": sid,
                                                           "prompt": prompt}))
    while True:
        _, msg = await rpc.notes.get()
        ev = msg["params"]
        if msg["method"] == "ai_event" and ev.get("subscription") == sub \
                and ev["type"] in TERMINAL:
            if ev["type"] != "completed":
                raise RuntimeError(f"P13: the turn ended with {ev['type']}: {ev}")
            break
    await call
    return now() - t0


Times = dict[tuple[str, int], list[float]]


@dataclass
class Measured:
    """Medians per (layer, answer size): wall time and the main thread's CPU time."""

    wall: dict[tuple[str, int], float]
    cpu: dict[tuple[str, int], float]
    clock: HookClock
    turns_timed: int
    chunks_timed: int


async def measure_layers(core: Tabwise, sids: tuple[str, str], model: str, rounds: int,
                         client: Any, prompt: Callable[[int], str],
                         script: Callable[[int], None]) -> Measured:
    """Every layer of :data:`LAYERS` on ``core``'s tabs, interleaved round by round;
    ``script(n)`` readies an ``n``-chunk answer that ``prompt(n)`` asks for.

    ``serve`` runs on the second tab of ``sids`` (the same model), the only one the
    WebSocket subscribes to: the server's work for the in-process turns of the first
    tab would otherwise be counted in theirs.
    """
    sid, served = sids
    from tabwise.agent import ContextGuard
    from tabwise.agent._tools import AGENT, TurnDeps
    from tabwise.agent._usage import UsageMeter
    from tabwise.server import start_server
    from tabwise.server._outbox import Outbox
    from tabwise.server._rpc import RpcConnection

    bridge = core.ai.bridges[sid]
    built = bridge.built
    bare = bare_agent()
    server = await start_server(core, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    rpc = await RpcClient.connect(port, core.paths.token_file.read_text().strip())
    sub = (await rpc.call("subscribe_events", {"session_id": served}))["subscription"]
    served_bridge = core.ai.bridges[served]
    size = SHORT

    async def timed(make: Callable[[], Awaitable[Any]]) -> float:
        t0 = now()
        await make()
        return now() - t0

    def agent_run(guard: bool = False, meter: bool = False) -> Turn:
        # The turn's guard and meter go in the deps, where AGENT's RunHooks calls them.
        async def turn() -> float:
            deps = TurnDeps(bridge)
            deps.guard = bridge._guard(built) if guard else None
            deps.meter = bridge.meter(built) if meter else None
            return await timed(lambda: AGENT.run(
                prompt(size), model=built.model, message_history=[], deps=deps,
                model_settings=built.settings, event_stream_handler=_drain))
        return turn

    clock = HookClock()
    turns_timed = 0
    chunks_timed = 0

    def measured(make: Callable[[], Awaitable[float]]) -> Turn:
        async def turn() -> float:
            nonlocal turns_timed, chunks_timed
            if not clock.patching:
                return await make()
            clock.on = True
            try:
                took = await make()
            finally:
                clock.on = False
            turns_timed += 1
            chunks_timed += size
            return took
        return turn

    async def in_process() -> float:
        t = await tw_turn(core, sid, prompt(size))
        bridge.clear()
        return t.total

    async def over_serve() -> float:
        t = await ws_whole_turn(rpc, served, sub, prompt(size))
        served_bridge.clear()
        return t

    turns: dict[str, Turn] = {
        "raw": lambda: timed(lambda: raw_stream(client, model, prompt(size))),
        "bare": lambda: timed(lambda: bare.run(prompt(size), model=built.model,
                                               deps=TurnDeps(bridge),
                                               model_settings=built.settings,
                                               event_stream_handler=_drain)),
        "agent": agent_run(),
        "+guard": agent_run(guard=True),
        "+meter": agent_run(guard=True, meter=True),
        "bridge": measured(in_process),
        "serve": measured(over_serve),
    }
    wall: Times = {(k, n): [] for k in LAYERS for n in (SHORT, LONG)}
    cpu: Times = {(k, n): [] for k in LAYERS for n in (SHORT, LONG)}
    targets: list[tuple[object, str, str]] = [
        (bridge.rules, "load", "instructions"), (ContextGuard, "before_model_request", "guard"),
        (ContextGuard, "after_model_request", "guard"),
        (UsageMeter, "after_model_request", "meter"), (core.bus, "publish", "publish"),
        (RpcConnection, "_reply", "encode"), (Outbox, "put_event", "encode")]
    try:
        # The layers' timings, with none of tabwise's functions wrapped (a wrapper per
        # publish and per frame would cost the tabwise layers ~1 %).
        for r in range(rounds + 3):  # the first 3 rounds warm every layer up
            for size in (SHORT, LONG):
                for name in LAYERS:
                    script(size)
                    c0 = time.thread_time()
                    took = await turns[name]()
                    spent = time.thread_time() - c0
                    if r >= 3:
                        wall[(name, size)].append(took)
                        cpu[(name, size)].append(spent)
        # Then tabwise's own hooks, timed from inside, in turns of their own.
        with clock.patched(targets):
            for _ in range(max(3, rounds // 4)):
                for size in (SHORT, LONG):
                    for name in ("bridge", "serve"):
                        script(size)
                        await turns[name]()
    finally:
        await rpc.close()
        server.close()
        await server.wait_closed()
    return Measured({k: median(v) for k, v in wall.items()},
                    {k: median(v) for k, v in cpu.items()}, clock, turns_timed, chunks_timed)


async def p13(core: Tabwise, fake: FakeServer, workdir: Path, quick: bool) -> list[Row]:
    rounds = 12 if quick else 60
    sids = (await session(core, workdir, "local1", MODEL),
            await session(core, workdir, "local1", MODEL))

    def script(n: int) -> None:
        fake.script(MODEL, Reply(text=long_text(n), chunk_size=CHUNK))

    m = await measure_layers(core, sids, MODEL, rounds, openai_client(fake), lambda n: "hi",
                             script)
    rows = rows_for(m.wall)
    rows += rows_for(m.cpu, "P13.cpu", "main-thread CPU of ")[:2]
    rows += hook_rows(m)
    rows += await p13_own_process(workdir, rounds)
    rows += await pydantic_parts(rounds)
    return rows


def hook_rows(m: Measured) -> list[Row]:
    """Hooks per request (one request per turn here) and publishing per chunk."""
    clock = m.clock
    per_turn = {k: v / m.turns_timed * 1e6 for k, v in clock.seconds.items()}
    events = clock.calls.get("publish", 0)
    rows = [row("P13.hooks", "tabwise's own hooks per request: instructions "
                f"{per_turn.get('instructions', 0):.0f} µs, guard "
                f"{per_turn.get('guard', 0):.0f} µs, meter {per_turn.get('meter', 0):.0f} µs",
                round(sum(per_turn.get(k, 0) for k in ("instructions", "guard", "meter"))),
                "µs/req", "", None)]
    pub = clock.seconds.get("publish", 0.0) / m.chunks_timed * 1e6
    # Frames are encoded on serve turns only: half the timed turns and chunks.
    enc = clock.seconds.get("encode", 0.0) / (m.chunks_timed / 2) * 1e6
    rows.append(row("P13.hooks", f"per chunk: bus publish ({events / m.turns_timed:.0f} events "
                    f"a turn); JSON frames over serve {enc:.1f} µs/chunk", round(pub, 1),
                    "µs/chunk", "", None))
    return rows


async def p13_own_process(workdir: Path, rounds: int) -> list[Row]:
    """The same layers with the fake in a process of its own (no GIL shared with the
    code under test, so wall time is the client's own); it echoes the prompt."""
    from tabwise.commands import Tabwise

    from ._fake_process import FakeProcess

    with FakeProcess(0.0) as fp, bench_home(fp.base_url) as home:
        core = await Tabwise.start(home)
        try:
            work = home.parent / "work"
            sids = (await session(core, work, "local1", "m1"),
                    await session(core, work, "local1", "m1"))
            client = sdk_client(fp.base_url)
            m = await measure_layers(core, sids, "m1", rounds, client, echo_prompt,
                                     lambda n: None)
        finally:
            await core.stop()
    rows = rows_for(m.wall, "P13b", "fake in its own process: ")[:2]
    rows += rows_for(m.cpu, "P13b.cpu", "fake in its own process, main-thread CPU of ")
    return rows


def echo_prompt(n: int) -> str:
    """The prompt the echoing fake answers with exactly ``n`` chunks ("echo: " + it)."""
    return long_text(n)[len("echo: "):]


def sdk_client(base_url: str) -> Any:
    from openai import AsyncOpenAI

    from ._fake import KEY1

    return AsyncOpenAI(base_url=base_url, api_key=KEY1, max_retries=0, timeout=60)


def rows_for(t: dict[tuple[str, int], float], id_: str = "P13",
             what: str = "") -> list[Row]:
    """The target rows and the per-layer decomposition (µs per request, per chunk)."""
    raw, bare, serve = t[("raw", LONG)], t[("bare", LONG)], t[("serve", LONG)]
    rows = [
        row(id_, f"{what}whole turn over tabwise serve, {LONG}-chunk answer, vs raw SDK",
            serve * 1e3, "ms", "≤ 1.5× raw", serve <= 1.5 * raw, baseline=raw * 1e3,
            ratio=serve / raw),
        row(id_, f"{what}whole turn over tabwise serve vs a bare pydantic-ai Agent "
            "(same tools)", serve * 1e3, "ms", "≤ 1.1× bare", serve <= 1.1 * bare,
            baseline=bare * 1e3, ratio=serve / bare),
    ]
    below: tuple[str, float, float] | None = None
    for name in LAYERS:
        short, long = t[(name, SHORT)], t[(name, LONG)]
        per_chunk = (long - short) / (LONG - SHORT)
        per_request = short - SHORT * per_chunk
        desc = f"{what}{name}: whole turn ({short * 1e3:.1f} ms at {SHORT} chunks)"
        if below is None:
            desc += f"; {per_request * 1e6:,.0f} µs/request + {per_chunk * 1e6:.1f} µs/chunk"
        else:
            desc += (f"; adds {(per_request - below[1]) * 1e6:,.0f} µs/request + "
                     f"{(per_chunk - below[2]) * 1e6:.1f} µs/chunk to {below[0]}")
        rows.append(row(f"{id_}.{name}", desc, long * 1e3, "ms", "", None))
        below = (name, per_request, per_chunk)
    return rows


PARTS: dict[str, Part] = {"P13": p13}


def run(quick: bool, only: set[str] | None = None) -> list[Row]:
    return run_parts(PARTS, quick, only)


if __name__ == "__main__":
    main_cli(PARTS)
