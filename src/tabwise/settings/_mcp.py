"""``[mcp.NAME]`` tables: MCP servers whose tools join a tab's agent (DESIGN §3, issue #14).

A server is either stdio (``command``, ``args``, ``env``, ``cwd``) or streamable HTTP
(``url``, ``headers``). ``$VAR`` / ``${VAR}`` inside ``env`` and ``headers`` values stays as
written here; :meth:`McpServerSettings.resolved_env` and :meth:`resolved_headers` resolve
it only when the server starts, and register every resolved value for redaction, so a
token never sits in a settings object, an event or a log line.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import SettingsInvalid
from ._model import resolve_secret

__all__ = ["MCP_APPROVALS", "McpServerSettings", "McpVarMissing", "parse_mcp"]

McpApproval = Literal["ask", "auto"]
MCP_APPROVALS: tuple[str, ...] = ("ask", "auto")
# The model sees `<server>_<tool>`; providers allow only these characters in tool names.
_SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
_REF = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")
_KEYS = frozenset({"command", "args", "env", "cwd", "url", "headers", "enabled", "approval",
                   "timeout_seconds", "init_timeout_seconds"})


class McpVarMissing(Exception):
    """A ``$VAR`` a server's ``env``/``headers`` refers to is not set; ``str()`` says which."""


@dataclass(frozen=True, slots=True)
class McpServerSettings:
    """One ``[mcp.NAME]`` table, validated; ``$VAR`` references are kept unresolved."""

    name: str
    command: str | None = None
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    enabled: bool = True
    approval: McpApproval = "ask"
    timeout_seconds: float = 120.0
    init_timeout_seconds: float = 30.0

    @property
    def transport(self) -> str:
        """``stdio`` or ``http``."""
        return "stdio" if self.command is not None else "http"

    def fingerprint(self) -> tuple[Any, ...]:
        """What makes two tabs' servers the same process (the cwd is added by the caller)."""
        return (self.command, self.args, tuple(sorted(self.env.items())), self.cwd, self.url,
                tuple(sorted(self.headers.items())), self.timeout_seconds,
                self.init_timeout_seconds)

    def resolved_env(self) -> dict[str, str]:
        """``env`` with ``$VAR`` resolved; raises :class:`McpVarMissing` for an unset one."""
        return {k: _expand(self.name, f"env.{k}", v) for k, v in self.env.items()}

    def resolved_headers(self) -> dict[str, str]:
        """``headers`` with ``$VAR`` resolved; raises :class:`McpVarMissing` for an unset one."""
        return {k: _expand(self.name, f"headers.{k}", v) for k, v in self.headers.items()}

    def redacted(self) -> dict[str, Any]:
        """A JSON-safe view: values that name a variable show it, literal ones are hidden."""
        def hide(values: Mapping[str, str]) -> dict[str, str]:
            return {k: v if _REF.search(v) else "<redacted>" for k, v in values.items()}

        return {"transport": self.transport, "command": self.command, "args": list(self.args),
                "env": hide(self.env), "cwd": self.cwd, "url": self.url,
                "headers": hide(self.headers), "enabled": self.enabled,
                "approval": self.approval, "timeout_seconds": self.timeout_seconds,
                "init_timeout_seconds": self.init_timeout_seconds}


def _expand(server: str, key: str, value: str) -> str:
    def one(m: re.Match[str]) -> str:
        var = m.group("braced") or m.group("bare")
        resolved = resolve_secret(f"${var}")  # registers the value for redaction
        if resolved is None and os.environ.get(var) is None:
            raise McpVarMissing(f"`mcp.{server}.{key}` refers to ${var}, which is not set; "
                                f"set it in the environment tabwise starts from.")
        return resolved or ""

    return _REF.sub(one, value)


def _fail(key: str, allowed: str, value: Any, path: Path | None) -> SettingsInvalid:
    loc = f" in {path}" if path else ""
    return SettingsInvalid(f"Invalid value {value!r} for `{key}`{loc}: {allowed}.")


def _str_table(v: Any) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and isinstance(x, str)
                                       for k, x in v.items())


