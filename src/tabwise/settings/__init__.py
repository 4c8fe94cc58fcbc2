"""Settings: locations, the settings file, validation (DESIGN §2–3)."""

from ._load import ensure_settings_file, load_settings, parse_settings
from ._mcp import McpServerSettings, McpVarMissing
from ._model import (
    BUILTIN_PROVIDERS,
    DEFAULT_KEY_VARS,
    SHORTCUTS,
    TOOL_NAMES,
    AgentSettings,
    ContextSettings,
    KeysSettings,
    ProviderSettings,
    SessionSettings,
    Settings,
    TerminalSettings,
    redact_secrets,
    resolve_secret,
    secret_var,
)
from ._paths import Paths, make_private, resolve_paths
from ._template import SETTINGS_TEMPLATE

__all__ = [
    "BUILTIN_PROVIDERS",
    "DEFAULT_KEY_VARS",
    "SETTINGS_TEMPLATE",
    "SHORTCUTS",
    "TOOL_NAMES",
    "AgentSettings",
    "ContextSettings",
    "KeysSettings",
    "McpServerSettings",
    "McpVarMissing",
    "Paths",
    "ProviderSettings",
    "SessionSettings",
    "Settings",
    "TerminalSettings",
    "ensure_settings_file",
    "load_settings",
    "make_private",
    "parse_settings",
    "redact_secrets",
    "resolve_paths",
    "resolve_secret",
    "secret_var",
]
