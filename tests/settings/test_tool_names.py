"""`[agent] always_allow` / `never_allow` name real tools (issue #10 item 10)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tabwise.agent._policy import TOOL_NAMES as AGENT_TOOLS
from tabwise.commands import Tabwise
from tabwise.errors import SettingsInvalid
from tabwise.settings import TOOL_NAMES, parse_settings


def test_the_settings_know_every_agent_tool() -> None:
    assert set(TOOL_NAMES) == set(AGENT_TOOLS)


@pytest.mark.parametrize("key", ["always_allow", "never_allow"])
def test_an_unknown_tool_name_is_an_error_naming_the_key_and_the_tools(key: str) -> None:
    with pytest.raises(SettingsInvalid) as err:
        parse_settings({"agent": {key: ["read_file", "write_fle"]}})
    message = str(err.value)
    assert f"agent.{key}" in message and "'write_fle'" in message
    assert all(t in message for t in TOOL_NAMES)


def test_mcp_tools_are_accepted_only_for_a_configured_server() -> None:
    data = {"agent": {"never_allow": ["files_write"]}, "mcp": {"files": {"command": "x"}}}
    assert parse_settings(data).agent.never_allow == ("files_write",)
    data["agent"] = {"never_allow": ["git_push"]}
    with pytest.raises(SettingsInvalid, match="files_<tool>"):
        parse_settings(data)
    with pytest.raises(SettingsInvalid):
        parse_settings({"agent": {"never_allow": ["files_write"]}})


def test_config_check_and_start_refuse_a_typo(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('[agent]\nnever_allow = ["run_comand"]\n')
    out = subprocess.run([sys.executable, "-m", "tabwise.cli", "--home", str(tmp_path),
                          "config", "check"], capture_output=True, text=True, check=False,
                         timeout=60)
    assert out.returncode == 1, out.stdout
    assert "agent.never_allow" in out.stderr and "'run_comand'" in out.stderr
    assert "run_command" in out.stderr and len(out.stderr.strip().splitlines()) == 1


async def test_the_core_starts_with_a_typo_shown_and_no_deny_switched_off(
        tmp_path: Path) -> None:
    # An invalid file does not stop the app (issue #12): the typo is listed, the unknown
    # name allows nothing, and the denies written next to a typo stay in force.
    (tmp_path / "settings.toml").write_text(
        '[agent]\nalways_allow = ["write_fle", "read_file"]\n'
        'never_allow = ["run_comand", "run_command"]\n')
    core = await Tabwise.start(tmp_path)
    try:
        errors = core.settings.errors
        assert any("agent.always_allow" in e and "write_fle" in e for e in errors)
        assert any("agent.never_allow" in e and "run_comand" in e for e in errors)
        assert core.settings.agent.always_allow == ("read_file",)
        assert "run_command" in core.settings.agent.never_allow
    finally:
        await core.stop()
