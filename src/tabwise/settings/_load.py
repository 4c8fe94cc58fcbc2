"""Reading and validating ``settings.toml``.

Invalid TOML names the file, line and column; an invalid value names its key and what
is allowed; unknown keys become warnings. Every problem in a file is found, not just the
first: :func:`load_settings` with ``strict=False`` (how the app starts) gives the
settings with each invalid value replaced by its default and the problems in
``Settings.errors``; strictly, one :class:`SettingsInvalid` carries them all. The file
is only ever written once, on first run, from the commented template, and never over
an existing file.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ..errors import SettingsInvalid
from ._keys import parse_keys
from ._mcp import parse_mcp
from ._model import (
    APPROVAL_MODES,
    BUILTIN_PROVIDERS,
    KINDS,
    TOOL_NAMES,
    AgentSettings,
    ContextSettings,
    ProviderSettings,
    SessionSettings,
    Settings,
    TerminalSettings,
)
from ._template import SETTINGS_TEMPLATE

__all__ = ["ensure_settings_file", "load_settings", "parse_settings"]

T = TypeVar("T")


def ensure_settings_file(path: Path) -> bool:
    """Write the commented template if no file exists. True when it wrote one."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as f:  # "x": never replace a user's file
            f.write(SETTINGS_TEMPLATE)
    except FileExistsError:
        return False
    return True


def load_settings(path: Path, *, strict: bool = True) -> Settings:
    """Read and validate ``path``; a missing file gives the defaults.

    Strictly, any problem raises :class:`SettingsInvalid` listing every one. With
    ``strict=False`` nothing is raised: invalid values fall back to their defaults
    (an unreadable file or invalid TOML: all of them) and ``errors`` says what was wrong.
    """
    if not path.exists():
        return parse_settings({}, path, strict=strict)
    try:
        text = path.read_text(encoding="utf-8")
        # tomllib's message ends with "(at line L, column C)".
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        problem = SettingsInvalid(f"Cannot read settings file {path}: {exc}.")
    except tomllib.TOMLDecodeError as exc:
        problem = SettingsInvalid(f"Invalid TOML in {path}: {exc}.")
    else:
        return parse_settings(data, path, strict=strict)
    if strict:
        raise problem from problem.__context__
    return Settings(path=path, errors=problem.errors)


def _summary(errors: list[str], path: Path | None) -> str:
    if len(errors) == 1:
        return errors[0]
    where = f" in {path}" if path else ""
    return f"{len(errors)} problems{where}: " + " ".join(errors)


class _Reader:
    """Typed access to one TOML table, collecting unknown keys as warnings."""

    def __init__(self, data: Mapping[str, Any], where: str, path: Path | None,
                 warnings: list[str], errors: list[str] | None = None) -> None:
        self.data = data
        self.where = where
        self.path = path
        self.warnings = warnings
        self.errors: list[str] = [] if errors is None else errors  # shared by the tree
        self.seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, allowed: str, value: Any) -> SettingsInvalid:
        loc = f" in {self.path}" if self.path else ""
        return SettingsInvalid(f"Invalid value {value!r} for `{self._key(key)}`{loc}: {allowed}.")

    def error(self, message: str) -> None:
        """Record a problem and carry on (the caller uses a default instead)."""
        self.errors.append(message)

    def get(self, key: str, check: Callable[[Any], bool], allowed: str, default: T) -> T:
        self.seen.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        if not check(value):
            self.error(str(self.fail(key, allowed, value)))
            return default
        return value  # type: ignore[no-any-return]

    def table(self, key: str) -> _Reader:
        self.seen.add(key)
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            self.error(str(self.fail(key, "expected a table", value)))
            value = {}
        return _Reader(value, self._key(key), self.path, self.warnings, self.errors)

    def finish(self, also_known: set[str] | None = None) -> None:
        for key in self.data:
            if key not in self.seen and key not in (also_known or set()):
                self.warnings.append(f"Unknown setting `{self._key(key)}` is ignored.")


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _number(lo: float, hi: float) -> Callable[[Any], bool]:
    def check(v: Any) -> bool:
        return (isinstance(v, int | float) and not isinstance(v, bool)
                and math.isfinite(v) and lo <= v <= hi)
    return check


