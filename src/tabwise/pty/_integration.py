"""Shell integration: make bash, zsh and fish report their directory (OSC 7).

Each shell is started so that the user's own startup files still load first, and our
few lines run after them:

- **bash**: ``bash --rcfile <ours>``; ours sources ``~/.bashrc`` and then prepends a
  function to ``PROMPT_COMMAND``.
- **zsh**: ``ZDOTDIR`` points at our directory, whose ``.zshenv`` restores the user's
  ``ZDOTDIR``, sources the user's ``.zshenv`` and adds a ``precmd`` hook; zsh then
  reads the user's ``.zshrc`` from the restored ``ZDOTDIR`` as usual.
- **fish**: ``--init-command`` (run after fish's config) defines a ``fish_prompt``
  event handler.

Any other shell (``sh``, ``dash``, ...) starts unchanged; the tab then follows the
foreground process's cwd instead (:mod:`._cwd`).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["ShellIntegration"]

# Percent-encode the way VTE does: byte by byte (LC_ALL=C), keeping URL-safe characters.
_POSIX_OSC7 = r"""
__tabwise_urlencode() (
  LC_ALL=C
  str=$1
  while [ -n "$str" ]; do
    safe=${str%%[!a-zA-Z0-9/:_.~-]*}
    printf '%s' "$safe"
    str=${str#"$safe"}
    if [ -n "$str" ]; then
      printf '%%%02X' "'$str"
      str=${str#?}
    fi
  done
)
__tabwise_osc7() {
  printf '\033]7;file://%s%s\033\\' "${HOSTNAME:-}" "$(__tabwise_urlencode "$PWD")"
}
"""

BASH_RC = """\
# tabwise shell integration for bash (generated; rewritten at each start).
# Your own ~/.bashrc loads first; then the prompt reports the directory (OSC 7).
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
""" + _POSIX_OSC7 + """\
case ";${PROMPT_COMMAND:-};" in
  *";__tabwise_osc7;"*) ;;
  *) PROMPT_COMMAND="__tabwise_osc7${PROMPT_COMMAND:+;$PROMPT_COMMAND}" ;;
esac
"""

ZSH_ENV = """\
# tabwise shell integration for zsh (generated; rewritten at each start).
# Restore the user's ZDOTDIR so zsh reads their own startup files, then add a hook.
if [[ -n "${TABWISE_USER_ZDOTDIR+x}" ]]; then
  ZDOTDIR=$TABWISE_USER_ZDOTDIR
  unset TABWISE_USER_ZDOTDIR
else
  unset ZDOTDIR
fi
if [[ -f "${ZDOTDIR:-$HOME}/.zshenv" ]]; then source "${ZDOTDIR:-$HOME}/.zshenv"; fi
if [[ -o interactive ]]; then
""" + _POSIX_OSC7.replace("${HOSTNAME:-}", "${HOST:-}") + """\
  autoload -Uz add-zsh-hook
  add-zsh-hook precmd __tabwise_osc7
fi
"""

FISH_INIT = ("function __tabwise_osc7 --on-event fish_prompt; "
             "printf '\\e]7;file://%s%s\\e\\\\' (hostname) "
             "(string escape --style=url -- $PWD); end")


class ShellIntegration:
    """Writes the integration files under ``directory`` and adapts shell launches."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @property
    def bash_rc(self) -> Path:
        return self.directory / "bashrc"

    @property
    def zsh_dir(self) -> Path:
        return self.directory / "zsh"

    def install(self) -> None:
        """Write the files (blocking I/O: call it from a thread, once at start)."""
        self.zsh_dir.mkdir(parents=True, exist_ok=True)
        for path, text in ((self.bash_rc, BASH_RC), (self.zsh_dir / ".zshenv", ZSH_ENV)):
            try:
                if path.read_text() == text:
                    continue
            except OSError:
                pass
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(text)
            tmp.replace(path)

    def launch(self, shell: str, env: dict[str, str]) -> tuple[list[str], dict[str, str]]:
        """The argv and environment to start ``shell`` (a program path, as in settings)."""
        argv = [shell]
        name = os.path.basename(shell)
        env = dict(env)
        if name == "bash" and self.bash_rc.is_file():
            argv += ["--rcfile", str(self.bash_rc)]
        elif name == "zsh" and (self.zsh_dir / ".zshenv").is_file():
            if "ZDOTDIR" in env:
                env["TABWISE_USER_ZDOTDIR"] = env["ZDOTDIR"]
            env["ZDOTDIR"] = str(self.zsh_dir)
        elif name == "fish":
            argv += ["--init-command", FISH_INIT]
        return argv, env
