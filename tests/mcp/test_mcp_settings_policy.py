"""[mcp.NAME] validation, the one policy function for MCP tools, the archive encoding,
and the front doors (JSON-RPC, CLI) for MCP (issue #14)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tabwise.agent._policy import ToolSource, decide, listed
from tabwise.agent.toolkit import SecretRules
from tabwise.commands import Tabwise
from tabwise.errors import InvalidParams, SettingsInvalid
from tabwise.mcp import pack_allowed, unpack_allowed
from tabwise.settings import AgentSettings, parse_settings

from mcp_helpers import GARBAGE, stdio_table
from rpc_client import RpcError, connected


def mcp(**servers: dict[str, Any]) -> Any:
    return parse_settings({"mcp": servers})


def test_valid_tables_and_unknown_keys_warn() -> None:
    s = mcp(files={"command": "npx", "args": ["-y", "pkg"], "env": {"T": "$TOK"},
                   "enabled": False, "approval": "auto", "colour": "red"},
            web={"url": "http://127.0.0.1:9000/mcp", "headers": {"A": "Bearer ${TOK}"}})
    files, web = s.mcp["files"], s.mcp["web"]
    assert files.transport == "stdio" and files.args == ("-y", "pkg") and not files.enabled
    assert files.approval == "auto" and web.transport == "http" and web.enabled
    assert s.warnings == ("Unknown setting `mcp.files.colour` is ignored.",)
    red = s.redacted()["mcp"]
    assert red["files"]["env"] == {"T": "$TOK"} and red["web"]["headers"] == {"A": "Bearer ${TOK}"}


@pytest.mark.parametrize(("table", "key"), [
    ({"command": 3}, "mcp.x.command"),
    ({"command": "a", "args": "b"}, "mcp.x.args"),
    ({"command": "a", "env": {"A": 1}}, "mcp.x.env"),
    ({"url": "ftp://x"}, "mcp.x.url"),
    ({"command": "a", "approval": "sometimes"}, "mcp.x.approval"),
    ({"command": "a", "enabled": "yes"}, "mcp.x.enabled"),
    ({"command": "a", "timeout_seconds": 0}, "mcp.x.timeout_seconds"),
])
def test_a_bad_value_names_the_key(table: dict[str, Any], key: str) -> None:
    with pytest.raises(SettingsInvalid, match=f"`{key}`"):
        mcp(x=table)


def test_a_server_needs_exactly_one_transport_and_a_usable_name() -> None:
    with pytest.raises(SettingsInvalid, match="exactly one of `command`"):
        mcp(x={})
    with pytest.raises(SettingsInvalid, match="exactly one of `command`"):
        mcp(x={"command": "a", "url": "http://h/mcp"})
    with pytest.raises(SettingsInvalid, match="letters, digits or dashes"):
        mcp(**{"my_server": {"command": "a"}})


def test_a_lenient_load_lists_a_bad_server_and_keeps_the_others() -> None:
    from tabwise.settings._mcp import parse_mcp

    errors: list[str] = []
    servers = parse_mcp({"ok": {"command": "a"}, "bad": {"url": 3}}, None, [], errors)
    assert list(servers) == ["ok"] and len(errors) == 1 and "`mcp.bad.url`" in errors[0]


def test_literal_secrets_are_hidden_and_var_values_resolve_only_when_asked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    s = mcp(x={"command": "a", "env": {"LIT": "plain-secret-value", "REF": "$TW_REF"}})
    assert s.redacted()["mcp"]["x"]["env"] == {"LIT": "<redacted>", "REF": "$TW_REF"}
    assert "TW_REF" in str(s.mcp["x"]) and "resolved" not in str(s.mcp["x"])
    monkeypatch.setenv("TW_REF", "resolved-value-123")
    assert s.mcp["x"].resolved_env() == {"LIT": "plain-secret-value",
                                         "REF": "resolved-value-123"}


def test_decide_for_mcp_tools() -> None:
    rules = SecretRules.for_user()
    cwd = Path("/tmp")
    ask = AgentSettings()
    src = ToolSource("files")
    assert listed(("files_*",), "files_read") and not listed(("files_*",), "filesx_read")
    assert decide(ask, set(), "files_read", {}, cwd=cwd, rules=rules, source=src).decision \
        == "ask"
    # auto-read covers built-in reads only, not an MCP tool that calls itself a read.
    auto_read = AgentSettings(approval="auto-read")
    assert decide(auto_read, set(), "files_read", {}, cwd=cwd, rules=rules,
                  source=src).decision == "ask"
    assert decide(AgentSettings(always_allow=("files_*",)), set(), "files_read", {}, cwd=cwd,
                  rules=rules, source=src).decision == "allow"
    assert decide(ask, {"files_read"}, "files_read", {}, cwd=cwd, rules=rules,
                  source=src).decision == "allow"
    auto = ToolSource("files", "auto")
    assert decide(ask, set(), "files_read", {"p": "a.txt"}, cwd=cwd, rules=rules,
                  source=auto).decision == "allow"
    secret = decide(ask, set(), "files_read", {"p": {"q": ["~/.aws/credentials"]}}, cwd=cwd,
                    rules=rules, source=auto)
    assert secret.decision == "ask" and secret.risk == "high"
    never = AgentSettings(approval="auto", never_allow=("files_*",))
    assert decide(never, {"files_read"}, "files_read", {}, cwd=cwd, rules=rules,
                  source=auto).decision == "deny"


def test_the_archive_encoding_of_a_tabs_servers() -> None:
    packed = pack_allowed({"read_file", "t_echo"}, ("t", "u"))
    assert unpack_allowed(packed) == (("read_file", "t_echo"), ("t", "u"))
    assert unpack_allowed(pack_allowed({"x"}, ())) == (("x",), ())
    assert unpack_allowed(("read_file",)) == (("read_file",), None)


async def test_commands_over_json_rpc(make_home: Callable[..., Path], workdir: Path) -> None:
    core = await Tabwise.start(make_home(extra=stdio_table("g", GARBAGE)))
    try:
        async with connected(core) as client:
            info = await client.call("create_session", working_directory=str(workdir),
                                     terminal=False)
            assert info["mcp_servers"] == ["g"]
            rows = await client.call("list_mcp_servers")
            assert rows[0]["name"] == "g" and rows[0]["transport"] == "stdio"
            info = await client.call("set_session_mcp_servers", session_id=info["session_id"],
                                     names=[])
            assert info["mcp_servers"] == []
            with pytest.raises(RpcError) as err:
                await client.call("set_session_mcp_servers", session_id=info["session_id"],
                                  names=["nope"])
            assert err.value.error["data"]["code"] == "invalid_params"
            with pytest.raises(InvalidParams, match="Unknown MCP server 'nope'"):
                await core.set_session_mcp_servers(info["session_id"], ["nope"])
    finally:
        await core.stop()


def test_cli_mcp_list_and_config_check(make_home: Callable[..., Path]) -> None:
    home = make_home(extra=stdio_table("g", GARBAGE)
                     + '[mcp.gone]\ncommand = "no-such-mcp-xyz"\nbogus = 1\n')

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tabwise.cli", "--home", str(home), *args],
                              capture_output=True, text=True, check=False, timeout=60)

    out = run("mcp", "list", "--json")
    rows = {r["name"]: r for r in json.loads(out.stdout)}
    assert rows["g"]["status"] == "connected" and rows["g"]["tools"] == ["g_mangle"]
    assert rows["gone"]["status"] == "failed" and "no-such-mcp-xyz" in rows["gone"]["error"]
    assert out.returncode == 1 and "`mcp.gone.bogus`" in out.stderr
    checked = run("config", "check")
    assert checked.returncode == 0 and "2 MCP servers" in checked.stdout
    assert "`mcp.gone.bogus`" in checked.stderr
    (home / "settings.toml").write_text('[mcp.bad]\ncommand = "x"\napproval = "maybe"\n')
    bad = run("config", "check")
    assert bad.returncode == 1 and "`mcp.bad.approval`" in bad.stderr
