"""Project rules: ``AGENTS.md`` (else ``CLAUDE.md``) and ``[agent] instructions``.

DESIGN §3: the files are looked up from the tab's *current* directory through its
parents up to the repository root (a directory holding ``.git``) or ``$HOME``, and go
into the agent's instructions outermost first, so the rules closest to the work come
last and win. They are re-checked before every request (a few ``stat`` calls in a
worker thread); a file is re-read only when its mtime or size changed. A turn starts
that check at once (:meth:`RulesWatcher.prefetch`), so the thread works while
pydantic-ai prepares the first request instead of after it asks for the instructions.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..events import InstructionsChanged, Payload

__all__ = ["RULES_FILES", "ProjectRules", "RulesWatcher", "find_rules_files", "render_rules"]

# Per directory, the first of these that exists is used.
RULES_FILES = ("AGENTS.md", "CLAUDE.md")
# Rules are instructions, not a corpus: beyond this the rest of a file is left out.
MAX_CHARS = 32_000


@dataclass(frozen=True, slots=True)
class ProjectRules:
    """What is in effect for one tab: the files found, and the text the model gets."""

    files: tuple[Path, ...]
    settings: bool  # whether ``[agent] instructions`` is part of it
    text: str

    @property
    def empty(self) -> bool:
        return not self.text


def find_rules_files(cwd: Path, home: Path | None = None) -> list[Path]:
    """The rules files for ``cwd``, outermost first (blocking: call it off the loop).

    Plain ``os.path`` on strings: this runs before every request, and ``Path`` objects
    for each candidate made it cost ~3x as much (it holds the GIL while the request is
    being prepared).
    """
    if home is None:
        try:
            home = Path.home()
        except RuntimeError:  # no $HOME and no passwd entry: stop at the repository only
            home = Path("/")
    stop = os.fspath(home)
    found: list[Path] = []
    d = os.fspath(cwd)
    while True:
        for name in RULES_FILES:
            candidate = os.path.join(d, name)
            if os.path.isfile(candidate):
                found.append(Path(candidate))
                break
        if d == stop or os.path.exists(os.path.join(d, ".git")):
            break
        parent = os.path.dirname(d)
        if parent == d:  # the root
            break
        d = parent
    found.reverse()
    return found


def render_rules(settings_text: str, files: list[tuple[Path, str]]) -> str:
    """The instructions text for the settings' rules and the files' contents."""
    parts: list[str] = []
    if settings_text.strip():
        parts.append("## The user's instructions (settings)\n\n" + settings_text.strip())
    budget = MAX_CHARS
    for path, text in files:
        body = text.strip()
        if len(body) > budget:
            body = body[:budget] + f"\n[... the rest of {path.name} is left out ...]"
        budget = max(0, budget - len(body))
        parts.append(f"## Project instructions from {path}\n\n{body}")
    return ("\n\n" + "\n\n".join(parts) + "\n") if parts else ""


class RulesWatcher:
    """One tab's rules: loads them, caches file contents, says when they change."""

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[int, int, str]] = {}  # path -> (mtime_ns, size, text)
        self.current: ProjectRules | None = None
        self._task: asyncio.Task[ProjectRules] | None = None
        # The check a turn started for its first request: (cwd, settings text, task).
        self._prefetched: tuple[Path, str, asyncio.Future[ProjectRules]] | None = None

    def _load(self, cwd: Path, settings_text: str) -> ProjectRules:
        loaded: list[tuple[Path, str]] = []
        for path in find_rules_files(cwd):
            try:
                st = path.stat()
                cached = self._cache.get(path)
                if cached is not None and cached[:2] == (st.st_mtime_ns, st.st_size):
                    text = cached[2]
                else:
                    with path.open("rb") as f:
                        text = f.read(MAX_CHARS * 4).decode("utf-8", "replace")
                    self._cache[path] = (st.st_mtime_ns, st.st_size, text)
            except OSError:
                continue  # vanished or unreadable: as if it were not there
            loaded.append((path, text))
        return ProjectRules(tuple(p for p, _ in loaded), bool(settings_text.strip()),
                            render_rules(settings_text, loaded))

    async def load(self, cwd: Path, settings_text: str,
                   publish: Callable[[Payload], None]) -> ProjectRules:
        """The rules in effect now; publishes ``instructions_changed`` when they differ
        from the last ones seen (the first time only if there are any)."""
        ahead = self._prefetched
        if ahead is not None and ahead[:2] == (cwd, settings_text):
            self._prefetched = None
            rules = await ahead[2]
        else:
            self.drop_prefetch()
            rules = await asyncio.to_thread(self._load, cwd, settings_text)
        last = self.current
        self.current = rules
        if (last is None and not rules.empty) or (last is not None and last != rules):
            publish(InstructionsChanged(tuple(str(p) for p in rules.files), rules.settings))
        return rules

    def prefetch(self, cwd: Path, settings_text: str) -> None:
        """Start the check the next :meth:`load` for ``cwd`` will use (a turn's first
        request); :meth:`drop_prefetch` forgets it when the turn ends without asking."""
        self.drop_prefetch()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(None, self._load, cwd, settings_text)
        self._prefetched = (cwd, settings_text, future)

    def drop_prefetch(self) -> None:
        ahead, self._prefetched = self._prefetched, None
        if ahead is not None:
            # Nobody awaits it: consume its outcome so a failure is not reported as lost.
            ahead[2].add_done_callback(lambda f: f.cancelled() or f.exception())

    def refresh_soon(self, cwd: Path, settings_text: str,
                     publish: Callable[[Payload], None]) -> None:
        """Load in the background (after a ``cd``, at tab start) so the front ends can
        show which rules are in effect before the next prompt."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a synchronous caller): the next request loads them
        if self._task is not None:
            self._task.cancel()
        self._task = loop.create_task(self.load(cwd, settings_text, publish))

    def close(self) -> None:
        self.drop_prefetch()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def files(self) -> list[str]:
        return [str(p) for p in self.current.files] if self.current else []
