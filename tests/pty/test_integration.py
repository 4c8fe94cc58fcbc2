"""How shells are started so that they report their directory (OSC 7)."""

from __future__ import annotations

from pathlib import Path

from tabwise.pty import ShellIntegration


def installed(tmp_path: Path) -> ShellIntegration:
    integration = ShellIntegration(tmp_path / "shell")
    integration.install()
    integration.install()  # idempotent
    return integration


def test_bash_gets_our_rcfile_which_sources_the_users(tmp_path: Path) -> None:
    si = installed(tmp_path)
    argv, env = si.launch("/usr/bin/bash", {"HOME": "/h"})
    assert argv == ["/usr/bin/bash", "--rcfile", str(si.bash_rc)]
    assert env == {"HOME": "/h"}
    assert '. "$HOME/.bashrc"' in si.bash_rc.read_text()


def test_zsh_keeps_the_users_zdotdir(tmp_path: Path) -> None:
    si = installed(tmp_path)
    argv, env = si.launch("/bin/zsh", {"ZDOTDIR": "/u/zsh"})
    assert argv == ["/bin/zsh"]
    assert env == {"ZDOTDIR": str(si.zsh_dir), "TABWISE_USER_ZDOTDIR": "/u/zsh"}
    _, env = si.launch("/bin/zsh", {})
    assert env == {"ZDOTDIR": str(si.zsh_dir)}


def test_fish_gets_an_init_command_and_other_shells_start_unchanged(tmp_path: Path) -> None:
    si = installed(tmp_path)
    argv, _ = si.launch("/usr/bin/fish", {})
    assert argv[:2] == ["/usr/bin/fish", "--init-command"] and "fish_prompt" in argv[2]
    assert si.launch("/bin/sh", {"A": "1"}) == (["/bin/sh"], {"A": "1"})


def test_without_the_files_shells_start_plain(tmp_path: Path) -> None:
    si = ShellIntegration(tmp_path / "missing")
    assert si.launch("/bin/bash", {}) == (["/bin/bash"], {})
