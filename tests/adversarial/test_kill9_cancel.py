"""Cancel → reply → kill -9 → restart: the cancelled turn is still in the conversation
(issue #13; DESIGN §4: a reply is sent only after what it reports is durable). The
error path always saved its record before answering; ``cancel_ai_prompt`` answered as
soon as the cancel was requested, before the cancelled turn was recorded."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from test_kill9 import start_serve

from fake_llm import FakeLLM, Reply
from rpc_client import RpcClient

ROUNDS = 3


async def test_a_cancelled_turn_survives_a_kill_9_right_after_the_reply(
        home: Path, workdir: Path, fake_llm: FakeLLM) -> None:
    prompts: list[str] = []
    sid = ""
    for round_ in range(ROUNDS + 1):
        proc, url = await start_serve(home)
        try:
            client = await RpcClient.connect(url, (home / "server.token").read_text().strip())
            if sid:
                conversation = await client.call("get_conversation", session_id=sid)
                shown = [m["text"] for m in conversation if m["kind"] == "prompt"]
                ended = [m["error_type"] for m in conversation if m["kind"] == "error"]
                assert shown == prompts, "a cancelled turn acknowledged was lost"
                assert ended == ["cancelled"] * len(prompts)
            else:
                sid = (await client.call("create_session", working_directory=str(workdir),
                                         terminal=False))["session_id"]
            if round_ == ROUNDS:
                break
            fake_llm.script("m1", Reply(text="streaming " * 500, chunk_size=4,
                                        chunk_delay=0.01))
            await client.call("subscribe_events", session_id=sid)
            prompt = f"cancel me {round_}"
            turn = asyncio.create_task(client.call("send_ai_prompt", session_id=sid,
                                                   prompt=prompt))
            await client.next_event(lambda e: e["type"] == "text_delta")
            assert await client.call("cancel_ai_prompt", session_id=sid) is True
            # The very moment the reply is in: no flush, no goodbye.
            proc.send_signal(signal.SIGKILL)
            prompts.append(prompt)
            turn.cancel()
        finally:
            if proc.returncode is None:
                proc.kill()
            await proc.wait()
