"""Project rules: AGENTS.md / CLAUDE.md and [agent] instructions (issue #15, item 2)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tabwise.agent._instructions import MAX_CHARS, find_rules_files, render_rules
from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import ai, collect_until, fields, of_type


def test_nearest_file_last_and_the_search_stops_at_the_repository(tmp_path: Path) -> None:
    outer = tmp_path / "outer"
    repo = outer / "repo"
    deep = repo / "pkg" / "deep"
    deep.mkdir(parents=True)
    (repo / ".git").mkdir()
    (outer / "AGENTS.md").write_text("outside the repo")
    (repo / "AGENTS.md").write_text("repo rules")
    (repo / "CLAUDE.md").write_text("shadowed by AGENTS.md")
    (repo / "pkg" / "CLAUDE.md").write_text("pkg rules")
    assert find_rules_files(deep, home=tmp_path) == [repo / "AGENTS.md",
                                                      repo / "pkg" / "CLAUDE.md"]


def test_the_search_stops_at_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    work = home / "work"
    work.mkdir(parents=True)
    (tmp_path / "AGENTS.md").write_text("above home")
    (home / "AGENTS.md").write_text("home rules")
    assert find_rules_files(work, home=home) == [home / "AGENTS.md"]


def test_render_caps_a_huge_file(tmp_path: Path) -> None:
    text = render_rules("be brief", [(tmp_path / "AGENTS.md", "x" * (MAX_CHARS * 2))])
    assert "be brief" in text
    assert len(text) < MAX_CHARS + 1000
    assert "left out" in text
    assert render_rules("  ", []) == ""


def system_text(fake: FakeLLM, model: str = "m1") -> str:
    req = fake.requests_for(model)[-1]
    return "\n".join(str(m.get("content")) for m in req.messages if m["role"] == "system")


@pytest.fixture
def rules_home(make_home: Callable[..., Path]) -> Path:
    home = make_home()
    toml = (home / "settings.toml").read_text().replace(
        "[agent]\n", '[agent]\ninstructions = "Settings rule: answer in haiku."\n')
    (home / "settings.toml").write_text(toml)
    return home


async def test_the_request_carries_agents_md_and_follows_edits(
        rules_home: Path, fake_llm: FakeLLM, workdir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(workdir.parent))
    (workdir / ".git").mkdir()
    rules = workdir / "AGENTS.md"
    rules.write_text("Rule one: run the tests with `make check`.")
    core = await Tabwise.start(rules_home)
    try:
        info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                         terminal=False)
        sid = info.session_id
        sub = core.subscribe(sid)
        await core.send_ai_prompt(sid, "hi")
        sent = system_text(fake_llm)
        assert "Rule one: run the tests with `make check`." in sent
        assert "Settings rule: answer in haiku." in sent
        assert sent.index("Settings rule") < sent.index("Rule one")

        rules.write_text("Rule two: never touch the migrations.")
        # A different size and a later mtime, even on a coarse-clock file system.
        st = rules.stat()
        os.utime(rules, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        await core.send_ai_prompt(sid, "again")
        sent = system_text(fake_llm)
        assert "Rule two: never touch the migrations." in sent
        assert "Rule one" not in sent

        events = await collect_until(sub, lambda e: e.type == "completed"
                                     and fields(e).get("response", "").startswith("echo: again"))
        changed = of_type(events, "instructions_changed")
        assert changed and fields(changed[-1]) == {"files": [str(rules)], "settings": True}
        listed = await core.list_sessions()
        assert list(listed[0].instructions) == [str(rules)]
    finally:
        await core.stop()


async def test_claude_md_when_there_is_no_agents_md(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    (workdir / ".git").mkdir()
    (workdir / "CLAUDE.md").write_text("Claude-style rules here.")
    info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                     terminal=False)
    await core.send_ai_prompt(info.session_id, "hi")
    assert "Claude-style rules here." in system_text(fake_llm)


async def test_cd_into_a_project_announces_its_rules(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(workdir))
    project = workdir / "project"
    (project / ".git").mkdir(parents=True)
    (project / "AGENTS.md").write_text("Project rules.")
    core = await Tabwise.start(make_home())
    try:
        info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"))
        sid = info.session_id
        sub = core.subscribe(sid)
        await core.pty_write(sid, f"cd '{project}'\n")
        events = await collect_until(sub, lambda e: e.type == "instructions_changed")
        assert fields(events[-1])["files"] == [str(project / "AGENTS.md")]
    finally:
        await core.stop()


async def test_rules_a_tool_rewrites_mid_turn_reach_the_turns_next_request(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The turn's first request uses the rules check started with the turn; every later
    # request of the same turn checks again, so a tool's edit is seen at once.
    monkeypatch.setenv("HOME", str(workdir.parent))
    (workdir / ".git").mkdir()
    (workdir / "AGENTS.md").write_text("Rule one.")
    home = make_home()
    toml = (home / "settings.toml").read_text().replace(
        "[agent]\n", '[agent]\napproval = "auto"\n')
    (home / "settings.toml").write_text(toml)
    fake_llm.script("m1", Reply(tool_calls=[ToolCall("write_file", {
        "path": "AGENTS.md", "content": "Rule two, written by a tool."})]), Reply(text="done"))
    core = await Tabwise.start(home)
    try:
        info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"),
                                         terminal=False)
        assert await core.send_ai_prompt(info.session_id, "rewrite the rules") == "done"
        first, second = fake_llm.requests_for("m1")[-2:]

        def system(req: Any) -> str:
            return "\n".join(str(m.get("content")) for m in req.messages
                             if m["role"] == "system")

        assert "Rule one." in system(first) and "Rule two" not in system(first)
        assert "Rule two, written by a tool." in system(second)
    finally:
        await core.stop()
