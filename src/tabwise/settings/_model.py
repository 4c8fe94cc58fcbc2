"""Validated settings values (DESIGN §3).

Settings are parsed once from TOML into frozen dataclasses. ``$VAR`` references stay as
written here and are resolved only when a provider is built (``resolve_secret``), so a
resolved key never sits in a settings object that could be logged or sent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ._mcp import McpServerSettings

from ..providers._specs import PROVIDER_SPECS

__all__ = [
    "BUILTIN_PROVIDERS",
    "DEFAULT_KEY_VARS",
    "SHORTCUTS",
    "TOOL_NAMES",
    "AgentSettings",
    "ContextSettings",
    "KeysSettings",
    "ProviderSettings",
    "SessionSettings",
    "Settings",
    "TerminalSettings",
    "redact_secrets",
    "resolve_secret",
    "secret_var",
]

# The vocabulary of provider kinds comes from one place: ``providers/_specs.py``.
BUILTIN_PROVIDERS: tuple[str, ...] = tuple(k for k, s in PROVIDER_SPECS.items() if s.builtin)
KINDS: tuple[str, ...] = tuple(PROVIDER_SPECS)

# The environment variable each built-in provider reads when settings name no key.
DEFAULT_KEY_VARS: Mapping[str, str | None] = MappingProxyType(
    {k: s.key_var for k, s in PROVIDER_SPECS.items()})

# The agent's built-in tools (agent._policy.TOOL_NAMES; a test keeps the two equal).
# Settings cannot import the agent, which depends on settings.
TOOL_NAMES: tuple[str, ...] = (
    "read_file", "list_directory", "search_files", "write_file", "edit_file", "run_command",
)

ApprovalMode = Literal["ask", "auto-read", "auto"]
APPROVAL_MODES: tuple[str, ...] = ("ask", "auto-read", "auto")

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_VAR_RE = re.compile(rf"^\$(?:\{{(?P<braced>{_NAME})\}}|(?P<bare>{_NAME}))$")


def secret_var(value: str | None) -> str | None:
    """The variable name a ``"$VAR"``/``"${VAR}"`` value refers to, else None."""
    if not value:
        return None
    m = _VAR_RE.match(value.strip())
    return (m.group("braced") or m.group("bare")) if m else None


# Every key value resolved in this process, so that text leaving it (error messages,
# events, logs) can be scrubbed even if a provider echoes a key back.
_RESOLVED: set[str] = set()


def resolve_secret(value: str | None) -> str | None:
    """Resolve a settings value that may reference an environment variable.

    Returns None when the variable is unset or empty, so "not configured" can be told.
    """
    if value is None:
        return None
    var = secret_var(value)
    resolved = (value or None) if var is None else (os.environ.get(var) or None)
    if resolved and len(resolved) >= 8:
        _RESOLVED.add(resolved)
    return resolved


def redact_secrets(text: str) -> str:
    """``text`` with every API key this process has resolved replaced by ``[redacted]``."""
    for secret in _RESOLVED:
        if secret in text:
            text = text.replace(secret, "[redacted]")
    return text


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """One ``[ai.NAME]`` table. ``api_key`` keeps the ``$VAR`` form as written."""

    name: str
    kind: str
    api_key: str | None = None
    base_url: str | None = None
    models: tuple[str, ...] = ()
    context_windows: Mapping[str, int] = field(default_factory=dict)
    timeout_seconds: float = 120.0
    max_retries: int = 2

    @property
    def key_var(self) -> str | None:
        """The environment variable the key comes from, if any."""
        return secret_var(self.api_key)

    @property
    def needs_key(self) -> bool:
        # Local servers (ollama, custom openai-compatible) work without a key.
        spec = PROVIDER_SPECS.get(self.kind)
        return spec.needs_key if spec else True

    def redacted(self) -> dict[str, Any]:
        """A JSON-safe view with the key shown only as its variable name."""
        if self.api_key is None:
            key = None
        elif self.key_var:
            key = f"${self.key_var}"
        else:
            key = "<redacted>"
        return {
            "kind": self.kind,
            "api_key": key,
            "base_url": self.base_url,
            "models": list(self.models),
            "context_windows": dict(self.context_windows),
            "timeout_seconds": self.timeout_seconds,
            "max_retries": self.max_retries,
        }


@dataclass(frozen=True, slots=True)
class AgentSettings:
    approval: ApprovalMode = "ask"
    always_allow: tuple[str, ...] = ("read_file", "list_directory", "search_files")
    never_allow: tuple[str, ...] = ()
    approval_timeout_seconds: float = 300.0
    max_tool_iterations: int = 50
    instructions: str = ""
    """Added to every tab's agent instructions (with the project's AGENTS.md)."""


@dataclass(frozen=True, slots=True)
class ContextSettings:
    warning_threshold: float = 0.75
    compaction_threshold: float = 0.85


@dataclass(frozen=True, slots=True)
class SessionSettings:
    persist: bool = True
    restore_on_start: bool = True
    retention_days: int = 30


@dataclass(frozen=True, slots=True)
class TerminalSettings:
    shell: str = ""
    scrollback: int = 10000
    shell_integration: bool = True
    """Start bash/zsh/fish so they report their directory (OSC 7); the user's own rc
    files still load. Off: the tab follows the shell's cwd through /proc instead."""

    def resolved_shell(self) -> str:
        return self.shell or os.environ.get("SHELL") or "/bin/sh"


