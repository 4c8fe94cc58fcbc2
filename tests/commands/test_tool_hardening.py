"""Issue #10, items 1-3 and the run_command leak: the tools through the command layer.

The fake LLM calls the real tools; the policy, the toolkit and the bridge are the real
ones. Each test reproduces a finding of the adversarial pass.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply, ToolCall
from helpers import ai, collect_until, fields, of_type, terminal


def call(tool: str, **args: object) -> Reply:
    return Reply(tool_calls=[ToolCall(tool, dict(args))])


async def tab(core: Tabwise, workdir: Path, provider: str = "local1",
              model: str = "m1") -> str:
    info = await core.create_session(str(workdir), ai_config=ai(provider, model),
                                     terminal=False)
    return str(info.session_id)


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A throwaway ``$HOME`` with the files the secret rules protect."""
    home = tmp_path / "userhome"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("PRIVATE-KEY-BYTES\n")
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
async def auto_core(make_home: Callable[..., Path], user_home: Path) -> AsyncIterator[Tabwise]:
    """A core whose settings say ``approval = "auto"``: everything runs unasked ..."""
    home = make_home()
    text = (home / "settings.toml").read_text().replace("[agent]\n",
                                                        '[agent]\napproval = "auto"\n')
    (home / "settings.toml").write_text(text)
    core = await Tabwise.start(home)
    try:
        yield core
    finally:
        await core.stop()


async def asks_and_deny(core: Tabwise, sid: str, prompt: str) -> dict[str, object]:
    """Run a turn that must ask; deny it; return the request's data."""
    sub = core.subscribe(sid)
    turn = asyncio.create_task(core.send_ai_prompt(sid, prompt))
    events = await collect_until(sub, lambda e: e.type == "tool_approval_request"
                                 or terminal(e))
    assert events[-1].type == "tool_approval_request", \
        f"the call ran without asking: {[e.type for e in events]}"
    request = fields(events[-1])
    await core.respond_to_tool_approval(sid, str(request["request_id"]), "deny")
    await asyncio.wait_for(turn, 10)
    return request


# -- 1. a catastrophic regex never stalls another tab ---------------------------------


