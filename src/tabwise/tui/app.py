"""The tabwise TUI application: starts the core, shows the main screen, routes events.

``tabwise`` with no arguments calls :func:`run_app`.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from typing import Any, ClassVar

from textual import _ansi_sequences, events
from textual.app import App
from textual.binding import Binding, BindingsMap

from ..commands import Tabwise
from ..errors import TabwiseError
from ._events import AiEvent, EventPump
from .screens import MainScreen
from .screens._confirm import ConfirmScreen
from .screens._keys import app_bindings

__all__ = ["TabwiseApp", "run_app"]

log = logging.getLogger("tabwise.tui")

# xterm, tmux and most Linux terminals send Alt+digit as ESC + digit; Textual reads
# those as the characters WezTerm's macOS Option+digit makes ("¡", "™", ...), so
# Alt+1..9 would type into the shell instead of switching tabs. Without these entries
# Textual's generic ESC-prefix handling reports them as alt+1..alt+9.
_KEYS = _ansi_sequences.ANSI_SEQUENCES_KEYS
assert isinstance(_KEYS, dict)  # typed as a Mapping; it is Textual's own dict
for _digit in "123456789":
    _KEYS.pop(f"\x1b{_digit}", None)


class TabwiseApp(App[None], inherit_bindings=False):
    """Tabs of shells, each with its own AI agent (DESIGN §8).

    The app owns the core (:class:`~tabwise.commands.Tabwise`): it starts it on mount
    and stops it on quit, which leaves open tabs open in the archive for next time.
    Textual's own Ctrl+Q / Ctrl+C / Ctrl+P bindings are dropped: Ctrl+letters belong to
    the shell. The command palette is on F1 (and Ctrl+P inside the agent panel).
    """

    CSS_PATH = "app.tcss"
    TITLE = "tabwise"
    COMMAND_PALETTE_BINDING = "f1"
    COMMANDS: ClassVar[set[Any]] = set()  # the main screen brings tabwise's own commands

    BINDINGS = [
        Binding("f10", "quit", "Quit", priority=True),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | f1 | Command palette. |
    | f10 | Quit (open tabs come back next start). |
    """

    def __init__(self, home: str | os.PathLike[str] | None = None, *,
                 working_directory: str | None = None) -> None:
        super().__init__()
        self.home = home
        self.working_directory = working_directory
        self.core: Tabwise | None = None
        self.startup_error: str | None = None
        self._pump: EventPump | None = None
        self._stopped = False
        self.persistent = False  # tabs are kept in the archive (they come back)
        self._early_keys: list[events.Key] = []  # typed before the main screen exists

    async def on_mount(self) -> None:
        try:
            # The core restores the tabs left open (as configured); the event pump
            # subscribes before it does, so their restore warnings reach the timeline
            # (queued until the main screen exists).
            self.core = await Tabwise.start(self.home, on_open=self._start_pump)
            info = await self.core.get_app_info()
        except TabwiseError as exc:
            self.startup_error = str(exc)
            self.exit(return_code=1)
            return
        # The shortcuts of [keys] replace the class defaults (F1 palette, F10 quit).
        self._bindings = BindingsMap(app_bindings(info.keys))
        self.persistent = info.persistent
        screen = MainScreen(self.core, info, working_directory=self.working_directory)
        screen.early_keys, self._early_keys = self._early_keys, []
        await self.push_screen(screen)
        # Everything loaded so far lives as long as the app: moving it out of the
        # collector's sight turns 50-90 ms full collections (visible as stalls in the
        # terminal) into a few milliseconds.
        gc.freeze()
        # Models are made on first use; import their SDKs soon, off the event loop, so
        # the first prompt does not stall the screen for the import. Not at once: the
        # import thread would compete with restoring the tabs for the interpreter.
        self.set_timer(1.5, lambda: self.run_worker(self._preload_sdks, thread=True,
                                                    exclusive=True, group="preload"))

    def on_key(self, event: events.Key) -> None:
        # Only keys nothing took get here. Before the first tab has focus (the core is
        # starting, the tab is being built) that is every key typed: keep them for the
        # widget that gets focus (MainScreen replays them), as a terminal would.
        screen = self.main_screen
        if screen is None or (not screen.ready and self.focused is None):
            event.stop()
            event.prevent_default()
            target = screen.early_keys if screen is not None else self._early_keys
            target.append(event)

    def _start_pump(self, core: Tabwise) -> None:
        self._pump = EventPump(core, self)
        self._pump.start()

    def _preload_sdks(self) -> None:
        if self.core is not None:
            self.core.preload_providers()
        gc.freeze()  # the SDKs' modules too (see on_mount)

    @property
    def main_screen(self) -> MainScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def on_ai_event(self, message: AiEvent) -> None:
        screen = self.main_screen
        if screen is None:
            return
        try:
            screen.apply_event(message.event)
        except Exception:
            # A display bug must not take every tab's shell down with the app.
            log.exception("could not show event %s", message.event.type)
            self.notify("Could not show an agent event (see the log).", severity="error")

    async def action_quit(self) -> None:
        """Quit; first ask if a program other than a shell runs in any tab."""
        screen = self.main_screen
        running = screen.running_programs() if screen is not None else []
        if running and not isinstance(self.screen, ConfirmScreen):
            listed = ", ".join(f"{prog} (tab “{tab}”)" for tab, prog in running[:4])
            more = f" and {len(running) - 4} more" if len(running) > 4 else ""
            back = " Tabs come back next time." if self.persistent else ""
            question = ConfirmScreen(
                "Quit tabwise?", f"Still running: {listed}{more}. Quitting ends them, and "
                f"whatever they have not saved is lost.{back}", "Quit")

            async def answered(yes: bool | None) -> None:
                if yes:
                    await self._quit_now()

            await self.push_screen(question, answered)
            return
        await self._quit_now()

    async def _quit_now(self) -> None:
        await self._stop_core()
        self.exit()

    async def on_unmount(self) -> None:
        await self._stop_core()

    async def _stop_core(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        if self._pump is not None:
            self._pump.stop()
        if self.core is not None:
            await self.core.stop()


def run_app(home: str | None = None) -> int:
    """Run the TUI until the user quits; the process exit code.

    Invalid settings do not stop it: the app starts with the defaults for what is
    invalid and shows every problem (the main screen lists them)."""
    app = TabwiseApp(home)
    app.run()
    if app.startup_error:
        print(f"tabwise: {app.startup_error}", file=sys.stderr)
        return 1
    return app.return_code or 0
