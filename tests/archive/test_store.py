"""The Archive round trip: what is written comes back, in order, after a reopen."""

from __future__ import annotations

from pathlib import Path

import pytest
from archive_helpers import session_row, turn
from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, UserPromptPart

from tabwise.agent import AuditRecord
from tabwise.archive import Archive
from tabwise.errors import ArchiveError


async def test_round_trip_survives_reopen(db_path: Path) -> None:
    arc = await Archive.open(db_path)
    arc.create_session(session_row("a", position=0, created_at=1.0))
    arc.create_session(session_row("b", position=1, created_at=2.0))
    arc.create_session(session_row("c", position=2, created_at=3.0))
    a_msgs = turn(0, "a") + turn(1, "a")
    arc.append_messages("a", a_msgs[:4])
    b_msgs = turn(0, "b")
    arc.append_messages("b", b_msgs)
    arc.append_messages("a", a_msgs[4:])
    arc.update_session("a", name="renamed", updated_at=50.0)
    arc.update_session("b", position=0)  # reorder: b before a
    arc.update_session("a", position=1, provider="anthropic", model="claude",
                       always_allow=("read_file", "list_dir"))
    arc.update_session("c", closed_at=60.0, updated_at=60.0)
    arc.add_audit(AuditRecord("a", "r1", "run_command", {"cmd": "ls -la"}, "approve", None, 7.0))
    arc.add_audit(AuditRecord("a", "r2", "write_file", {"path": "x"}, "deny", "no", 8.0))
    await arc.close()

    arc = await Archive.open(db_path)
    try:
        open_rows = await arc.list_sessions()
        assert [r.session_id for r in open_rows] == ["b", "a"]
        a = open_rows[1]
        assert (a.name, a.position, a.provider, a.model) == ("renamed", 1, "anthropic", "claude")
        assert a.always_allow == ("read_file", "list_dir")
        assert (a.message_count, a.first_prompt) == (8, "a prompt 0")
        assert a.updated_at == 50.0 and a.closed_at is None and a.working_directory == "/tmp"
        every = await arc.list_sessions(include_closed=True)
        assert [r.session_id for r in every] == ["c", "a", "b"]  # most recently updated first
        c = await arc.get_session("c")
        assert c is not None and c.closed_at == 60.0 and c.message_count == 0
        assert await arc.get_session("nope") is None
        assert await arc.load_context("a") == a_msgs
        assert await arc.load_transcript("a") == a_msgs
        assert await arc.load_context("b") == b_msgs
        audit = await arc.load_audit("a")
        assert [(r.request_id, r.tool_name, r.args, r.decision, r.reason) for r in audit] == [
            ("r1", "run_command", {"cmd": "ls -la"}, "approve", None),
            ("r2", "write_file", {"path": "x"}, "deny", "no"),
        ]
    finally:
        await arc.close()


async def test_replace_context_keeps_transcript(db_path: Path) -> None:
    arc = await Archive.open(db_path)
    arc.create_session(session_row("s"))
    early = turn(0) + turn(1)
    arc.append_messages("s", early)
    summary = [ModelRequest(parts=[UserPromptPart("Summary of the conversation so far.")])]
    arc.replace_context("s", summary)
    late = turn(2)
    arc.append_messages("s", late)
    assert await arc.load_context("s") == summary + late
    assert await arc.load_transcript("s") == early + late
    await arc.close()

    arc = await Archive.open(db_path)
    assert await arc.load_context("s") == summary + late
    arc.replace_context("s", [])  # clear
    assert await arc.load_context("s") == []
    after_clear = turn(3)
    arc.append_messages("s", after_clear)
    assert await arc.load_context("s") == after_clear
    assert await arc.load_transcript("s") == early + late + after_clear
    row = await arc.get_session("s")
    assert row is not None and row.message_count == 16
    await arc.close()


async def test_reads_see_queued_writes(archive: Archive) -> None:
    archive.create_session(session_row("x"))
    archive.append_messages("x", turn(0))
    row = await archive.get_session("x")  # no flush() needed
    assert row is not None and row.message_count == 4


async def test_stored_messages_are_a_snapshot(archive: Archive) -> None:
    archive.create_session(session_row("x"))
    response = ModelResponse(parts=[TextPart("original")])
    archive.append_messages("x", [response])
    response.parts = [TextPart("changed later")]
    [stored] = await archive.load_transcript("x")
    assert isinstance(stored, ModelResponse) and stored.parts == [TextPart("original")]


async def test_delete_session_removes_everything(archive: Archive) -> None:
    archive.create_session(session_row("x"))
    archive.create_session(session_row("y"))
    archive.append_messages("x", turn(0))
    archive.add_audit(AuditRecord("x", "r", "t", {}, "approve", None, 1.0))
    archive.delete_session("x")
    await archive.flush()
    assert await archive.get_session("x") is None
    assert await archive.load_transcript("x") == []
    assert await archive.load_audit("x") == []
    assert [r.session_id for r in await archive.list_sessions()] == ["y"]


async def test_writes_for_unknown_sessions_are_dropped(archive: Archive) -> None:
    archive.append_messages("ghost", turn(0))
    archive.add_audit(AuditRecord("ghost", "r", "t", {}, "deny", None, 1.0))
    await archive.flush()  # a deleted tab's late turn is not an error
    assert await archive.load_transcript("ghost") == []


async def test_failed_write_is_reported_and_others_are_kept(archive: Archive) -> None:
    archive.create_session(session_row("ok"))
    archive.update_session("ok", name=None)  # NOT NULL: fails inside the batch
    archive.append_messages("ok", turn(0))
    with pytest.raises(ArchiveError, match="update_session"):
        await archive.flush()
    await archive.flush()  # reported once
    row = await archive.get_session("ok")
    assert row is not None and row.name == "tab ok" and row.message_count == 4


async def test_list_limit_and_update_validation(archive: Archive) -> None:
    for i in range(5):
        archive.create_session(session_row(f"s{i}", position=i))
    assert [r.session_id for r in await archive.list_sessions(limit=2)] == ["s0", "s1"]
    with pytest.raises(TypeError, match="message_count"):
        archive.update_session("s0", message_count=3)
    with pytest.raises(TypeError, match="always_allow"):
        archive.update_session("s0", always_allow="read_file")


async def test_closed_archive_refuses_writes(db_path: Path) -> None:
    arc = await Archive.open(db_path)
    await arc.close()
    await arc.close()  # idempotent
    with pytest.raises(ArchiveError, match="closed"):
        arc.create_session(session_row("x"))
    with pytest.raises(ArchiveError, match="closed"):
        await arc.list_sessions()


async def test_no_secret_reaches_the_files(db_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-archive-test-FAKE-KEY-0123456789"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    arc = await Archive.open(db_path)
    arc.create_session(session_row("x"))
    arc.append_messages("x", turn(0))
    arc.add_audit(AuditRecord("x", "r", "run_command", {"cmd": "ls"}, "approve", None, 1.0))
    await arc.flush()
    searched, found = _grep(db_path, secret.encode())
    assert "tabwise.db-wal" in searched and not found
    await arc.close()
    searched, found = _grep(db_path, secret.encode())
    assert "tabwise.db" in searched and not found


def _grep(db_path: Path, needle: bytes) -> tuple[list[str], list[str]]:
    """The db, -wal and -shm files there are, and those that contain ``needle``."""
    files = [p for p in db_path.parent.iterdir() if p.name.startswith(db_path.name)]
    return [p.name for p in files], [p.name for p in files if needle in p.read_bytes()]
