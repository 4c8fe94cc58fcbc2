"""Fixtures for the archive tests: a real SQLite file in tmp_path, no mocks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tabwise.archive import Archive


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tabwise.db"


@pytest.fixture
async def archive(db_path: Path) -> AsyncIterator[Archive]:
    arc = await Archive.open(db_path)
    yield arc
    await arc.close()
