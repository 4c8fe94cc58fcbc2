"""Which tool calls run at once, which ask the user, which are refused (issue #3)."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from typing import Any, Literal

from ..settings import AgentSettings

__all__ = ["READ_TOOLS", "TOOL_NAMES", "WRITE_TOOLS", "Decision", "decide", "is_secret_path",
           "risk_of"]

READ_TOOLS = frozenset({"read_file", "list_directory", "search_files"})
WRITE_TOOLS = frozenset({"write_file", "edit_file"})
TOOL_NAMES = READ_TOOLS | WRITE_TOOLS | {"run_command"}

Decision = Literal["allow", "ask", "deny"]

_SECRET_PATTERNS = (".env", ".env.*", "*.pem", "*.key", "id_rsa*", "id_ed25519*", "id_ecdsa*",
                    "credentials*", "*.p12", "*.pfx")


def is_secret_path(path: str) -> bool:
    """True for files that look like they hold secrets (keys, .env, credentials)."""
    name = os.path.basename(path.rstrip("/")).lower()
    return any(fnmatch.fnmatch(name, pat) for pat in _SECRET_PATTERNS)


def risk_of(tool_name: str, args: Mapping[str, Any]) -> str:
    """``low`` for reads, ``medium`` for writes, ``high`` for commands and secret files."""
    if tool_name in WRITE_TOOLS:
        return "high" if is_secret_path(str(args.get("path", ""))) else "medium"
    if tool_name in READ_TOOLS:
        return "low"
    return "high"


def decide(settings: AgentSettings, tab_allowed: frozenset[str] | set[str], tool_name: str,
           args: Mapping[str, Any]) -> Decision:
    """The policy for one call, before the user is asked.

    Order: ``never_allow`` refuses; a write to a secret-looking file always asks; then
    ``approval = auto``, the settings' and this tab's always-allow lists, and
    ``auto-read`` for read-only tools allow; everything else asks.
    """
    if tool_name in settings.never_allow:
        return "deny"
    if tool_name in WRITE_TOOLS and is_secret_path(str(args.get("path", ""))):
        return "ask"
    if settings.approval == "auto":
        return "allow"
    if tool_name in settings.always_allow or tool_name in tab_allowed:
        return "allow"
    if settings.approval == "auto-read" and tool_name in READ_TOOLS:
        return "allow"
    return "ask"
