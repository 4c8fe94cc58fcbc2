"""Usage and cost of a tab over its whole life (issue #15 item 3, DESIGN §4)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from genai_prices import Usage, calc_price

from tabwise.api import to_json
from tabwise.commands import Tabwise
from tabwise.errors import SessionNotFound

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import ai, collect_until, of_type, terminal
from rpc_client import RpcError, connected

OPENAI_VIA_FAKE = """
[ai.openai]
api_key = "$TW_TEST_KEY1"
base_url = "{url}"
max_retries = 0
timeout_seconds = 5
"""


def price(input_tokens: int, output_tokens: int, model: str = "gpt-4.1-mini") -> float:
    calc = calc_price(Usage(input_tokens=input_tokens, output_tokens=output_tokens), model,
                      provider_id="openai")
    return float(calc.total_price)


def reply(text: str, pt: int, ct: int) -> Reply:
    return Reply(text=text, prompt_tokens=pt, completion_tokens=ct)


async def test_unpriced_custom_model_counts_tokens_and_has_no_cost(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                     terminal=False)
    sid = info.session_id
    sub = core.subscribe(sid)
    assert to_json(await core.get_session_usage(sid)) == {
        "input_tokens": 0, "output_tokens": 0, "requests": 0, "cost_usd": None,
        "unpriced_requests": 0, "by_model": []}
    fake_llm.script("m1", reply("one", 100, 10), reply("two", 200, 20))
    await core.send_ai_prompt(sid, "a")
    await core.send_ai_prompt(sid, "b")
    completed = of_type(await collect_until(sub, terminal), "completed")
    assert completed[0].payload.cost_usd is None
    usage = to_json(await core.get_session_usage(sid))
    assert usage["input_tokens"] == 300 and usage["output_tokens"] == 30
    assert usage["requests"] == 2 and usage["unpriced_requests"] == 2
    # A custom model without a price is unknown, never $0.
    assert usage["cost_usd"] is None
    assert usage["by_model"] == [{
        "provider": "local1", "model": "m1", "input_tokens": 300, "output_tokens": 30,
        "requests": 2, "cost_usd": None, "unpriced_requests": 2}]


async def test_priced_model_tool_steps_compaction_and_restart(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home(extra=OPENAI_VIA_FAKE.format(url=fake_llm.base_url))
    core = await Tabwise.start(home)
    try:
        info = await core.create_session(str(workdir), ai_config=ai("openai", "gpt-4.1-mini"),
                                         terminal=False)
        sid = info.session_id
        sub = core.subscribe(sid)
        (workdir / "a.txt").write_text("hello")
        # A turn with a tool step: two requests, both priced.
        fake_llm.script("gpt-4.1-mini",
                        Reply(tool_calls=[ToolCall("read_file", {"path": "a.txt"})],
                              prompt_tokens=1000, completion_tokens=50),
                        reply("done", 1200, 100))
        await core.send_ai_prompt(sid, "read a.txt")
        done = of_type(await collect_until(sub, terminal), "completed")[0]
        turn_cost = price(1000, 50) + price(1200, 100)
        assert done.payload.cost_usd == pytest.approx(turn_cost)
        fake_llm.script("gpt-4.1-mini", reply("second", 1500, 200))
        await core.send_ai_prompt(sid, "again " + "padding " * 30)
        # A manual compaction is a request too, and it is counted.
        fake_llm.script("gpt-4.1-mini", reply("SUMMARY", 800, 40))
        await core.compact_context(sid)
        usage = to_json(await core.get_session_usage(sid))
        assert usage["requests"] == 4
        assert usage["input_tokens"] == 1000 + 1200 + 1500 + 800
        assert usage["output_tokens"] == 50 + 100 + 200 + 40
        total = turn_cost + price(1500, 200) + price(800, 40)
        assert usage["cost_usd"] == pytest.approx(total)
        assert usage["unpriced_requests"] == 0
        listed = {s["session_id"]: s for s in to_json(await core.list_sessions())}
        assert listed[sid]["usage"]["cost_usd"] == pytest.approx(total)
    finally:
        await core.stop()

    # After a restart the sums come back from the archive and go on counting.
    core = await Tabwise.start(home)
    try:
        usage = to_json(await core.get_session_usage(sid))
        assert usage["requests"] == 4 and usage["cost_usd"] == pytest.approx(total)
        fake_llm.script("gpt-4.1-mini", reply("third", 100, 10))
        await core.send_ai_prompt(sid, "more")
        usage = to_json(await core.get_session_usage(sid))
        assert usage["requests"] == 5
        assert usage["cost_usd"] == pytest.approx(total + price(100, 10))
        # A closed session still reports its usage (from the archive).
        await core.close_session(sid)
        assert (await core.get_session_usage(sid)).requests == 5
        closed = [s for s in to_json(await core.list_sessions(include_closed=True))
                  if s["session_id"] == sid]
        assert closed[0]["usage"]["requests"] == 5
    finally:
        await core.stop()


async def test_usage_of_an_unknown_session(core: Tabwise) -> None:
    with pytest.raises(SessionNotFound):
        await core.get_session_usage("nope")


async def test_usage_over_json_rpc(core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    async with connected(core) as client:
        sid = (await client.call("create_session", working_directory=str(workdir),
                                 terminal=False))["session_id"]
        await client.call("subscribe_events", session_id=sid)
        fake_llm.script("m1", reply("hi", 40, 4))
        await client.call("send_ai_prompt", session_id=sid, prompt="hello")
        done = await client.next_event(lambda e: e["type"] == "completed")
        assert "cost_usd" in done and done["cost_usd"] is None
        usage = await client.call("get_session_usage", session_id=sid)
        assert (usage["input_tokens"], usage["output_tokens"], usage["requests"]) == (40, 4, 1)
        assert usage["cost_usd"] is None
        try:
            await client.call("get_session_usage", session_id="missing")
        except RpcError as exc:
            assert exc.code == "session_not_found"
        else:
            raise AssertionError("expected session_not_found")
