"""fork_session and compare_prompt through the command layer (issue #16)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tabwise.api import to_json
from tabwise.commands import Tabwise, call_command
from tabwise.commands._fork import cut_at_turn, turn_starts
from tabwise.errors import InvalidParams, SessionNotFound, TabwiseError, UnknownProvider

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import KEY1, KEY2, ai, collect_until

pytestmark = pytest.mark.timeout(60)


def write_call(path: str = "out.txt") -> Reply:
    return Reply(tool_calls=[ToolCall("write_file", {"path": path, "content": "x"})])


async def tab(core: Tabwise, workdir: Path, provider: str = "local1",
              model: str = "m1") -> str:
    info = await core.create_session(str(workdir), ai_config=ai(provider, model),
                                     terminal=False)
    return str(info.session_id)


async def approve_next(core: Tabwise, sid: str, decision: str = "approve") -> None:
    sub = core.subscribe(sid)
    try:
        ev = (await collect_until(sub, lambda e: e.type == "tool_approval_request"))[-1]
    finally:
        sub.close()
    await core.respond_to_tool_approval(sid, ev.payload.request_id, decision)


async def two_turns_with_a_tool(core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> str:
    """A tab whose history is: prompt, tool call, result, answer, prompt, answer."""
    (workdir / "a.txt").write_text("alpha")
    sid = await tab(core, workdir)
    fake_llm.script("m1", Reply(tool_calls=[ToolCall("read_file", {"path": "a.txt"})]),
                    Reply(text="read it"))
    await core.send_ai_prompt(sid, "first question")
    await core.send_ai_prompt(sid, "second question")
    assert await core.get_ai_conversation_length(sid) == 6
    return sid


async def test_fork_copies_the_conversation_and_then_goes_its_own_way(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await tab(core, workdir)
    await core.send_ai_prompt(sid, "hello one")
    # An "always allow" answer in the source: the fork must not inherit it.
    fake_llm.script("m1", write_call("b.txt"))
    turn = asyncio.create_task(core.send_ai_prompt(sid, "write b"))
    await approve_next(core, sid, "always_allow")
    await turn
    source_len = await core.get_ai_conversation_length(sid)
    source_history = list(core.ai.bridges[sid].history)
    source_usage = await core.get_session_usage(sid)

    info = await core.fork_session(sid, ai("local2", "m2"))
    fid = info.session_id
    assert info.forked_from == sid and info.ai_config == ai("local2", "m2")
    assert info.working_directory == str(core.sessions[sid].working_directory)
    assert await core.get_ai_conversation_length(fid) == source_len
    assert (await core.get_session_usage(fid)).requests == 0
    assert core.ai.bridges[fid].approvals.tab_allowed == set()

    # The fork asks before writing (its own approvals) and speaks to m2 with key 2,
    # sending the copied conversation.
    fake_llm.script("m2", write_call("c.txt"))
    turn = asyncio.create_task(core.send_ai_prompt(fid, "on the fork"))
    await approve_next(core, fid)
    await turn
    m2 = fake_llm.requests_for("m2")[0]
    assert m2.api_key == KEY2
    assert m2.user_texts()[:2] == ["hello one", "write b"]
    assert m2.user_texts()[-1] == "on the fork"

    # The source is untouched: history, model, approvals, usage.
    src = core.ai.bridges[sid]
    assert src.history == source_history and src.config == ai("local1", "m1")
    assert src.approvals.tab_allowed == {"write_file"}
    assert await core.get_session_usage(sid) == source_usage
    await core.send_ai_prompt(sid, "back on the source")
    m1 = fake_llm.requests_for("m1")[-1]
    assert m1.api_key == KEY1 and "on the fork" not in m1.all_text()


async def test_fork_at_n_rounds_down_to_a_turn_boundary(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await two_turns_with_a_tool(core, fake_llm, workdir)
    history = core.ai.bridges[sid].history
    assert turn_starts(history) == [0, 4]
    # Inside turn 1 (between the tool call and its result): back to its start.
    assert [cut_at_turn(history, n) for n in range(8)] == [0, 0, 0, 0, 4, 4, 6, 6]
    for n, kept in ((3, 0), (5, 4), (6, 6), (100, 6)):
        f = await core.fork_session(sid, message_count=n, name=f"at {n}")
        assert await core.get_ai_conversation_length(f.session_id) == kept
        assert f.name == f"at {n}" and f.ai_config == ai("local1", "m1")
    f4 = next(i for i in await core.list_sessions() if i.name == "at 5").session_id
    await core.send_ai_prompt(f4, "again")
    sent = fake_llm.requests_for("m1")[-1].user_texts()
    assert sent == ["first question", "again"]


async def test_fork_checks_its_params_and_creates_nothing_on_error(
        core: Tabwise, workdir: Path) -> None:
    sid = await tab(core, workdir)
    before = len(core.sessions)
    with pytest.raises(SessionNotFound):
        await core.fork_session("nope")
    with pytest.raises(InvalidParams):
        await core.fork_session(sid, message_count=-1)
    with pytest.raises(InvalidParams):
        await call_command(core, "fork_session", {"session_id": sid,
                                                  "ai_config": {"provider": "local1"}})
    with pytest.raises(UnknownProvider):
        await core.fork_session(sid, ai("nosuch", "x"))
    assert len(core.sessions) == before


async def test_compare_each_fork_streams_asks_and_fails_on_its_own(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await tab(core, workdir)
    await core.send_ai_prompt(sid, "context first")
    fake_llm.script("m1b", Reply(status=401, error_message="bad key"))
    fake_llm.script("m2", write_call())
    fake_llm.script("m1", Reply(text="m1 answers", chunk_delay=0.01, chunk_size=2))
    sub = core.subscribe()
    run = asyncio.create_task(core.compare_prompt(
        sid, "which is best?", [ai("local1", "m1"), ai("local1", "m1b"), ai("local2", "m2")]))
    seen = await collect_until(sub, lambda e: e.type == "tool_approval_request")
    asking = seen[-1].session_id
    # While m2 waits for its approval, m1 finishes and m1b fails.
    more = await collect_until(sub, lambda e: e.type == "completed")
    done = [e.session_id for e in seen + more if e.type == "completed"]
    failed = [e for e in seen + more if e.type == "error"]
    assert not run.done() and len(done) == 1 and asking not in done
    if not failed:
        failed = [e for e in await collect_until(sub, lambda e: e.type == "error")
                  if e.type == "error"]
    await core.respond_to_tool_approval(asking, seen[-1].payload.request_id, "approve")
    results = await run
    sub.close()
    assert [r.ai_config for r in results] == [ai("local1", "m1"), ai("local1", "m1b"),
                                                 ai("local2", "m2")]
    ok, bad, asked = results
    assert ok.response == "m1 answers" and ok.error is None
    assert bad.response is None and bad.error.code == "provider_error"
    assert failed[0].session_id == bad.session_id
    assert asked.session_id == asking and asked.response.startswith("tool said:")
    assert (workdir / "out.txt").exists()
    # Every fork saw the shared context; the source saw none of the comparison.
    for model in ("m1", "m1b", "m2"):
        assert fake_llm.requests_for(model)[-1].user_texts()[0] == "context first"
    assert await core.get_ai_conversation_length(sid) == 2
    for r in results:
        assert core.sessions[r.session_id].forked_from == sid


@pytest.mark.parametrize("configs", [[ai("local1", "m1")], [ai("local1", "m1")] * 7,
                                     "m1", [ai("local1", "m1"), {"provider": 1}]])
async def test_compare_rejects_bad_configs(core: Tabwise, workdir: Path,
                                           configs: object) -> None:
    sid = await tab(core, workdir)
    with pytest.raises(InvalidParams):
        # Bad shapes are refused at the edge (JSON params), where params are validated.
        await call_command(core, "compare_prompt", {"session_id": sid, "prompt": "q",
                                                    "ai_configs": to_json(configs)})
    assert list(core.sessions) == [sid]


async def test_compare_with_an_unknown_provider_creates_no_fork(
        core: Tabwise, workdir: Path) -> None:
    sid = await tab(core, workdir)
    with pytest.raises(TabwiseError) as err:
        await core.compare_prompt(sid, "q", [ai("local1", "m1"), ai("nosuch", "m")])
    assert err.value.code == "unknown_provider" and "ai_configs[1]" in str(err.value)
    assert list(core.sessions) == [sid]


async def test_restart_restores_forks_and_their_source(
        home: Path, fake_llm: FakeLLM, workdir: Path) -> None:
    core = await Tabwise.start(home)
    try:
        sid = await two_turns_with_a_tool(core, fake_llm, workdir)
        fid = (await core.fork_session(sid, ai("local2", "m2"), message_count=4)).session_id
        await core.send_ai_prompt(fid, "fork turn")
        gid = (await core.fork_session(fid)).session_id  # a fork of a fork
        usage = await core.get_session_usage(fid)
    finally:
        await core.stop()
    core = await Tabwise.start(home)
    try:
        infos = {i.session_id: i for i in await core.list_sessions()}
        assert infos[fid].forked_from == sid and infos[gid].forked_from == fid
        assert infos[sid].forked_from is None and infos[fid].live
        assert await core.get_ai_conversation_length(fid) == 6
        assert await core.get_ai_conversation_length(gid) == 6
        assert await core.get_ai_conversation_length(sid) == 6
        assert core.ai.bridges[fid].config == ai("local2", "m2")
        assert (await core.get_session_usage(fid)).requests == usage.requests == 1
        assert (await core.get_session_usage(gid)).requests == 0
        await core.send_ai_prompt(gid, "grandchild")
        sent = fake_llm.requests_for("m2")[-1].user_texts()
        assert sent == ["first question", "fork turn", "grandchild"]
        assert core.archive is not None
        assert [r.message_count for r in await core.archive.list_sessions()
                if r.session_id == gid] == [8]
    finally:
        await core.stop()


async def test_fork_of_an_archived_session_that_is_not_open(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await two_turns_with_a_tool(core, fake_llm, workdir)
    await core.close_session(sid)
    info = await core.fork_session(sid, ai("local2", "m2"))
    assert info.forked_from == sid
    assert await core.get_ai_conversation_length(info.session_id) == 6


async def test_adopting_a_fork_continues_the_source_with_its_answer(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await tab(core, workdir)
    await core.send_ai_prompt(sid, "one")
    forks = await core.prepare_compare(sid, [ai("local1", "m1b"), ai("local2", "m2")])
    results = await core.run_compare([f.session_id for f in forks], "two")
    keep = results[1].session_id
    info = await core.adopt_fork(sid, keep)
    assert info.ai_config == ai("local2", "m2") and keep not in core.sessions
    assert await core.get_ai_conversation_length(sid) == 4
    await core.send_ai_prompt(sid, "three")
    assert fake_llm.requests_for("m2")[-1].user_texts() == ["one", "two", "three"]
    assert core.archive is not None
    await core.archive.flush()
    assert len(await core.archive.load_context(sid)) == 6
    # The other fork is still a tab of its own; adopting it now is refused (the
    # source moved on).
    with pytest.raises(InvalidParams):
        await core.adopt_fork(sid, results[0].session_id)
