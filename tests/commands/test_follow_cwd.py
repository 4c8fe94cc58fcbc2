"""The tab follows its shell's directory (issue #15, item 1), through the command layer
with real PTYs and real shells."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import ai, collect_until, of_type, terminal


def shell_home(make_home: Callable[..., Path], shell: str) -> Path:
    return make_home(extra=f'\n[terminal]\nshell = "{shell}"\n')


@pytest.fixture(autouse=True)
def _own_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shells read the rc files of a $HOME of our own, never the real user's."""
    home = tmp_path / "user"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("LANG", "C.UTF-8")  # readline takes "é" as a character
    monkeypatch.delenv("ZDOTDIR", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)


async def cd_and_wait(core: Tabwise, sid: str, target: Path, timeout: float = 10) -> None:
    sub = core.subscribe(sid)
    await core.pty_write(sid, f"cd '{target}'\n")
    events = await collect_until(sub, lambda e: e.type == "cwd_changed"
                                 and e.payload.working_directory == str(target), timeout)
    assert events[-1].payload.working_directory == str(target)


def tool_results(fake: FakeLLM, model: str) -> list[str]:
    out = []
    for m in fake.requests_for(model)[-1].messages:
        if m["role"] == "tool":
            out.append(str(m["content"]))
    return out


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "sh"])
async def test_cd_in_the_shell_moves_the_agent(
        make_home: Callable[..., Path], fake_llm: FakeLLM, workdir: Path, shell: str) -> None:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed")
    sub_dir = workdir / "sub dir%-é"  # a space, a percent sign, UTF-8: OSC 7 encodes them
    sub_dir.mkdir()
    (sub_dir / "only-in-sub.txt").write_text("x")
    (workdir / "only-in-top.txt").write_text("y")
    core = await Tabwise.start(shell_home(make_home, path))
    try:
        info = await core.create_session(str(workdir), ai_config=ai("local1", "m1"))
        sid = info.session_id
        await cd_and_wait(core, sid, sub_dir.resolve())
        listed = await core.list_sessions()
        assert listed[0].working_directory == str(sub_dir.resolve())
        # The unnamed tab is named after its new directory.
        assert listed[0].name == "sub dir%-é"

        fake_llm.script("m1", Reply(tool_calls=[ToolCall("list_directory", {})]),
                        Reply(text="done"))
        await core.send_ai_prompt(sid, "what is here?")
        (listing,) = tool_results(fake_llm, "m1")
        assert "only-in-sub.txt" in listing and "only-in-top.txt" not in listing
        # The instructions name the new directory too.
        assert str(sub_dir.resolve()) in json.dumps(fake_llm.requests_for("m1")[-1].body,
                                                    ensure_ascii=False)

        # run_command runs there (it asks first: approve it through the command layer).
        events_sub = core.subscribe(sid)
        fake_llm.script("m1", Reply(tool_calls=[ToolCall("run_command", {"command": "pwd"})]),
                        Reply(text="ok"))
        turn = asyncio.create_task(core.send_ai_prompt(sid, "pwd?"))
        req = (await collect_until(events_sub,
                                   lambda e: e.type == "tool_approval_request"))[-1]
        await core.respond_to_tool_approval(sid, req.payload.request_id, "approve")
        await turn
        pwd = tool_results(fake_llm, "m1")[-1]
        assert str(sub_dir.resolve()) in pwd
        await collect_until(events_sub, terminal)

        # The archive row follows, so a restart reopens the tab there.
        assert core.archive is not None
        await core.archive.flush()
        row = await core.archive.get_session(sid)
        assert row is not None and row.working_directory == str(sub_dir.resolve())
    finally:
        await core.stop()


async def test_a_named_tab_keeps_its_name(make_home: Callable[..., Path], workdir: Path
                                          ) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    (workdir / "sub").mkdir()
    core = await Tabwise.start(shell_home(make_home, bash))
    try:
        info = await core.create_session(str(workdir), name="mine")
        await cd_and_wait(core, info.session_id, (workdir / "sub").resolve())
        assert (await core.list_sessions())[0].name == "mine"
    finally:
        await core.stop()


USER_RC = {
    "bash": (".bashrc", "export FROM_RC=yes-loaded\nPROMPT_COMMAND='echo user-pc'\n"),
    "zsh": (".zshrc", "export FROM_RC=yes-loaded\nprecmd() { echo user-pc }\n"),
    "fish": (".config/fish/config.fish", "set -gx FROM_RC yes-loaded\n"
             "function user_pc --on-event fish_prompt; echo user-pc; end\n"),
}


@pytest.mark.parametrize("shell", sorted(USER_RC))
async def test_the_users_rc_still_loads(make_home: Callable[..., Path], workdir: Path,
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        shell: str) -> None:
    path = shutil.which(shell)
    if path is None:
        pytest.skip(f"{shell} is not installed")
    user_home = tmp_path / "user"  # made and set as $HOME by _own_home
    rc, text = USER_RC[shell]
    (user_home / rc).parent.mkdir(parents=True, exist_ok=True)
    (user_home / rc).write_text(text)
    core = await Tabwise.start(shell_home(make_home, path))
    try:
        info = await core.create_session(str(workdir))
        sid = info.session_id
        (workdir / "sub").mkdir()
        await cd_and_wait(core, sid, (workdir / "sub").resolve())
        await core.pty_write(sid, "echo \"[$FROM_RC]\"\n")
        for _ in range(100):
            out = (await core.pty_read(sid)).data
            if "[yes-loaded]" in out:
                break
            await asyncio.sleep(0.05)
        assert "[yes-loaded]" in out
        assert "user-pc" in out  # the user's own prompt hook still runs
    finally:
        await core.stop()


async def test_an_ai_only_tab_keeps_its_directory(core: Tabwise, workdir: Path) -> None:
    info = await core.create_session(str(workdir), terminal=False)
    await asyncio.sleep(0.3)
    assert info.terminal is False
    assert (await core.list_sessions())[0].working_directory == info.working_directory


async def test_a_remote_osc7_is_ignored(make_home: Callable[..., Path], workdir: Path
                                        ) -> None:
    """An ssh session's shell reports the remote host's paths: not ours to follow."""
    core = await Tabwise.start(make_home())  # /bin/sh: no integration
    try:
        info = await core.create_session(str(workdir))
        sid = info.session_id
        sub = core.subscribe(sid)
        await core.pty_write(sid, "printf '\\033]7;file://elsewhere.example/tmp\\007'\n")
        await core.pty_write(sid, f"printf '\\033]7;file://localhost{workdir}/x\\007'\n")
        (workdir / "x").mkdir()
        events = await collect_until(sub, lambda e: e.type == "cwd_changed")
        assert [e.payload.working_directory for e in of_type(events, "cwd_changed")] == [
            str(workdir / "x")]
    finally:
        await core.stop()


async def test_without_shell_integration_proc_still_follows(
        make_home: Callable[..., Path], workdir: Path) -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("bash is not installed")
    core = await Tabwise.start(make_home(
        extra=f'\n[terminal]\nshell = "{bash}"\nshell_integration = false\n'))
    try:
        info = await core.create_session(str(workdir))
        s = core.sessions[info.session_id]
        assert s.pty is not None and s.pty.proc.args == [bash]
        (workdir / "sub").mkdir()
        await cd_and_wait(core, info.session_id, (workdir / "sub").resolve())
    finally:
        await core.stop()
