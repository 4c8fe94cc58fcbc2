"""The tabwise commands of the command palette (F1, or Ctrl+P in the agent panel)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

__all__ = ["TAB_COMMANDS", "TabwiseCommands"]

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


class TabwiseCommands(Provider):
    """Offers :data:`TAB_COMMANDS`; each runs an action of the calling screen."""

    def _runner(self, action: str) -> Callable[[], Awaitable[Any]]:
        screen = self.screen

        async def run() -> None:
            # The palette calls this after it has closed: dialogs open over the screen.
            await screen.run_action(action)

        return run

    async def discover(self) -> Hits:
        for title, help_text, action in TAB_COMMANDS:
            yield DiscoveryHit(title, self._runner(action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, action in TAB_COMMANDS:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), self._runner(action),
                          text=title, help=help_text)
