"""Settings and provider commands (DESIGN §4 "Settings and models"): the default
model, every provider and its models, the settings (secrets redacted) and a reload."""

from __future__ import annotations

from typing import Any

from ..api import AiConfig, AppInfo, ProviderInfo
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
        return self.providers.statuses()

    @command
    async def get_app_info(self) -> AppInfo:
        """Where the settings file is, whether tabs are kept, and the settings a front end
        draws with (its keys, the context warning threshold, the scrollback)."""
        st = self.settings
        return AppInfo(settings_file=str(self.paths.settings_file),
                       persistent=self.archive is not None,
                       restore_on_start=st.sessions.restore_on_start,
                       settings_errors=tuple(st.errors), keys=st.keys,
                       warning_threshold=st.context.warning_threshold,
                       scrollback=st.terminal.scrollback,
                       settings_warnings=tuple(st.warnings))

    def preload_providers(self) -> None:
        """Import the SDKs of the providers the live tabs and the defaults use (blocking:
        call it from a thread), so the first prompt does not wait for the import. Not a
        command: an in-process front end's warm-up."""
        names = {b.provider for b in list(self.ai.bridges.values())}
        names.add(self.settings.default_provider)
        self.providers.preload(sorted(names))

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
