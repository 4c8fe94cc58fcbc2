"""The command line (DESIGN §9): sessions, models, config, version, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tabwise import __version__
from tabwise.commands import Tabwise
from tabwise.errors import TabwiseError

from helpers import ai
from layering import violations


def tabwise(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tabwise.cli", *args], capture_output=True,
                          text=True, check=False, timeout=60)


def test_version_and_usage() -> None:
    out = tabwise("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"tabwise {__version__}"
    assert tabwise("sessions").returncode == 2


async def test_sessions_list_show_export_rm_by_prefix(make_home: Callable[..., Path],
                                                      workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    sid = (await core.create_session(str(workdir), name="first tab", terminal=False,
                                     ai_config=ai("local2", "m2"))).session_id
    await core.send_ai_prompt(sid, "export me")
    closed = (await core.create_session(str(workdir), name="gone",
                                        terminal=False)).session_id
    await core.close_session(closed)
    await core.stop()

    listed = tabwise("--home", str(home), "sessions", "list")
    assert listed.returncode == 0
    assert sid[:12] in listed.stdout and "local2/m2" in listed.stdout
    assert closed[:12] not in listed.stdout
    # Tokens and cost: m2 is a custom model without a price, so "—", not $0.
    line = next(ln for ln in listed.stdout.splitlines() if ln.startswith(sid[:12]))
    assert " tok —" in line and "$" not in line
    every = json.loads(tabwise("--home", str(home), "sessions", "list", "--all",
                               "--json").stdout)
    assert {r["session_id"] for r in every} == {sid, closed}
    usage = next(r["usage"] for r in every if r["session_id"] == sid)
    assert usage["requests"] == 1 and usage["cost_usd"] is None and usage["input_tokens"] > 0

    shown = tabwise("--home", str(home), "sessions", "show", sid[:8])
    assert shown.returncode == 0 and "first tab" in shown.stdout
    assert "usage: " in shown.stdout and "local2/m2: " in shown.stdout
    md = tabwise("--home", str(home), "sessions", "export", sid[:8])
    assert "export me" in md.stdout and "echo: export me" in md.stdout
    js = json.loads(tabwise("--home", str(home), "sessions", "export", sid[:8],
                            "--format", "json").stdout)
    assert js["session"]["session_id"] == sid and len(js["messages"]) == 2

    missing = tabwise("--home", str(home), "sessions", "show", "zzzz")
    assert missing.returncode == 1 and missing.stderr.startswith("tabwise: ")
    assert len(missing.stderr.strip().splitlines()) == 1
    assert tabwise("--home", str(home), "sessions", "rm", closed[:10]).returncode == 0
    every = json.loads(tabwise("--home", str(home), "sessions", "list", "--all",
                               "--json").stdout)
    assert [r["session_id"] for r in every] == [sid]


def test_models_says_why_a_provider_is_not_configured(make_home: Callable[..., Path]) -> None:
    home = make_home()
    out = tabwise("--home", str(home), "models")
    assert out.returncode == 0
    assert "anthropic [anthropic] — not configured: set ANTHROPIC_API_KEY" in out.stdout
    assert "local1 [openai-compatible] — configured  (default)" in out.stdout
    assert "    m1 *" in out.stdout


def test_config_path_and_check(tmp_path: Path) -> None:
    assert tabwise("--home", str(tmp_path), "config", "path").stdout.strip() == str(
        tmp_path / "settings.toml")
    (tmp_path / "settings.toml").write_text('[ai]\ndefault_model = "x"\n[agent]\nzap = 1\n')
    out = tabwise("--home", str(tmp_path), "config", "check")
    assert out.returncode == 0 and "agent.zap" in out.stderr


def test_a_corrupt_archive_is_a_clear_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "tabwise.db").write_bytes(b"this is not a database" * 100)
    out = tabwise("--home", str(tmp_path), "sessions", "list")
    assert out.returncode == 1
    assert str(tmp_path / "tabwise.db") in out.stderr
    assert (tmp_path / "tabwise.db").read_bytes().startswith(b"this is not")


async def test_sessions_by_an_ambiguous_unknown_or_empty_prefix(
        make_home: Callable[..., Path], workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    # 17 ids, 16 hex digits: two of them start alike.
    ids = [(await core.create_session(str(workdir), terminal=False)).session_id
           for _ in range(17)]
    await core.stop()
    shared = next(c for c in "0123456789abcdef" if sum(i.startswith(c) for i in ids) > 1)
    many = tabwise("--home", str(home), "sessions", "show", shared)
    assert many.returncode == 1 and len(many.stderr.strip().splitlines()) == 1
    assert f"prefix {shared!r} matches" in many.stderr and "type more characters" in many.stderr
    empty = tabwise("--home", str(home), "sessions", "export", " ")
    assert empty.returncode == 1 and "first few characters" in empty.stderr
    unknown = tabwise("--home", str(home), "sessions", "rm", "zz")
    assert unknown.returncode == 1 and "'zz'" in unknown.stderr
    full = tabwise("--home", str(home), "sessions", "show", ids[0])
    assert full.returncode == 0 and f"session_id: {ids[0]}" in full.stdout


async def test_session_ids_resolve_without_an_archive_too(make_home: Callable[..., Path],
                                                          workdir: Path) -> None:
    home = make_home(persist=False)
    assert "not persisted" in tabwise("--home", str(home), "sessions", "list").stderr
    core = await Tabwise.start(home)
    try:
        sid = (await core.create_session(str(workdir), terminal=False)).session_id
        assert await core.resolve_session_id(sid[:6]) == sid
        assert await core.resolve_session_id(f" {sid} ") == sid
        for bad, code in (("zz", "session_not_found"), ("", "invalid_params")):
            with pytest.raises(TabwiseError) as err:
                await core.resolve_session_id(bad)
            assert err.value.code == code
    finally:
        await core.stop()


def test_models_and_mcp_list_stop_at_invalid_settings(make_home: Callable[..., Path]) -> None:
    home = make_home(extra='[mcp.bad]\ncommand = "x"\napproval = "maybe"\n')
    for args in (("models",), ("mcp", "list", "--no-connect")):
        out = tabwise("--home", str(home), *args)
        assert out.returncode == 1 and "`mcp.bad.approval`" in out.stderr, args


def test_the_cli_reads_nothing_inside_the_core() -> None:
    import tabwise as package

    root = Path(package.__file__).parent
    found = [f"{name}:{v}" for name in ("cli.py", "_cli_mcp.py")
             for v in violations((root / name).read_text(), "tabwise",
                                 own=("tabwise._cli_mcp", "tabwise._logging"))]
    assert not found, "the CLI reaches past the command layer:\n" + "\n".join(found)
