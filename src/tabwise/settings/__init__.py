"""Settings: locations, the settings file, validation (DESIGN §2–3)."""

from ._load import ensure_settings_file, load_settings, parse_settings
from ._mcp import McpServerSettings, McpVarMissing
from ._model import (
    BUILTIN_PROVIDERS,
    DEFAULT_KEY_VARS,
    AgentSettings,
    ContextSettings,
    ProviderSettings,
    SessionSettings,
    Settings,
    TerminalSettings,
    redact_secrets,
    resolve_secret,
    secret_var,
)
from ._paths import Paths, resolve_paths
from ._template import SETTINGS_TEMPLATE

__all__ = [
    "BUILTIN_PROVIDERS",
    "DEFAULT_KEY_VARS",
    "SETTINGS_TEMPLATE",
    "AgentSettings",
    "ContextSettings",
    "McpServerSettings",
    "McpVarMissing",
    "Paths",
    "ProviderSettings",
    "SessionSettings",
    "Settings",
    "TerminalSettings",
    "ensure_settings_file",
    "load_settings",
    "parse_settings",
    "redact_secrets",
    "resolve_paths",
    "resolve_secret",
    "secret_var",
]
