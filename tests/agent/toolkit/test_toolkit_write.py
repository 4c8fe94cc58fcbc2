"""write_file and edit_file against real files in tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tabwise.agent.toolkit import ToolError, edit_file, write_file


async def test_write_creates_parents_then_overwrites(tmp_path: Path) -> None:
    assert await write_file(tmp_path, "a/b/c.txt", "héllo\n") == \
        "Wrote 7 bytes to a/b/c.txt (created)."
    assert (tmp_path / "a/b/c.txt").read_text() == "héllo\n"
    assert await write_file(tmp_path, "a/b/c.txt", "new") == \
        "Wrote 3 bytes to a/b/c.txt (overwrote)."
    assert (tmp_path / "a/b/c.txt").read_text() == "new"


async def test_write_absolute_path_and_keeps_mode(tmp_path: Path) -> None:
    script = tmp_path / "run.sh"
    script.write_text("old")
    script.chmod(0o755)
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    await write_file(elsewhere, str(script), "#!/bin/sh\n")
    assert script.read_text() == "#!/bin/sh\n"
    assert os.stat(script).st_mode & 0o777 == 0o755


async def test_write_errors(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ToolError, match="dir is a directory; give the path of a file"):
        await write_file(tmp_path, "dir", "x")
    with pytest.raises(ToolError, match="a part of its path is a file"):
        await write_file(tmp_path, "file/inner/x.txt", "x")
    with pytest.raises(ToolError, match="path is empty"):
        await write_file(tmp_path, "", "x")
    with pytest.raises(ToolError, match="cannot be written as UTF-8"):
        await write_file(tmp_path, "s.txt", "bad \ud800 surrogate")
    with pytest.raises(ToolError, match="NUL character"):
        await write_file(tmp_path, "a\0b", "x")


async def test_edit_replaces_once_and_reports_line(tmp_path: Path) -> None:
    target = tmp_path / "m.py"
    target.write_text("import os\n\ndef f():\n    return 1\n")
    result = await edit_file(tmp_path, "m.py", "    return 1\n", "    x = 2\n    return x\n")
    assert result == "Edited m.py at line 4 (replaced 1 line(s) with 2)."
    assert target.read_text() == "import os\n\ndef f():\n    x = 2\n    return x\n"


async def test_edit_can_delete_text(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("keep\ndrop\nkeep too\n")
    assert "replaced 1 line(s) with 0" in await edit_file(tmp_path, "f", "drop\n", "")
    assert (tmp_path / "f").read_text() == "keep\nkeep too\n"


async def test_edit_ambiguous_says_how_many(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x = 1\nx = 1\nx = 1\n")
    with pytest.raises(ToolError, match="old_text occurs 3 times in f, but it must occur "
                                        "exactly once"):
        await edit_file(tmp_path, "f", "x = 1", "x = 2")
    assert (tmp_path / "f").read_text() == "x = 1\nx = 1\nx = 1\n"


async def test_edit_counts_overlapping_occurrences(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("aaa")
    with pytest.raises(ToolError, match="occurs 2 times"):
        await edit_file(tmp_path, "f", "aa", "b")


async def test_edit_not_found_and_empty_and_noop(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("    indented\n")
    with pytest.raises(ToolError, match=r"old_text was not found in f\. It must match the "
                                        "file exactly, including whitespace"):
        await edit_file(tmp_path, "f", "indented\n  ", "x")
    with pytest.raises(ToolError, match="old_text is empty"):
        await edit_file(tmp_path, "f", "", "x")
    with pytest.raises(ToolError, match="nothing to change"):
        await edit_file(tmp_path, "f", "indented", "indented")


async def test_edit_keeps_crlf_and_foreign_bytes(tmp_path: Path) -> None:
    target = tmp_path / "win.txt"
    target.write_bytes(b"caf\xe9\r\nold line\r\nend\r\n")
    await edit_file(tmp_path, "win.txt", "old line\nend", "new\nlines")
    assert target.read_bytes() == b"caf\xe9\r\nnew\r\nlines\r\n"


async def test_edit_file_errors(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    (tmp_path / "bin").write_bytes(b"a\0b")
    with pytest.raises(ToolError, match="missing does not exist"):
        await edit_file(tmp_path, "missing", "a", "b")
    with pytest.raises(ToolError, match="dir is a directory, not a file"):
        await edit_file(tmp_path, "dir", "a", "b")
    with pytest.raises(ToolError, match="bin is a binary file"):
        await edit_file(tmp_path, "bin", "a", "b")
