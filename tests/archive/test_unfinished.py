"""Unfinished turns in the archive (schema step 5): kept in order, placed in the live
context, forgotten with it, gone with their session; older files gain the table."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from archive_helpers import session_row, turn
from pydantic_ai.messages import ModelRequest, UserPromptPart

from tabwise.agent import UnfinishedTurn
from tabwise.archive import CURRENT_VERSION, Archive


def _failed(prompt: str, turn_id: str = "t") -> UnfinishedTurn:
    return UnfinishedTurn(turn_id, f"{prompt} failed.", "server",
                          (ModelRequest(parts=[UserPromptPart(prompt)]),), 0, 1.0)


async def test_unfinished_turns_are_placed_in_the_live_context(archive: Archive) -> None:
    archive.create_session(session_row("a"))
    archive.record_unfinished("a", _failed("first", "t1"))
    archive.append_messages("a", turn(0, "a"))
    archive.record_unfinished("a", _failed("second", "t2"))
    got = await archive.load_unfinished("a")
    assert [(u.turn_id, u.at, u.error_type) for u in got] == [("t1", 0, "server"),
                                                               ("t2", 4, "server")]
    [request] = got[1].messages
    assert isinstance(request, ModelRequest)
    assert [p.content for p in request.parts] == ["second"]  # type: ignore[union-attr]
    # A compaction (or clear) replaces the context: what came before is forgotten.
    archive.replace_context("a", turn(1, "a")[:2])
    archive.record_unfinished("a", _failed("third", "t3"))
    archive.append_messages("a", turn(2, "a"))
    archive.record_unfinished("a", _failed("fourth", "t4"))
    assert [(u.turn_id, u.at) for u in await archive.load_unfinished("a")] == [
        ("t3", 2), ("t4", 6)]
    archive.delete_session("a")
    assert await archive.load_unfinished("a") == []


async def test_an_archive_from_before_step_5_gains_the_table(db_path: Path) -> None:
    arc = await Archive.open(db_path)
    arc.create_session(session_row("a"))
    arc.append_messages("a", turn(0, "a"))
    await arc.close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP TABLE unfinished_turns")
        conn.execute(f"PRAGMA user_version = {CURRENT_VERSION - 1}")
    arc = await Archive.open(db_path)
    try:
        assert await asyncio.to_thread(Path(f"{db_path}.bak-v{CURRENT_VERSION - 1}").exists)
        assert len(await arc.load_context("a")) == 4
        assert await arc.load_unfinished("a") == []
        arc.record_unfinished("a", _failed("after upgrade"))
        assert [u.at for u in await arc.load_unfinished("a")] == [4]
    finally:
        await arc.close()
