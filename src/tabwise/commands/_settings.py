"""Settings and provider commands (DESIGN §4 "Settings and models"): the default
model, every provider and its models, the settings (secrets redacted) and a reload."""

from __future__ import annotations

from typing import Any

from ..api import AiConfig, ProviderInfo
from ..settings import load_settings
from ._base import CoreBase
from ._command import command

__all__ = ["SettingsCommands"]


class SettingsCommands(CoreBase):
    """The settings and provider commands, mixed into :class:`~tabwise.commands.Tabwise`."""

    @command
    async def get_default_ai_config(self) -> AiConfig:
        return self.get_default_ai_config_sync()

    @command
    async def list_providers(self, refresh: bool = False) -> list[ProviderInfo]:
        """Every provider: configured or not (and why), and its models. Local servers'
        models are discovered in the background; ``refresh`` waits for a fresh look
        (a few seconds at most when a server does not answer)."""
        if refresh:
            await self.providers.discover()
        return [ProviderInfo(p.name, p.kind, p.configured, p.reason, tuple(p.models))
                for p in self.providers.statuses()]

    @command
    async def get_settings(self) -> dict[str, Any]:
        """settings.toml as it is in force (a JSON object of its tables), secrets redacted."""
        return self.settings.redacted()

    @command
    async def reload_settings(self) -> dict[str, Any]:
        """Re-read settings.toml; on error the current settings stay in force."""
        settings = load_settings(self.paths.settings_file)
        self.settings = settings
        if self.screens is not None:
            self.screens.history = settings.terminal.scrollback
        self.ai.update_settings(settings)
        self.mcp.update_settings(settings, {sid: s.working_directory
                                            for sid, s in self.sessions.items()})
        return settings.redacted()
