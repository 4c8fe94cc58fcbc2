"""The approval policy's path rules (DESIGN §4, issue #10), on real files and links."""

from __future__ import annotations

from pathlib import Path

import pytest

from tabwise.agent import decide
from tabwise.agent._policy import path_concerns
from tabwise.agent.toolkit import SecretRules
from tabwise.settings import AgentSettings


@pytest.fixture
def place(tmp_path: Path) -> tuple[Path, SecretRules]:
    home = tmp_path / "home"
    cwd = home / "project"
    (cwd / "src").mkdir(parents=True)
    (home / ".ssh").mkdir()
    (home / ".config" / "fish").mkdir(parents=True)
    tabwise_home = tmp_path / "tw"
    tabwise_home.mkdir()
    (cwd / "notes.md").symlink_to(home / ".ssh" / "authorized_keys")
    (cwd / "innocent.txt").symlink_to(".env")
    (cwd / "out").symlink_to(tmp_path)
    return cwd, SecretRules((home,), (tabwise_home,))


@pytest.mark.parametrize("path", [
    ".env", ".env.local", ".envrc", "server.pem", "tls.KEY", "id_ed25519", "id_rsa.pub",
    "credentials.json", "innocent.txt", "notes.md", "../.ssh/config", "../.bashrc",
    "../.zshrc", "../.profile", "../.bash_profile", "../.netrc", "../.npmrc",
    "../.config/fish/functions/x.fish", "../../tw/server.token", "../../tw/tabwise.db",
    "src/../.env", "../.SSH/id_rsa", "../.Aws/config",
])
def test_secret_paths_are_concerns_for_reads_and_writes(
        place: tuple[Path, SecretRules], path: str) -> None:
    cwd, rules = place
    for tool in ("read_file", "write_file", "edit_file"):
        concerns = path_concerns(tool, {"path": path}, cwd, rules)
        assert any(c.startswith("secret file:") for c in concerns), (tool, path)


@pytest.mark.parametrize("path", ["../../../../etc/passwd", "/etc/hosts", "~", "out/x",
                                  "..", "src/../../elsewhere"])
def test_reads_outside_the_tab_are_concerns_but_writes_are_not(
        place: tuple[Path, SecretRules], path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd, rules = place
    monkeypatch.setenv("HOME", str(rules.homes[0]))
    for tool in ("read_file", "list_directory", "search_files"):
        assert any("outside the tab's directory" in c
                   for c in path_concerns(tool, {"path": path}, cwd, rules)), (tool, path)
    assert path_concerns("write_file", {"path": path}, cwd, rules) == ()


@pytest.mark.parametrize("path", ["README.md", "src/app.py", "./src", None, "", "env.py",
                                  "keys/readme.txt", "a\0b"])
def test_ordinary_paths_inside_the_tab_are_no_concern(
        place: tuple[Path, SecretRules], path: str | None) -> None:
    cwd, rules = place
    for tool in ("read_file", "list_directory", "search_files", "write_file"):
        assert path_concerns(tool, {"path": path}, cwd, rules) == ()
    assert path_concerns("run_command", {"command": "cat .env"}, cwd, rules) == ()


def test_concerns_override_auto_and_always_allow_but_not_never_allow(
        place: tuple[Path, SecretRules]) -> None:
    cwd, rules = place
    auto = AgentSettings(approval="auto", always_allow=("write_file", "read_file"))
    verdict = decide(auto, {"write_file"}, "write_file", {"path": "notes.md", "content": ""},
                     cwd=cwd, rules=rules)
    assert verdict.decision == "ask" and verdict.risk == "high"
    assert "links to" in verdict.reasons[0] and "~/.ssh" in verdict.reasons[0]
    assert decide(auto, set(), "read_file", {"path": "/etc/passwd"}, cwd=cwd,
                  rules=rules).decision == "ask"
    assert decide(auto, set(), "write_file", {"path": "plain.txt"}, cwd=cwd,
                  rules=rules).decision == "allow"
    deny = AgentSettings(approval="auto", never_allow=("read_file",))
    assert decide(deny, set(), "read_file", {"path": ".env"}, cwd=cwd,
                  rules=rules).decision == "deny"
    default = AgentSettings()
    assert decide(default, set(), "read_file", {"path": "README.md"}, cwd=cwd,
                  rules=rules).decision == "allow"


def test_the_model_is_told_the_search_time_limit() -> None:
    from tabwise.agent import _tools
    from tabwise.agent.toolkit._limits import SEARCH_TIME_LIMIT_SECONDS

    assert f"stops after {SEARCH_TIME_LIMIT_SECONDS:g} seconds" in str(_tools.search_files.__doc__)
