"""The tabwise commands of the command palette (F1, or Ctrl+P in the agent panel)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from ...commands import Tabwise
from ...errors import TabwiseError

__all__ = ["CORE_COMMANDS", "TAB_COMMANDS", "TabwiseCommands"]

# (title, help, action name on the main screen)
TAB_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Rename tab", "Give the active tab a new name", "rename_tab"),
    ("Sessions browser", "Reopen an archived session as a new tab", "sessions"),
    ("Switch model", "Pick the provider/model of the active tab (F2)", "pick_model"),
    ("Fork tab…", "Copy the conversation into a new tab on a model you pick",
     "fork_tab"),
    ("Fork from a prompt…", "Pick a prompt of this tab: a new tab with the conversation "
     "before it, on a model you pick", "fork_from_prompt"),
    ("Compare models…", "Ask 2–4 models one prompt and see the answers side by side",
     "compare_models"),
    ("Clear conversation", "Forget the active tab's conversation", "clear_conversation"),
    ("Compact context", "Summarize older turns of the active tab now", "compact_context"),
    ("Export conversation", "Write the active tab's conversation as Markdown to its "
     "working directory", "export_conversation"),
    ("Settings file", "Show where settings.toml is", "settings_path"),
    ("MCP servers", "Status, errors and tools of the MCP servers; choose this tab's",
     "mcp_servers"),
    ("New tab", "Open a tab with the default model (Alt+T)", "new_tab"),
    ("Close tab", "Close the active tab (Alt+W)", "close_tab"),
    ("Show keys", "All of tabwise's keys", "show_keys"),
    ("Theme", "Change the colour theme", "app.change_theme"),
    ("Quit", "Quit tabwise; open tabs come back next time (F10)", "app.quit"),
)


async def reload_settings(screen: Screen[Any]) -> None:
    """Run the ``reload_settings`` command; show what was wrong, or what changed."""
    core: Tabwise = getattr(screen, "core")  # noqa: B009  (the main screen's command layer)
    try:
        settings = await core.reload_settings()
    except TabwiseError as exc:
        # SettingsInvalid lists every problem; the settings in force stay as they were.
        problems = getattr(exc, "errors", (str(exc),))
        screen.notify("\n".join(problems) + "\n\nThe current settings stay in force.",
                      title="Settings not reloaded", severity="error", markup=False,
                      timeout=20)
        return
    warnings = [str(w) for w in settings.get("warnings") or []]
    path = settings.get("path") or (await core.get_app_info()).settings_file
    text = f"Read {path}." + "".join(f"\n{w}" for w in warnings)
    screen.notify(text + "\nKeys apply from the next start.", title="Settings reloaded",
                  severity="warning" if warnings else "information", markup=False)


# (title, help, what to run with the calling screen) for commands that are not actions.
CORE_COMMANDS: tuple[tuple[str, str, Callable[[Screen[Any]], Awaitable[None]]], ...] = (
    ("Reload settings", "Re-read settings.toml now (models, providers, agent, MCP); "
     "an invalid file is reported and changes nothing", reload_settings),
)


class TabwiseCommands(Provider):
    """Offers :data:`TAB_COMMANDS` (each runs an action of the calling screen) and
    :data:`CORE_COMMANDS`."""

    def _entries(self) -> list[tuple[str, str, Callable[[], Awaitable[Any]]]]:
        screen = self.screen

        def action(name: str) -> Callable[[], Awaitable[Any]]:
            async def run() -> None:
                # The palette calls this after it has closed: dialogs open over the screen.
                await screen.run_action(name)
            return run

        def call(fn: Callable[[Screen[Any]], Awaitable[None]]) -> Callable[[], Awaitable[Any]]:
            async def run() -> None:
                await fn(screen)
            return run

        entries = [(title, help_text, action(name)) for title, help_text, name in TAB_COMMANDS]
        if hasattr(screen, "core"):  # after "Settings file"
            at = next(i for i, e in enumerate(entries) if e[0] == "Settings file") + 1
            entries[at:at] = [(title, help_text, call(fn))
                              for title, help_text, fn in CORE_COMMANDS]
        return entries

    async def discover(self) -> Hits:
        for title, help_text, run in self._entries():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, text=title, help=help_text)
