"""``export_session`` (commands/_export.py): a turn that failed or was cancelled is in
the export where it happened, as ``get_conversation`` shows it — its prompt, what it
did, then why it ended — in Markdown and JSON, after a restart and after a compaction
too, and never with a secret."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tabwise.commands import Tabwise
from tabwise.errors import ProviderError, TurnCancelled
from tabwise.events import TextDelta

from fake_llm import FakeLLM, Reply
from helpers import KEY1, ai


async def _cancelled_mid_stream(core: Tabwise, sid: str, prompt: str) -> None:
    sub = core.subscribe(sid)
    turn = asyncio.create_task(core.send_ai_prompt(sid, prompt))
    try:
        while not isinstance((await asyncio.wait_for(sub.get(), 10)).payload, TextDelta):
            pass
    finally:
        sub.close()
    assert await core.cancel_ai_prompt(sid)
    with pytest.raises(TurnCancelled):
        await turn


def _order(md: str, *parts: str) -> None:
    at = [md.find(p) for p in parts]
    assert -1 not in at, [p for p, i in zip(parts, at, strict=True) if i < 0]
    assert at == sorted(at), f"out of order: {parts}"


async def test_failed_and_cancelled_turns_are_exported_where_they_happened(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    try:
        sid = (await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                         terminal=False)).session_id
        fake_llm.script("m1", Reply(text="Answer one."),
                        Reply(status=401, error_message=f"Invalid API key {KEY1} given."),
                        Reply(text="partial-" * 400, chunk_size=4, chunk_delay=0.01),
                        Reply(text="Answer four."))
        await core.send_ai_prompt(sid, "prompt one")
        with pytest.raises(ProviderError):
            await core.send_ai_prompt(sid, "prompt two")
        await _cancelled_mid_stream(core, sid, "prompt three")
        await core.send_ai_prompt(sid, "prompt four")
        live_md = await core.export_session(sid)
        live_json = json.loads(await core.export_session(sid, "json"))
    finally:
        await core.stop()
    _order(live_md, "prompt one", "Answer one.", "prompt two", "**Failed** (`auth`):",
           "prompt three", "\n\npart", "**Cancelled:** The turn was cancelled.",
           "prompt four", "Answer four.")
    assert KEY1 not in live_md and "[redacted]" in live_md
    turns = live_json["unfinished_turns"]
    assert [(t["at"], t["error_type"]) for t in turns] == [(2, "auth"), (2, "cancelled")]
    assert "prompt three" in json.dumps(turns[1]["messages"])
    assert len(live_json["messages"]) == 4  # the answered turns only: the model's context

    # The archive gives the same after a restart (the tab restored or closed).
    core = await Tabwise.start(home)
    try:
        assert await core.export_session(sid) == live_md
        await core.close_session(sid)
        assert json.loads(await core.export_session(sid, "json"))["unfinished_turns"] == turns
    finally:
        await core.stop()


async def test_an_unfinished_turn_after_a_compaction_is_placed_in_the_whole_transcript(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                     terminal=False)).session_id
    fake_llm.script("m1", Reply(text="Answer one."), Reply(text="Answer two."),
                    Reply(text="THE SUMMARY"), Reply(status=500), Reply(text="Answer four."))
    await core.send_ai_prompt(sid, "prompt one")
    await core.send_ai_prompt(sid, "prompt two")
    done = await core.compact_context(sid)
    assert done.messages_after < done.messages_before
    with pytest.raises(ProviderError):
        await core.send_ai_prompt(sid, "prompt three")
    await core.send_ai_prompt(sid, "prompt four")
    md = await core.export_session(sid)
    _order(md, "prompt one", "prompt two", "prompt three", "**Failed** (`server`)",
           "prompt four", "Answer four.")
    data = json.loads(await core.export_session(sid, "json"))
    [turn] = data["unfinished_turns"]
    # After the four messages of the first two turns (the transcript keeps them all).
    assert turn["at"] == 4 and len(data["messages"]) == 6
