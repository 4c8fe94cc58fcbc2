"""What keeping a pending approval across a restart costs (issue #15 item 6).

- P15a.1 time from the model's ``tool_call`` event to the ``tool_approval_request`` event
  in a tab whose conversation is 60 messages (~120 KB): with the archive on, the
  waiting turn is committed first; the baseline is the same tab with the archive off.
- P15a.2 the longest the event loop was blocked in that window (a 1 ms ticker), archive
  on, against the same window with the archive off: the conversation is serialised in
  a worker thread, not on the loop.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time

from tabwise.commands import Tabwise
from tabwise.events import ToolApprovalRequest
from tabwise.events import ToolCall as ToolCallEvent

from ._fake import FakeServer, Reply, ToolCall, bench_home
from ._rows import Row, row

IDS = ("P15a",)

HISTORY_TURNS = 30
ANSWER = "lorem ipsum dolor sit amet " * 80  # ~2 KB per answer


async def _measure(fake: FakeServer, persist: bool, rounds: int) -> tuple[list[float], float]:
    with bench_home(fake.base_url, persist=persist) as home:
        core = await Tabwise.start(home)
        try:
            work = home.parent / "work"
            sid = (await core.create_session(str(work), terminal=False)).session_id
            for i in range(HISTORY_TURNS):
                fake.script("m1", Reply(text=f"{i} {ANSWER}", chunk_size=4096))
                await core.send_ai_prompt(sid, f"turn {i}")
            sub = core.subscribe(sid)
            waits: list[float] = []
            worst = 0.0
            for i in range(rounds):
                fake.script("m1", Reply(tool_calls=[ToolCall(
                    "write_file", {"path": f"f{i}.txt", "content": "x"}, id=f"c{i}")]),
                    Reply(text="ok"))
                turn = asyncio.create_task(core.send_ai_prompt(sid, "write"))
                stop = asyncio.Event()
                ticker: asyncio.Task[float] | None = None
                start = 0.0
                while True:
                    match (await sub.get()).payload:
                        case ToolCallEvent():
                            start = time.perf_counter()
                            ticker = asyncio.create_task(_ticker(stop))
                        case ToolApprovalRequest(request_id=request_id):
                            waits.append((time.perf_counter() - start) * 1000)
                            break
                stop.set()
                if ticker is not None:
                    worst = max(worst, await ticker)
                await core.respond_to_tool_approval(sid, request_id, "approve")
                await turn
            sub.close()
            return waits, worst
        finally:
            await core.stop()


async def _ticker(stop: asyncio.Event) -> float:
    """The longest gap (ms) between 1 ms sleeps until ``stop``: the loop's worst stall."""
    worst = 0.0
    last = time.perf_counter()
    while not stop.is_set():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        worst = max(worst, (now - last) * 1000 - 1)
        last = now
    return worst


async def _main(quick: bool) -> list[Row]:
    rounds = 8 if quick else 40
    with FakeServer() as fake:
        base, base_stall = await _measure(fake, False, rounds)
        kept, stall = await _measure(fake, True, rounds)
    b, k = statistics.median(base), statistics.median(kept)
    return [
        row("P15a.1", f"tool_call → approval request, {HISTORY_TURNS * 2}-message tab, "
                     "kept durable (median)", round(k, 2), "ms", "", None, round(b, 2),
            k / b if b else None),
        row("P15a.2", "worst event-loop stall in that window", round(stall, 2), "ms",
            "", None, round(base_stall, 2)),
    ]


def run(quick: bool) -> list[Row]:
    return asyncio.run(_main(quick))


if __name__ == "__main__":
    for r in run("--quick" in sys.argv):
        print(r)