async def test_catastrophic_regex_never_delays_another_tab(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    # Python's re needs ~2**26 steps here and holds the GIL throughout: 6.7 s of
    # every tab frozen before the fix.
    (workdir / "evil.txt").write_text("a" * 26 + "!\n")
    a = await tab(core, workdir)
    b = await tab(core, workdir, "local2", "m2")
    sa = core.subscribe(a)
    fake_llm.script("m1", call("search_files", pattern="(a+)+$"))
    turn = asyncio.create_task(core.send_ai_prompt(a, "search"))
    await collect_until(sa, lambda e: e.type == "tool_call")
    started = time.perf_counter()
    assert await asyncio.wait_for(core.send_ai_prompt(b, "ping"), 10) == "echo: ping"
    assert await core.get_default_ai_config()
    assert time.perf_counter() - started < 1.0
    answer = await asyncio.wait_for(turn, 10)
    assert "No matches" in answer


async def test_search_pattern_without_re2_support_gets_a_clear_error(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = await tab(core, workdir)
    fake_llm.script("m1", call("search_files", pattern=r"(a)\1"))
    answer = await core.send_ai_prompt(sid, "search")
    assert "backreferences" in answer


# -- 2. secret files always ask, after resolving symbolic links -----------------------


async def test_write_through_a_symlink_to_env_asks_even_with_auto(
        auto_core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    (workdir / ".env").write_text("TOKEN=1\n")
    (workdir / "innocent.txt").symlink_to(".env")
    sid = await tab(auto_core, workdir)
    fake_llm.script("m1", call("write_file", path="innocent.txt", content="TOKEN=stolen"))
    request = await asks_and_deny(auto_core, sid, "write")
    assert request["risk"] == "high"
    assert any(".env" in r for r in request["reasons"])  # type: ignore[attr-defined]
    fake_llm.script("m1", call("edit_file", path="innocent.txt", old_text="1",
                               new_text="2"))
    await asks_and_deny(auto_core, sid, "edit")
    assert (workdir / ".env").read_text() == "TOKEN=1\n"
    # A plain file still follows approval = auto.
    fake_llm.script("m1", call("write_file", path="plain.txt", content="x"))
    await auto_core.send_ai_prompt(sid, "write plain")
    assert (workdir / "plain.txt").read_text() == "x"


@pytest.mark.parametrize("target", ["~/.ssh/authorized_keys", "~/.ssh/config", "~/.bashrc",
                                    "~/.netrc", "~/.npmrc", "~/.zshrc", "~/.aws/credentials",
                                    "link-to-keys"])
async def test_writes_to_credentials_and_shell_rc_files_ask_even_with_auto(
        auto_core: Tabwise, fake_llm: FakeLLM, workdir: Path, user_home: Path,
        target: str) -> None:
    (workdir / "link-to-keys").symlink_to(user_home / ".ssh" / "authorized_keys")
    sid = await tab(auto_core, workdir)
    fake_llm.script("m1", call("write_file", path=target, content="ssh-rsa attacker"))
    request = await asks_and_deny(auto_core, sid, "write")
    assert request["risk"] == "high"
    written = user_home / target.removeprefix("~/") if target.startswith("~") else \
        user_home / ".ssh" / "authorized_keys"
    assert not written.exists()


# -- 3. reads outside the tab's directory, and of secrets, always ask -----------------


async def test_reads_outside_the_tab_or_of_secrets_ask_and_nothing_leaks(
        auto_core: Tabwise, fake_llm: FakeLLM, workdir: Path, user_home: Path) -> None:
    (workdir / ".env").write_text("API_TOKEN=env-secret-42\n")
    (workdir / "notes.md").write_text("API_TOKEN is read from the environment\n")
    token = auto_core.paths.token_file
    token.write_text("server-token-secret-77\n")
    sid = await tab(auto_core, workdir)
    depth = len(workdir.parts)
    cases = [
        (call("read_file", path="../" * depth + "etc/passwd"), "outside the tab"),
        (call("read_file", path="~/.ssh/id_rsa"), "~/.ssh"),
        (call("read_file", path=".env"), "secret"),
        (call("read_file", path=str(token)), "tabwise's own files"),
        (call("search_files", pattern="PRIVATE", path="~"), "outside the tab"),
        (call("list_directory", path="/"), "outside the tab"),
    ]
    for reply, why in cases:
        fake_llm.script("m1", reply)
        request = await asks_and_deny(auto_core, sid, "read")
        assert request["risk"] == "high"
        assert any(why in r for r in request["reasons"]), request  # type: ignore[attr-defined]
    # A search of the tab's own directory runs unasked but never opens .env.
    fake_llm.script("m1", call("search_files", pattern="API_TOKEN"))
    answer = await auto_core.send_ai_prompt(sid, "search")
    assert "notes.md:1:" in answer and "skipped 1 secret-looking" in answer
    sent = "".join(r.all_text() for r in fake_llm.requests)
    for secret in ("env-secret-42", "server-token-secret-77", "PRIVATE-KEY-BYTES", "root:"):
        assert secret not in sent


async def test_symlink_out_of_the_tab_asks_but_reads_inside_do_not(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("outside\n")
    (workdir / "inside.txt").write_text("inside\n")
    (workdir / "door.txt").symlink_to(outside)
    sid = await tab(core, workdir)
    fake_llm.script("m1", call("read_file", path="door.txt"))
    request = await asks_and_deny(core, sid, "read")
    assert any("outside the tab" in r for r in request["reasons"])  # type: ignore[attr-defined]
    sub = core.subscribe(sid)
    fake_llm.script("m1", call("read_file", path="inside.txt"))
    assert "inside" in await core.send_ai_prompt(sid, "read")
    events = await collect_until(sub, terminal)
    assert of_type(events, "tool_auto_approved") and not of_type(events,
                                                                 "tool_approval_request")


# -- run_command: nothing outlives the tab ---------------------------------------------


def processes_running(needle: bytes) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/cmdline", "rb") as file:
                cmdline = file.read()
            with open(f"/proc/{name}/stat", "rb") as file:
                state = file.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if needle in cmdline and state not in (b"Z", b"X"):
            found.append(int(name))
    return found


@pytest.fixture
def reap_sleepers() -> Iterator[list[bytes]]:
    """Kill whatever a failing test left behind."""
    needles: list[bytes] = []
    yield needles
    for needle in needles:
        for pid in processes_running(needle):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads /proc")
@pytest.mark.parametrize("how", ["close", "stop"])
async def test_background_children_of_run_command_die_with_the_tab(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path, reap_sleepers: list[bytes],
        how: str) -> None:
    seconds = 1235 if how == "close" else 1237
    plain = f"sleep\0{seconds}\0".encode()
    escaped = f"sleep\0{seconds + 1}\0".encode()
    reap_sleepers.extend([plain, escaped])
    command = f"sleep {seconds} &"
    if shutil.which("setsid"):
        # setsid leaves the process group: only the tab's tag still finds it.
        command += f" setsid sleep {seconds + 1} &"
    sid = await tab(core, workdir)
    sub = core.subscribe(sid)
    fake_llm.script("m1", call("run_command", command=command))
    turn = asyncio.create_task(core.send_ai_prompt(sid, "run"))
    events = await collect_until(sub, lambda e: e.type == "tool_approval_request")
    await core.respond_to_tool_approval(sid, events[-1].payload.request_id, "approve")
    assert "[exit code 0]" in await asyncio.wait_for(turn, 10)
    assert processes_running(plain)
    if shutil.which("setsid"):
        assert processes_running(escaped)
    if how == "close":
        await core.close_session(sid)
    else:
        await core.shutdown_ai_session(sid)
    assert processes_running(plain) == []
    assert processes_running(escaped) == []