SHORTCUTS: tuple[str, ...] = (
    "model_picker", "palette", "focus", "new_tab", "close_tab", "quit",
    "previous_tab", "next_tab", "escape_chord",
)  # fmt: skip
"""The names a ``[keys]`` table may set, in the order the keys help lists them."""


@dataclass(frozen=True, slots=True)
class KeysSettings:
    """``[keys]``: the app's shortcuts, as Textual key names; ``""`` turns one off.

    ``escape_chord`` is the one key a full-screen program in the terminal never gets:
    it moves the focus out of the terminal (to the agent prompt), where every other
    shortcut works again. Ctrl+F12 by default: no common full-screen program (htop,
    mc, vim, emacs, less, nano, tmux) uses it, and unlike Ctrl+Alt+letter chords it
    survives the legacy xterm encoding that tmux and most terminals send.
    """

    model_picker: str = "f2"
    palette: str = "f1"
    focus: str = "f3"
    new_tab: str = "alt+t"
    close_tab: str = "alt+w"
    quit: str = "f10"
    previous_tab: str = "alt+left"
    next_tab: str = "alt+right"
    escape_chord: str = "ctrl+f12"

    def key(self, name: str) -> str:
        """The key of shortcut ``name`` (one of :data:`SHORTCUTS`), ``""`` when off."""
        return str(getattr(self, name))


@dataclass(frozen=True, slots=True)
class Settings:
    """The whole settings file, validated. ``warnings`` lists unknown keys and the like;
    ``errors`` what was invalid (see :func:`~tabwise.settings.load_settings`)."""

    default_provider: str = "openai"
    default_model: str = "gpt-4.1-mini"
    providers: Mapping[str, ProviderSettings] = field(default_factory=dict)
    agent: AgentSettings = field(default_factory=AgentSettings)
    context: ContextSettings = field(default_factory=ContextSettings)
    sessions: SessionSettings = field(default_factory=SessionSettings)
    terminal: TerminalSettings = field(default_factory=TerminalSettings)
    keys: KeysSettings = field(default_factory=KeysSettings)
    mcp: Mapping[str, McpServerSettings] = field(default_factory=dict)  # [mcp.NAME], #14
    path: Path | None = None
    warnings: tuple[str, ...] = ()
    # Problems found when loading leniently (each invalid value then has its default).
    errors: tuple[str, ...] = ()

    def provider(self, name: str) -> ProviderSettings | None:
        """The settings for provider ``name``; built-ins exist even without a table."""
        found = self.providers.get(name)
        if found is not None:
            return found
        if name in BUILTIN_PROVIDERS:
            var = DEFAULT_KEY_VARS[name]
            return ProviderSettings(name=name, kind=name, api_key=f"${var}" if var else None)
        return None

    def provider_names(self) -> list[str]:
        names = list(BUILTIN_PROVIDERS)
        names += [n for n in self.providers if n not in BUILTIN_PROVIDERS]
        return names

    def redacted(self) -> dict[str, Any]:
        """Everything as JSON, with secrets shown only as their variable names."""
        return {
            "path": str(self.path) if self.path else None,
            "ai": {
                "default_provider": self.default_provider,
                "default_model": self.default_model,
                "providers": {n: p.redacted() for n, p in self.providers.items()},
            },
            "agent": {
                "approval": self.agent.approval,
                "always_allow": list(self.agent.always_allow),
                "never_allow": list(self.agent.never_allow),
                "approval_timeout_seconds": self.agent.approval_timeout_seconds,
                "max_tool_iterations": self.agent.max_tool_iterations,
                "instructions": self.agent.instructions,
            },
            "context": {
                "warning_threshold": self.context.warning_threshold,
                "compaction_threshold": self.context.compaction_threshold,
            },
            "sessions": {
                "persist": self.sessions.persist,
                "restore_on_start": self.sessions.restore_on_start,
                "retention_days": self.sessions.retention_days,
            },
            "terminal": {"shell": self.terminal.shell, "scrollback": self.terminal.scrollback,
                         "shell_integration": self.terminal.shell_integration},
            "keys": {name: self.keys.key(name) for name in SHORTCUTS},
            "mcp": {n: m.redacted() for n, m in self.mcp.items()},
            "warnings": list(self.warnings),
            "errors": list(self.errors),
        }
