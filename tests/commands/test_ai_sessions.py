"""Per-tab AI sessions through the command layer: isolation, switches, failures."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tabwise.commands import Tabwise, call_command
from tabwise.errors import (
    InvalidParams,
    ProviderError,
    ProviderNotConfigured,
    SessionBusy,
    SessionNotFound,
    TurnCancelled,
    UnknownProvider,
)
from tabwise.server import event_params

from fake_llm import FakeLLM, Reply
from helpers import KEY1, KEY2, ai, collect_until, fields, of_type, terminal, text_of


async def test_two_tabs_stream_at_once_with_their_own_model_key_and_history(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    a = await core.create_session(str(workdir), ai_config=ai("local1", "m1"), terminal=False)
    b = await core.create_session(str(workdir), ai_config=ai("local2", "m2"), terminal=False)
    sa, sb = core.subscribe(a.session_id), core.subscribe(b.session_id)
    # A first, unscripted turn each, so each history has something of its own.
    assert await core.send_ai_prompt(a.session_id, "alpha one") == "echo: alpha one"
    assert await core.send_ai_prompt(b.session_id, "bravo one") == "echo: bravo one"
    slow = dict(chunk_size=4, chunk_delay=0.02)
    fake_llm.script("m1", Reply(text="A" * 80, **slow))
    fake_llm.script("m2", Reply(text="B" * 80, **slow))
    ra, rb = await asyncio.gather(core.send_ai_prompt(a.session_id, "alpha two"),
                                  core.send_ai_prompt(b.session_id, "bravo two"))
    assert (ra, rb) == ("A" * 80, "B" * 80)

    req_a, req_b = fake_llm.requests_for("m1")[-1], fake_llm.requests_for("m2")[-1]
    assert req_a.api_key == KEY1 and req_b.api_key == KEY2
    assert req_a.user_texts() == ["alpha one", "alpha two"]
    assert req_b.user_texts() == ["bravo one", "bravo two"]
    assert "bravo" not in req_a.all_text() and "alpha" not in req_b.all_text()
    # The two streams overlapped in time.
    assert req_a.started < req_b.finished and req_b.started < req_a.finished

    ev_a = await collect_until(sa, lambda e: terminal(e) and fields(e).get("response") == ra)
    ev_b = await collect_until(sb, lambda e: terminal(e) and fields(e).get("response") == rb)
    assert {e.session_id for e in ev_a} == {a.session_id}
    assert {e.session_id for e in ev_b} == {b.session_id}
    for evs in (ev_a, ev_b):
        seqs = [e.seq for e in evs]
        assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert "B" not in text_of(ev_a)


async def test_every_started_ends_once_and_seq_survives_a_switch(
        core: Tabwise, workdir: Path) -> None:
    s = await core.create_session(str(workdir), terminal=False)
    sid = s.session_id
    sub = core.subscribe(sid)
    await core.send_ai_prompt(sid, "one")
    await core.init_ai_session(sid, ai("local2", "m2"))
    await core.send_ai_prompt(sid, "two")
    events = await collect_until(sub, lambda e: e.type == "completed" and
                                 e.payload.response == "echo: two")
    seqs = [e.seq for e in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert len(of_type(events, "started")) == 2
    assert len([e for e in events if terminal(e)]) == 2
    changed = of_type(events, "ai_config_changed")
    assert changed and fields(changed[0]) == {"provider": "local2", "model": "m2"}


async def test_second_prompt_while_busy_is_refused(core: Tabwise, fake_llm: FakeLLM,
                                                   workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    fake_llm.script("m1", Reply(text="slow answer", chunk_size=2, chunk_delay=0.05))
    first = asyncio.create_task(core.send_ai_prompt(sid, "first"))
    await asyncio.sleep(0.1)
    with pytest.raises(SessionBusy) as err:
        await core.send_ai_prompt(sid, "second")
    assert err.value.code == "session_busy"
    assert await first == "slow answer"


async def test_switch_keeps_history_and_new_tabs_keep_defaults(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    await core.send_ai_prompt(sid, "remember the word kiwi")
    assert await core.init_ai_session(sid, ai("local2", "m2")) == ai("local2", "m2")
    await core.send_ai_prompt(sid, "what word?")
    last = fake_llm.requests_for("m2")[-1]
    assert last.user_texts() == ["remember the word kiwi", "what word?"]
    assert last.api_key == KEY2
    assert await core.get_ai_conversation_length(sid) == 4
    # New tabs still get the global defaults, never the switched tab's model.
    other = await core.create_session(str(workdir), terminal=False)
    assert other.ai_config == ai("local1", "m1")
    assert await core.get_default_ai_config() == ai("local1", "m1")
    assert await core.get_session_ai_config(sid) == ai("local2", "m2")


async def test_failed_switch_keeps_the_old_agent(core: Tabwise, workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    with pytest.raises(UnknownProvider):
        await core.init_ai_session(sid, ai("nope", "x"))
    with pytest.raises(ProviderNotConfigured) as err:
        await core.init_ai_session(sid, ai("anthropic", "claude-sonnet-4-6"))
    assert "ANTHROPIC_API_KEY" in str(err.value)
    with pytest.raises(InvalidParams):
        await call_command(core, "init_ai_session", {"session_id": sid,
                                                     "config": {"provider": "local2"}})
    assert await core.get_session_ai_config(sid) == ai("local1", "m1")
    assert await core.send_ai_prompt(sid, "still here?") == "echo: still here?"


@pytest.mark.parametrize(
    ("reply", "error_type"),
    [
        (Reply(status=401, error_message="bad key"), "auth"),
        (Reply(status=429, error_message="slow down"), "rate_limit"),
        (Reply(status=500, error_message="boom"), "server"),
        (Reply(text="partial answer that breaks", chunk_size=4, break_after=3), None),
        (Reply(hang=True), "timeout"),
    ],
    ids=["401", "429", "500", "broken-stream", "timeout"],
)
async def test_provider_failure_in_one_tab_leaves_the_other_working(
        make_home, fake_llm: FakeLLM, workdir: Path, reply: Reply,
        error_type: str | None) -> None:
    home = make_home(extra="")
    # A short silence timeout for the hanging case.
    text = (home / "settings.toml").read_text().replace("timeout_seconds = 5",
                                                         "timeout_seconds = 0.5")
    (home / "settings.toml").write_text(text)
    core = await Tabwise.start(home)
    try:
        a = (await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                       terminal=False)).session_id
        b = (await core.create_session(str(workdir), ai_config=ai("local2", "m2"),
                                       terminal=False)).session_id
        sub = core.subscribe(a)
        fake_llm.script("m1", reply)
        fake_llm.script("m2", Reply(text="fine", chunk_size=2, chunk_delay=0.01))
        res_a, res_b = await asyncio.gather(core.send_ai_prompt(a, "go"),
                                            core.send_ai_prompt(b, "go"),
                                            return_exceptions=True)
        assert res_b == "fine"
        assert isinstance(res_a, ProviderError)
        events = await collect_until(sub, terminal)
        err = events[-1]
        assert err.type == "error" and err.session_id == a
        assert err.payload.message
        if error_type:
            assert err.payload.error_type == error_type
        # The failing tab recovers on its next turn.
        assert await core.send_ai_prompt(a, "again") == "echo: again"
    finally:
        await core.stop()


async def test_cancel_ends_the_turn_with_cancelled(core: Tabwise, fake_llm: FakeLLM,
                                                   workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    sub = core.subscribe(sid)
    fake_llm.script("m1", Reply(text="x" * 400, chunk_size=2, chunk_delay=0.02))
    turn = asyncio.create_task(core.send_ai_prompt(sid, "long"))
    await collect_until(sub, lambda e: e.type == "text_delta")
    assert await core.cancel_ai_prompt(sid) is True
    with pytest.raises(TurnCancelled):
        await turn
    events = await collect_until(sub, terminal)
    assert events[-1].type == "cancelled"
    assert await core.cancel_ai_prompt(sid) is False
    assert await core.get_ai_conversation_length(sid) == 0
    assert await core.send_ai_prompt(sid, "after") == "echo: after"


async def test_shutdown_is_idempotent_and_unknown_sessions_error(
        core: Tabwise, workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    assert await core.is_ai_session_initialized(sid)
    assert await core.shutdown_ai_session(sid)
    assert await core.shutdown_ai_session(sid)
    assert not await core.is_ai_session_initialized(sid)
    assert await core.get_session_ai_config(sid) is None
    with pytest.raises(Exception) as err:
        await core.send_ai_prompt(sid, "hi")
    assert getattr(err.value, "code", "") == "ai_not_initialized"
    with pytest.raises(SessionNotFound):
        await core.send_ai_prompt("missing", "hi")


async def test_clear_conversation(core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    await core.send_ai_prompt(sid, "one")
    await core.clear_ai_conversation(sid)
    assert await core.get_ai_conversation_length(sid) == 0
    await core.send_ai_prompt(sid, "two")
    assert fake_llm.requests_for("m1")[-1].user_texts() == ["two"]


async def test_default_provider_without_key_still_creates_the_tab(
        make_home, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = make_home()
    monkeypatch.delenv("TW_TEST_KEY1")
    core = await Tabwise.start(home)
    try:
        info = await core.create_session(str(workdir), terminal=False)
        assert info.ai_status == "not_configured"
        assert "TW_TEST_KEY1" in info.ai_error
        providers = {p.name: p for p in await core.list_providers()}
        assert providers["local1"].configured is False
        assert "TW_TEST_KEY1" in providers["local1"].reason
        assert providers["local2"].configured is True
    finally:
        await core.stop()


async def test_a_provider_echoing_the_key_never_leaks_it(core: Tabwise, fake_llm: FakeLLM,
                                                         workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    sub = core.subscribe(sid)
    fake_llm.script("m1", Reply(status=401, error_message=f"Incorrect API key: {KEY1}"))
    with pytest.raises(ProviderError) as err:
        await core.send_ai_prompt(sid, "hi")
    assert KEY1 not in str(err.value) and "[redacted]" in str(err.value)
    events = await collect_until(sub, terminal)
    assert KEY1 not in str([event_params(e) for e in events])