def _integer(lo: int, hi: int) -> Callable[[Any], bool]:
    def check(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi
    return check


def _windows(v: Any) -> bool:
    return isinstance(v, dict) and all(
        isinstance(k, str) and isinstance(n, int) and not isinstance(n, bool) and n > 0
        for k, n in v.items()
    )


def _provider(name: str, r: _Reader) -> ProviderSettings | None:
    """The provider of one ``[ai.NAME]`` table, or None (with errors) if it is unusable."""
    default_kind = name if name in BUILTIN_PROVIDERS else None
    has_kind = "kind" in r.data
    kind = r.get("kind", lambda v: v in KINDS, "one of " + ", ".join(KINDS), default_kind)
    if kind is None and not has_kind:
        r.error(
            f"Provider `ai.{name}`{' in ' + str(r.path) if r.path else ''} is not a built-in "
            f"provider, so it needs `kind` (one of {', '.join(KINDS)})."
        )
    base_url = r.get("base_url", lambda v: isinstance(v, str) and "://" in v,
                     "a URL such as http://127.0.0.1:8000/v1", None)
    if kind == "openai-compatible" and not base_url and "base_url" not in r.data:
        r.error(
            f"Provider `ai.{name}` has kind \"openai-compatible\" and needs `base_url`."
        )
    models: list[str] = r.get("models", _is_str_list, "a list of model names", [])
    provider = ProviderSettings(
        name=name,
        kind=kind or "openai-compatible",  # unusable, but the other keys are checked too
        api_key=r.get("api_key", _is_str, 'a string such as "$MY_API_KEY"', None),
        base_url=base_url,
        models=tuple(models),
        context_windows=dict(r.get("context_windows", _windows,
                                   'a table of model = token count, e.g. { "m" = 32768 }', {})),
        timeout_seconds=float(r.get("timeout_seconds", _number(0.01, 3600),
                                    "seconds between 0.01 and 3600", 120.0)),
        max_retries=r.get("max_retries", _integer(0, 10), "a whole number from 0 to 10", 2),
    )
    if kind is None or (kind == "openai-compatible" and not base_url):
        return None
    return provider


def _check_tool_names(r: _Reader, key: str, names: tuple[str, ...],
                      mcp_servers: list[str]) -> tuple[str, ...]:
    """An unknown tool name is an error: a typo in ``never_allow`` would silently switch
    a deny off. MCP tools are ``<server>_<tool>``, so those of a configured ``[mcp.X]``
    table are accepted (they are only known once the server runs).

    Returns the known names. (A lenient load then keeps ``never_allow`` whole, so a typo
    never switches off the denies next to it.)
    """
    known: list[str] = []
    for name in names:
        if name in TOOL_NAMES or any(name.startswith(f"{s}_") and len(name) > len(s) + 1
                                     for s in mcp_servers):
            known.append(name)
            continue
        allowed = "tool names: " + ", ".join(TOOL_NAMES)
        if mcp_servers:
            allowed += ", or an MCP tool named " + " / ".join(f"{s}_<tool>"
                                                              for s in mcp_servers)
        r.error(str(r.fail(key, f"{name!r} is not a tool; {allowed}", list(names))))
    return tuple(known)


def parse_settings(data: Mapping[str, Any], path: Path | None = None, *,
                   strict: bool = True) -> Settings:
    """Validate parsed TOML into :class:`Settings`, finding every problem.

    Strictly, problems raise one :class:`SettingsInvalid` with all of them in
    ``errors``; otherwise they are in ``Settings.errors`` and each invalid value is
    replaced by its default.
    """
    errors: list[str] = []
    try:
        settings = _parse(data, path, errors)
    except SettingsInvalid as exc:  # a check that raises instead of recording
        errors.extend(e for e in exc.errors if e not in errors)
        settings = Settings(path=path)
    if errors and strict:
        raise SettingsInvalid(_summary(errors, path), tuple(errors))
    return dataclasses.replace(settings, errors=tuple(errors)) if errors else settings


def _parse(data: Mapping[str, Any], path: Path | None, errors: list[str]) -> Settings:
    warnings: list[str] = []
    root = _Reader(data, "", path, warnings, errors)

    ai = root.table("ai")
    default_provider = ai.get("default_provider", _is_str, "a provider name", "openai")
    default_model = ai.get("default_model", lambda v: _is_str(v) and bool(v),
                           "a model name", "gpt-4.1-mini")
    providers: dict[str, ProviderSettings] = {}
    for name, value in ai.data.items():
        if name in ("default_provider", "default_model"):
            continue
        if not isinstance(value, dict):
            ai.seen.add(name)
            warnings.append(f"Unknown setting `ai.{name}` is ignored.")
            continue
        sub = ai.table(name)
        provider = _provider(name, sub)
        if provider is not None:
            providers[name] = provider
        sub.finish()
    ai.finish()
    if default_provider not in providers and default_provider not in BUILTIN_PROVIDERS:
        if not isinstance(ai.data.get(default_provider), dict):  # else: already reported
            known = ", ".join([*BUILTIN_PROVIDERS, *providers])
            ai.error(
                f"`ai.default_provider` is {default_provider!r}, which is neither built in "
                f"nor defined as an [ai.{default_provider}] table; known providers: {known}."
            )
        default_provider = Settings().default_provider

    a = root.table("agent")
    agent = AgentSettings(
        approval=a.get("approval", lambda v: v in APPROVAL_MODES,
                       "one of " + ", ".join(APPROVAL_MODES), "ask"),
        always_allow=tuple(a.get("always_allow", _is_str_list, "a list of tool names",
                                 ["read_file", "list_directory", "search_files"])),
        never_allow=tuple(a.get("never_allow", _is_str_list, "a list of tool names", [])),
        approval_timeout_seconds=float(a.get("approval_timeout_seconds", _number(0.01, 86400),
                                             "seconds between 0.01 and 86400", 300.0)),
        max_tool_iterations=a.get("max_tool_iterations", _integer(1, 1000),
                                  "a whole number from 1 to 1000", 50),
        instructions=a.get("instructions", _is_str, "a string of instructions", ""),
    )
    a.finish()
    mcp = data.get("mcp")
    mcp_servers = sorted(k for k, v in mcp.items() if isinstance(v, dict)) \
        if isinstance(mcp, dict) else []
    agent = dataclasses.replace(agent, always_allow=_check_tool_names(
        a, "always_allow", agent.always_allow, mcp_servers))
    _check_tool_names(a, "never_allow", agent.never_allow, mcp_servers)

    c = root.table("context")
    context = ContextSettings(
        warning_threshold=float(c.get("warning_threshold", _number(0.0, 1.0),
                                      "a fraction between 0 and 1", 0.75)),
        compaction_threshold=float(c.get("compaction_threshold", _number(0.0, 1.0),
                                         "a fraction between 0 and 1", 0.85)),
    )
    c.finish()

    s = root.table("sessions")
    sessions = SessionSettings(
        persist=s.get("persist", _is_bool, "true or false", True),
        restore_on_start=s.get("restore_on_start", _is_bool, "true or false", True),
        retention_days=s.get("retention_days", _integer(0, 100000),
                             "a whole number of days (0 = keep forever)", 30),
    )
    s.finish()

    t = root.table("terminal")
    terminal = TerminalSettings(
        shell=t.get("shell", _is_str, "a shell command, or \"\" for $SHELL", ""),
        scrollback=t.get("scrollback", _integer(0, 1_000_000),
                         "a whole number of lines from 0 to 1000000", 10000),
        shell_integration=t.get("shell_integration", _is_bool, "true or false", True),
    )
    t.finish()

    k = root.table("keys")
    keys = parse_keys(k.data, f" in {path}" if path else "")
    root.seen.add("mcp")
    mcp = parse_mcp(data.get("mcp"), path, warnings, errors)
    root.finish()

    return Settings(
        default_provider=default_provider,
        default_model=default_model,
        providers=providers,
        agent=agent,
        context=context,
        sessions=sessions,
        terminal=terminal,
        keys=keys,
        mcp=mcp,
        path=path,
        warnings=tuple(warnings),
    )
