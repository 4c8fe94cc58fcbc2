"""Every settings problem is found, not just the first; the app starts with the defaults
for what is invalid and says so (#12.9): the core, `config check`, `tabwise serve`."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tabwise.commands import Tabwise
from tabwise.errors import SettingsInvalid
from tabwise.settings import load_settings

THREE_PROBLEMS = """
[ai]
default_model = "mine"

[ai.broken]
base_url = "http://127.0.0.1:9/v1"
models = ["x"]

[agent]
approval = "sometimes"
max_tool_iterations = 7

[terminal]
scrollback = "lots"
"""


def _write(tmp_path: Path, text: str) -> Path:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (home / "settings.toml").write_text(text)
    return home


def test_strict_load_reports_all_three_problems_in_one_error(tmp_path: Path) -> None:
    path = _write(tmp_path, THREE_PROBLEMS) / "settings.toml"
    with pytest.raises(SettingsInvalid) as err:
        load_settings(path)
    errors = err.value.errors
    assert len(errors) == 3
    assert "Provider `ai.broken`" in errors[0] and "needs `kind`" in errors[0]
    assert errors[1] == (f"Invalid value 'sometimes' for `agent.approval` in {path}: one of "
                         "ask, auto-read, auto.")
    assert "`terminal.scrollback`" in errors[2]
    assert str(err.value).startswith(f"3 problems in {path}: ")
    assert all(e in str(err.value) for e in errors)


def test_lenient_load_keeps_valid_values_and_defaults_the_rest(tmp_path: Path) -> None:
    s = load_settings(_write(tmp_path, THREE_PROBLEMS) / "settings.toml", strict=False)
    assert len(s.errors) == 3
    assert s.default_model == "mine" and s.agent.max_tool_iterations == 7  # valid: kept
    assert s.agent.approval == "ask" and s.terminal.scrollback == 10000  # invalid: default
    assert "broken" not in s.providers
    assert not any("ai.broken.models" in w for w in s.warnings)  # checked, not "unknown"


def test_invalid_toml_leniently_gives_all_defaults_with_the_position(tmp_path: Path) -> None:
    s = load_settings(_write(tmp_path, "[ai\n") / "settings.toml", strict=False)
    [error] = s.errors
    assert "Invalid TOML" in error and "line 1" in error and "column" in error
    assert s.default_provider == "openai"


def test_an_unknown_default_provider_is_one_problem_among_others(tmp_path: Path) -> None:
    path = _write(tmp_path, '[ai]\ndefault_provider = "nobody"\n[context]\n'
                            "warning_threshold = 3\n") / "settings.toml"
    s = load_settings(path, strict=False)
    assert len(s.errors) == 2 and s.default_provider == "openai"
    assert "`ai.default_provider`" in s.errors[0]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tabwise.cli", *args], capture_output=True,
                          text=True, check=False, timeout=60)


def test_config_check_lists_every_error_and_exits_1(tmp_path: Path) -> None:
    home = _write(tmp_path, THREE_PROBLEMS + "\n[colour]\nx = 1\n")
    out = _cli("--home", str(home), "config", "check")
    assert out.returncode == 1
    errors = [line for line in out.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 3
    assert "`ai.broken`" in errors[0] and "`agent.approval`" in errors[1]
    assert "`terminal.scrollback`" in errors[2]
    assert "warning: Unknown setting `colour`" in out.stderr
    assert len(out.stderr.splitlines()) == 4 and "ok" not in out.stdout


async def test_the_core_starts_with_defaults_and_keeps_the_errors(tmp_path: Path,
                                                                  workdir: Path) -> None:
    home = _write(tmp_path, THREE_PROBLEMS)
    core = await Tabwise.start(home)
    try:
        assert len(core.settings.errors) == 3
        assert (await core.get_settings())["errors"] == list(core.settings.errors)
        sid = (await core.create_session(str(workdir))).session_id
        assert sid in core.sessions  # tabs work
    finally:
        await core.stop()


async def test_serve_starts_and_prints_every_error(tmp_path: Path) -> None:
    home = _write(tmp_path, THREE_PROBLEMS)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tabwise.cli", "--home", str(home), "serve", "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={**os.environ})
    assert proc.stdout is not None and proc.stderr is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert line.startswith("listening on ws://127.0.0.1:")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    stderr = (await proc.stderr.read()).decode()
    problems = [ln for ln in stderr.splitlines() if ln.startswith("tabwise: settings: ")]
    assert len(problems) == 3 and all("Using the default instead." in p for p in problems)
    log = (home / "logs").glob("*")
    assert any("agent.approval" in p.read_text() for p in log if p.is_file())
