"""Fixtures for the TUI tests: the real app on a real core; only the LLM is fake."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tabwise.tui.app import TabwiseApp


@pytest.fixture
def tui_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A fixed $HOME (paths show as ~/...) and a plain environment for the shell."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.delenv("PROMPT_COMMAND", raising=False)
    monkeypatch.delenv("ENV", raising=False)
    return tmp_path


@pytest.fixture
def make_app(workdir: Path, tui_env: Path,
             caplog: pytest.LogCaptureFixture) -> Iterator[Callable[..., TabwiseApp]]:
    """Build the real app on ``home``; fails the test if the TUI logged an error."""
    caplog.set_level(logging.WARNING, logger="tabwise.tui")

    def make(home: Path, cwd: Path | None = None) -> TabwiseApp:
        return TabwiseApp(home, working_directory=str(cwd or workdir))

    yield make
    errors = [r for r in caplog.records
              if r.name.startswith("tabwise.tui") and r.levelno >= logging.ERROR]
    assert not errors, f"the TUI logged errors: {[r.getMessage() for r in errors]}"