def _seconds(v: Any, hi: float) -> bool:
    return (isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            and 0.01 <= v <= hi)


def _server(name: str, data: Mapping[str, Any], path: Path | None,
            warnings: list[str]) -> McpServerSettings:
    where = f"mcp.{name}"
    if not _SERVER_NAME.match(name):
        raise SettingsInvalid(
            f"MCP server name `{name}`{' in ' + str(path) if path else ''} must be 1–32 letters, "
            "digits or dashes, starting with a letter or digit (its tools are named "
            "`<server>_<tool>`)."
        )
    for key in data:
        if key not in _KEYS:
            warnings.append(f"Unknown setting `{where}.{key}` is ignored.")

    def get(key: str, ok: bool, allowed: str) -> Any:
        if key in data and not ok:
            raise _fail(f"{where}.{key}", allowed, data[key], path)
        return data.get(key)

    command = get("command", isinstance(data.get("command"), str) and bool(data.get("command")),
                  "a program name or path")
    args = get("args", isinstance(data.get("args"), list)
               and all(isinstance(a, str) for a in data.get("args", [])), "a list of strings")
    env = get("env", _str_table(data.get("env")), 'a table of NAME = "value" strings')
    cwd = get("cwd", isinstance(data.get("cwd"), str), "a directory path")
    url = get("url", isinstance(data.get("url"), str)
              and str(data.get("url")).startswith(("http://", "https://")),
              "an http:// or https:// URL such as http://127.0.0.1:9000/mcp")
    headers = get("headers", _str_table(data.get("headers")), 'a table of Name = "value" strings')
    enabled = get("enabled", isinstance(data.get("enabled"), bool), "true or false")
    approval = get("approval", data.get("approval") in MCP_APPROVALS,
                   "one of " + ", ".join(MCP_APPROVALS))
    timeout = get("timeout_seconds", _seconds(data.get("timeout_seconds"), 3600),
                  "seconds between 0.01 and 3600")
    init_timeout = get("init_timeout_seconds", _seconds(data.get("init_timeout_seconds"), 600),
                       "seconds between 0.01 and 600")
    if (command is None) == (url is None):
        raise SettingsInvalid(
            f"MCP server `{where}` needs exactly one of `command` (a stdio server) or `url` "
            "(a streamable HTTP server)."
        )
    if command is not None and headers is not None:
        warnings.append(f"`{where}.headers` only applies to a server with `url`; ignored.")
        headers = None
    if url is not None:
        for key, given in (("args", args), ("env", env), ("cwd", cwd)):
            if given is not None:
                warnings.append(f"`{where}.{key}` only applies to a server with `command`; "
                                "ignored.")
        args = env = cwd = None
    return McpServerSettings(
        name=name, command=command, args=tuple(args or ()), env=dict(env or {}), cwd=cwd,
        url=url, headers=dict(headers or {}), enabled=True if enabled is None else enabled,
        approval=approval or "ask",
        timeout_seconds=float(120.0 if timeout is None else timeout),
        init_timeout_seconds=float(30.0 if init_timeout is None else init_timeout),
    )


def parse_mcp(data: Any, path: Path | None, warnings: list[str],
              errors: list[str] | None = None) -> dict[str, McpServerSettings]:
    """Validate the ``[mcp]`` table (one sub-table per server); unknown keys warn.

    A bad value raises :class:`SettingsInvalid`; with ``errors`` (a lenient load that
    lists every problem) it is recorded there instead and that server is left out.
    """
    if data is None:
        return {}
    if not isinstance(data, dict):
        problem = _fail("mcp", "expected a table of [mcp.NAME] tables", data, path)
        if errors is None:
            raise problem
        errors.append(str(problem))
        return {}
    servers: dict[str, McpServerSettings] = {}
    for name, value in data.items():
        if not isinstance(value, dict):
            warnings.append(f"Unknown setting `mcp.{name}` is ignored (expected an "
                            f"[mcp.{name}] table).")
            continue
        try:
            servers[name] = _server(name, value, path, warnings)
        except SettingsInvalid as exc:
            if errors is None:
                raise
            errors.append(str(exc))
    return servers
