"""Which tool calls run at once, which ask the user, which are refused (issues #3, #10)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..settings import AgentSettings
from .toolkit import SecretRules, ToolError, resolve_path
from .toolkit._secrets import secret_name

__all__ = ["PATH_TOOLS", "READ_TOOLS", "TOOL_NAMES", "WRITE_TOOLS", "Decision", "ToolSource",
           "Verdict", "arg_concerns", "decide", "is_secret_path", "listed", "path_concerns",
           "risk_of"]

READ_TOOLS = frozenset({"read_file", "list_directory", "search_files"})
WRITE_TOOLS = frozenset({"write_file", "edit_file"})
PATH_TOOLS = READ_TOOLS | WRITE_TOOLS
TOOL_NAMES = READ_TOOLS | WRITE_TOOLS | {"run_command"}

Decision = Literal["allow", "ask", "deny"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The policy's answer for one call and, when it must ask, why (shown to the user)."""

    decision: Decision
    risk: str = "medium"
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ToolSource:
    """Where a tool that is not built in comes from: an MCP server and its ``approval``
    (issue #14). Its tools are named ``<server>_<tool>``."""

    server: str
    approval: str = "ask"  # ask | auto


def listed(names: tuple[str, ...] | frozenset[str] | set[str], tool_name: str) -> bool:
    """Whether ``always_allow``/``never_allow``-style ``names`` cover ``tool_name``: by its
    exact name, or by a ``<prefix>_*`` entry (``files_*``: every tool of server files)."""
    if tool_name in names:
        return True
    return any(n.endswith("_*") and tool_name.startswith(n[:-1]) for n in names)


def is_secret_path(path: str) -> bool:
    """True for file names that look like they hold secrets (keys, .env, rc files)."""
    return secret_name(os.path.basename(path.rstrip("/")))


def risk_of(tool_name: str, args: Mapping[str, Any]) -> str:
    """``low`` for reads, ``medium`` for writes, ``high`` for commands and secret files."""
    if tool_name in WRITE_TOOLS:
        return "high" if is_secret_path(str(args.get("path", ""))) else "medium"
    if tool_name in READ_TOOLS:
        return "low"
    return "high"


def path_concerns(tool_name: str, args: Mapping[str, Any], cwd: Path,
                  rules: SecretRules) -> tuple[str, ...]:
    """Why this call must ask whatever the settings say: a secret path, or a read outside
    the tab's directory. Both are judged after resolving symbolic links and ``..``."""
    if tool_name not in PATH_TOOLS:
        return ()
    raw = args.get("path")
    try:
        given = Path(os.path.normpath(resolve_path(cwd, raw if isinstance(raw, str) else None)))
    except ToolError:
        return ()  # a NUL in the path: the tool refuses it without touching anything
    concerns: list[str] = []
    secret = rules.reason_for(given)
    if secret is not None:
        concerns.append(f"secret file: {secret}")
    if tool_name in READ_TOOLS:
        real = Path(os.path.realpath(given))
        if not real.is_relative_to(os.path.realpath(cwd.expanduser())):
            concerns.append(f"outside the tab's directory: {real} is not under {cwd}")
    return tuple(concerns)


def arg_concerns(args: Mapping[str, Any], cwd: Path, rules: SecretRules) -> tuple[str, ...]:
    """The secret rules for a tool whose arguments tabwise does not know (an MCP tool):
    every short, path-like string argument (nested ones too) is checked as a path."""
    found: list[str] = []

    def visit(value: Any, depth: int) -> None:
        if isinstance(value, str):
            if (len(value) <= 4096 and "\n" not in value and "\0" not in value
                    and ("/" in value or value.startswith(("~", ".")) or secret_name(value))):
                reason = rules.reason_for(Path(os.path.normpath(resolve_path(cwd, value))))
                if reason is not None:
                    found.append(f"secret file: {reason}")
        elif depth < 4 and isinstance(value, Mapping):
            for v in value.values():
                visit(v, depth + 1)
        elif depth < 4 and isinstance(value, list | tuple):
            for v in value[:100]:
                visit(v, depth + 1)

    visit(args, 0)
    return tuple(dict.fromkeys(found))


def decide(settings: AgentSettings, tab_allowed: frozenset[str] | set[str], tool_name: str,
           args: Mapping[str, Any], *, cwd: Path, rules: SecretRules,
           source: ToolSource | None = None) -> Verdict:
    """The policy for one call, before the user is asked; the one function for built-in
    and MCP tools alike (``source`` names the MCP server of a tool that is not built in).

    Order: ``never_allow`` refuses; a read or write of a secret-looking path, and a read
    outside the tab's directory ``cwd``, always ask (:func:`path_concerns`; for an MCP
    tool :func:`arg_concerns`); then ``approval = auto`` (or the server's own
    ``approval = "auto"``), the settings' and this tab's always-allow lists, and
    ``auto-read`` for built-in read-only tools allow; everything else asks.
    """
    if listed(settings.never_allow, tool_name):
        return Verdict("deny")
    risk = risk_of(tool_name, args) if source is None else "high"
    concerns = (path_concerns(tool_name, args, cwd, rules) if source is None
                else arg_concerns(args, cwd, rules))
    if concerns:
        return Verdict("ask", "high", concerns)
    if settings.approval == "auto" or (source is not None and source.approval == "auto"):
        return Verdict("allow", risk)
    if listed(settings.always_allow, tool_name) or tool_name in tab_allowed:
        return Verdict("allow", risk)
    if settings.approval == "auto-read" and source is None and tool_name in READ_TOOLS:
        return Verdict("allow", risk)
    return Verdict("ask", risk)
