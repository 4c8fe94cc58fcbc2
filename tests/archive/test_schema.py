"""Opening files: new ones, older schemas (migrated with a backup), damaged and newer ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from archive_helpers import turn
from pydantic_ai.messages import ModelMessagesTypeAdapter

from tabwise.archive import CURRENT_VERSION, Archive, ArchiveTooNew, ArchiveUnreadable

# The unversioned layout (user_version 0) that migration 0 -> 1 upgrades.
V0_SCHEMA = """
CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL, cwd TEXT NOT NULL,
    created_at REAL NOT NULL, updated_at REAL NOT NULL, closed_at REAL,
    provider TEXT, model TEXT);
CREATE TABLE messages (session_id TEXT NOT NULL, seq INTEGER NOT NULL, body TEXT NOT NULL);
"""


def _pragma(path: Path, name: str) -> object:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _files(db_path: Path) -> set[str]:
    return {p.name for p in db_path.parent.iterdir()}


async def test_new_file_gets_current_schema_in_wal(db_path: Path) -> None:
    arc = await Archive.open(db_path)
    await arc.close()
    assert _pragma(db_path, "user_version") == CURRENT_VERSION
    assert _pragma(db_path, "journal_mode") == "wal"
    # Reopening a current file migrates nothing and backs nothing up.
    await (await Archive.open(db_path)).close()
    assert _files(db_path) == {"tabwise.db"}


async def test_version_0_is_migrated_with_a_backup(db_path: Path) -> None:
    first, second = turn(0, "old"), turn(1, "old")
    conn = sqlite3.connect(db_path)
    conn.executescript(V0_SCHEMA)
    conn.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        ("old-1", "first tab", "/srv", 10.0, 20.0, None, "openai", "gpt-4.1"),
        ("old-2", "second tab", "/home", 11.0, 30.0, 31.0, None, None),
    ])
    # Gaps in seq (the old layout allowed them) are renumbered; order is kept.
    rows = [("old-1", seq * 10, ModelMessagesTypeAdapter.dump_json([m])[1:-1].decode())
            for seq, m in enumerate(first + second)]
    conn.executemany("INSERT INTO messages VALUES (?, ?, ?)", reversed(rows))
    conn.commit()
    conn.close()

    arc = await Archive.open(db_path)
    try:
        backup = sqlite3.connect(f"{db_path}.bak-v0")
        assert backup.execute("PRAGMA user_version").fetchone()[0] == 0
        assert backup.execute("SELECT count(*) FROM messages").fetchone()[0] == 8
        assert backup.execute("SELECT name FROM sessions ORDER BY id").fetchall() == [
            ("first tab",), ("second tab",)]
        backup.close()
        assert _pragma(db_path, "user_version") == CURRENT_VERSION
        [open_row] = await arc.list_sessions()
        assert (open_row.session_id, open_row.name, open_row.working_directory) == (
            "old-1", "first tab", "/srv")
        assert (open_row.provider, open_row.model, open_row.position) == (
            "openai", "gpt-4.1", 0)
        assert (open_row.message_count, open_row.first_prompt) == (8, "old prompt 0")
        closed = await arc.get_session("old-2")
        assert closed is not None and closed.closed_at == 31.0 and closed.provider is None
        assert await arc.load_transcript("old-1") == first + second
        assert await arc.load_context("old-1") == first + second
        # The migrated file takes new writes where the old ones ended.
        third = turn(2, "old")
        arc.append_messages("old-1", third)
        assert await arc.load_transcript("old-1") == first + second + third
    finally:
        await arc.close()


@pytest.fixture
def earlier_backup(db_path: Path) -> Path:
    backup = Path(f"{db_path}.bak-v0")
    backup.write_bytes(b"an earlier backup")
    conn = sqlite3.connect(db_path)
    conn.executescript(V0_SCHEMA)
    conn.close()
    return backup


async def test_a_second_backup_never_overwrites_the_first(db_path: Path,
                                                          earlier_backup: Path) -> None:
    await (await Archive.open(db_path)).close()
    assert _files(db_path) == {"tabwise.db", "tabwise.db.bak-v0", "tabwise.db.bak-v0.2"}
    assert _read(earlier_backup) == b"an earlier backup"


GARBAGE = b"this is not an sqlite database\x00\xff" * 200


@pytest.fixture
def damaged(db_path: Path) -> Path:
    db_path.write_bytes(GARBAGE)
    return db_path


async def test_damaged_file_is_reported_not_replaced(damaged: Path) -> None:
    with pytest.raises(ArchiveUnreadable) as info:
        await Archive.open(damaged)
    message = str(info.value)
    assert str(damaged) in message
    assert "move it aside" in message and f"mv '{damaged}'" in message
    assert _read(damaged) == GARBAGE
    assert _files(damaged) == {"tabwise.db"}


async def test_newer_schema_is_refused(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE sessions (session_id TEXT)")
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION + 1}")
    conn.close()
    with pytest.raises(ArchiveTooNew, match="upgrade tabwise"):
        await Archive.open(db_path)
    assert _pragma(db_path, "user_version") == CURRENT_VERSION + 1
