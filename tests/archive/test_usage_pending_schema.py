"""Schema step 2 (usage sums, waiting approvals): a version 1 file gains the tables and
keeps its data; the rows go with their session."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pydantic_ai.messages import ModelRequest, ModelResponse, ToolCallPart, UserPromptPart

from tabwise.agent import PendingCall, PendingTurn, RequestCost
from tabwise.archive import Archive, SessionRow
from tabwise.archive._schema import SCHEMA_V1


def _row(sid: str) -> SessionRow:
    return SessionRow(sid, sid, "/", 1.0, 1.0, None, 0, "local1", "m1", ())


async def test_version_1_file_gains_usage_and_pending_tables(db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    for statement in SCHEMA_V1:
        conn.execute(statement)
    conn.execute("INSERT INTO sessions (session_id, name, working_directory, created_at, "
                 "updated_at) VALUES ('s1', 'old tab', '/', 1, 1)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    arc = await Archive.open(db_path)
    assert f"{db_path.name}.bak-v1" in {p.name for p in db_path.parent.iterdir()}
    try:
        row = await arc.get_session("s1")
        assert row is not None and row.name == "old tab"
        assert await arc.load_usage("s1") == []
        assert await arc.load_pending("s1") is None
        arc.add_usage("s1", RequestCost("local1", "m1", 10, 2, None))
        arc.add_usage("s1", RequestCost("local1", "m1", 5, 1, 0.5))
        (usage,) = await arc.load_usage("s1")
        assert (usage.input_tokens, usage.output_tokens, usage.requests) == (15, 3, 2)
        assert (usage.cost_usd, usage.unpriced_requests) == (0.5, 1)
    finally:
        await arc.close()


async def test_pending_turn_round_trip_and_delete(db_path: Path) -> None:
    arc = await Archive.open(db_path)
    try:
        arc.create_session(_row("s1"))
        context = [ModelRequest(parts=[UserPromptPart("write")]),
                   ModelResponse(parts=[ToolCallPart("write_file", {"path": "a"}, "c1")])]
        turn = PendingTurn("s1", context, context, (
            PendingCall("c1", "write_file", {"path": "a"}, "medium", 2.0),), 2.0)
        await arc.save_pending(turn)
        arc.answer_pending("s1", "c1", "deny", "no")
        got = await arc.load_pending("s1")
        assert got is not None and got.context == context and got.unsaved == context
        assert got.calls == (PendingCall("c1", "write_file", {"path": "a"}, "medium", 2.0,
                                         "deny", "no"),)
        arc.add_usage("s1", RequestCost("local1", "m1", 1, 1, None))
        arc.delete_session("s1")
        assert await arc.load_pending("s1") is None
        assert await arc.load_usage("s1") == []
    finally:
        await arc.close()
