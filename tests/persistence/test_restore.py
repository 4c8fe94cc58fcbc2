"""Restart round trips: every tab's provider/model, history, name and order come back."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tabwise.api import to_json
from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply
from helpers import KEY1, KEY2, ai, collect_until
from rpc_client import RpcClient


async def test_restart_restores_each_tab_with_its_own_model_and_history(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home(persist=True)
    core = await Tabwise.start(home)
    a = (await core.create_session(str(workdir), name="alpha", terminal=False)).session_id
    b = (await core.create_session(str(workdir), name="bravo", terminal=False)).session_id
    c = (await core.create_session(str(workdir), name="charlie", terminal=False)).session_id
    await core.send_ai_prompt(a, "alpha says hi")
    await core.init_ai_session(b, ai("local2", "m2"))
    await core.send_ai_prompt(b, "bravo says hi")
    await core.rename_session(c, "renamed")
    await core.reorder_sessions([c, a, b])
    await core.close_session(a)
    await core.restore_session(a)  # reopened: open again
    await core.stop()

    core = await Tabwise.start(home)
    try:
        infos = to_json(await core.list_sessions())
        assert [i["session_id"] for i in infos] == [c, a, b]
        assert all(i["live"] for i in infos)
        by_id = {i["session_id"]: i for i in infos}
        assert by_id[c]["name"] == "renamed"
        assert by_id[a]["ai_config"] == to_json(ai("local1", "m1"))
        assert by_id[b]["ai_config"] == to_json(ai("local2", "m2"))
        assert await core.get_ai_conversation_length(b) == 2
        await core.send_ai_prompt(b, "bravo again")
        req = fake_llm.requests_for("m2")[-1]
        assert req.user_texts() == ["bravo says hi", "bravo again"]
        assert req.api_key == KEY2
        md = await core.export_session(b)
        assert "bravo says hi" in md and "bravo again" in md
    finally:
        await core.stop()


async def test_unavailable_saved_model_falls_back_with_a_warning_and_keeps_the_row(
        make_home: Callable[..., Path], workdir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    home = make_home(persist=True)
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir), ai_config=ai("local2", "m2"),
                                     terminal=False)).session_id
    await core.send_ai_prompt(sid, "hello")
    await core.stop()

    monkeypatch.delenv("TW_TEST_KEY2")  # local2 is now not configured
    core = await Tabwise.start(home, restore=False)
    try:
        sub = core.bus.subscribe(sid)
        info = await core.restore_session(sid)
        assert info.ai_config == ai("local1", "m1")
        ev = await collect_until(sub, lambda e: e.type == "warning")
        assert "local2/m2" in ev[-1].payload.message and "local1/m1" in ev[-1].payload.message
        assert await core.get_ai_conversation_length(sid) == 2
        row = await core.archive.get_session(sid)  # type: ignore[union-attr]
        assert (row.provider, row.model) == ("local2", "m2")  # type: ignore[union-attr]
    finally:
        await core.stop()


async def test_secrets_are_never_written(make_home: Callable[..., Path], workdir: Path) -> None:
    home = make_home(persist=True)
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    await core.send_ai_prompt(sid, "hello")
    await core.init_ai_session(sid, ai("local2", "m2"))
    await core.send_ai_prompt(sid, "again")
    await core.export_session(sid, "json")
    await core.stop()
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert KEY1.encode() not in data and KEY2.encode() not in data, path


async def test_crash_mid_turn_keeps_every_completed_turn(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    """SIGKILL a real `tabwise serve` while a turn streams; the db opens and is whole."""


    home = make_home(persist=True)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tabwise.cli", "--home", str(home), "serve", "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL, env={**os.environ})
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
    url = line.removeprefix("listening on ")
    client = await RpcClient.connect(url, (home / "server.token").read_text().strip())
    sid = (await client.call("create_session", working_directory=str(workdir),
                             terminal=False))["session_id"]
    for i in range(5):
        await client.call("send_ai_prompt", session_id=sid, prompt=f"turn {i}")
    fake_llm.script("m1", Reply(text="never finishes " * 50, chunk_size=2, chunk_delay=0.05))
    await client.call("subscribe_events", session_id=sid)
    streaming = asyncio.create_task(client.call("send_ai_prompt", session_id=sid,
                                                prompt="in flight"))
    await client.next_event(lambda e: e["type"] == "text_delta")
    proc.send_signal(signal.SIGKILL)
    await proc.wait()
    streaming.cancel()
    await asyncio.gather(streaming, return_exceptions=True)
    await asyncio.gather(client.close(), return_exceptions=True)

    db = sqlite3.connect(home / "tabwise.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    core = await Tabwise.start(home)
    try:
        assert await core.get_ai_conversation_length(sid) == 10
        md = await core.export_session(sid)
        assert all(f"turn {i}" in md for i in range(5)) and "in flight" not in md
    finally:
        await core.stop()


async def test_serve_restart_brings_tabs_back_with_their_models(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path) -> None:
    home = make_home()

    async def serve() -> tuple[asyncio.subprocess.Process, RpcClient]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tabwise.cli", "--home", str(home), "serve", "--port", "0",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ})
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip()
        token = (home / "server.token").read_text().strip()
        return proc, await RpcClient.connect(line.removeprefix("listening on "), token)

    proc, client = await serve()
    a = (await client.call("create_session", working_directory=str(workdir),
                           terminal=False))["session_id"]
    b = (await client.call("create_session", working_directory=str(workdir),
                           ai_config=ai("local2", "m2"), terminal=False))["session_id"]
    await client.call("send_ai_prompt", session_id=b, prompt="kept across restarts")
    await client.call("rename_session", session_id=a, name="first")
    await client.close()
    proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(proc.wait(), 20) == 0

    proc, client = await serve()
    try:
        infos = await client.call("list_sessions")
        assert [(i["session_id"], i["live"], i["ai_config"]) for i in infos] == [
            (a, True, to_json(ai("local1", "m1"))), (b, True, to_json(ai("local2", "m2")))]
        assert infos[0]["name"] == "first"
        await client.call("send_ai_prompt", session_id=b, prompt="still there?")
        assert fake_llm.requests_for("m2")[-1].user_texts() == [
            "kept across restarts", "still there?"]
    finally:
        await client.close()
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 20)


async def test_seq_keeps_increasing_across_a_restart(make_home: Callable[..., Path],
                                                     workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    await core.send_ai_prompt(sid, "one")
    before = core.bus.last_seq(sid)
    await core.stop()
    core = await Tabwise.start(home, restore=False)
    try:
        sub = core.bus.subscribe(sid)
        await core.restore_session(sid)
        await core.send_ai_prompt(sid, "two")
        events = await collect_until(sub, lambda e: e.type == "completed")
        seqs = [e.seq for e in events]
        assert seqs[0] > before and seqs == sorted(seqs)
        assert seqs[-1] < 2**53  # still exact in every JSON client
    finally:
        await core.stop()
