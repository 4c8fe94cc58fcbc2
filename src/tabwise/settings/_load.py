"""Reading and validating ``settings.toml``.

Invalid TOML names the file, line and column; an invalid value names its key and what
is allowed; unknown keys become warnings. The file is only ever written once, on first
run, from the commented template, and never over an existing file.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ..errors import SettingsInvalid
from ._mcp import parse_mcp
from ._model import (
    APPROVAL_MODES,
    BUILTIN_PROVIDERS,
    KINDS,
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


def load_settings(path: Path) -> Settings:
    """Read and validate ``path``; a missing file gives the defaults."""
    if not path.exists():
        return parse_settings({}, path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsInvalid(f"Cannot read settings file {path}: {exc}.") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line L, column C)".
        raise SettingsInvalid(f"Invalid TOML in {path}: {exc}.") from exc
    return parse_settings(data, path)


class _Reader:
    """Typed access to one TOML table, collecting unknown keys as warnings."""

    def __init__(self, data: Mapping[str, Any], where: str, path: Path | None,
                 warnings: list[str]) -> None:
        self.data = data
        self.where = where
        self.path = path
        self.warnings = warnings
        self.seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, allowed: str, value: Any) -> SettingsInvalid:
        loc = f" in {self.path}" if self.path else ""
        return SettingsInvalid(f"Invalid value {value!r} for `{self._key(key)}`{loc}: {allowed}.")

    def get(self, key: str, check: Callable[[Any], bool], allowed: str, default: T) -> T:
        self.seen.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        if not check(value):
            raise self.fail(key, allowed, value)
        return value  # type: ignore[no-any-return]

    def table(self, key: str) -> _Reader:
        self.seen.add(key)
        value = self.data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, "expected a table", value)
        return _Reader(value, self._key(key), self.path, self.warnings)

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


def _provider(name: str, r: _Reader) -> ProviderSettings:
    default_kind = name if name in BUILTIN_PROVIDERS else None
    kind = r.get("kind", lambda v: v in KINDS, "one of " + ", ".join(KINDS), default_kind)
    if kind is None:
        raise SettingsInvalid(
            f"Provider `ai.{name}`{' in ' + str(r.path) if r.path else ''} is not a built-in "
            f"provider, so it needs `kind` (one of {', '.join(KINDS)})."
        )
    base_url = r.get("base_url", lambda v: isinstance(v, str) and "://" in v,
                     "a URL such as http://127.0.0.1:8000/v1", None)
    if kind == "openai-compatible" and not base_url:
        raise SettingsInvalid(
            f"Provider `ai.{name}` has kind \"openai-compatible\" and needs `base_url`."
        )
    models: list[str] = r.get("models", _is_str_list, "a list of model names", [])
    return ProviderSettings(
        name=name,
        kind=kind,
        api_key=r.get("api_key", _is_str, 'a string such as "$MY_API_KEY"', None),
        base_url=base_url,
        models=tuple(models),
        context_windows=dict(r.get("context_windows", _windows,
                                   'a table of model = token count, e.g. { "m" = 32768 }', {})),
        timeout_seconds=float(r.get("timeout_seconds", _number(0.01, 3600),
                                    "seconds between 0.01 and 3600", 120.0)),
        max_retries=r.get("max_retries", _integer(0, 10), "a whole number from 0 to 10", 2),
    )


def parse_settings(data: Mapping[str, Any], path: Path | None = None) -> Settings:
    """Validate parsed TOML into :class:`Settings`."""
    warnings: list[str] = []
    root = _Reader(data, "", path, warnings)

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
        providers[name] = _provider(name, sub)
        sub.finish()
    ai.finish()
    if default_provider not in providers and default_provider not in BUILTIN_PROVIDERS:
        known = ", ".join([*BUILTIN_PROVIDERS, *providers])
        raise SettingsInvalid(
            f"`ai.default_provider` is {default_provider!r}, which is neither built in nor "
            f"defined as an [ai.{default_provider}] table; known providers: {known}."
        )

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
    )
    a.finish()

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
    )
    t.finish()
    root.seen.add("mcp")
    mcp = parse_mcp(data.get("mcp"), path, warnings)
    root.finish()

    return Settings(
        default_provider=default_provider,
        default_model=default_model,
        providers=providers,
        agent=agent,
        context=context,
        sessions=sessions,
        terminal=terminal,
        mcp=mcp,
        path=path,
        warnings=tuple(warnings),
    )
